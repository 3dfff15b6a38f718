// Package storetest is a conformance suite for implementations of
// [recommend.EventStore] and [recommend.FeedbackStore]: a networked store
// passes the same tests as the in-memory default.
//
//	func TestRedisStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) recommend.EventStore { return newTestRedis(t) })
//		storetest.RunFeedback(t, func(t *testing.T) recommend.FeedbackStore { return newTestRedis(t) })
//	}
//
// The suites use event times within the last hour of the wall clock, so a
// store with a TTL of at least a few hours passes. Each test gets a fresh
// store from the constructor.
package storetest

import (
	"context"
	"errors"
	"fmt"
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
		bad := []recommend.Event{
			{Time: at(1), Type: "bill.view"},
			{User: "u1", Type: "bill.view"},
			{User: "u1", Time: at(1)},
			{User: "u1", Time: at(1), Type: recommend.TypeAsk},
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
