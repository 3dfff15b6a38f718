package recommend_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// simCase is one user's last ask with its truth and what came before it.
type simSplit struct {
	train []recommend.Event // every user's events before their last ask
	cases []simulate.Truth  // last asks of users with at least 3 asks
}

func splitSim(log *simulate.Log) simSplit {
	last := map[string]int{} // user → index in log.Asks of the last ask
	n := map[string]int{}
	for i, a := range log.Asks {
		last[a.User] = i
		n[a.User]++
	}
	var s simSplit
	for _, e := range log.Events {
		if i, ok := last[e.User]; ok && !e.Time.Before(log.Asks[i].Time) {
			continue
		}
		s.train = append(s.train, e)
	}
	users := make([]string, 0, len(last))
	for u := range last {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		if n[u] >= 3 {
			s.cases = append(s.cases, log.Asks[last[u]])
		}
	}
	return s
}

// TestSimulatorHitRate checks the engine against the simulator's truth: its
// expected HR@3 over the best achievable HR@3, and against popularity.
func TestSimulatorHitRate(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on a simulated log")
	}
	ctx := context.Background()
	log, err := simulate.Generate(simulate.Config{Users: 3000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	sp := splitSim(log)
	start := time.Now()
	m, err := recommend.Train(ctx, sp.train, k, recommend.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained on %d events in %v; weights %+v", len(sp.train), time.Since(start), m.Weights())
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{PerUser: 1000, TTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Append(ctx, sp.train...); err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(k, store, store, recommend.WithModel(m), recommend.WithExploration(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Popularity: the three most asked questions in the training events.
	counts := map[string]int{}
	for _, e := range sp.train {
		if e.Type == recommend.TypeAsk {
			counts[e.Question]++
		}
	}
	pop := slices.Collect(func(yield func(string) bool) {
		for q := range counts {
			if !yield(q) {
				return
			}
		}
	})
	slices.SortFunc(pop, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	pop = pop[:3]

	var got, best, popHit, hits float64
	for _, c := range sp.cases {
		sug, err := eng.Recommend(ctx, recommend.Request{User: c.User, Limit: 3, Now: c.Time, Diversity: -1})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(sug))
		for i, s := range sug {
			ids[i] = s.FAQ.ID
			if s.FAQ.ID == c.Question {
				hits++
			}
		}
		got += log.Expected(c, ids)
		best += log.Best(c, 3)
		popHit += log.Expected(c, pop)
	}
	n := float64(len(sp.cases))
	ratio := got / best
	t.Logf("cases=%d expected HR@3: engine %.4f, best %.4f, popularity %.4f; ratio engine/best %.3f; observed HR@3 %.4f",
		len(sp.cases), got/n, best/n, popHit/n, ratio, hits/n)
	if ratio < 0.85 { // measured 0.93 (3000 users, seed 1)
		t.Errorf("engine/best HR@3 = %.3f, want >= 0.85", ratio)
	}
	if got < 2*popHit {
		t.Errorf("engine HR@3 %.4f does not clearly beat popularity %.4f", got/n, popHit/n)
	}
}
