package recommend_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/storetest"
)

func newMemory(t *testing.T) *recommend.MemoryStore {
	t.Helper()
	s, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) recommend.EventStore { return newMemory(t) })
	storetest.RunFeedback(t, func(t *testing.T) recommend.FeedbackStore { return newMemory(t) })
}

func TestMemoryStoreBounds(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := recommend.NewMemoryStore(recommend.MemoryConfig{PerUser: 3, MaxUsers: 2, TTL: time.Hour, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ev := func(user string, ago time.Duration) recommend.Event {
		return recommend.Event{User: user, Time: now.Add(-ago), Type: "bill.view"}
	}
	// Ring: only the 3 newest of 5 survive, including one appended out of order.
	if err := s.Append(ctx, ev("a", 50*time.Minute), ev("a", 40*time.Minute), ev("a", 10*time.Minute), ev("a", 30*time.Minute), ev("a", 20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(ctx, "a", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var agos []time.Duration
	for _, e := range got {
		agos = append(agos, now.Sub(e.Time))
	}
	if want := []time.Duration{30 * time.Minute, 20 * time.Minute, 10 * time.Minute}; !equalDur(agos, want) {
		t.Errorf("ring kept %v, want %v", agos, want)
	}
	// TTL: after the clock moves 35 minutes, the event then 65 minutes old expires.
	now = now.Add(35 * time.Minute)
	got, _ = s.Recent(ctx, "a", time.Time{}, 0)
	if len(got) != 2 {
		t.Errorf("after TTL: %d events, want 2", len(got))
	}
	// MaxUsers: writing b then c evicts a, the least recently written.
	if err := s.Append(ctx, ev("b", 0), ev("c", 0)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recent(ctx, "a", time.Time{}, 0); len(got) != 0 {
		t.Errorf("user a not evicted: %v", got)
	}
	if got, _ := s.Recent(ctx, "c", time.Time{}, 0); len(got) != 1 {
		t.Errorf("user c lost: %v", got)
	}
}

func equalDur(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestNewMemoryStoreRejectsNegative(t *testing.T) {
	_, err := recommend.NewMemoryStore(recommend.MemoryConfig{PerUser: -1, MaxUsers: -2})
	if !errors.Is(err, recommend.ErrInvalidOption) {
		t.Fatalf("error = %v, want ErrInvalidOption", err)
	}
}
