package recommend_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// flakyStore is a MemoryStore whose reads fail while down is set, and which
// counts its calls.
type flakyStore struct {
	*recommend.MemoryStore
	mu                           sync.Mutex
	down                         bool
	reads, userReads, statsReads int
}

var errDown = errors.New("store down")

func (s *flakyStore) fail() error {
	if s.down {
		return errDown
	}
	return nil
}

func (s *flakyStore) Recent(ctx context.Context, user string, since time.Time, limit int) ([]recommend.Event, error) {
	s.mu.Lock()
	s.reads++
	err := s.fail()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.MemoryStore.Recent(ctx, user, since, limit)
}

func (s *flakyStore) ReadUser(ctx context.Context, dst []recommend.Event, user string, since time.Time, limit int) ([]recommend.Event, []recommend.UserFeedback, error) {
	s.mu.Lock()
	s.userReads++
	err := s.fail()
	s.mu.Unlock()
	if err != nil {
		return dst, nil, err
	}
	return s.MemoryStore.ReadUser(ctx, dst, user, since, limit)
}

func (s *flakyStore) QuestionStats(ctx context.Context, qs []string) ([]recommend.QuestionStats, error) {
	s.mu.Lock()
	s.statsReads++
	err := s.fail()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.MemoryStore.QuestionStats(ctx, qs)
}

func (s *flakyStore) setDown(d bool) { s.mu.Lock(); s.down = d; s.mu.Unlock() }

type callLog struct {
	mu    sync.Mutex
	calls []recommend.Call
}

func (l *callLog) ObserveCall(c *recommend.Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cp := *c
	cp.Stages = append([]recommend.Stage(nil), c.Stages...)
	cp.Sources = append([]recommend.ReasonKind(nil), c.Sources...)
	l.calls = append(l.calls, cp)
}

func newFlaky(t *testing.T, opts ...recommend.Option) (*recommend.Engine, *flakyStore) {
	t.Helper()
	_, mem := newEngine(t)
	fs := &flakyStore{MemoryStore: mem}
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(k, fs, fs, append([]recommend.Option{recommend.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return eng, fs
}

func TestRecommendDegradesWhenStoreFails(t *testing.T) {
	ctx := context.Background()
	var log callLog
	eng, fs := newFlaky(t, recommend.WithObserver(&log))
	record(t, eng, transferFail("u1", 3*time.Minute))
	healthy, err := eng.Recommend(ctx, recommend.Request{User: "u1", Context: map[string]string{"from": "transfer"}})
	if err != nil {
		t.Fatal(err)
	}
	if fs.userReads != 1 || fs.reads != 0 {
		t.Errorf("one request read the store %d times through ReadUser and %d through Recent; want 1 and 0", fs.userReads, fs.reads)
	}

	fs.setDown(true)
	got, err := eng.Recommend(ctx, recommend.Request{User: "u1", Context: map[string]string{"from": "transfer"}})
	if !errors.Is(err, recommend.ErrDegraded) || !errors.Is(err, errDown) {
		t.Fatalf("error = %v, want ErrDegraded wrapping the store's error", err)
	}
	if len(got) == 0 || len(got) != len(healthy) {
		t.Fatalf("degraded answer has %d suggestions, want %d (what the engine can answer alone)", len(got), len(healthy))
	}
	for _, s := range got {
		if len(s.Reasons) == 0 {
			t.Errorf("%s: no reason", s.FAQ.ID)
		}
		for _, r := range s.Reasons {
			if r.Kind == recommend.ReasonTrigger || r.Kind == recommend.ReasonHistory {
				t.Errorf("%s: reason %+v from a history the engine could not read", s.FAQ.ID, r)
			}
		}
	}
	if err := eng.Record(ctx, transferFail("u1", time.Minute)); err != nil {
		t.Errorf("Record while reads fail: %v (writes go to Append, which works)", err)
	}

	fs.setDown(false)
	// A cancelled request is an error, not a degraded answer.
	c, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := eng.Recommend(c, recommend.Request{User: "u1"}); errors.Is(err, recommend.ErrDegraded) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error = %v, want context.Canceled and not degraded", err)
	}
	again, err := eng.Recommend(ctx, recommend.Request{User: "u1", Context: map[string]string{"from": "transfer"}})
	if err != nil {
		t.Fatalf("after the store came back: %v", err)
	}
	if ids(again)[0] != ids(healthy)[0] {
		t.Errorf("after recovery the first suggestion is %s, want %s as before the fault", ids(again)[0], ids(healthy)[0])
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	var degraded, recs int
	for _, c := range log.calls {
		if c.Op != "recommend" {
			continue
		}
		recs++
		if c.Degraded {
			degraded++
			if !errors.Is(c.StoreErr, errDown) {
				t.Errorf("degraded call's StoreErr = %v", c.StoreErr)
			}
		}
		if c.Err == nil {
			var names []string
			for _, s := range c.Stages {
				names = append(names, s.Name)
			}
			if want := []string{"read", "gather", "score", "explore", "rank", "explain"}; !slices.Equal(names, want) {
				t.Errorf("stages %v, want %v", names, want)
			}
			if len(c.Sources) != len(healthy) {
				t.Errorf("%d sources for %d suggestions", len(c.Sources), len(healthy))
			}
		}
	}
	if recs != 4 || degraded != 1 /* healthy, degraded, cancelled, recovered */ {
		t.Errorf("observed %d recommend calls, %d degraded; want 4 and 1", recs, degraded)
	}
}

func TestStatsCacheSparesStoreReads(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		ttl  time.Duration
		want int
	}{{0, 5}, {time.Hour, 1}} {
		eng, fs := newFlaky(t, recommend.WithStatsCache(tc.ttl))
		record(t, eng, transferFail("u1", 3*time.Minute))
		if err := eng.Feedback(ctx, recommend.Feedback{User: "u2", Question: "transfer-fail-reason", Kind: recommend.Impression}); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			if _, err := eng.Recommend(ctx, recommend.Request{User: "u1"}); err != nil {
				t.Fatal(err)
			}
		}
		if fs.statsReads != tc.want {
			t.Errorf("WithStatsCache(%v): %d QuestionStats reads for 5 requests, want %d", tc.ttl, fs.statsReads, tc.want)
		}
	}
	if _, err := recommend.NewEngine(nil, nil, nil, recommend.WithStatsCache(-1)); !errors.Is(err, recommend.ErrInvalidOption) {
		t.Errorf("negative cache: %v", err)
	}
}
