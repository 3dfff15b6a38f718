package recommend_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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
	storetest.RunCrowd(t, func(t *testing.T, clock func() time.Time) recommend.EventStore {
		s, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
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

// TestMemoryAppendRecent checks that AppendRecent keeps dst's events and
// appends what Recent returns.
func TestMemoryAppendRecent(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := s.Append(ctx, recommend.Event{User: "u", Time: t0.Add(time.Duration(i-5) * time.Minute), Type: "bill.view"}); err != nil {
			t.Fatal(err)
		}
	}
	want, err := s.Recent(ctx, "u", time.Time{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	keep := recommend.Event{User: "x", Time: t0, Type: "kept"}
	got, err := s.AppendRecent(ctx, []recommend.Event{keep}, "u", time.Time{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1+len(want) || got[0].Type != "kept" {
		t.Fatalf("AppendRecent = %d events starting %+v, want kept + %d", len(got), got[0], len(want))
	}
	for i := range want {
		if !got[1+i].Time.Equal(want[i].Time) || got[1+i].Type != want[i].Type {
			t.Errorf("event %d = %+v, want %+v", i, got[1+i], want[i])
		}
	}
	if len(want) != 3 {
		t.Errorf("Recent returned %d events, want 3", len(want))
	}
	if got, _ := s.AppendRecent(ctx, nil, "nobody", time.Time{}, 3); len(got) != 0 {
		t.Errorf("unknown user: %v, want none", got)
	}
}

// The crowd keeps its own window whatever the TTL and MaxUsers: an ask
// Append drops for the TTL is not counted, but one counted stays counted
// after its event expires or its user is evicted.
func TestMemoryStoreCrowdTTLAndEviction(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: time.Hour, MaxUsers: 1, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ask := func(user string, ago time.Duration) recommend.Event {
		return recommend.Event{User: user, Time: now.Add(-ago), Type: recommend.TypeAsk, Question: "q"}
	}
	if err := s.Append(ctx, ask("a", 2*time.Hour), ask("a", 30*time.Minute), ask("b", 5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Recent(ctx, "a", time.Time{}, 0); len(got) != 0 {
		t.Fatalf("user a not evicted: %v", got)
	}
	now = now.Add(50 * time.Minute) // a's ask 30 minutes old is now past the TTL
	got, err := s.Crowd(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.CrowdBucket{
		{Start: time.Date(2025, 3, 1, 11, 30, 0, 0, time.UTC), Asks: map[string]int64{"q": 1}},
		{Start: time.Date(2025, 3, 1, 11, 50, 0, 0, time.UTC), Asks: map[string]int64{"q": 1}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Crowd (-want +got):\n%s", d)
	}
}
