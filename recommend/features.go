package recommend

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/kb"
)

// Lister is an optional capability of a knowledge base: listing every
// entry. The engine reads its catalog (triggers, categories, validity)
// through it; without it, the catalog holds only the questions the model
// learned, fetched with Get.
type Lister interface {
	All(ctx context.Context) ([]kb.FAQ, error)
}

// Relater is an optional capability of a knowledge base: the entries related
// to one, best first. With it, questions related to the user's recent asks
// become candidates.
type Relater interface {
	Related(ctx context.Context, id string, limit int) ([]kb.Hit, error)
}

// ruleGroup is one trigger rule and every entry that has it: entries
// sharing a rule are matched once per event.
type ruleGroup struct {
	t    kb.Trigger
	rule string // e.g. transfer.success{channel=bank_card}/2h
	faqs []int
}

// catalog is the engine's read-only view of the knowledge base.
type catalog struct {
	faqs      []kb.FAQ
	idx       map[string]int
	askTok    []string // seqrec.AskPrefix + id
	byType    map[string][]*ruleGroup
	maxWindow time.Duration
	byPrio    []int // entries by Priority desc, then id: the last-resort fill
	lookups   lookupCache
}

func newCatalog(faqs []kb.FAQ) *catalog {
	c := &catalog{faqs: faqs, idx: make(map[string]int, len(faqs)), askTok: make([]string, len(faqs)), byType: map[string][]*ruleGroup{}}
	groups := map[string]*ruleGroup{}
	for i, f := range faqs {
		if _, dup := c.idx[f.ID]; dup {
			continue
		}
		c.idx[f.ID] = i
		c.askTok[i] = seqrec.AskPrefix + f.ID
		c.byPrio = append(c.byPrio, i)
		for _, t := range f.Triggers {
			if t.Event == "" || t.Window <= 0 || t.Weight <= 0 {
				continue
			}
			name := ruleName(t)
			key := fmt.Sprintf("%s#%v", name, t.Weight)
			g := groups[key]
			if g == nil {
				g = &ruleGroup{t: t, rule: name}
				groups[key] = g
				c.byType[t.Event] = append(c.byType[t.Event], g)
			}
			if !slices.Contains(g.faqs, i) {
				g.faqs = append(g.faqs, i)
			}
			c.maxWindow = max(c.maxWindow, time.Duration(t.Window))
		}
	}
	sortIdx(c.byPrio, func(a, b int) int {
		if faqs[a].Priority != faqs[b].Priority {
			return faqs[b].Priority - faqs[a].Priority
		}
		return strings.Compare(faqs[a].ID, faqs[b].ID)
	})
	return c
}

func ruleName(t kb.Trigger) string {
	var b strings.Builder
	b.WriteString(t.Event)
	if len(t.Attrs) > 0 {
		keys := sortedKeys(t.Attrs)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k + "=" + t.Attrs[k])
		}
		b.WriteByte('}')
	}
	fmt.Fprintf(&b, "/%s", formatWindow(time.Duration(t.Window)))
	return b.String()
}

func formatWindow(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// evidence is the sparse, user-specific part of a question's features and
// what produced it (indexes into view.hist; -1 for none).
type evidence struct {
	f       feat // only fTrigger, fHistory, fRelated, fSearch are set here
	ev      [nFeat]int
	q       string // question id
	rule    *ruleGroup
	related string // for fRelated: the asked question it is related to
}

func newEvidence(q string) *evidence {
	e := &evidence{q: q}
	for i := range e.ev {
		e.ev[i] = -1
	}
	return e
}

// view is everything known about one user at one moment.
type view struct {
	now  time.Time
	hist []Event // at or before now, oldest first
	// histBuf holds hist when the store can append into it (RecentAppender).
	histBuf  []Event
	buf      requestBuffers
	steps    []seqrec.Step
	stepEv   []int              // step → index in hist
	seqEv    []seqrec.ItemScore // items with sequence evidence and their scores
	seqScore []float64          // by seqrec item id: its score in seqEv, else 0
	seqTop   []int              // the seqCandidates best item ids, best first
	seqQ     []string           // their questions
	seqMax   float64
	cat      *catalog
	evOf     []int32          // catalog index → 1 + index into evs, 0 for none
	other    map[string]int32 // the same for questions outside the catalog
	evs      []evidence
}

// Source tuning, fixed for now.
const (
	historyDecay  = 7 * 24 * time.Hour // fHistory: e-folding time
	relatedWindow = 24 * time.Hour     // asks whose related questions count
	relatedAsks   = 3                  // how many recent distinct asks
	relatedLimit  = 5
	searchWindow  = 24 * time.Hour
	searchCount   = 2 // how many recent searches
	searchLimit   = 5
	searchHalf    = time.Hour // fSearch halves every hour
	seqCandidates = 50        // best sequence-model items that become candidates
)

// sources is what building a view needs: a catalog, a model, a kb.
type sources struct {
	cat   *catalog
	model *Model
	kb    kb.KnowledgeBase // may be nil
}

// buildView computes the user-specific evidence from hist (oldest first;
// events after now are ignored).
//
// v, if not nil, is a view whose buffers are reused (see reset).
func (s *sources) buildView(ctx context.Context, hist []Event, now time.Time, v *view) (*view, error) {
	end := len(hist)
	for end > 0 && hist[end-1].Time.After(now) {
		end--
	}
	if v == nil {
		v = &view{}
	}
	v.reset(s.cat)
	v.now, v.hist = now, hist[:end]
	get := v.get
	// (a) triggers, (d) own history.
	for i := range v.hist {
		e := &v.hist[i]
		age := now.Sub(e.Time)
		if e.Type == TypeAsk {
			h := math.Exp(-float64(age) / float64(historyDecay))
			ev := get(e.Question)
			if h >= ev.f[fHistory] {
				ev.f[fHistory], ev.ev[fHistory] = h, i
			}
			continue
		}
		if s.cat == nil || age > s.cat.maxWindow {
			continue
		}
		for _, g := range s.cat.byType[e.Type] {
			win := time.Duration(g.t.Window)
			if age > win || !attrsMatch(g.t.Attrs, e.Attrs) {
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
	// (b) the sequence model, which reads only the last MaxHistory steps
	// (each event gives at least one).
	from := 0
	if seq := s.model.seq; seq != nil {
		from = max(0, len(v.hist)-seq.Options().MaxHistory)
	}
	for i := from; i < len(v.hist); i++ {
		n := len(v.steps)
		v.steps = appendSteps(v.steps, &v.hist[i])
		for range len(v.steps) - n {
			v.stepEv = append(v.stepEv, i)
		}
	}
	if seq := s.model.seq; seq != nil && seq.NumItems() > 0 {
		v.seqEv = seq.AppendEvidence(v.steps, now.Unix(), v.seqEv[:0])
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
		v.seqTop = topEvidence(v.seqEv, seqCandidates, v.seqTop[:0])
		for _, i := range v.seqTop {
			if q, ok := strings.CutPrefix(seq.Item(i), seqrec.AskPrefix); ok {
				v.seqQ = append(v.seqQ, q)
			}
		}
		// The sequence feature is relative to the best score. When no item
		// with evidence beats the best prior (popularity alone), the scores
		// say nothing the popularity feature does not: the feature is then
		// 0 rather than a second, full-strength popularity (which let one
		// recorded ask outrank every trigger in a cold engine).
		if len(v.seqTop) > 0 {
			if best := v.seqScore[v.seqTop[0]]; best > seq.MaxPrior() {
				v.seqMax = best
			}
		}
	}
	if s.kb == nil {
		return v, nil
	}
	// (d) related questions of recent asks, (e) recent searches.
	if rel, ok := s.kb.(Relater); ok {
		seen := map[string]bool{}
		for i := len(v.hist) - 1; i >= 0 && len(seen) < relatedAsks; i-- {
			e := &v.hist[i]
			age := now.Sub(e.Time)
			if age > relatedWindow {
				break
			}
			if e.Type != TypeAsk || seen[e.Question] {
				continue
			}
			seen[e.Question] = true
			hits, err := s.related(ctx, rel, e.Question)
			if err != nil {
				return nil, err
			}
			rec := 1 - 0.5*float64(age)/float64(relatedWindow)
			top := topScore(hits)
			for _, h := range hits {
				x := rec * h.Score / top
				ev := get(h.FAQ.ID)
				if x > ev.f[fRelated] {
					ev.f[fRelated], ev.ev[fRelated], ev.related = x, i, e.Question
				}
			}
		}
	}
	searches := 0
	for i := len(v.hist) - 1; i >= 0 && searches < searchCount; i-- {
		e := &v.hist[i]
		age := now.Sub(e.Time)
		if age > searchWindow {
			break
		}
		if e.Type != TypeSearch || strings.TrimSpace(e.Text) == "" {
			continue
		}
		searches++
		hits, err := s.search(ctx, e.Text)
		if err != nil {
			return nil, err
		}
		rec := math.Exp2(-float64(age) / float64(searchHalf))
		top := topScore(hits)
		for _, h := range hits {
			x := rec * h.Score / top
			ev := get(h.FAQ.ID)
			if x > ev.f[fSearch] {
				ev.f[fSearch], ev.ev[fSearch] = x, i
			}
		}
	}
	return v, nil
}

// requestBuffers are Recommend's own scratch slices, kept with the view so
// that they are reused across requests.
type requestBuffers struct {
	seen       []uint64
	cands      []int
	pool, base []scoredCand
	popTop     []string
}

// reset empties v for a request over cat, keeping its buffers.
func (v *view) reset(cat *catalog) {
	n := 0
	if cat != nil {
		n = len(cat.faqs)
	}
	if cap(v.evOf) < n {
		v.evOf = make([]int32, n)
	} else {
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
	*v = view{cat: cat, histBuf: v.histBuf, buf: v.buf, evOf: v.evOf, other: v.other, evs: v.evs[:0],
		steps: v.steps[:0], stepEv: v.stepEv[:0], seqEv: v.seqEv[:0], seqScore: v.seqScore,
		seqTop: v.seqTop[:0], seqQ: v.seqQ[:0]}
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
	v.evs = append(v.evs, *newEvidence(q))
	v.other[q] = int32(len(v.evs))
	return &v.evs[len(v.evs)-1]
}

func (v *view) getIdx(i int) *evidence {
	if k := v.evOf[i]; k > 0 {
		return &v.evs[k-1]
	}
	v.evs = append(v.evs, *newEvidence(v.cat.faqs[i].ID))
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

func attrsMatch(want, have map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// features returns the full feature vector of question q (ask token tok)
// in view v. Caller holds the model's read lock.
func (s *sources) features(v *view, q, tok string) feat {
	var f feat
	if ev := v.lookup(q); ev != nil {
		f = ev.f
	}
	if v.seqMax > 0 {
		if i, ok := s.model.seq.ItemIndex(tok); ok {
			f[fSequence] = v.seqFeature(i, s.model.seq.PriorOf)
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
// ev, best first, ties by smaller id.
func topEvidence(ev []seqrec.ItemScore, k int, top []int) []int {
	before := func(a, b seqrec.ItemScore) bool {
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Item < b.Item
	}
	var best []seqrec.ItemScore // small: k entries, sorted
	for _, x := range ev {
		if len(best) == k && !before(x, best[k-1]) {
			continue
		}
		j := len(best)
		if j < k {
			best = append(best, x)
		} else {
			j = k - 1
		}
		for j > 0 && before(x, best[j-1]) {
			best[j] = best[j-1]
			j--
		}
		best[j] = x
	}
	for _, x := range best {
		top = append(top, x.Item)
	}
	return top
}
