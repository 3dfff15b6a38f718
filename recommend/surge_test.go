package recommend_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// surgeStart is when the surge world's log starts; it lasts 30 days.
var surgeStart = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)

// surgeWorld is a log of asks of ten questions at random, but for three
// eight-hour incidents in which one question (q0, q1, q2 in turn) takes
// half of everyone's asks; with incidents false, none.
func surgeWorld(users int, incidents bool) []recommend.Event {
	r := rand.New(rand.NewPCG(3, 5))
	span := int64(30 * 24 * 3600)
	var out []recommend.Event
	for u := range users {
		var evs []recommend.Event
		for range 8 {
			at := surgeStart.Add(time.Duration(r.Int64N(span)) * time.Second)
			q := fmt.Sprintf("q%d", r.IntN(10))
			day := int(at.Sub(surgeStart).Hours()) / 24
			if incidents && day%10 == 4 && at.Hour() < 8 && r.IntN(2) == 0 {
				q = fmt.Sprintf("q%d", day/10)
			}
			evs = append(evs, recommend.Event{User: fmt.Sprintf("w%04d", u), Time: at, Type: recommend.TypeAsk, Question: q})
		}
		slices.SortFunc(evs, func(a, b recommend.Event) int { return a.Time.Compare(b.Time) })
		out = append(out, evs...)
	}
	return out
}

var surgeModels = sync.OnceValues(func() ([2]*recommend.Model, error) {
	var out [2]*recommend.Model
	for i, inc := range []bool{true, false} {
		m, err := recommend.Train(context.Background(), surgeWorld(1500, inc), nil,
			recommend.TrainOptions{Seed: 1, Weights: &clockWeights, Calendar: recommend.Calendar{Off: true}})
		if err != nil {
			return out, err
		}
		out[i] = m
	}
	return out, nil
})

// countingStore counts the crowd reads of a MemoryStore.
type countingStore struct {
	*recommend.MemoryStore
	reads atomic.Int64
}

func (s *countingStore) Crowd(ctx context.Context, since time.Time) ([]recommend.CrowdBucket, error) {
	s.reads.Add(1)
	return s.MemoryStore.Crowd(ctx, since)
}

// TestCrowdSurge: a question everyone starts asking — one that never
// surged in the training log — rises to the top for a user the model
// knows nothing about, on every engine that shares the store, without a
// retrain, and the reason says so; the engines read the crowd once for
// many requests, and not at all with a model that learned no crowd
// weight.
func TestCrowdSurge(t *testing.T) {
	ms, err := surgeModels()
	if err != nil {
		t.Fatal(err)
	}
	at := surgeStart.Add(40 * 24 * time.Hour)
	var faqs []kb.FAQ
	for i := range 10 {
		faqs = append(faqs, kb.FAQ{ID: fmt.Sprintf("q%d", i), Question: fmt.Sprintf("q%d", i)})
	}
	cat, err := simulate.NewKB(faqs)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1, Clock: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{MemoryStore: mem}
	replica := func(m *recommend.Model) *recommend.Engine {
		eng, err := recommend.NewEngine(cat, store, store, recommend.WithModel(m), recommend.WithClock(func() time.Time { return at }),
			recommend.WithExploration(0, 0), recommend.WithDiversity(0))
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	first := func(eng *recommend.Engine, user string) recommend.Suggestion {
		got, err := eng.Recommend(context.Background(), recommend.Request{User: user, Limit: 3})
		if err != nil || len(got) == 0 {
			t.Fatalf("recommend: %v, %v", got, err)
		}
		return got[0]
	}
	// Before the surge, on its own replica (its cache is empty).
	if s := first(replica(ms[0]), "calm"); s.FAQ.ID == "q7" {
		t.Fatalf("q7 is first before it surges: the world does not test the crowd")
	}
	// Sixty users ask in the last hour: forty of them q7.
	r := rand.New(rand.NewPCG(9, 9))
	for u := range 60 {
		q := "q7"
		if u >= 40 {
			q = fmt.Sprintf("q%d", r.IntN(10))
		}
		if err := store.Append(context.Background(), recommend.Event{User: fmt.Sprintf("o%02d", u),
			Time: at.Add(-time.Duration(r.IntN(3600)) * time.Second), Type: recommend.TypeAsk, Question: q}); err != nil {
			t.Fatal(err)
		}
	}
	reads := store.reads.Load()
	a, b := replica(ms[0]), replica(ms[0])
	for _, eng := range []*recommend.Engine{a, b} {
		s := first(eng, "new")
		if s.FAQ.ID != "q7" {
			t.Errorf("during the surge the first suggestion is %s, want q7", s.FAQ.ID)
		}
		if len(s.Reasons) == 0 || s.Reasons[0].Text != "这会儿问这个问题的人突然变多了" {
			t.Errorf("reasons %+v, want the crowd's first", s.Reasons)
		}
	}
	for range 50 {
		first(a, "new")
	}
	if got := store.reads.Load() - reads; got != 2 {
		t.Errorf("two engines read the crowd %d times for 52 requests, want once each", got)
	}
	// A model that learned no crowd weight does not read it.
	reads = store.reads.Load()
	if s := first(replica(ms[1]), "new"); s.FAQ.ID == "q7" {
		t.Errorf("a model trained without incidents serves the surge first: the crowd weight is not what is tested")
	}
	if got := store.reads.Load() - reads; got != 0 {
		t.Errorf("a model without a crowd weight read the crowd %d times", got)
	}
}
