package recommend

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/kb"
)

// TestResolveHistory checks that resolving a history through a model's
// cache gives the need model and the sequence model the same input as
// resolving every event, cold and warm, across the cache's generations.
func TestResolveHistory(t *testing.T) {
	ctx := context.Background()
	cat := &countingCatalog{faqs: []kb.FAQ{{ID: "big", Question: "Big?"}, {ID: "small", Question: "Small?"}, {ID: "vip", Question: "VIP?"}}}
	at := time.Unix(1.7e9, 0)
	var log []Event
	for u := range 60 {
		user := fmt.Sprint("u", u)
		level := []string{"vip", "normal"}[u%2]
		log = append(log, Event{User: user, Time: at, Type: "profile.snapshot", Attrs: map[string]string{"level": level}})
		for i := range 8 {
			at = at.Add(time.Hour)
			amount := (u*8 + i) * 10
			log = append(log, Event{User: user, Time: at, Type: "open", Attrs: map[string]string{"from": []string{"home", "pay"}[i%2]}},
				Event{User: user, Time: at.Add(time.Second), Type: "pay", Attrs: map[string]string{
					"method": []string{"card", "balance"}[i%2], "amount": fmt.Sprintf("%d.00", amount), "memo": fmt.Sprint("note ", i)}})
			q := "small"
			if amount >= 2000 {
				q = "big"
			}
			if level == "vip" && i%3 == 0 {
				q = "vip"
			}
			log = append(log, Event{User: user, Time: at.Add(time.Minute), Type: TypeAsk, Question: q},
				Event{User: user, Time: at.Add(2 * time.Minute), Type: TypeSearch, Text: "退款"})
		}
	}
	m, err := Train(ctx, log, cat, TrainOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.needs == nil || m.seq == nil || m.seq.NumItems() == 0 {
		t.Fatal("no need or sequence model")
	}
	// With kinds of user (too few users here to learn them): a few words
	// and two kinds.
	m2, err := Train(ctx, log, cat, TrainOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m2.kinds = &kinds{words: map[string]int32{"a:big": 0, "e:pay": 1, "a:vip": 2},
		logPrior: []float64{math.Log(0.3), math.Log(0.7)},
		logPhi:   []float64{-1, -2, -0.5, -3, -4, -0.1}}
	now := at.Add(time.Hour)
	for _, m := range []*Model{m, m2} {
		maxAge := m.needs.MaxAge().Seconds()
		var sc refScratch
		check := func(hist []Event) {
			t.Helper()
			var want, got moment
			m.schema.build(&want, hist, nil, now.Unix(), maxAge, nil, modelSink{m.needs}, m.clock)
			seqFrom := len(hist) / 2
			m.resolveHistory(hist, now.Unix(), maxAge, seqFrom, &got.kr, &sc)
			m.schema.build(&got, hist, sc.historyRefs(), now.Unix(), maxAge, nil, modelSink{m.needs}, m.clock)
			var wantSteps, gotSteps []seqrec.Step
			for i := seqFrom; i < len(hist); i++ {
				wantSteps = m.schema.appendKnownSteps(wantSteps, &keyer{}, &hist[i], m.seq)
				for _, tok := range sc.evs[i].toks {
					gotSteps = append(gotSteps, seqrec.Step{Token: tok, Time: hist[i].Time.Unix()})
				}
			}
			if !reflect.DeepEqual(gotSteps, wantSteps) {
				t.Fatalf("through the cache: steps %v, want %v", gotSteps, wantSteps)
			}
			if m.kinds != nil {
				want, got := make([]float64, 2), make([]float64, 2)
				wantOK, gotOK := m.kinds.posterior(&keyer{}, hist, want), sc.posterior(m.kinds, got)
				if gotOK != wantOK || !slices.Equal(got, want) {
					t.Fatalf("through the cache: posterior %v (%v), want %v (%v)", got, gotOK, want, wantOK)
				}
			}
			if !reflect.DeepEqual(got.ev, want.ev) || !reflect.DeepEqual(got.src, want.src) ||
				!reflect.DeepEqual(got.ctx, want.ctx) || !reflect.DeepEqual(got.ctxSrc, want.ctxSrc) {
				t.Fatalf("through the cache: evidence %v from %v, context %v from %v; want %v from %v, %v from %v",
					got.ev, got.src, got.ctx, got.ctxSrc, want.ev, want.src, want.ctx, want.ctxSrc)
			}
			if len(want.ev) == 0 {
				t.Fatal("no evidence: the check checks nothing")
			}
		}
		// A user's history with values seen in training and not, events too
		// old to count, and repeats: cold, then warm.
		hist := []Event{
			{Time: now.Add(-200 * 24 * time.Hour), Type: "pay", Attrs: map[string]string{"method": "card", "amount": "10.00"}},
			{Time: now.Add(-3 * time.Hour), Type: "profile.snapshot", Attrs: map[string]string{"level": "vip"}},
			{Time: now.Add(-2 * time.Hour), Type: "pay", Attrs: map[string]string{"method": "card", "amount": "3990.00", "memo": "x"}},
			{Time: now.Add(-time.Hour), Type: "pay", Attrs: map[string]string{"method": "cash", "amount": "abc"}},
			{Time: now.Add(-time.Hour), Type: "pay", Attrs: map[string]string{"method": "card", "amount": "3990.00", "memo": "x"}},
			{Time: now.Add(-30 * time.Minute), Type: TypeAsk, Question: "big"},
			{Time: now.Add(-20 * time.Minute), Type: TypeAsk, Question: "unknown"},
			{Time: now.Add(-10 * time.Minute), Type: TypeSearch, Text: "退款"},
			{Time: now.Add(-5 * time.Minute), Type: "open", Attrs: map[string]string{"from": "pay"}},
			{Time: now.Add(-time.Minute), Type: "never.seen"},
		}
		for range 3 {
			check(hist)
		}
		// Enough distinct events to fill the current generation twice: the
		// first history then comes from the old one, or is resolved again.
		for i := 0; i < 2*resolvedCacheSize; i += 500 {
			var many []Event
			for j := range 500 {
				many = append(many, Event{Time: now.Add(-time.Minute), Type: "pay",
					Attrs: map[string]string{"method": "card", "amount": fmt.Sprint(i + j)}})
			}
			check(many)
			check(hist)
		}
		// Requests resolving at once share the cache (run with -race).
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				var sc refScratch
				var kr keyer
				for i := range 3000 {
					h := []Event{hist[i%len(hist)], {Time: now.Add(-time.Minute), Type: "pay",
						Attrs: map[string]string{"method": "card", "amount": fmt.Sprint(g, i)}}}
					m.resolveHistory(h, now.Unix(), maxAge, 1, &kr, &sc)
				}
			})
		}
		wg.Wait()
		check(hist)

	}
}
