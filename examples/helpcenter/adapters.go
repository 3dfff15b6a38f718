package main

// TEMPORARY: stand-ins for the parts of duxin that are still being written
// (kb's bleve index, intent's routes and slots, recommend's engine). Each is
// replaced by the real package in wire.go as soon as it lands; this file
// then goes away.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/internal/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
)

type tmpTrigger struct {
	Event  string            `json:"event"`
	Attrs  map[string]string `json:"attrs"`
	Window string            `json:"window"`
	Weight float64           `json:"weight"`
	window time.Duration
}

type tmpFAQ struct {
	ID       string       `json:"id"`
	Question string       `json:"question"`
	Similar  []string     `json:"similar"`
	Answer   string       `json:"answer"`
	Category string       `json:"category"`
	Tags     []string     `json:"tags"`
	Triggers []tmpTrigger `json:"triggers"`
	Priority int          `json:"priority"`
}

// tmpKB is a term-overlap search over the sample FAQs.
type tmpKB struct {
	tok  tokenize.Tokenizer
	faqs []tmpFAQ
	byID map[string]int
}

func newTmpKB(tok tokenize.Tokenizer) (*tmpKB, error) {
	k := &tmpKB{tok: tok, byID: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(sampledata.FAQJSONL()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var f tmpFAQ
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			return nil, err
		}
		for i := range f.Triggers {
			w := f.Triggers[i].Window
			var d time.Duration
			var err error
			if days, ok := strings.CutSuffix(w, "d"); ok {
				d, err = time.ParseDuration(days + "h")
				d *= 24
			} else {
				d, err = time.ParseDuration(w)
			}
			if err != nil {
				return nil, fmt.Errorf("window %q: %w", w, err)
			}
			f.Triggers[i].window = d
		}
		k.byID[f.ID] = len(k.faqs)
		k.faqs = append(k.faqs, f)
	}
	return k, sc.Err()
}

func (k *tmpKB) Get(ctx context.Context, id string) (faqView, error) {
	i, ok := k.byID[id]
	if !ok {
		return faqView{}, fmt.Errorf("%w %q", errUnknownFAQ, id)
	}
	f := k.faqs[i]
	return faqView{ID: f.ID, Question: f.Question, Answer: f.Answer, Category: f.Category, Tags: f.Tags}, nil
}

func (k *tmpKB) Search(ctx context.Context, text string, limit int) ([]hitView, error) {
	q := map[string]bool{}
	for _, t := range k.tok.Tokenize(text) {
		q[t.Text] = true
	}
	var hits []hitView
	for _, f := range k.faqs {
		best := hitView{}
		for j, s := range append([]string{f.Question}, f.Similar...) {
			toks := k.tok.Tokenize(s)
			n := 0
			var b strings.Builder
			last := 0
			for _, t := range toks {
				if q[t.Text] && t.Start >= last {
					n++
					b.WriteString(html.EscapeString(s[last:t.Start]))
					b.WriteString("<mark>" + html.EscapeString(s[t.Start:t.End]) + "</mark>")
					last = t.End
				}
			}
			b.WriteString(html.EscapeString(s[last:]))
			score := float64(n) / float64(len(toks)+1)
			if n > 0 && score > best.Score {
				field := "question"
				if j > 0 {
					field = "similar"
				}
				best = hitView{ID: f.ID, Question: f.Question, Category: f.Category, Score: score, Field: field, Matched: s, Fragment: b.String()}
			}
		}
		if best.Score > 0 {
			hits = append(hits, best)
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].Score > hits[b].Score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// tmpRoute is one line of the sample routing table.
type tmpRoute struct {
	Intent   string   `json:"intent"`
	Service  string   `json:"service"`
	Link     string   `json:"link"`
	Slots    []string `json:"slots"`
	Required []string `json:"required"`
}

func tmpRoutes() (map[string]tmpRoute, error) {
	out := map[string]tmpRoute{}
	dec := json.NewDecoder(bytes.NewReader(sampledata.RoutesJSONL()))
	for dec.More() {
		var r tmpRoute
		if err := dec.Decode(&r); err != nil {
			return nil, err
		}
		out[r.Intent] = r
	}
	return out, nil
}

var (
	tmpAmountRE = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?)\s*(?:元|块)`)
	tmpTailRE   = regexp.MustCompile(`尾号\s*([0-9]{4})`)
)

func tmpSlots(text string) []slotView {
	var out []slotView
	if m := tmpAmountRE.FindStringSubmatch(text); m != nil {
		out = append(out, slotView{Kind: "amount", Label: slotLabel("amount"), Text: m[0], Value: m[1]})
	}
	if m := tmpTailRE.FindStringSubmatch(text); m != nil {
		out = append(out, slotView{Kind: "card_tail", Label: slotLabel("card_tail"), Text: m[0], Value: m[1]})
	}
	return out
}

// tmpRecommender ranks FAQs by the triggers matching the user's recent events.
type tmpRecommender struct {
	kb    *tmpKB
	vocab *vocabulary
	now   func() time.Time

	mu     sync.Mutex
	events map[string][]event
	hidden map[string]map[string]bool
}

func newTmpRecommender(kb *tmpKB, now func() time.Time) *tmpRecommender {
	return &tmpRecommender{kb: kb, vocab: newVocabulary(), now: now, events: map[string][]event{}, hidden: map[string]map[string]bool{}}
}

func (r *tmpRecommender) Record(ctx context.Context, events ...event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range events {
		r.events[e.User] = append(r.events[e.User], e)
	}
	return nil
}

func (r *tmpRecommender) Feedback(ctx context.Context, user, id, kind string) error {
	if kind == "click" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hidden[user] == nil {
		r.hidden[user] = map[string]bool{}
	}
	r.hidden[user][id] = true
	return nil
}

func (r *tmpRecommender) Recommend(ctx context.Context, user string, limit int) ([]suggestionView, error) {
	r.mu.Lock()
	evs := append([]event(nil), r.events[user]...)
	hidden := r.hidden[user]
	r.mu.Unlock()
	now := r.now()
	var out []suggestionView
	for _, f := range r.kb.faqs {
		if hidden[f.ID] {
			continue
		}
		s := suggestionView{ID: f.ID, Question: f.Question, Category: f.Category, Reasons: []string{}}
		for _, e := range evs {
			for _, t := range f.Triggers {
				if t.Event != e.Type || now.Sub(e.Time) > t.window {
					continue
				}
				ok := true
				for k, v := range t.Attrs {
					ok = ok && e.Attrs[k] == v
				}
				if ok {
					s.Score += t.Weight * (1 - 0.5*float64(now.Sub(e.Time))/float64(t.window))
					s.Reasons = append(s.Reasons, "你"+ago(now, e.Time)+r.vocab.phrase(e.Type, e.Attrs))
				}
			}
		}
		if s.Score == 0 {
			s.Score = 0.01 * float64(1+f.Priority)
			s.Reasons = append(s.Reasons, "大家都在问")
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
