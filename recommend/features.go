package recommend

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/internal/needs"
	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/internal/topk"
	"github.com/duxin-ai/duxin/kb"
)

// evidence is the sparse, user-specific part of a question's features and
// what produced it (indexes into view.hist; -1 for none).
type evidence struct {
	f       feat // only fTrigger, fHistory, fRelated, fSearch are set here
	ev      [nFeat]int
	q       string // question id
	idx     int    // its catalog index, -1 outside the catalog
	rule    *ruleGroup
	related string // for fRelated: the asked question it is related to
}

func newEvidence(q string, idx int) evidence {
	e := evidence{q: q, idx: idx}
	for i := range e.ev {
		e.ev[i] = -1
	}
	return e
}

// view is everything known about one user at one moment.
type view struct {
	now   time.Time
	hist  []Event // at or before now, oldest first
	visit *Event  // the request's context as an open event, or nil
	// histBuf holds hist when the store can append into it (RecentAppender).
	histBuf []Event
	buf     requestBuffers

	// The sequence model's evidence.
	steps    []seqrec.Step
	stepEv   []int              // step → index in hist
	seqEv    []seqrec.ItemScore // items with sequence evidence and their scores
	seqScore []float64          // by seqrec item id: its score in seqEv, else 0
	seqTop   []int              // the seqCandidates best item ids, best first
	seqMax   float64

	// The need model's evidence and rates.
	mo         moment
	learnedRaw []float64         // by need-model target: rates before context
	learned    []float64         // by need-model target: rates
	learnedMax float64           // 0 when no question rises above its base rate
	learnedTop []int32           // the learnedCandidates most probable targets, best first
	locs       []needs.Located   // mo.ev on the need model's time basis, once rates are computed
	post       [maxKinds]float64 // the kinds of user: a posterior

	cat   *catalog
	evOf  []int32          // catalog index → 1 + index into evs, 0 for none
	other map[string]int32 // the same for questions outside the catalog
	evs   []evidence
}

// Source tuning, fixed for now.
const (
	historyDecay      = 7 * 24 * time.Hour // fHistory: e-folding time
	relatedWindow     = 24 * time.Hour     // asks whose related questions count
	relatedAsks       = 3                  // how many recent distinct asks
	relatedLimit      = 5
	searchWindow      = 24 * time.Hour
	searchCount       = 2 // how many recent searches
	searchLimit       = 5
	searchHalf        = time.Hour // fSearch halves every hour
	seqCandidates     = 50        // best sequence-model items that become candidates
	learnedCandidates = 50        // most probable need-model questions that become candidates
)

// sources is what building a view needs: a catalog, a model, the knowledge
// base to search.
type sources struct {
	cat   *catalog
	model *Model
	kb    Catalog // may be nil
	// crowd is the crowd's evidence for the model's need model at the
	// view's moment (shared: not modified).
	crowd []needs.Evidence
}

// buildView computes the user-specific evidence from hist (oldest first;
// events after now are ignored) and the request's context (nil: none
// given).
//
// v, if not nil, is a view whose buffers are reused (see reset).
func (s *sources) buildView(ctx context.Context, hist []Event, now time.Time, visit map[string]string, v *view) (*view, error) {
	end := len(hist)
	for end > 0 && hist[end-1].Time.After(now) {
		end--
	}
	if v == nil {
		v = &view{}
	}
	v.reset(s.cat)
	v.now, v.hist = now, hist[:end]
	if visit != nil {
		v.visit = &Event{Time: now, Type: TypeOpen, Attrs: visit}
	}
	s.resolveHistory(v)
	s.triggerAndHistory(v)
	s.sequence(v)
	s.learnedRates(v, visit)
	if s.kb == nil {
		return v, nil
	}
	if err := s.relatedAndSearch(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// triggerAndHistory sets the trigger and history features.
func (s *sources) triggerAndHistory(v *view) {
	for i := range v.hist {
		e := &v.hist[i]
		age := v.now.Sub(e.Time)
		if e.Type == TypeAsk {
			h := math.Exp(-float64(age) / float64(historyDecay))
			ev := v.get(e.Question)
			if h >= ev.f[fHistory] {
				ev.f[fHistory], ev.ev[fHistory] = h, i
			}
			continue
		}
		if s.cat == nil || age > s.cat.maxWindow {
			continue
		}
		groups := s.cat.byType[e.Type] // filtered by matches below
		matched := false
		if key := v.buf.refs.keyOf(i); key != nil && len(groups) > 0 {
			groups, matched = s.cat.matching(e, key), true
		}
		for _, g := range groups {
			win := time.Duration(g.t.Window)
			if age > win || !matched && !g.matches(e.Attrs) {
				continue
			}
			x := g.t.Weight * (1 - 0.5*float64(age)/float64(win))
			for _, fi := range g.faqs {
				ev := v.getIdx(fi)
				if x > ev.ruleValue() {
					ev.ev[fTrigger], ev.rule = i, g
				}
				ev.f[fTrigger] = 1 - (1-ev.f[fTrigger])*(1-x)
			}
		}
	}
}

// resolveHistory resolves what the history's events give the model (see
// Model.resolveHistory) into v's buffers, for sequence and learnedRates.
func (s *sources) resolveHistory(v *view) {
	maxAge := 0.0
	if nm := s.model.needs; nm != nil {
		maxAge = nm.MaxAge().Seconds()
	}
	s.model.resolveHistory(v.hist, v.now.Unix(), maxAge, s.seqFrom(v), &v.mo.kr, &v.buf.refs)
}

// seqFrom returns the first event of v's history the sequence model reads:
// of the last MaxHistory (len(v.hist) when there is no sequence model).
func (s *sources) seqFrom(v *view) int {
	seq := s.model.seq
	if seq == nil || seq.NumItems() == 0 {
		return len(v.hist)
	}
	return max(0, len(v.hist)-seq.Options().MaxHistory)
}

// sequence runs the sequence model over the last MaxHistory events (each
// gives at most two steps).
func (s *sources) sequence(v *view) {
	seq := s.model.seq
	if seq == nil || seq.NumItems() == 0 {
		return
	}
	for i := s.seqFrom(v); i < len(v.hist); i++ {
		t := v.hist[i].Time.Unix()
		for _, tok := range v.buf.refs.evs[i].toks {
			v.steps = append(v.steps, seqrec.Step{Token: tok, Time: t})
			v.stepEv = append(v.stepEv, i)
		}
	}
	v.seqEv = seq.AppendEvidence(v.steps, v.now.Unix(), v.seqEv[:0])
	n := seq.NumItems()
	if cap(v.seqScore) < n {
		v.seqScore = make([]float64, n) // zero; reset keeps it so
	}
	v.seqScore = v.seqScore[:n]
	for _, x := range v.seqEv {
		if x.Item < n {
			v.seqScore[x.Item] = x.Score
		}
	}
	v.seqTop, v.buf.seqBest = topEvidence(v.seqEv, seqCandidates, v.seqTop[:0], v.buf.seqBest)
	// The sequence feature is relative to the best score. When no item
	// with evidence beats the best prior (popularity alone), the scores say
	// nothing the popularity feature does not: the feature is then 0
	// rather than a second, full-strength popularity (which let one
	// recorded ask outrank every trigger in a cold engine).
	if len(v.seqTop) > 0 {
		if best := v.seqScore[v.seqTop[0]]; best > seq.MaxPrior() {
			v.seqMax = best
		}
	}
}

// learnedRates runs the need model: every question's rate given the
// history, the profile and the visit.
func (s *sources) learnedRates(v *view, visit map[string]string) {
	nm := s.model.needs
	if nm == nil {
		return
	}
	s.model.schema.build(&v.mo, v.hist, v.buf.refs.historyRefs(), v.now.Unix(), nm.MaxAge().Seconds(), visit, modelSink{nm}, s.model.clock)
	v.mo.addCrowd(s.crowd)
	if k := s.model.kinds; k != nil && v.buf.refs.posterior(k, v.post[:len(k.logPrior)]) {
		n := len(v.mo.ev)
		v.mo.ev = s.model.kindsView.evidence(v.mo.ev, v.post[:len(k.logPrior)])
		for range len(v.mo.ev) - n {
			v.mo.src = append(v.mo.src, kindSrc)
		}
	}
	// The feature is relative to the most probable question, and only
	// when the evidence moves the ranking away from the base rates: with
	// no evidence it would be a second popularity, so it is not computed.
	if len(v.mo.ev) == 0 && len(v.mo.ctx) == 0 {
		return
	}
	n := nm.NumTargets()
	v.learnedRaw, v.learned = grow(v.learnedRaw, n), grow(v.learned, n)
	v.locs = nm.Locate(v.mo.ev, v.locs)
	nm.RatesLocated(v.mo.ev, v.locs, v.learnedRaw)
	copy(v.learned, v.learnedRaw)
	if len(v.mo.ctx) > 0 {
		nm.ApplyContext(v.mo.ctx, v.learned)
	}
	v.learnedTop = topRates(v.learned, learnedCandidates, v.learnedTop, nm.TargetKey)
	if len(v.learnedTop) > 0 {
		v.learnedMax = v.learned[v.learnedTop[0]]
	}
}

// relatedAndSearch sets the related feature from the user's recent asks and
// the search feature from their recent searches.
func (s *sources) relatedAndSearch(ctx context.Context, v *view) error {
	seen := map[string]bool{}
	for i := len(v.hist) - 1; i >= 0 && len(seen) < relatedAsks; i-- {
		e := &v.hist[i]
		age := v.now.Sub(e.Time)
		if age > relatedWindow {
			break
		}
		if e.Type != TypeAsk || seen[e.Question] {
			continue
		}
		seen[e.Question] = true
		hits, err := s.related(ctx, e.Question)
		if err != nil {
			return err
		}
		rec := 1 - 0.5*float64(age)/float64(relatedWindow)
		top := topScore(hits)
		for _, h := range hits {
			// How likely the entry answers the search: the knowledge
			// base's calibrated confidence when it gives one (kb.Index
			// with a calibrated ranker), else the score relative to the
			// best hit's.
			x := rec * h.Score / top
			if h.Confidence > 0 {
				x = rec * h.Confidence
			}
			ev := v.get(h.FAQ.ID)
			if x > ev.f[fRelated] {
				ev.f[fRelated], ev.ev[fRelated], ev.related = x, i, e.Question
			}
		}
	}
	searches := 0
	for i := len(v.hist) - 1; i >= 0 && searches < searchCount; i-- {
		e := &v.hist[i]
		age := v.now.Sub(e.Time)
		if age > searchWindow {
			break
		}
		if e.Type != TypeSearch || strings.TrimSpace(e.Text) == "" {
			continue
		}
		searches++
		hits, err := s.search(ctx, e.Text)
		if err != nil {
			return err
		}
		rec := math.Exp2(-float64(age) / float64(searchHalf))
		top := topScore(hits)
		for _, h := range hits {
			// How likely the entry answers the search: the knowledge
			// base's calibrated confidence when it gives one (kb.Index
			// with a calibrated ranker), else the score relative to the
			// best hit's.
			x := rec * h.Score / top
			if h.Confidence > 0 {
				x = rec * h.Confidence
			}
			ev := v.get(h.FAQ.ID)
			if x > ev.f[fSearch] {
				ev.f[fSearch], ev.ev[fSearch] = x, i
			}
		}
	}
	return nil
}

// requestBuffers are Recommend's own scratch slices, kept with the view so
// that they are reused across requests.
type requestBuffers struct {
	seen, taken      bitset
	cands            []int
	pool, base       []scoredCand
	out, picked, was []scoredCand
	scored           []scoredCand // every candidate, scored
	top              []int32      // the best of scored
	mmr              mmrScratch
	text             []byte   // the explainer's (see explainer.agoText)
	rs               []Reason // the explainer's scratch (see explainer.keep)
	evs              []Event
	refs             refScratch
	stats            statsBuffers
	attrT            []int32 // the explainer's targets (see explainer.attribute)
	seqBest          []seqrec.ItemScore
	// The explainer's attribution matrix (see explainer.attribute).
	attrFlat []float64
	attrRows [][]float64
}

// statsBuffers are the exploration's scratch slices (see
// Engine.questionStats).
type statsBuffers struct {
	ids     []string
	out     []QuestionStats
	missing []int
}

// reset empties v for a request over cat, keeping its buffers.
func (v *view) reset(cat *catalog) {
	n := 0
	if cat != nil {
		n = len(cat.faqs)
	}
	switch {
	case cap(v.evOf) < n:
		v.evOf = make([]int32, n)
	case v.cat == cat && len(v.evOf) == n:
		for k := range v.evs { // the entries the last request set, not all
			if i := v.evs[k].idx; i >= 0 {
				v.evOf[i] = 0
			}
		}
	default:
		v.evOf = v.evOf[:n]
		clear(v.evOf)
	}
	for _, x := range v.seqEv {
		if x.Item < len(v.seqScore) {
			v.seqScore[x.Item] = 0
		}
	}
	clear(v.other)
	clear(v.evs) // drop references to strings and rule groups
	v.mo.reset()
	*v = view{cat: cat, histBuf: v.histBuf, buf: v.buf, evOf: v.evOf, other: v.other, evs: v.evs[:0],
		steps: v.steps[:0], stepEv: v.stepEv[:0], seqEv: v.seqEv[:0], seqScore: v.seqScore,
		seqTop: v.seqTop[:0], mo: v.mo, learnedRaw: v.learnedRaw[:0], learned: v.learned[:0], learnedTop: v.learnedTop[:0], locs: v.locs[:0]}
}

// lookup returns the evidence of question q, or nil.
func (v *view) lookup(q string) *evidence {
	if v.cat != nil {
		if i, ok := v.cat.idx[q]; ok {
			return v.lookupIdx(i)
		}
	}
	if k := v.other[q]; k > 0 {
		return &v.evs[k-1]
	}
	return nil
}

// lookupIdx returns the evidence of catalog entry i, or nil.
func (v *view) lookupIdx(i int) *evidence {
	if k := v.evOf[i]; k > 0 {
		return &v.evs[k-1]
	}
	return nil
}

// get returns the evidence of q, creating it. The pointer is valid until
// the next get.
func (v *view) get(q string) *evidence {
	if v.cat != nil {
		if i, ok := v.cat.idx[q]; ok {
			return v.getIdx(i)
		}
	}
	if k := v.other[q]; k > 0 {
		return &v.evs[k-1]
	}
	if v.other == nil {
		v.other = map[string]int32{}
	}
	v.evs = append(v.evs, newEvidence(q, -1))
	v.other[q] = int32(len(v.evs))
	return &v.evs[len(v.evs)-1]
}

func (v *view) getIdx(i int) *evidence {
	if k := v.evOf[i]; k > 0 {
		return &v.evs[k-1]
	}
	v.evs = append(v.evs, newEvidence(v.cat.faqs[i].ID, i))
	v.evOf[i] = int32(len(v.evs))
	return &v.evs[len(v.evs)-1]
}

func (e *evidence) ruleValue() float64 {
	if e.rule == nil {
		return 0
	}
	return e.rule.t.Weight
}

func topScore(hits []kb.Hit) float64 {
	top := 0.0
	for _, h := range hits {
		top = max(top, h.Score)
	}
	if top <= 0 {
		return 1
	}
	return top
}

// features returns the full feature vector of question q in view v.
func (s *sources) features(v *view, q string) feat {
	var f feat
	if ev := v.lookup(q); ev != nil {
		f = ev.f
	}
	if v.seqMax > 0 {
		if i, ok := s.model.seq.ItemIndex(seqrec.AskPrefix + q); ok {
			f[fSequence] = v.seqFeature(i, s.model.seq.PriorOf)
		}
	}
	if v.learnedMax > 0 {
		if t, ok := s.model.needs.Target(q); ok {
			f[fLearned] = v.learned[t] / v.learnedMax
		}
	}
	f[fPopular] = s.model.popFeature(q)
	f[fTrending] = s.model.trendFeature(q)
	return f
}

// seqFeature is the sequence feature of seqrec item id: its score relative
// to the best, the prior (from prior) for an item without evidence. Call
// only when v.seqMax > 0.
func (v *view) seqFeature(id int, prior func(int) float64) float64 {
	x := 0.0
	if id < len(v.seqScore) {
		x = v.seqScore[id]
	}
	if x == 0 {
		x = prior(id)
	}
	return x / v.seqMax
}

// topEvidence appends to top the item ids of the k best-scoring entries of
// ev, best first, ties by smaller id; best is scratch space.
//
// It is topk's bounded heap written out, so that the comparisons inline:
// every request runs it over every item with evidence.
func topEvidence(ev []seqrec.ItemScore, k int, top []int, best []seqrec.ItemScore) ([]int, []seqrec.ItemScore) {
	h := best[:0] // a heap with the worst kept entry at h[0]
	if k > 0 {
		for _, e := range ev {
			switch {
			case len(h) < k:
				h = append(h, e)
				for i := len(h) - 1; i > 0; {
					p := (i - 1) / 2
					if !betterEvidence(h[p], h[i]) {
						break
					}
					h[i], h[p] = h[p], h[i]
					i = p
				}
			case betterEvidence(e, h[0]):
				h[0] = e
				evidenceDown(h, 0)
			}
		}
		for end := len(h) - 1; end > 0; end-- {
			h[0], h[end] = h[end], h[0]
			evidenceDown(h[:end], 0)
		}
	}
	for _, e := range h {
		top = append(top, e.Item)
	}
	return top, h
}

// betterEvidence orders topEvidence's entries: higher score, then smaller
// id.
func betterEvidence(a, b seqrec.ItemScore) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Item < b.Item
}

// evidenceDown moves h[i] down topEvidence's heap until no child is worse.
func evidenceDown(h []seqrec.ItemScore, i int) {
	for {
		w, l := i, 2*i+1
		if l >= len(h) {
			return
		}
		if betterEvidence(h[w], h[l]) {
			w = l
		}
		if r := l + 1; r < len(h) && betterEvidence(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// staticFeatures are the user-independent features of every catalog entry
// for one catalog and model.
type staticFeatures struct {
	cat      *catalog
	model    *Model
	seqID    []int     // seqrec item id per entry, -1 if none
	seqPrior []float64 // its sequence-model prior
	needsID  []int32   // need-model target per entry, -1 if none
	pop      []float64
	trend    []float64

	// Catalog indexes of what a request gathers by id: the model's most
	// asked and trending questions (those in the catalog, in order), and
	// each need-model target and sequence-model item (-1 for none).
	popIdx, trendIdx []int
	targetIdx        []int32
	itemIdx          []int32
}

func newStaticFeatures(cat *catalog, m *Model) *staticFeatures {
	n := len(cat.faqs)
	st := &staticFeatures{cat: cat, model: m, seqID: make([]int, n), seqPrior: make([]float64, n),
		needsID: make([]int32, n), pop: make([]float64, n), trend: make([]float64, n)}
	for i, f := range cat.faqs {
		st.seqID[i], st.needsID[i] = -1, -1
		if id, ok := m.seq.ItemIndex(seqrec.AskPrefix + f.ID); ok {
			st.seqID[i] = id
			st.seqPrior[i] = m.seq.PriorOf(id)
		}
		if m.needs != nil {
			if t, ok := m.needs.Target(f.ID); ok {
				st.needsID[i] = t
			}
		}
		st.pop[i] = m.popFeature(f.ID)
		st.trend[i] = m.trendFeature(f.ID)
	}
	in := func(qs []string) []int {
		var out []int
		for _, q := range qs {
			if i, ok := cat.idx[q]; ok {
				out = append(out, i)
			}
		}
		return out
	}
	st.popIdx, st.trendIdx = in(m.popTop), in(m.trendTop)
	at := func(q string) int32 {
		if i, ok := cat.idx[q]; ok {
			return int32(i)
		}
		return -1
	}
	if m.needs != nil {
		st.targetIdx = make([]int32, m.needs.NumTargets())
		for t := range st.targetIdx {
			st.targetIdx[t] = at(m.needs.TargetKey(int32(t)))
		}
	}
	if m.seq != nil {
		st.itemIdx = make([]int32, m.seq.NumItems())
		for i := range st.itemIdx {
			st.itemIdx[i] = -1
			if q, ok := strings.CutPrefix(m.seq.Item(i), seqrec.AskPrefix); ok {
				st.itemIdx[i] = at(q)
			}
		}
	}
	return st
}

// features returns the full feature vector of catalog entry i in v.
func (st *staticFeatures) features(v *view, i int) feat {
	var f feat
	if ev := v.lookupIdx(i); ev != nil {
		f = ev.f
	}
	if id := st.seqID[i]; id >= 0 && v.seqMax > 0 {
		f[fSequence] = v.seqFeature(id, func(int) float64 { return st.seqPrior[i] })
	}
	if t := st.needsID[i]; t >= 0 && v.learnedMax > 0 {
		f[fLearned] = v.learned[t] / v.learnedMax
	}
	f[fPopular], f[fTrending] = st.pop[i], st.trend[i]
	return f
}

// bitset is a set of small non-negative integers (catalog indexes).
type bitset []uint64

// reset returns b empty, sized for the integers below n, reusing its array.
func (b bitset) reset(n int) bitset {
	b = grow(b, (n+63)/64)
	clear(b)
	return b
}

func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }

// grow returns s with length n, reusing its array when large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// topRates returns the ids of the k highest rates, best first, ties by
// key, in buf's array.
func topRates(rates []float64, k int, buf []int32, key func(int32) string) []int32 {
	t := topk.New(k, func(a, b int32) bool {
		if rates[a] != rates[b] {
			return rates[a] > rates[b]
		}
		return key(a) < key(b)
	}, buf)
	for i, x := range rates {
		if t.Full() && x < rates[t.Worst()] {
			continue // most are left out: save the call
		}
		t.Push(int32(i))
	}
	return t.Sorted()
}
