package seqrec

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/duxin-ai/duxin/internal/topk"
)

// Step is one event of a user's history: an opaque token chosen by the
// caller (e.g. "ask:Q123" or "ev:transfer.fail") and when it happened, in
// unix seconds. Histories are ordered oldest first.
type Step struct {
	Token string
	Time  int64
}

// Options configure [Train]. Start from [DefaultOptions] and change fields;
// Train rejects invalid values with an error and never adjusts them.
type Options struct {
	// IsTarget reports whether a token is a target item (something the
	// model ranks, e.g. an asked question). Nil means every token is a
	// target. Every token, target or not, is context for later targets.
	IsTarget func(token string) bool

	// Window is how many preceding steps (in step count, ≥ 1) a target is
	// paired with in training. Default 10.
	Window int

	// PairPower shapes the weight of a training pair by its step distance
	// d ≥ 1: weight 1/d^PairPower (0 = flat, 1 = sequential rules). Must be
	// ≥ 0. Default 1.
	PairPower float64

	// Backward is the weight (≥ 0) of pairs in the reverse direction: a
	// target item is also credited to tokens that followed it within
	// Window, scaled by Backward. 0 makes the model purely sequential.
	// Default 0.5.
	Backward float64

	// HistoryPower weights the step p places from the end of a history
	// (p = 1 for the most recent step) by 1/p^HistoryPower when scoring.
	// Must be ≥ 0. Default 1.
	HistoryPower float64

	// HalfLife, in seconds, decays a pair or history step by its age
	// (target time minus step time in training, now minus step time when
	// scoring) with weight 2^(-age/HalfLife). 0 disables time decay.
	// Must be ≥ 0. Default 0.
	HalfLife int64

	// MaxHistory is how many of the most recent history steps Score looks
	// at (≥ 1). Default 50.
	MaxHistory int

	// SourceNorm (α ≥ 0) divides a context token's pair weights by its total
	// pair mass to the power α, so frequent context tokens do not drown
	// rare, specific ones. Default 0.5.
	SourceNorm float64

	// TargetNorm (β ≥ 0) divides an item's sequence score by its
	// popularity to the power β, damping the popularity bias of raw
	// co-occurrence. Default 0.
	TargetNorm float64

	// PopWeight (≥ 0) adds PopWeight·pop(item)/max pop to every item's
	// score, which ranks items without sequence evidence and breaks ties.
	// Default 0.05.
	PopWeight float64

	// SecondOrder (γ ≥ 0) weighs second-order evidence: a context token
	// also credits the items that follow (or precede) the items it leads
	// to, one more step through the pair graph, scaled by γ. It lets
	// sparse histories reach items they never co-occurred with directly.
	// 0 disables it. Default 3.
	SecondOrder float64

	// SecondNorm (≥ 0) divides the evidence passing through an
	// intermediate item by that item's pair mass (as a context token) to
	// this power, so hubs do not spread everywhere. Default 0.5.
	SecondNorm float64

	// SecondFanout is how many of the items with the most first-order
	// evidence (≥ 1) pass their evidence on when scoring; it bounds the cost
	// of the second step. Default 100.
	SecondFanout int

	// MaxNeighbors keeps, per context token, only the MaxNeighbors items
	// with the largest pair weight after training (ties by item); 0 keeps
	// all. It bounds scoring time (at most MaxHistory+SecondFanout lists of
	// MaxNeighbors are read per call). Must be ≥ 0. [Model.Observe] may grow
	// lists past this bound. Default 200.
	MaxNeighbors int
}

// DefaultOptions returns the options measured best on the games benchmark
// (see the package documentation).
func DefaultOptions() Options {
	return Options{
		Window:       10,
		PairPower:    1,
		Backward:     0.5,
		HistoryPower: 1,
		MaxHistory:   50,
		SourceNorm:   0.5,
		TargetNorm:   0,
		PopWeight:    0.05,

		SecondOrder:  3,
		SecondNorm:   0.5,
		SecondFanout: 100,
		MaxNeighbors: 200,
	}
}

// Errors returned by this package.
var (
	// ErrOptions wraps every invalid [Options] field.
	ErrOptions = errors.New("seqrec: invalid options")
	// ErrFormat wraps every failure to decode a serialized model.
	ErrFormat = errors.New("seqrec: invalid model data")
)

func (o *Options) validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("%w: %s = %v, want %s", ErrOptions, field, v, want))
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	const maxInt = math.MaxInt32 // integers are stored as 32-bit values
	if o.Window < 1 || o.Window > maxInt {
		bad("Window", o.Window, "in [1, 2^31)")
	}
	if !(o.PairPower >= 0) || !finite(o.PairPower) {
		bad("PairPower", o.PairPower, ">= 0")
	}
	if !(o.Backward >= 0) || !finite(o.Backward) {
		bad("Backward", o.Backward, ">= 0")
	}
	if !(o.HistoryPower >= 0) || !finite(o.HistoryPower) {
		bad("HistoryPower", o.HistoryPower, ">= 0")
	}
	if o.HalfLife < 0 {
		bad("HalfLife", o.HalfLife, ">= 0")
	}
	if o.MaxHistory < 1 || o.MaxHistory > maxInt {
		bad("MaxHistory", o.MaxHistory, "in [1, 2^31)")
	}
	if !(o.SourceNorm >= 0) || !finite(o.SourceNorm) {
		bad("SourceNorm", o.SourceNorm, ">= 0")
	}
	if !(o.TargetNorm >= 0) || !finite(o.TargetNorm) {
		bad("TargetNorm", o.TargetNorm, ">= 0")
	}
	if !(o.PopWeight >= 0) || !finite(o.PopWeight) {
		bad("PopWeight", o.PopWeight, ">= 0")
	}
	if !(o.SecondOrder >= 0) || !finite(o.SecondOrder) {
		bad("SecondOrder", o.SecondOrder, ">= 0")
	}
	if !(o.SecondNorm >= 0) || !finite(o.SecondNorm) {
		bad("SecondNorm", o.SecondNorm, ">= 0")
	}
	if o.SecondFanout < 1 || o.SecondFanout > maxInt {
		bad("SecondFanout", o.SecondFanout, "in [1, 2^31)")
	}
	if o.MaxNeighbors < 0 || o.MaxNeighbors > maxInt {
		bad("MaxNeighbors", o.MaxNeighbors, "in [0, 2^31)")
	}
	return errors.Join(errs...)
}

// edge is a pair weight from a context token to an item.
type edge struct {
	item int32
	w    float64
}

// Model is a trained sequence model: weighted, distance-decayed
// co-occurrence from context tokens to the target items that followed (and,
// scaled by Backward, preceded) them, mixed with item popularity. It is safe
// for concurrent use; [Model.Observe] takes a write lock.
type Model struct {
	mu sync.RWMutex

	params params // the serialized part of Options

	tokens   []string         // context vocabulary; index = token id
	tokenIdx map[string]int32 // token → id
	rows     [][]edge         // per token, sorted by item
	mass     []float64        // per token, sum of its row's weights
	srcFac   []float64        // per token, mass^-SourceNorm (0 if mass is 0)

	items   []string         // target items; index = item id
	itemIdx map[string]int32 // item → id
	itemTok []int32          // per item, its token id
	pop     []float64        // per item, times it was a target
	tgtFac  []float64        // per item, pop^-TargetNorm (1 if pop is 0)
	maxPop  float64

	scratch sync.Pool // *scratch
}

// params are the Options that shape scoring and updates; they are written
// with the model. IsTarget is not: after training, the item set is explicit.
type params struct {
	Window       int
	PairPower    float64
	Backward     float64
	HistoryPower float64
	HalfLife     int64
	MaxHistory   int
	SourceNorm   float64
	TargetNorm   float64
	PopWeight    float64
	MaxNeighbors int

	SecondOrder  float64
	SecondNorm   float64
	SecondFanout int
}

func paramsOf(o Options) params {
	return params{o.Window, o.PairPower, o.Backward, o.HistoryPower, o.HalfLife,
		o.MaxHistory, o.SourceNorm, o.TargetNorm, o.PopWeight, o.MaxNeighbors,
		o.SecondOrder, o.SecondNorm, o.SecondFanout}
}

func (p params) options() Options {
	return Options{Window: p.Window, PairPower: p.PairPower, Backward: p.Backward,
		HistoryPower: p.HistoryPower, HalfLife: p.HalfLife, MaxHistory: p.MaxHistory,
		SourceNorm: p.SourceNorm, TargetNorm: p.TargetNorm, PopWeight: p.PopWeight,
		MaxNeighbors: p.MaxNeighbors, SecondOrder: p.SecondOrder,
		SecondNorm: p.SecondNorm, SecondFanout: p.SecondFanout}
}

// Train builds a model from user sequences, each ordered oldest first.
// Every target step (see Options.IsTarget) is paired with the Window steps
// before it (and, scaled by Backward, the Window steps after it). Training is
// deterministic: the same input and options give the same model, byte for
// byte once written. Empty tokens are rejected.
func Train(seqs [][]Step, opts Options) (*Model, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	isTarget := opts.IsTarget
	if isTarget == nil {
		isTarget = func(string) bool { return true }
	}
	// Vocabulary in sorted order so ids, and thus the written model, do not
	// depend on input order beyond the pair sums.
	tokSet := map[string]bool{}
	itemSet := map[string]bool{}
	for si, seq := range seqs {
		for i, s := range seq {
			if s.Token == "" {
				return nil, fmt.Errorf("seqrec: sequence %d step %d: empty token", si, i)
			}
			if !tokSet[s.Token] {
				tokSet[s.Token] = true
				if isTarget(s.Token) {
					itemSet[s.Token] = true
				}
			}
		}
	}
	m := newModel(paramsOf(opts), slices.Sorted(maps.Keys(tokSet)), slices.Sorted(maps.Keys(itemSet)))

	// Accumulate pairs per token in a map, then flatten to sorted rows.
	acc := make([]map[int32]float64, len(m.tokens))
	tokID := make([]int32, 0, 64)
	itemID := make([]int32, 0, 64)
	for _, seq := range seqs {
		tokID = tokID[:0]
		itemID = itemID[:0]
		for _, s := range seq {
			tokID = append(tokID, m.tokenIdx[s.Token])
			id, ok := m.itemIdx[s.Token]
			if !ok {
				id = -1
			}
			itemID = append(itemID, id)
		}
		for j := range seq {
			b := itemID[j]
			if b < 0 {
				continue
			}
			m.pop[b]++
			lo := max(0, j-m.params.Window)
			for i := lo; i < j; i++ {
				w := m.pairWeight(j-i, seq[j].Time-seq[i].Time)
				addPair(acc, tokID[i], b, w)
			}
			if m.params.Backward > 0 {
				hi := min(len(seq), j+m.params.Window+1)
				for i := j + 1; i < hi; i++ {
					w := m.params.Backward * m.pairWeight(i-j, seq[i].Time-seq[j].Time)
					addPair(acc, tokID[i], b, w)
				}
			}
		}
	}
	for t, row := range acc {
		if len(row) == 0 {
			continue
		}
		es := make([]edge, 0, len(row))
		for it, w := range row {
			es = append(es, edge{it, w})
		}
		if k := m.params.MaxNeighbors; k > 0 && len(es) > k {
			es = topk.Select(es, k, heavier)
		}
		slices.SortFunc(es, func(x, y edge) int { return int(x.item - y.item) })
		m.rows[t] = es
	}
	m.refresh()
	return m, nil
}

func addPair(acc []map[int32]float64, a, b int32, w float64) {
	if w == 0 {
		return
	}
	if acc[a] == nil {
		acc[a] = map[int32]float64{}
	}
	acc[a][b] += w
}

// heavier orders edges by weight, largest first, ties by smaller item id.
func heavier(x, y edge) bool {
	if x.w != y.w {
		return x.w > y.w
	}
	return x.item < y.item
}

func newModel(p params, tokens, items []string) *Model {
	m := &Model{
		params:   p,
		tokens:   tokens,
		tokenIdx: make(map[string]int32, len(tokens)),
		rows:     make([][]edge, len(tokens)),
		mass:     make([]float64, len(tokens)),
		srcFac:   make([]float64, len(tokens)),
		items:    items,
		itemIdx:  make(map[string]int32, len(items)),
		pop:      make([]float64, len(items)),
		tgtFac:   make([]float64, len(items)),
	}
	for i, t := range tokens {
		m.tokenIdx[t] = int32(i)
	}
	m.itemTok = make([]int32, len(items))
	for i, t := range items {
		m.itemIdx[t] = int32(i)
		m.itemTok[i] = m.tokenIdx[t]
	}
	return m
}

// pairWeight is the weight of a pair d ≥ 1 steps and age seconds apart.
func (m *Model) pairWeight(d int, age int64) float64 {
	w := 1.0
	if m.params.PairPower != 0 {
		w = math.Pow(float64(d), -m.params.PairPower)
	}
	return w * m.timeDecay(age)
}

func (m *Model) timeDecay(age int64) float64 {
	if m.params.HalfLife == 0 || age <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(m.params.HalfLife))
}

// refresh recomputes the derived per-token and per-item factors.
func (m *Model) refresh() {
	for t := range m.rows {
		m.refreshToken(int32(t))
	}
	m.maxPop = 0
	for b := range m.pop {
		m.refreshItem(int32(b))
	}
}

func (m *Model) refreshToken(t int32) {
	s := 0.0
	for _, e := range m.rows[t] {
		s += e.w
	}
	m.mass[t] = s
	m.srcFac[t] = 0
	if s > 0 {
		m.srcFac[t] = math.Pow(s, -m.params.SourceNorm)
	}
}

func (m *Model) refreshItem(b int32) {
	p := m.pop[b]
	m.tgtFac[b] = 1
	if p > 0 {
		m.tgtFac[b] = math.Pow(p, -m.params.TargetNorm)
	}
	m.maxPop = max(m.maxPop, p)
}

// Options returns the options the model was trained with (IsTarget is nil:
// the item set is fixed by training and [Model.Observe]).
func (m *Model) Options() Options {
	return m.params.options()
}

// NumItems returns the number of target items the model can score; item ids
// run from 0 to NumItems()-1 and only grow (through [Model.Observe]).
func (m *Model) NumItems() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.items)
}

// Item returns the token of item id i, or "" if i is out of range.
func (m *Model) Item(i int) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if i < 0 || i >= len(m.items) {
		return ""
	}
	return m.items[i]
}

// Token returns the model's own copy of a context token given as bytes,
// and whether the model knows it. It does not allocate, so a caller that
// builds tokens in a buffer can make steps of them for free; a token the
// model does not know adds nothing to a score, whatever its text.
func (m *Model) Token(b []byte) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.tokenIdx[string(b)]
	if !ok {
		return "", false
	}
	return m.tokens[id], true
}

// ItemIndex returns the id of an item token.
func (m *Model) ItemIndex(token string) (int, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.itemIdx[token]
	return int(i), ok
}

// Prior returns the score of an item given no sequence evidence: its
// popularity term PopWeight·pop/max pop. Unknown items score 0.
func (m *Model) Prior(item string) float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.itemIdx[item]
	if !ok {
		return 0
	}
	return m.prior(b)
}

func (m *Model) prior(b int32) float64 {
	if m.maxPop == 0 {
		return 0
	}
	return m.params.PopWeight * m.pop[b] / m.maxPop
}

// scratch is a dense accumulator reused across Score calls.
type scratch struct {
	acc     []float64
	touched []int32
	hops    []edge
	slot    []int32 // ExplainItems: item → target or fan-out slot, zero between calls
	via     []int32
	shares  []share
	xhops   []explainHop
	flat    []flatContribution
}

// flatContribution is a contribution to the k-th explained item.
type flatContribution struct {
	k int32
	c Contribution
}

// share is what a fan-out item passes on to explained target k per unit of
// its first-order evidence: γ·mass(c)^-SecondNorm·A[c][b_k].
type share struct {
	k   int32
	per float64
}

// explainHop is a fan-out item and its shares, shares[from:to].
type explainHop struct {
	item     int32
	from, to int
}

// historyWeight is the scoring weight of the step p ≥ 1 places from the end.
func (m *Model) historyWeight(p int, age int64) float64 {
	w := 1.0
	if m.params.HistoryPower != 0 {
		w = math.Pow(float64(p), -m.params.HistoryPower)
	}
	return w * m.timeDecay(age)
}

// accumulate adds the sequence evidence of history into s (caller holds the
// read lock): first-order pairs from each recent step, then, if SecondOrder
// is set, the pairs of the SecondFanout items with the most first-order
// evidence. Items touched for the first time are listed in s.touched.
func (m *Model) accumulate(history []Step, now int64, s *scratch) {
	if cap(s.acc) < len(m.items) {
		s.acc = make([]float64, len(m.items))
	}
	s.acc = s.acc[:len(m.items)]
	s.touched = s.touched[:0]
	lo := max(0, len(history)-m.params.MaxHistory)
	for i := len(history) - 1; i >= lo; i-- {
		t, ok := m.tokenIdx[history[i].Token]
		if !ok || m.srcFac[t] == 0 {
			continue
		}
		w := m.historyWeight(len(history)-i, now-history[i].Time) * m.srcFac[t]
		m.addRow(s, m.rows[t], w)
	}
	if m.params.SecondOrder == 0 || len(s.touched) == 0 {
		return
	}
	// Pick the fan-out items and fix their weights before spreading, so
	// the second step reads first-order evidence only.
	s.hops = m.topItems(s, s.hops[:0])
	for i, h := range s.hops {
		t := m.itemTok[h.item]
		f := 0.0
		if m.mass[t] > 0 {
			f = m.params.SecondOrder * h.w * math.Pow(m.mass[t], -m.params.SecondNorm)
		}
		s.hops[i].w = f
	}
	for _, h := range s.hops {
		if h.w != 0 {
			m.addRow(s, m.rows[m.itemTok[h.item]], h.w)
		}
	}
}

// addRow adds w·row to s.acc.
func (m *Model) addRow(s *scratch, row []edge, w float64) {
	if w == 0 {
		return
	}
	acc, touched := s.acc, s.touched // in locals: the loop is every request's hottest
	for _, e := range row {
		if acc[e.item] == 0 {
			touched = append(touched, e.item)
		}
		acc[e.item] += w * e.w
	}
	s.touched = touched
}

// topItems returns the SecondFanout touched items with the largest
// accumulated evidence (ties by smaller id), largest first, in dst's array.
func (m *Model) topItems(s *scratch, dst []edge) []edge {
	return m.topN(s, m.params.SecondFanout, dst)
}

// topN returns the k touched items with the largest s.acc (ties by smaller
// id), largest first, in dst's array. It is topk's bounded heap written
// out for edges, so that the comparisons inline: every request runs it
// over every touched item.
func (m *Model) topN(s *scratch, k int, dst []edge) []edge {
	h := dst[:0] // a heap with the lightest kept edge at h[0]
	if k <= 0 {
		return h
	}
	for _, b := range s.touched {
		e := edge{b, s.acc[b]}
		switch {
		case len(h) < k:
			h = append(h, e)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !heavier(h[p], h[i]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
		case heavier(e, h[0]):
			h[0] = e
			edgeDown(h, 0)
		}
	}
	for end := len(h) - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		edgeDown(h[:end], 0)
	}
	return h
}

// edgeDown moves h[i] down the heap of topN until no child is lighter.
func edgeDown(h []edge, i int) {
	for {
		w, l := i, 2*i+1
		if l >= len(h) {
			return
		}
		if heavier(h[w], h[l]) {
			w = l
		}
		if r := l + 1; r < len(h) && heavier(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

func (m *Model) getScratch() *scratch {
	if s, ok := m.scratch.Get().(*scratch); ok {
		return s
	}
	return &scratch{}
}

func (m *Model) putScratch(s *scratch) {
	for _, b := range s.touched {
		s.acc[b] = 0
	}
	s.touched = s.touched[:0]
	m.scratch.Put(s)
}

// Scores returns the score of every item, indexed by item id (see
// [Model.Item]), for a user whose history (oldest first) is given, at time
// now (unix seconds). It reuses dst when it has the capacity. Higher is
// better; items without sequence evidence score their [Model.Prior].
func (m *Model) Scores(history []Step, now int64, dst []float64) []float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.getScratch()
	m.accumulate(history, now, s)
	dst = slices.Grow(dst[:0], len(m.items))[:len(m.items)]
	for b := range dst {
		dst[b] = m.prior(int32(b))
	}
	for _, b := range s.touched {
		dst[b] += s.acc[b] * m.tgtFac[b]
	}
	m.putScratch(s)
	return dst
}

// ItemScore is an item id (see [Model.Item]) and its score.
type ItemScore struct {
	Item  int
	Score float64
}

// AppendEvidence appends to dst every item with sequence evidence from
// history at time now, with the score [Model.Scores] gives it, in no
// particular order (but deterministic), and returns dst. Every other item
// scores its prior ([Model.PriorOf]). The cost grows with the evidence,
// not with the number of items.
func (m *Model) AppendEvidence(history []Step, now int64, dst []ItemScore) []ItemScore {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.getScratch()
	m.accumulate(history, now, s)
	dst = slices.Grow(dst, len(s.touched))
	for _, b := range s.touched {
		dst = append(dst, ItemScore{int(b), m.prior(b) + s.acc[b]*m.tgtFac[b]})
	}
	m.putScratch(s)
	return dst
}

// PriorOf returns the prior ([Model.Prior]) of item id i, 0 if out of range.
func (m *Model) PriorOf(i int) float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if i < 0 || i >= len(m.items) {
		return 0
	}
	return m.prior(int32(i))
}

// MaxPrior returns the largest prior of any item: PopWeight once any item
// has been a target, else 0.
func (m *Model) MaxPrior() float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.maxPop == 0 {
		return 0
	}
	return m.params.PopWeight
}

// Scored is an item and its score.
type Scored struct {
	Item  string
	Score float64
}

// Top appends to dst the k best-scoring items with sequence evidence from
// history at time now, best first (ties by item token), and returns it.
// Items without evidence score their [Model.Prior] and are left out, so
// fewer than k may come back; the cost grows with the evidence, not with
// the number of items.
func (m *Model) Top(history []Step, now int64, k int, dst []Scored) []Scored {
	if k <= 0 {
		return dst
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.getScratch()
	m.accumulate(history, now, s)
	for _, b := range s.touched {
		s.acc[b] = m.prior(b) + s.acc[b]*m.tgtFac[b]
	}
	best := m.topN(s, k, s.hops[:0])
	s.hops = best
	start := len(dst)
	for _, e := range best {
		dst = append(dst, Scored{m.items[e.item], e.w})
	}
	out := dst[start:]
	slices.SortStableFunc(out, func(x, y Scored) int {
		switch {
		case x.Score > y.Score:
			return -1
		case x.Score < y.Score:
			return 1
		}
		return strings.Compare(x.Item, y.Item)
	})
	m.putScratch(s)
	return dst
}

// Contribution is the part of an item's sequence score owed to one history
// step.
type Contribution struct {
	StepIndex int     // index into the history passed to Explain
	Weight    float64 // added to the item's score by that step
}

// Explain returns the history steps that raised item's score, largest
// contribution first (ties by later step first), for explanations such as
// "because you asked X". The weights sum to the item's score minus its
// [Model.Prior]. It returns nil for an unknown item or no evidence.
func (m *Model) Explain(history []Step, now int64, item string) []Contribution {
	return m.ExplainItems(history, now, []string{item})[0]
}

// ExplainItems is [Model.Explain] for several items with one pass over the
// history: out[k] explains items[k]. Its cost is one scoring pass plus a
// read of each recent step's pair list, whatever the number of items, so
// explaining a whole suggestion list costs about as much as one item.
func (m *Model) ExplainItems(history []Step, now int64, items []string) [][]Contribution {
	out := make([][]Contribution, len(items))
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.getScratch()
	defer m.putScratch(s)
	// Targets: item id → slot k (first occurrence); -1 for none.
	ids := make([]int32, len(items))
	nk := 0
	for k, it := range items {
		ids[k] = -1
		if b, ok := m.itemIdx[it]; ok {
			ids[k] = b
			nk++
		}
	}
	if nk == 0 {
		return out
	}
	m.accumulate(history, now, s) // fills s.hops with the fan-out items
	n := len(m.items)
	if cap(s.slot) < n {
		s.slot = make([]int32, n)
	}
	s.slot = s.slot[:n]
	slot, via := s.slot, s.via[:0]
	// slot[b] is 1+k for target k, -(1+j) for fan-out item j (an item
	// that is both gets its target slot and a via entry found by scan).
	hops := s.xhops[:0]
	for k, b := range ids {
		if b >= 0 && slot[b] == 0 {
			slot[b] = int32(k + 1)
		}
	}
	// Each hop item c passes on γ·mass(c)^-SecondNorm·A[c][b] per unit of its
	// first-order evidence; the step's share is its own A[t][c] part.
	shares := s.shares[:0]
	for _, h := range s.hops {
		if h.w == 0 {
			continue
		}
		ct := m.itemTok[h.item]
		f := m.params.SecondOrder * math.Pow(m.mass[ct], -m.params.SecondNorm)
		start := len(shares)
		for k, b := range ids {
			if b < 0 || slot[b] != int32(k+1) {
				continue // unknown, or a duplicate summed in its first slot
			}
			if w := edgeWeight(m.rows[ct], b); w > 0 {
				shares = append(shares, share{int32(k), f * w})
			}
		}
		if len(shares) > start {
			hops = append(hops, explainHop{h.item, start, len(shares)})
		}
	}
	s.shares, s.xhops = shares, hops
	for j, h := range hops {
		if slot[h.item] == 0 {
			slot[h.item] = -int32(j + 1)
		}
	}
	via = slices.Grow(via, len(hops))[:len(hops)]
	for j, h := range hops {
		via[j] = h.item
	}
	s.via = via
	viaOf := func(c int32) int { // index into hops, or -1
		switch x := slot[c]; {
		case x < 0:
			return int(-x - 1)
		case x > 0 && len(hops) > 0:
			// A target that is also a fan-out item.
			if j := slices.Index(via, c); j >= 0 {
				return j
			}
		}
		return -1
	}
	pw := make([]float64, len(items))
	flat := s.flat[:0]
	lo := max(0, len(history)-m.params.MaxHistory)
	for i := len(history) - 1; i >= lo; i-- {
		t, ok := m.tokenIdx[history[i].Token]
		if !ok || m.srcFac[t] == 0 {
			continue
		}
		clear(pw)
		touched := false
		for _, e := range m.rows[t] {
			x := slot[e.item]
			if x == 0 {
				continue
			}
			if x > 0 {
				pw[x-1] += e.w
				touched = true
			}
			if j := viaOf(e.item); j >= 0 {
				for _, sh := range shares[hops[j].from:hops[j].to] {
					pw[sh.k] += e.w * sh.per
					touched = true
				}
			}
		}
		if !touched {
			continue
		}
		hw := m.historyWeight(len(history)-i, now-history[i].Time) * m.srcFac[t]
		for k, b := range ids {
			if b < 0 {
				continue
			}
			x := pw[int(slot[b]-1)] // duplicates share the first slot's sum
			if x == 0 {
				continue
			}
			if w := hw * x * m.tgtFac[b]; w > 0 {
				flat = append(flat, flatContribution{int32(k), Contribution{StepIndex: i, Weight: w}})
			}
		}
	}
	s.flat = flat
	// One backing array for all lists, cut by item.
	off := make([]int, len(items)+1)
	for _, f := range flat {
		off[f.k+1]++
	}
	for k := range items {
		off[k+1] += off[k]
	}
	all := make([]Contribution, len(flat))
	for k := range items {
		if off[k+1] > off[k] {
			out[k] = all[off[k]:off[k]:off[k+1]]
		}
	}
	for _, f := range flat {
		out[f.k] = append(out[f.k], f.c)
	}
	for k, b := range ids {
		if b >= 0 {
			slot[b] = 0
		}
		slices.SortStableFunc(out[k], func(x, y Contribution) int {
			switch {
			case x.Weight > y.Weight:
				return -1
			case x.Weight < y.Weight:
				return 1
			}
			return y.StepIndex - x.StepIndex
		})
	}
	for _, h := range hops {
		slot[h.item] = 0
	}
	return out
}

// Observe learns from one new target event without retraining: target
// followed history (oldest first). It adds exactly the pairs that appending
// target to the sequence would add in [Train] — history steps within Window
// credit target, and target (scaled by Backward) credits the items among
// them — and counts target once more in popularity. A new target becomes a
// new item; new tokens become context. Observe takes the write lock, so it is
// safe alongside Score but serializes with it.
func (m *Model) Observe(history []Step, target string, at int64) error {
	if target == "" {
		return fmt.Errorf("seqrec: observe: empty target")
	}
	for i, s := range history {
		if s.Token == "" {
			return fmt.Errorf("seqrec: observe: history step %d: empty token", i)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.addItem(target)
	bt := m.addToken(target)
	m.pop[b]++
	lo := max(0, len(history)-m.params.Window)
	for i := len(history) - 1; i >= lo; i-- {
		d := len(history) - i
		t := m.addToken(history[i].Token)
		m.addEdge(t, b, m.pairWeight(d, at-history[i].Time))
		if m.params.Backward > 0 {
			if hb, ok := m.itemIdx[history[i].Token]; ok {
				m.addEdge(bt, hb, m.params.Backward*m.pairWeight(d, at-history[i].Time))
			}
		}
	}
	// Factors depend on row sums and popularity: refresh what changed.
	for i := lo; i < len(history); i++ {
		m.refreshToken(m.tokenIdx[history[i].Token])
	}
	m.refreshToken(bt)
	m.refreshItem(b)
	return nil
}

// edgeWeight returns the weight of item b in a sorted row, or 0.
func edgeWeight(row []edge, b int32) float64 {
	k, found := slices.BinarySearchFunc(row, b, func(e edge, b int32) int { return int(e.item - b) })
	if !found {
		return 0
	}
	return row[k].w
}

func (m *Model) addItem(tok string) int32 {
	if b, ok := m.itemIdx[tok]; ok {
		return b
	}
	b := int32(len(m.items))
	m.items = append(m.items, tok)
	m.itemIdx[tok] = b
	m.itemTok = append(m.itemTok, m.addToken(tok))
	m.pop = append(m.pop, 0)
	m.tgtFac = append(m.tgtFac, 1)
	return b
}

func (m *Model) addToken(tok string) int32 {
	if t, ok := m.tokenIdx[tok]; ok {
		return t
	}
	t := int32(len(m.tokens))
	m.tokens = append(m.tokens, tok)
	m.tokenIdx[tok] = t
	m.rows = append(m.rows, nil)
	m.mass = append(m.mass, 0)
	m.srcFac = append(m.srcFac, 0)
	return t
}

// addEdge adds w to the pair (t, b), keeping the row sorted by item. The
// caller holds the write lock.
func (m *Model) addEdge(t, b int32, w float64) {
	if w == 0 {
		return
	}
	row := m.rows[t]
	k, found := slices.BinarySearchFunc(row, b, func(e edge, b int32) int { return int(e.item - b) })
	if found {
		row[k].w += w
		return
	}
	m.rows[t] = slices.Insert(row, k, edge{b, w})
}

// String describes the model's size, for logs.
func (m *Model) String() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, r := range m.rows {
		n += len(r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "seqrec.Model{tokens: %d, items: %d, pairs: %d}", len(m.tokens), len(m.items), n)
	return b.String()
}
