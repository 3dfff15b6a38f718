package recommend

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

var memAt = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// typicalEvent is an event as most hosts send them: two short attributes.
// Its strings are its own, as when decoded from a request or a log.
func typicalEvent(user string, i int) Event {
	return Event{User: strings.Clone(user), Time: memAt.Add(time.Duration(i) * time.Second), Type: "transfer.success",
		Attrs: map[string]string{"channel": "bank_card", "amount_band": fmt.Sprint("band", i%4)}}
}

// largestEvent is as large as Validate allows: every field at its limit,
// MaxAttrs attributes in MaxAttrsBytes, each string its own.
func largestEvent(user string, i int) Event {
	pad := func(n int) string { return fmt.Sprintf("%0*d", n, i) }
	attrs := make(map[string]string, MaxAttrs)
	for k := range MaxAttrs {
		attrs[fmt.Sprintf("k%02d", k)] = pad(MaxAttrsBytes/MaxAttrs - 3)
	}
	return Event{ID: pad(MaxFieldBytes), User: strings.Clone(user), Time: memAt.Add(time.Duration(i) * time.Second),
		Type: "t." + pad(MaxFieldBytes-2), Object: pad(MaxFieldBytes), Attrs: attrs, Question: pad(MaxFieldBytes),
		Text: pad(MaxTextBytes)}
}

// bigUser is a user id of MaxFieldBytes, for the largest events;
// shortUser one as most hosts have.
func bigUser(u int) string   { return fmt.Sprintf("%0*d", MaxFieldBytes, u) }
func shortUser(u int) string { return fmt.Sprintf("user%06d", u) }

// eventKind is a kind of event and its users' ids.
type eventKind struct {
	user  func(u int) string
	event func(user string, i int) Event
}

var eventKinds = map[string]eventKind{"typical": {shortUser, typicalEvent}, "largest": {bigUser, largestEvent}}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// fill appends perUser events of each of users users, a user at a time,
// and returns the growth of the live heap (the store is the only thing
// kept).
func fill(t testing.TB, s *MemoryStore, users, perUser int, kind eventKind) uint64 {
	t.Helper()
	before := liveHeap()
	for u := range users {
		evs := make([]Event, perUser)
		for i := range evs {
			evs[i] = kind.event(kind.user(u), i)
		}
		if err := s.Append(context.Background(), evs...); err != nil {
			t.Fatal(err)
		}
	}
	after := liveHeap()
	runtime.KeepAlive(s)
	if after < before {
		return 0
	}
	return after - before
}

func newBoundedStore(t testing.TB, maxBytes int64, perUser int) *MemoryStore {
	t.Helper()
	s, err := NewMemoryStore(MemoryConfig{PerUser: perUser, MaxBytes: maxBytes, TTL: -1, MaxSkew: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMemoryStoreEstimate: the store's estimate of its heap is an upper
// bound of the live heap its events and feedback take, and not a loose
// one, for typical and for the largest events.
func TestMemoryStoreEstimate(t *testing.T) {
	for name, kind := range eventKinds {
		t.Run(name, func(t *testing.T) {
			s := newBoundedStore(t, -1, 100)
			heap := fill(t, s, 100, 100, kind)
			before := liveHeap()
			for u := range 100 {
				for q := range 50 {
					fb := Feedback{User: kind.user(u), Question: fmt.Sprintf("%0*d", MaxFieldBytes, q), Kind: Click, Time: memAt}
					if err := s.AddFeedback(context.Background(), fb); err != nil {
						t.Fatal(err)
					}
				}
			}
			heap += liveHeap() - before
			runtime.KeepAlive(s)
			t.Logf("%s: live heap %d KB, estimate %d KB", name, heap>>10, s.bytes>>10)
			if uint64(s.bytes) < heap || float64(s.bytes) > 1.5*float64(heap) {
				t.Errorf("estimate %d bytes for a live heap of %d: want at least it, at most 1.5 times it", s.bytes, heap)
			}
		})
	}
}

// TestMemoryStoreByteBudget: however large the events, the store's heap
// stays within MaxBytes: the least recently written users go first, and a
// user alone over it keeps its newest events.
func TestMemoryStoreByteBudget(t *testing.T) {
	const budget = 1 << 20
	s := newBoundedStore(t, budget, 20)
	// 500 users × 20 of the largest events: about 70 MB without a budget.
	heap := fill(t, s, 500, 20, eventKinds["largest"])
	t.Logf("500 users × 20 of the largest events: live heap %d KB, estimate %d KB, %d users kept", heap>>10, s.bytes>>10, len(s.users))
	if s.bytes > budget || heap > budget {
		t.Errorf("the store takes %d bytes of heap (estimate %d), more than MaxBytes %d", heap, s.bytes, budget)
	}
	ctx := context.Background()
	if got, _ := s.Recent(ctx, bigUser(499), time.Time{}, 0); len(got) != 20 {
		t.Errorf("the last user written kept %d events, want 20", len(got))
	}
	if got, _ := s.Recent(ctx, bigUser(0), time.Time{}, 0); len(got) != 0 {
		t.Errorf("the first user written kept %d events, want it evicted", len(got))
	}

	// One user alone over the budget keeps its newest events.
	s = newBoundedStore(t, minMemoryBytes, 200)
	fill(t, s, 1, 200, eventKinds["largest"])
	got, _ := s.Recent(ctx, bigUser(0), time.Time{}, 0)
	if s.bytes > minMemoryBytes || len(got) == 0 || len(got) == 200 || !got[len(got)-1].Time.Equal(memAt.Add(199*time.Second)) {
		t.Errorf("one user over the budget: %d events kept, estimate %d bytes; want its newest within %d", len(got), s.bytes, minMemoryBytes)
	}

	if _, err := NewMemoryStore(MemoryConfig{MaxBytes: minMemoryBytes - 1}); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("MaxBytes under 64 KiB: %v, want ErrInvalidOption", err)
	}
}

// BenchmarkMemoryStoreBytesPerEvent measures the live heap a stored event
// costs, and what the store counts for it, for typical events (two short
// attributes) and for the largest Validate allows, which MemoryConfig's
// documentation quotes.
func BenchmarkMemoryStoreBytesPerEvent(b *testing.B) {
	for name, kind := range eventKinds {
		b.Run("event="+name, func(b *testing.B) {
			const users, perUser = 200, 200
			var heap, counted float64
			for b.Loop() {
				s := newBoundedStore(b, -1, perUser)
				heap = float64(fill(b, s, users, perUser, kind)) / (users * perUser)
				counted = float64(s.bytes) / (users * perUser)
			}
			b.ReportMetric(heap, "bytes/event")
			b.ReportMetric(counted, "counted-bytes/event")
		})
	}
}
