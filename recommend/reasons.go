package recommend

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
)

// ReasonKind names the source of a [Reason].
type ReasonKind string

// The kinds of reasons.
const (
	ReasonTrigger  ReasonKind = "trigger"  // a knowledge-base trigger rule matched a recent event
	ReasonSequence ReasonKind = "sequence" // the learned model associates a recent event or ask with it
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
	// sequence, history, related, search).
	Event *Event
	// Ago is how long before the request the event happened.
	Ago time.Duration
	// Rule names the rule or learned association: a trigger as
	// "transfer.success{channel=bank_card}/2h", an association as
	// "ev:transfer.fail → ask:transfer-fail-reason".
	Rule string
	// Question is the earlier question for history and related reasons.
	Question string
	// Weight is the reason's contribution to the suggestion's score.
	Weight float64
	// Text is a Chinese sentence a page can show, such as
	// 你3分钟前发起了一笔转账到银行卡. No two reasons of one suggestion
	// have the same Text: when two sources tell the same thing (a trigger
	// and a learned association naming the same event), the stronger is
	// kept.
	Text string
}

// reasons explains suggestion c, strongest first.
// seq explains the sequence feature (from [Engine.explainSequence]).
func (e *Engine) reasons(v *view, cat *catalog, c *scoredCand, w *feat, seq []seqrec.Contribution) []Reason {
	switch {
	case c.pinned:
		return []Reason{{Kind: ReasonPinned, Text: "为你推荐"}}
	case c.fill == fillPopular:
		return []Reason{{Kind: ReasonPopular, Text: "很多人都在问"}}
	case c.fill == fillDefault:
		return []Reason{{Kind: ReasonDefault, Text: "常见问题"}}
	}
	f := &cat.faqs[c.idx]
	ev := v.lookupIdx(c.idx)
	at := func(k int) (*Event, time.Duration) {
		if ev == nil || ev.ev[k] < 0 {
			return nil, 0
		}
		x := v.hist[ev.ev[k]]
		return &x, v.now.Sub(x.Time)
	}
	var out []Reason
	for k := range c.f {
		contrib := w[k] * c.f[k]
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
				r.Text = eventSentence(*r.Event, r.Ago)
			}
		case fSequence:
			r.Kind = ReasonSequence
			if !sequenceReason(v, cat, cat.askTok[c.idx], seq, &r) {
				continue
			}
		case fPopular:
			r.Kind, r.Text = ReasonPopular, "很多人都在问"
		case fTrending:
			r.Kind, r.Text = ReasonTrending, "最近问的人变多了"
		case fHistory:
			r.Kind, r.Question = ReasonHistory, f.ID
			r.Event, r.Ago = at(k)
			r.Text = fmt.Sprintf("你%s看过这个问题", Ago(r.Ago))
		case fRelated:
			r.Kind, r.Question = ReasonRelated, ev.related
			r.Event, r.Ago = at(k)
			r.Text = fmt.Sprintf("和你%s看过的“%s”相关", Ago(r.Ago), questionText(cat, ev.related))
		case fSearch:
			r.Kind = ReasonSearch
			r.Event, r.Ago = at(k)
			if r.Event != nil {
				r.Text = eventSentence(*r.Event, r.Ago)
			}
		}
		if r.Text == "" {
			continue
		}
		out = append(out, r)
	}
	if c.exploreShown {
		text := "看的人还不多，推荐给你看看"
		if c.impressions == 0 {
			text = "新问题，推荐给你看看"
		}
		out = append(out, Reason{Kind: ReasonExplore, Weight: c.explore, Text: text})
	}
	slices.SortStableFunc(out, func(a, b Reason) int { return cmp.Compare(b.Weight, a.Weight) })
	out = dedupReasons(out)
	if len(out) == 0 {
		out = append(out, Reason{Kind: ReasonDefault, Text: "常见问题"})
	}
	return out
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

// explainSequence returns, for each suggestion whose sequence feature
// contributes to its score, the history steps behind that feature (one
// pass over the history for the whole list); nil entries elsewhere.
func (e *Engine) explainSequence(v *view, cat *catalog, out []scoredCand, w *feat) [][]seqrec.Contribution {
	why := make([][]seqrec.Contribution, len(out))
	if e.model.seq == nil || w[fSequence] <= 0 {
		return why
	}
	var items []string
	var at []int
	for k := range out {
		c := &out[k]
		if c.pinned || c.fill != fillNone || c.f[fSequence] <= 0 {
			continue
		}
		items = append(items, cat.askTok[c.idx])
		at = append(at, k)
	}
	if len(items) == 0 {
		return why
	}
	for j, cs := range e.model.seq.ExplainItems(v.steps, v.now.Unix(), items) {
		why[at[j]] = cs
	}
	return why
}

// sequenceReason fills r from the history step that contributed most to the
// sequence score of tok (cs, from explainSequence); false if none did.
func sequenceReason(v *view, cat *catalog, tok string, cs []seqrec.Contribution, r *Reason) bool {
	if len(cs) == 0 {
		return false
	}
	step := cs[0].StepIndex
	x := v.hist[v.stepEv[step]]
	r.Event, r.Ago = &x, v.now.Sub(x.Time)
	r.Rule = v.steps[step].Token + " → " + tok
	if x.Type == TypeAsk {
		r.Question = x.Question
		r.Text = fmt.Sprintf("你%s看过“%s”", Ago(r.Ago), questionText(cat, x.Question))
	} else {
		r.Text = eventSentence(x, r.Ago)
	}
	return true
}

func questionText(cat *catalog, id string) string {
	if i, ok := cat.idx[id]; ok {
		return cat.faqs[i].Question
	}
	return strings.TrimPrefix(id, seqrec.AskPrefix)
}
