// Package storetest is a conformance suite for implementations of
// [recommend.EventStore], [recommend.FeedbackStore] and
// [recommend.CrowdReader]: a networked store passes the same tests as the
// in-memory default.
//
//	func TestRedisStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) recommend.EventStore { return newTestRedis(t, time.Now) })
//		storetest.RunFeedback(t, func(t *testing.T) recommend.FeedbackStore { return newTestRedis(t, time.Now) })
//		storetest.RunCrowd(t, func(t *testing.T, clock func() time.Time) recommend.EventStore {
//			return newTestRedis(t, clock)
//		})
//	}
//
// [Run] and [RunFeedback] use event times within the last hour of the wall
// clock, so a store with a TTL of at least a few hours passes. [RunCrowd]
// gives the store a clock of its own, in 2025, and moves it. Each test
// gets a fresh store from the constructor.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/recommend"
)

// Run runs the EventStore conformance tests as subtests of t.
func Run(t *testing.T, newStore func(t *testing.T) recommend.EventStore) {
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }
	ev := func(user string, min int, typ string) recommend.Event {
		e := recommend.Event{User: user, Time: at(min), Type: typ}
		if typ == recommend.TypeAsk {
			e.Question = fmt.Sprintf("q%d", min)
		}
		return e
	}
	ctx := context.Background()

	t.Run("AppendRecentOrder", func(t *testing.T) {
		s := newStore(t)
		in := []recommend.Event{
			ev("u1", 3, "refund.apply"),
			{User: "u1", Time: at(1), Type: "transfer.fail", Object: "t9", Attrs: map[string]string{"channel": "bank_card", "reason": "risk_control"}},
			ev("u1", 2, recommend.TypeAsk),
			{User: "u1", Time: at(4), Type: recommend.TypeSearch, Text: "电子回单"},
		}
		if err := s.Append(ctx, in...); err != nil {
			t.Fatal(err)
		}
		got, err := s.Recent(ctx, "u1", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []recommend.Event{in[1], in[2], in[0], in[3]}
		if d := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); d != "" {
			t.Errorf("Recent (-want +got):\n%s", d)
		}
	})

	t.Run("LimitAndSince", func(t *testing.T) {
		s := newStore(t)
		for i := range 10 {
			if err := s.Append(ctx, ev("u1", i, "bill.view")); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name  string
			since time.Time
			limit int
			want  []int // minutes
		}{
			{"all", time.Time{}, 0, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
			{"limit", time.Time{}, 3, []int{7, 8, 9}},
			{"since", at(6), 0, []int{6, 7, 8, 9}},
			{"since and limit", at(6), 2, []int{8, 9}},
			{"since after all", at(20), 5, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Recent(ctx, "u1", tc.since, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				var mins []int
				for _, e := range got {
					mins = append(mins, int(e.Time.Sub(base)/time.Minute))
				}
				if d := cmp.Diff(tc.want, mins); d != "" {
					t.Errorf("minutes (-want +got):\n%s", d)
				}
			})
		}
	})

	t.Run("SameTimeKeepsArrivalOrder", func(t *testing.T) {
		s := newStore(t)
		a, b := ev("u1", 5, "transfer.success"), ev("u1", 5, "transfer.fail")
		if err := s.Append(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
		got, err := s.Recent(ctx, "u1", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Type != a.Type || got[1].Type != b.Type {
			t.Errorf("got %v, want %s then %s", got, a.Type, b.Type)
		}
	})

	t.Run("UsersAreSeparate", func(t *testing.T) {
		s := newStore(t)
		if err := s.Append(ctx, ev("u1", 1, "bill.view"), ev("u2", 2, "refund.apply")); err != nil {
			t.Fatal(err)
		}
		got, err := s.Recent(ctx, "u2", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].User != "u2" {
			t.Errorf("Recent(u2) = %v, want only u2's event", got)
		}
		none, err := s.Recent(ctx, "nobody", time.Time{}, 0)
		if err != nil || len(none) != 0 {
			t.Errorf("Recent(unknown) = %v, %v; want empty, nil", none, err)
		}
	})

	t.Run("InvalidEventRejected", func(t *testing.T) {
		s := newStore(t)
		attrs := func(n, size int) map[string]string {
			m := map[string]string{}
			for i := range n {
				m[fmt.Sprint("k", i)] = strings.Repeat("v", size)
			}
			return m
		}
		long := strings.Repeat("x", recommend.MaxFieldBytes+1)
		bad := []recommend.Event{
			{Time: at(1), Type: "bill.view"},
			{User: "u1", Type: "bill.view"},
			{User: "u1", Time: at(1)},
			{User: "u1", Time: at(1), Type: recommend.TypeAsk},
			// Over the limits: every store refuses what Validate refuses.
			{User: "u1", Time: at(1), Type: "bill.view", Attrs: attrs(recommend.MaxAttrs+1, 1)},
			{User: "u1", Time: at(1), Type: "bill.view", Attrs: attrs(recommend.MaxAttrsBytes/recommend.MaxFieldBytes+1, recommend.MaxFieldBytes)},
			{User: "u1", Time: at(1), Type: "bill.view", Attrs: map[string]string{"k": long}},
			{User: "u1", Time: at(1), Type: "bill.view", Object: long},
			{User: "u1", Time: at(1), Type: recommend.TypeSearch, Text: strings.Repeat("转", recommend.MaxTextBytes/3+1)},
		}
		for i, e := range bad {
			err := s.Append(ctx, ev("u1", 0, "bill.view"), e)
			if !errors.Is(err, recommend.ErrInvalidEvent) {
				t.Errorf("case %d: Append error = %v, want ErrInvalidEvent", i, err)
			}
		}
		got, err := s.Recent(ctx, "u1", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("a rejected batch stored %d events, want 0", len(got))
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t)
		c, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Append(c, ev("u1", 1, "bill.view")); !errors.Is(err, context.Canceled) {
			t.Errorf("Append error = %v, want context.Canceled", err)
		}
		if _, err := s.Recent(c, "u1", time.Time{}, 0); !errors.Is(err, context.Canceled) {
			t.Errorf("Recent error = %v, want context.Canceled", err)
		}
	})

	t.Run("RetriedEventStoredOnce", func(t *testing.T) {
		s := newStore(t)
		e := recommend.Event{ID: "e1", User: "u1", Time: at(1), Type: "transfer.fail"}
		other := recommend.Event{ID: "e1", User: "u2", Time: at(1), Type: "transfer.fail"}
		plain := recommend.Event{User: "u1", Time: at(2), Type: "bill.view"}
		for range 2 { // the second call is a retry of the first
			if err := s.Append(ctx, e, other, plain); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
		got, err := s.Recent(ctx, "u1", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The event with an identity is kept once; one without is kept
		// at every write.
		want := []recommend.Event{e, plain, plain}
		if d := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); d != "" {
			t.Errorf("Recent (-want +got):\n%s", d)
		}
		if got, err := s.Recent(ctx, "u2", time.Time{}, 0); err != nil || len(got) != 1 {
			t.Errorf("u2's event with the same id: got %d events, %v; want 1 (ids are per user)", len(got), err)
		}
	})

	t.Run("ReadUserMatchesReads", func(t *testing.T) {
		s := newStore(t)
		ur, ok := s.(recommend.UserReader)
		fs, okf := s.(recommend.FeedbackStore)
		if !ok || !okf {
			t.Skip("the store does not implement UserReader and FeedbackStore")
		}
		for i := range 5 {
			if err := s.Append(ctx, ev("u1", i, "bill.view")); err != nil {
				t.Fatal(err)
			}
		}
		err := fs.AddFeedback(ctx,
			recommend.Feedback{User: "u1", Question: "a", Kind: recommend.Click, Time: at(3)},
			recommend.Feedback{User: "u1", Question: "b", Kind: recommend.Dismiss, Time: at(4)})
		if err != nil {
			t.Fatal(err)
		}
		dst := []recommend.Event{ev("keep", 0, "x")}
		evs, fbs, err := ur.ReadUser(ctx, dst, "u1", at(1), 3)
		if err != nil {
			t.Fatal(err)
		}
		wantEv, err := s.Recent(ctx, "u1", at(1), 3)
		if err != nil {
			t.Fatal(err)
		}
		wantFb, err := fs.UserFeedback(ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(append(dst[:1:1], wantEv...), evs, cmp.Comparer(time.Time.Equal)); d != "" {
			t.Errorf("ReadUser events (-Recent +ReadUser):\n%s", d)
		}
		if d := cmp.Diff(wantFb, fbs, cmp.Comparer(time.Time.Equal)); d != "" {
			t.Errorf("ReadUser feedback (-UserFeedback +ReadUser):\n%s", d)
		}
		if evs, fbs, err := ur.ReadUser(ctx, nil, "nobody", time.Time{}, 0); err != nil || len(evs)+len(fbs) != 0 {
			t.Errorf("ReadUser(unknown) = %v, %v, %v; want empty", evs, fbs, err)
		}
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := ur.ReadUser(c, nil, "u1", time.Time{}, 0); !errors.Is(err, context.Canceled) {
			t.Errorf("ReadUser error = %v, want context.Canceled", err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				user := fmt.Sprintf("u%d", w%2)
				for i := range 50 {
					if err := s.Append(ctx, ev(user, i, "bill.view")); err != nil {
						t.Error(err)
						return
					}
					if _, err := s.Recent(ctx, user, time.Time{}, 10); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		got, err := s.Recent(ctx, "u0", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Time.Before(got[i-1].Time) {
				t.Fatalf("events out of order at %d: %v before %v", i, got[i-1].Time, got[i].Time)
			}
		}
	})
}

// RunFeedback runs the FeedbackStore conformance tests as subtests of t.
func RunFeedback(t *testing.T, newStore func(t *testing.T) recommend.FeedbackStore) {
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	ctx := context.Background()
	fb := func(user, q string, k recommend.FeedbackKind, min int) recommend.Feedback {
		return recommend.Feedback{User: user, Question: q, Kind: k, Time: base.Add(time.Duration(min) * time.Minute)}
	}

	t.Run("CountsAndTimes", func(t *testing.T) {
		s := newStore(t)
		err := s.AddFeedback(ctx,
			fb("u1", "b", recommend.Impression, 1),
			fb("u1", "a", recommend.Impression, 1),
			fb("u1", "a", recommend.Click, 2),
			fb("u1", "b", recommend.Dismiss, 3),
			fb("u1", "a", recommend.Resolve, 4),
			fb("u2", "a", recommend.Impression, 5),
		)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.UserFeedback(ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		want := []recommend.UserFeedback{
			{Question: "a", Impressions: 1, Clicks: 1, Resolved: base.Add(4 * time.Minute)},
			{Question: "b", Impressions: 1, Dismissed: base.Add(3 * time.Minute)},
		}
		if d := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); d != "" {
			t.Errorf("UserFeedback (-want +got):\n%s", d)
		}
		stats, err := s.QuestionStats(ctx, []string{"a", "zzz", "b"})
		if err != nil {
			t.Fatal(err)
		}
		wantStats := []recommend.QuestionStats{{Impressions: 2, Clicks: 1}, {}, {Impressions: 1}}
		if d := cmp.Diff(wantStats, stats); d != "" {
			t.Errorf("QuestionStats (-want +got):\n%s", d)
		}
	})

	t.Run("UnknownUser", func(t *testing.T) {
		s := newStore(t)
		got, err := s.UserFeedback(ctx, "nobody")
		if err != nil || len(got) != 0 {
			t.Errorf("UserFeedback(unknown) = %v, %v; want empty, nil", got, err)
		}
	})

	t.Run("InvalidRejected", func(t *testing.T) {
		s := newStore(t)
		bad := []recommend.Feedback{
			{Question: "a", Kind: recommend.Click},
			{User: "u1", Kind: recommend.Click},
			{User: "u1", Question: "a"},
			{User: "u1", Question: "a", Kind: 99},
		}
		for i, f := range bad {
			if err := s.AddFeedback(ctx, fb("u1", "ok", recommend.Impression, 0), f); !errors.Is(err, recommend.ErrInvalidFeedback) {
				t.Errorf("case %d: error = %v, want ErrInvalidFeedback", i, err)
			}
		}
		got, err := s.UserFeedback(ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("a rejected batch stored %v", got)
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t)
		c, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.AddFeedback(c, fb("u1", "a", recommend.Click, 0)); !errors.Is(err, context.Canceled) {
			t.Errorf("AddFeedback error = %v, want context.Canceled", err)
		}
		if _, err := s.UserFeedback(c, "u1"); !errors.Is(err, context.Canceled) {
			t.Errorf("UserFeedback error = %v, want context.Canceled", err)
		}
		if _, err := s.QuestionStats(c, []string{"a"}); !errors.Is(err, context.Canceled) {
			t.Errorf("QuestionStats error = %v, want context.Canceled", err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 50 {
					q := fmt.Sprintf("q%d", i%5)
					if err := s.AddFeedback(ctx, fb(fmt.Sprintf("u%d", w), q, recommend.Impression, i)); err != nil {
						t.Error(err)
						return
					}
					if _, err := s.QuestionStats(ctx, []string{q}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		stats, err := s.QuestionStats(ctx, []string{"q0"})
		if err != nil {
			t.Fatal(err)
		}
		if stats[0].Impressions != 40 {
			t.Errorf("q0 impressions = %d, want 40", stats[0].Impressions)
		}
	})
}

// clock is the crowd suite's settable clock: [RunCrowd] hands its Now to
// the store's constructor and moves it forward. It is safe for concurrent
// use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set sets the clock's time.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// RunCrowd runs the [recommend.CrowdReader] conformance tests as subtests
// of t. newStore must return a fresh store, with default caps and TTL,
// that implements CrowdReader and tells the time by clock (the suite
// moves it; its times are in 2025, so a store must not read a wall clock
// of its own for its TTL or the crowd's window).
func RunCrowd(t *testing.T, newStore func(t *testing.T, clock func() time.Time) recommend.EventStore) {
	ctx := context.Background()
	// start is 15:04 UTC: its bucket began at 15:00, the window's oldest
	// bucket at 09:10.
	start := time.Date(2025, 3, 1, 15, 4, 0, 0, time.UTC)
	open := func(t *testing.T) (recommend.EventStore, recommend.CrowdReader, *clock) {
		t.Helper()
		clk := &clock{now: start}
		s := newStore(t, clk.Now)
		cr, ok := s.(recommend.CrowdReader)
		if !ok {
			t.Fatalf("%T does not implement recommend.CrowdReader", s)
		}
		return s, cr, clk
	}
	hm := func(h, m int) time.Time { return time.Date(2025, 3, 1, h, m, 0, 0, time.UTC) }
	ask := func(user, q string, t time.Time) recommend.Event {
		return recommend.Event{User: user, Time: t, Type: recommend.TypeAsk, Question: q}
	}
	crowd := func(t *testing.T, cr recommend.CrowdReader, since time.Time) []recommend.CrowdBucket {
		t.Helper()
		got, err := cr.Crowd(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range got {
			if b.Start.Location() != time.UTC || b.Start.Unix()%int64(recommend.CrowdBucketWidth/time.Second) != 0 {
				t.Errorf("bucket %d starts at %v, want a multiple of the width in UTC", i, b.Start)
			}
			if len(b.Asks) == 0 {
				t.Errorf("bucket %d (%v) is empty", i, b.Start)
			}
		}
		return got
	}
	diff := func(want, got []recommend.CrowdBucket) string {
		return cmp.Diff(want, got, cmp.Comparer(time.Time.Equal))
	}
	// total is how many asks of q the buckets count.
	total := func(bs []recommend.CrowdBucket, q string) int64 {
		var n int64
		for _, b := range bs {
			n += b.Asks[q]
		}
		return n
	}

	t.Run("CountsPerBucket", func(t *testing.T) {
		s, cr, _ := open(t)
		if got := crowd(t, cr, time.Time{}); len(got) != 0 {
			t.Errorf("empty store: %v, want none", got)
		}
		err := s.Append(ctx,
			ask("u1", "card-limit", hm(15, 3)),
			ask("u2", "card-limit", hm(15, 0)),
			ask("u1", "refund", hm(14, 59)),
			recommend.Event{User: "u3", Time: hm(15, 1), Type: recommend.TypeSearch, Text: "card-limit"}, // not an ask
			recommend.Event{User: "u3", Time: hm(15, 1), Type: "transfer.fail", Question: "card-limit"},  // not an ask
			ask("u3", "card-limit", hm(12, 30)),
		)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, ask("u4", "refund", hm(14, 50)), ask("u4", "card-limit", hm(15, 2))); err != nil {
			t.Fatal(err)
		}
		want := []recommend.CrowdBucket{
			{Start: hm(12, 30), Asks: map[string]int64{"card-limit": 1}},
			{Start: hm(14, 50), Asks: map[string]int64{"refund": 2}},
			{Start: hm(15, 0), Asks: map[string]int64{"card-limit": 3}},
		}
		if d := diff(want, crowd(t, cr, time.Time{})); d != "" {
			t.Errorf("Crowd (-want +got):\n%s", d)
		}
	})

	t.Run("Since", func(t *testing.T) {
		s, cr, _ := open(t)
		err := s.Append(ctx, ask("u1", "a", hm(9, 10)), ask("u1", "a", hm(13, 0)), ask("u1", "b", hm(14, 55)), ask("u1", "c", hm(15, 4)))
		if err != nil {
			t.Fatal(err)
		}
		b := func(t time.Time, q string) recommend.CrowdBucket {
			return recommend.CrowdBucket{Start: t, Asks: map[string]int64{q: 1}}
		}
		all := []recommend.CrowdBucket{b(hm(9, 10), "a"), b(hm(13, 0), "a"), b(hm(14, 50), "b"), b(hm(15, 0), "c")}
		tests := []struct {
			name  string
			since time.Time
			want  []recommend.CrowdBucket
		}{
			{"zero", time.Time{}, all},
			{"before the window", hm(1, 0), all},
			{"at the window's start", hm(9, 10), all},
			{"inside a bucket includes it", hm(14, 59), all[2:]},
			{"at a bucket's start", hm(15, 0), all[3:]},
			{"after a bucket", hm(13, 10), all[2:]},
			{"after the clock", hm(15, 10), nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if d := diff(tc.want, crowd(t, cr, tc.since)); d != "" {
					t.Errorf("Crowd(%v) (-want +got):\n%s", tc.since, d)
				}
			})
		}
	})

	t.Run("Window", func(t *testing.T) {
		s, cr, clk := open(t)
		err := s.Append(ctx,
			ask("u1", "too-old", hm(9, 9)),  // in the bucket before the window: not counted
			ask("u1", "oldest", hm(9, 19)),  // in the window's oldest bucket
			ask("u1", "ahead", hm(15, 12)),  // after the clock, within MaxSkew: counted in the clock's bucket
			ask("u1", "recent", hm(15, 4)),  // the clock's time
			ask("u2", "earlier", hm(12, 0)), // the middle of the window
		)
		if err != nil {
			t.Fatal(err)
		}
		want := []recommend.CrowdBucket{
			{Start: hm(9, 10), Asks: map[string]int64{"oldest": 1}},
			{Start: hm(12, 0), Asks: map[string]int64{"earlier": 1}},
			{Start: hm(15, 0), Asks: map[string]int64{"ahead": 1, "recent": 1}},
		}
		if d := diff(want, crowd(t, cr, time.Time{})); d != "" {
			t.Errorf("Crowd at 15:04 (-want +got):\n%s", d)
		}
		// At 15:20 the 09:10 bucket has left the window (09:30 is the
		// oldest); the ask dated 15:12 stays in the 15:00 bucket.
		clk.Set(hm(15, 20))
		if d := diff(want[1:], crowd(t, cr, time.Time{})); d != "" {
			t.Errorf("Crowd at 15:20 (-want +got):\n%s", d)
		}
		if d := diff(want[1:], crowd(t, cr, hm(1, 0))); d != "" {
			t.Errorf("Crowd at 15:20 since 01:00 (-want +got):\n%s", d)
		}
		// Six hours after the clock's bucket, everything has left.
		clk.Set(hm(21, 0))
		if got := crowd(t, cr, time.Time{}); len(got) != 0 {
			t.Errorf("Crowd at 21:00: %v, want none", got)
		}
		// The store goes on counting in the new window.
		if err := s.Append(ctx, ask("u1", "recent", hm(20, 59))); err != nil {
			t.Fatal(err)
		}
		want = []recommend.CrowdBucket{{Start: hm(20, 50), Asks: map[string]int64{"recent": 1}}}
		if d := diff(want, crowd(t, cr, time.Time{})); d != "" {
			t.Errorf("Crowd after a write at 21:00 (-want +got):\n%s", d)
		}
	})

	t.Run("RetriedAskCountedOnce", func(t *testing.T) {
		s, cr, _ := open(t)
		e := ask("u1", "q", hm(15, 1))
		e.ID = "e1"
		same := e
		same.User = "u2" // the same ID for another user is another event
		plain := ask("u1", "q", hm(15, 2))
		for range 2 { // the second call is a retry of the first
			if err := s.Append(ctx, e, same, plain); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Append(ctx, e, e); err != nil { // twice in one batch
			t.Fatal(err)
		}
		later := e
		later.Time = hm(15, 3) // the same identity dated otherwise is still the same event
		if err := s.Append(ctx, later); err != nil {
			t.Fatal(err)
		}
		// A rejected batch counts nothing.
		if err := s.Append(ctx, plain, recommend.Event{User: "u1", Time: hm(15, 2), Type: recommend.TypeAsk}); !errors.Is(err, recommend.ErrInvalidEvent) {
			t.Errorf("Append of an ask without a question: %v, want ErrInvalidEvent", err)
		}
		// e once, same once, plain at each of the two writes.
		want := []recommend.CrowdBucket{{Start: hm(15, 0), Asks: map[string]int64{"q": 4}}}
		if d := diff(want, crowd(t, cr, time.Time{})); d != "" {
			t.Errorf("Crowd (-want +got):\n%s", d)
		}
		evs, err := s.Recent(ctx, "u1", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 {
			t.Errorf("u1 has %d events, want 3 (e1 and plain twice)", len(evs))
		}
	})

	t.Run("ManyQuestionsBounded", func(t *testing.T) {
		s, cr, _ := open(t)
		const extra = 10
		var batch []recommend.Event
		for i := range recommend.MaxCrowdQuestions + extra {
			batch = append(batch, ask(fmt.Sprint("u", i%50), fmt.Sprint("q", i), hm(15, 1)))
		}
		if err := s.Append(ctx, batch...); err != nil {
			t.Fatal(err)
		}
		// An ask of a question counted is counted again; a new question
		// in the full bucket is not; another bucket has room.
		if err := s.Append(ctx, ask("u1", "q0", hm(15, 2)), ask("u1", "new", hm(15, 3)), ask("u1", "new", hm(14, 59))); err != nil {
			t.Fatal(err)
		}
		got := crowd(t, cr, time.Time{})
		if len(got) != 2 {
			t.Fatalf("%d buckets, want 2", len(got))
		}
		if d := diff([]recommend.CrowdBucket{{Start: hm(14, 50), Asks: map[string]int64{"new": 1}}}, got[:1]); d != "" {
			t.Errorf("the 14:50 bucket (-want +got):\n%s", d)
		}
		full := got[1].Asks
		if len(full) != recommend.MaxCrowdQuestions {
			t.Errorf("the full bucket counts %d questions, want MaxCrowdQuestions = %d", len(full), recommend.MaxCrowdQuestions)
		}
		for i := range recommend.MaxCrowdQuestions + extra {
			q := fmt.Sprint("q", i)
			want := int64(0)
			if i < recommend.MaxCrowdQuestions {
				want = 1 // the first in Append order are counted
			}
			if i == 0 {
				want = 2
			}
			if full[q] != want {
				t.Errorf("%s counted %d times, want %d", q, full[q], want)
				break
			}
		}
		if n, ok := full["new"]; ok {
			t.Errorf("a new question in a full bucket was counted (%d)", n)
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		_, cr, _ := open(t)
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := cr.Crowd(c, time.Time{}); !errors.Is(err, context.Canceled) {
			t.Errorf("Crowd error = %v, want context.Canceled", err)
		}
	})

	t.Run("ConcurrentAppendAndCrowd", func(t *testing.T) {
		s, cr, _ := open(t)
		const workers, rounds = 4, 50
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				user := fmt.Sprint("u", w)
				for i := range rounds {
					// Each worker asks "mine" once a round, and all send
					// the same "shared" ask of u0 (one ID): it counts once.
					mine := ask(user, "mine", hm(15, i%5))
					shared := ask("u0", "shared", hm(15, 0))
					shared.ID = fmt.Sprint("s", i)
					if err := s.Append(ctx, mine, shared); err != nil {
						t.Error(err)
						return
					}
					got, err := cr.Crowd(ctx, time.Time{})
					if err != nil {
						t.Error(err)
						return
					}
					for _, b := range got { // read what others may be writing
						for q, n := range b.Asks {
							if n <= 0 {
								t.Errorf("%s counted %d times", q, n)
							}
						}
					}
				}
			})
		}
		wg.Wait()
		got := crowd(t, cr, time.Time{})
		if n := total(got, "mine"); n != workers*rounds {
			t.Errorf("mine counted %d times, want %d", n, workers*rounds)
		}
		if n := total(got, "shared"); n != rounds {
			t.Errorf("shared counted %d times, want %d (once per ID)", n, rounds)
		}
	})
}
