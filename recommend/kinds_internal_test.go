package recommend

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// kindsWorld: three kinds of users, each asking its own three questions
// (k<kind>-<0..2>) seven times in ten and any of nine others the rest,
// at random moments over two months, with nothing logged but the asks.
func kindsWorld(users int, seed uint64) [][]Event {
	r := rand.New(rand.NewPCG(seed, 21))
	start := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	var out [][]Event
	for u := range users {
		kind := u % 3
		var evs []Event
		for range 2 + r.IntN(6) {
			q := fmt.Sprintf("k%d-%d", kind, r.IntN(3))
			if r.Float64() < 0.3 {
				q = fmt.Sprintf("k%d-%d", (kind+1+r.IntN(2))%3, r.IntN(3))
			}
			at := start.Add(time.Duration(r.Int64N(60*86400)) * time.Second)
			evs = append(evs, Event{User: fmt.Sprintf("u%04d", u), Time: at, Type: TypeAsk, Question: q})
		}
		slices.SortFunc(evs, func(a, b Event) int { return a.Time.Compare(b.Time) })
		out = append(out, evs)
	}
	return out
}

// TestKindsOfUsers: the mixture finds the kinds from the asks alone: two
// asks of one kind's questions give a posterior sure of that kind, and
// the third question of the kind the largest excess; no history, none.
func TestKindsOfUsers(t *testing.T) {
	users := kindsWorld(3000, 1)
	k := trainKinds(users, 1)
	if k == nil {
		t.Fatal("no kinds trained")
	}
	tl := tallyOf(users, 24*time.Hour)
	share := tl.shares()
	b, err := needCases(context.Background(), users, tl, schema{}, nil, k, 200)
	if err != nil {
		t.Fatal(err)
	}
	var kr keyer
	post := make([]float64, kindCount)
	hist := []Event{{Type: TypeAsk, Question: "k1-0"}, {Type: TypeAsk, Question: "k1-2"}}
	if !k.posterior(&kr, hist, post) {
		t.Fatal("no posterior from two known asks")
	}
	// Kind 1 asks its own questions seven times in ten.
	own := 0.0
	for qi, q := range k.askQ {
		if strings.HasPrefix(q, "k1-") {
			for z, pz := range post {
				own += pz * k.askP[qi*len(post)+z]
			}
		}
	}
	if own < 0.6 {
		t.Errorf("after two asks of kind 1, P(one of its questions) = %.2f, want about 0.7: the mixture did not find the kinds", own)
	}
	ev := k.view(func(q string) float64 { return share[q] }, builderSink{b}).evidence(nil, post)
	best, bestX := int32(-1), 0.0
	for _, e := range ev {
		if e.Value > bestX {
			best, bestX = e.About, e.Value
		}
	}
	if !slices.Contains([]int32{b.Target("k1-0"), b.Target("k1-1"), b.Target("k1-2")}, best) {
		t.Errorf("after two asks of kind 1 the largest excess is target %d (%v), want one of kind 1's", best, ev)
	}
	if k.posterior(&kr, nil, post) {
		t.Error("a posterior from no history")
	}
	// The need model learns to use it.
	nm, err := b.Fit(context.Background(), 1, 40)
	if err != nil {
		t.Fatal(err)
	}
	if nm.KindWeight() <= 0 {
		t.Errorf("kind weight %v, want it learned", nm.KindWeight())
	}
}
