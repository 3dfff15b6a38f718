package recommend

import (
	"cmp"
	"slices"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
)

// ReasonKind names the source of a [Reason].
type ReasonKind string

// The kinds of reasons.
const (
	ReasonTrigger  ReasonKind = "trigger"  // a knowledge-base trigger rule matched a recent event
	ReasonLearned  ReasonKind = "learned"  // the learned need model: a recent event, earlier ask, the clock, the visit or the profile raises it
	ReasonSequence ReasonKind = "sequence" // the learned sequence model associates a recent event or ask with it (named only where it adds at least half as much as the strongest source)
	ReasonPopular  ReasonKind = "popular"  // many users ask it
	ReasonTrending ReasonKind = "trending" // asked more and more recently
	ReasonHistory  ReasonKind = "history"  // the user asked it before
	ReasonRelated  ReasonKind = "related"  // related to a question the user recently asked
	ReasonSearch   ReasonKind = "search"   // matches a recent search of the user
	ReasonExplore  ReasonKind = "explore"  // ranked higher to learn about a question with few impressions (see WithExploration)
	ReasonPinned   ReasonKind = "pinned"   // pinned by the host (Request.Pinned)
	ReasonDefault  ReasonKind = "default"  // filler: a high-priority question when evidence ran out
)

// Reason is one thing that made a question a suggestion.
type Reason struct {
	Kind ReasonKind
	// Event is the user's event behind the reason, if any (trigger,
	// learned, sequence, history, related, search). For the visit given
	// in [Request.Context] it is a [TypeOpen] event at the request's time.
	Event *Event
	// Ago is how long before the request the event happened.
	Ago time.Duration
	// Rule names the rule or learned association: a trigger as
	// "transfer.success{channel=bank_card}/2h", a learned cause as
	// "e:transfer.success|channel=bank_card → k013", a sequence
	// association as "ev:transfer.fail → ask:transfer-fail-reason".
	Rule string
	// Question is the earlier question for history and related reasons,
	// and for a learned reason whose cause is an earlier ask.
	Question string
	// Weight is the reason's contribution to the suggestion's score.
	Weight float64
	// Text is a Chinese sentence a page can show, such as
	// 你3分钟前发起了一笔转账到银行卡, worded from the engine's
	// [Phrasebook]. No two reasons of one suggestion have the same Text:
	// when two sources tell the same thing (a trigger and a learned
	// association naming the same event), the stronger is kept.
	Text string
}

// Thresholds for naming a learned reason: the strongest event must give
// this share of the question's rate; a context value must multiply its
// odds by this factor.
const (
	learnedCauseShare = 0.25
	learnedContextMin = 1.5
)

// explainer words the reasons of one request's suggestions.
type explainer struct {
	e     *Engine
	v     *view
	cat   *catalog
	model *Model
	w     *feat
	// attrT are the need-model targets of the suggestions whose learned
	// feature counts, and attr[k] what each piece of evidence adds to the
	// rate of attrT[k] (see attribute).
	attrT []int32
	attr  [][]float64

	// Scratch the reasons and their events are worded in, kept with the
	// view (see reasons, histEvent and keep).
	rs   []Reason
	evs  []Event
	text []byte // scratch for wording a reason
}

// keep copies the reasons of each suggestion (worded in x's scratch) into
// one array for the response, and the events they name into another,
// each exactly as long as it needs: the scratch is reused, the response is
// the caller's. It then clears the scratch.
func (x *explainer) keep(res []Suggestion) {
	nr, ne := 0, 0
	for k := range res {
		nr += len(res[k].Reasons)
		for i := range res[k].Reasons {
			if res[k].Reasons[i].Event != nil {
				ne++
			}
		}
	}
	rs := make([]Reason, 0, nr)
	var evs []Event
	if ne > 0 {
		evs = make([]Event, 0, ne)
	}
	for k := range res {
		start := len(rs)
		for _, r := range res[k].Reasons {
			if r.Event != nil {
				evs = append(evs, *r.Event)
				r.Event = &evs[len(evs)-1]
			}
			rs = append(rs, r)
		}
		res[k].Reasons = rs[start:len(rs):len(rs)]
	}
	clear(x.rs[:cap(x.rs)])
	clear(x.evs[:cap(x.evs)])
}

// agoText returns before, [Ago] of ago and each of after, concatenated.
func (x *explainer) agoText(before string, ago time.Duration, after ...string) string {
	b := appendAgo(append(x.text[:0], before...), ago)
	for _, s := range after {
		b = append(b, s...)
	}
	x.text = b
	return string(b)
}

// attribute computes, in one pass over the evidence, what each piece adds
// to the rate of every suggestion the learned feature explains.
func (x *explainer) attribute(out []scoredCand) {
	nm := x.model.needs
	if nm == nil || x.w[fLearned] <= 0 || len(x.v.mo.ev) == 0 {
		return
	}
	targets := x.v.buf.attrT[:0]
	defer func() { x.v.buf.attrT = targets[:0] }()
	for k := range out {
		c := &out[k]
		if c.pinned || c.fill != fillNone || c.f[fLearned] <= 0 {
			continue
		}
		if t, ok := nm.Target(x.cat.faqs[c.idx].ID); ok {
			targets = append(targets, t)
		}
	}
	if len(targets) == 0 {
		return
	}
	n := len(x.v.mo.ev)
	buf := &x.v.buf
	buf.attrFlat = grow(buf.attrFlat, len(targets)*n)
	buf.attrRows = grow(buf.attrRows, len(targets))
	res := buf.attrRows
	for k := range res {
		res[k] = buf.attrFlat[k*n : (k+1)*n]
	}
	if len(x.v.locs) == len(x.v.mo.ev) {
		nm.AttributeLocated(x.v.mo.ev, x.v.locs, targets, res)
	} else {
		nm.Attribute(x.v.mo.ev, targets, res)
	}
	x.attrT, x.attr = targets, res
}

// attrOf returns what each piece of evidence adds to target t's rate, nil
// if attribute did not compute it.
func (x *explainer) attrOf(t int32) []float64 {
	if k := slices.Index(x.attrT, t); k >= 0 {
		return x.attr[k]
	}
	return nil
}

// reasons explains suggestion c, strongest first. seq explains the
// sequence feature (from sequenceSteps).
//
// The reasons are appended to x.rs, scratch (see keep); the result is
// their part of it.
func (x *explainer) reasons(c *scoredCand, seq []seqrec.Contribution) []Reason {
	start := len(x.rs)
	one := func(r Reason) []Reason {
		x.rs = append(x.rs, r)
		return x.rs[start:len(x.rs):len(x.rs)]
	}
	switch {
	case c.pinned:
		return one(Reason{Kind: ReasonPinned, Text: "为你推荐"})
	case c.fill == fillPopular:
		return one(Reason{Kind: ReasonPopular, Text: "很多人都在问"})
	case c.fill == fillDefault:
		return one(Reason{Kind: ReasonDefault, Text: "常见问题"})
	}
	pb, v := x.e.opts.phrasebook, x.v
	f := &x.cat.faqs[c.idx]
	ev := v.lookupIdx(c.idx)
	at := func(k int) (*Event, time.Duration) {
		if ev == nil || ev.ev[k] < 0 {
			return nil, 0
		}
		return x.histEvent(ev.ev[k])
	}
	for k := range c.f {
		contrib := x.w[k] * c.f[k]
		if contrib <= 0 {
			continue
		}
		r := Reason{Weight: contrib}
		switch k {
		case fTrigger:
			r.Kind = ReasonTrigger
			r.Event, r.Ago = at(k)
			if ev.rule != nil {
				r.Rule = ev.rule.rule
			}
			if r.Event != nil {
				r.Text = pb.sentence(*r.Event, r.Ago)
			}
		case fLearned:
			r.Kind = ReasonLearned
			x.learnedReason(f.ID, &r)
		case fSequence:
			r.Kind = ReasonSequence
			x.sequenceReason(f.ID, seq, &r)
		case fPopular:
			r.Kind, r.Text = ReasonPopular, "很多人都在问"
		case fTrending:
			r.Kind, r.Text = ReasonTrending, "最近问的人变多了"
		case fHistory:
			r.Kind, r.Question = ReasonHistory, f.ID
			r.Event, r.Ago = at(k)
			r.Text = x.agoText("你", r.Ago, "看过这个问题")
		case fRelated:
			r.Kind, r.Question = ReasonRelated, ev.related
			r.Event, r.Ago = at(k)
			r.Text = x.agoText("和你", r.Ago, "看过的“", x.questionText(ev.related), "”相关")
		case fSearch:
			r.Kind = ReasonSearch
			r.Event, r.Ago = at(k)
			if r.Event != nil {
				r.Text = pb.sentence(*r.Event, r.Ago)
			}
		}
		if r.Text == "" {
			continue
		}
		x.rs = append(x.rs, r)
	}
	if c.exploreShown {
		text := "看的人还不多，推荐给你看看"
		if c.impressions == 0 {
			text = "新问题，推荐给你看看"
		}
		x.rs = append(x.rs, Reason{Kind: ReasonExplore, Weight: c.explore, Text: text})
	}
	out := x.rs[start:]
	slices.SortStableFunc(out, func(a, b Reason) int { return cmp.Compare(b.Weight, a.Weight) })
	x.rs = x.rs[:start+len(dedupReasons(out))]
	if len(x.rs) == start {
		return one(Reason{Kind: ReasonDefault, Text: "常见问题"})
	}
	return x.rs[start:len(x.rs):len(x.rs)]
}

// histEvent returns a copy of history event i (or the request's visit for
// -1) and its age.
//
// The copy is in x.evs, scratch (see keep).
func (x *explainer) histEvent(i int) (*Event, time.Duration) {
	switch {
	case i >= 0 && i < len(x.v.hist):
		x.evs = append(x.evs, x.v.hist[i])
	case i < 0 && x.v.visit != nil:
		x.evs = append(x.evs, *x.v.visit)
	default:
		return nil, 0
	}
	e := &x.evs[len(x.evs)-1]
	return e, x.v.now.Sub(e.Time)
}

// learnedReason fills r from what raised question q in the need model: the
// event (or the clock: the hour, the day, a declared period) whose causes
// give the largest part of its rate, if a large enough one; else the
// context value that raises its odds most, if enough.
func (x *explainer) learnedReason(q string, r *Reason) {
	nm, mo := x.model.needs, &x.v.mo
	if nm == nil {
		return
	}
	t, ok := nm.Target(q)
	if !ok {
		return
	}
	// The event whose causes (type, attribute values, pairs) add most to
	// the rate, and its strongest cause.
	best, bestC, bestCause := -1, 0.0, -1
	contrib := x.attrOf(t)
	for k := 0; k < len(mo.ev) && contrib != nil; {
		src, sum := mo.src[k], 0.0
		top, topC := k, -1.0
		for ; k < len(mo.ev) && mo.src[k] == src; k++ {
			c := contrib[k]
			sum += c
			if c > topC {
				top, topC = k, c
			}
		}
		if sum > bestC {
			best, bestC, bestCause = src, sum, top
		}
	}
	if best == crowdSrc && bestC >= learnedCauseShare*x.v.learnedRaw[t] {
		r.Rule, r.Text = "crowd → "+q, "这会儿问这个问题的人突然变多了"
		return
	}
	if best == kindSrc && bestC >= learnedCauseShare*x.v.learnedRaw[t] {
		r.Rule, r.Text = "kind → "+q, "和你情况相似的人常问"
		return
	}
	if best <= clockSrc && bestC >= learnedCauseShare*x.v.learnedRaw[t] {
		key := nm.CauseKey(mo.ev[bestCause].Cause)
		r.Rule, r.Text = key+" → "+q, clockReason(key)
		return
	}
	if best != -1 && bestC >= learnedCauseShare*x.v.learnedRaw[t] {
		e, ago := x.histEvent(best)
		if e == nil {
			return
		}
		r.Event, r.Ago = e, ago
		r.Rule = nm.CauseKey(mo.ev[bestCause].Cause) + " → " + q
		if e.Type == TypeAsk {
			r.Question = e.Question
			if e.Question == q {
				r.Text = x.agoText("你", ago, "看过这个问题")
			} else {
				r.Text = x.agoText("你", ago, "看过“", x.questionText(e.Question), "”")
			}
			return
		}
		r.Text = x.e.opts.phrasebook.sentence(*e, ago)
		return
	}
	bestK, bestF := -1, learnedContextMin
	for k, v := range mo.ctx {
		if f := nm.ContextFactor(v, t); f >= bestF {
			bestK, bestF = k, f
		}
	}
	if bestK < 0 {
		return
	}
	e, ago := x.histEvent(mo.ctxSrc[bestK])
	if e == nil {
		return
	}
	if what, ok := x.e.opts.phrasebook.Describe(*e); ok {
		r.Event, r.Ago = e, ago
		r.Rule = "context " + nm.ContextKey(mo.ctx[bestK]) + " → " + q
		r.Text = "你" + what
		if e.Type == TypeOpen {
			r.Text = x.agoText("你", ago, what)
		}
	}
}

// dedupReasons drops every reason whose Text an earlier (stronger) one
// already says — the same event behind a trigger and a learned association,
// say — so a page can show the list as it is. rs is sorted strongest first.
func dedupReasons(rs []Reason) []Reason {
	out := rs[:0]
	for _, r := range rs {
		if !slices.ContainsFunc(out, func(x Reason) bool { return x.Text == r.Text }) {
			out = append(out, r)
		}
	}
	clear(rs[len(out):])
	return out
}

// counts reports whether feature k of c is worth a reason: it adds at least
// half as much to the score as c's strongest feature. (Explaining the
// sequence feature costs a pass over the history; a reason weaker than
// that would come after the ones a page shows.)
func (x *explainer) counts(c *scoredCand, k int) bool {
	top := 0.0
	for i := range c.f {
		top = max(top, x.w[i]*c.f[i])
	}
	return x.w[k]*c.f[k] > 0 && x.w[k]*c.f[k] >= top/2
}

// sequenceSteps returns, for each suggestion whose sequence feature
// counts (see counts), the history steps behind that feature (one pass
// over the history for the whole list); nil entries elsewhere.
func (x *explainer) sequenceSteps(out []scoredCand) [][]seqrec.Contribution {
	why := make([][]seqrec.Contribution, len(out))
	if x.model.seq == nil || x.w[fSequence] <= 0 {
		return why
	}
	var items []string
	var at []int
	for k := range out {
		c := &out[k]
		if c.pinned || c.fill != fillNone || !x.counts(c, fSequence) {
			continue
		}
		items = append(items, seqrec.AskPrefix+x.cat.faqs[c.idx].ID)
		at = append(at, k)
	}
	if len(items) == 0 {
		return why
	}
	for j, cs := range x.model.seq.ExplainItems(x.v.steps, x.v.now.Unix(), items) {
		why[at[j]] = cs
	}
	return why
}

// sequenceReason fills r from the history step that contributed most to the
// sequence score of question q (cs, from sequenceSteps).
func (x *explainer) sequenceReason(q string, cs []seqrec.Contribution, r *Reason) {
	if len(cs) == 0 {
		return
	}
	step := cs[0].StepIndex
	e, ago := x.histEvent(x.v.stepEv[step])
	r.Event, r.Ago = e, ago
	r.Rule = x.v.steps[step].Token + " → " + seqrec.AskPrefix + q
	if e.Type == TypeAsk {
		r.Question = e.Question
		r.Text = x.agoText("你", ago, "看过“", x.questionText(e.Question), "”")
	} else {
		r.Text = x.e.opts.phrasebook.sentence(*e, ago)
	}
}

func (x *explainer) questionText(id string) string {
	if i, ok := x.cat.idx[id]; ok {
		return x.cat.faqs[i].Question
	}
	return id
}
