// Package feedtest is a conformance suite for implementations of
// [replica.Feed]: the Redis feed passes the same tests as the in-memory
// one. Each test gets a fresh feed from the constructor and follows it
// with [replica.Follower]s over in-memory indexes.
package feedtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/tokenize"
)

func faq(id, q string) kb.FAQ { return kb.FAQ{ID: id, Question: q} }

func search(t *testing.T, ix *kb.Index, text string) []string {
	t.Helper()
	hits, err := ix.Search(context.Background(), kb.Query{Text: text, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.FAQ.ID)
	}
	return ids
}

func all(t *testing.T, ix *kb.Index) []kb.FAQ {
	t.Helper()
	faqs, err := ix.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return faqs
}

// Run runs the Feed conformance tests as subtests of t. newFeed returns an
// empty feed that keeps at least the last keep changes (keep 0: its
// default) and trims what is older.
func Run(t *testing.T, newFeed func(t *testing.T, keep int) replica.Feed) {
	ctx := context.Background()

	t.Run("ReadYourWritesAndOrder", func(t *testing.T) {
		feed := newFeed(t, 0)
		a, b := emptyIndex(t), emptyIndex(t)
		fa, err := replica.NewFollower(a, feed, replica.FollowConfig{Wait: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		fb, err := replica.NewFollower(b, feed, replica.FollowConfig{Wait: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		w, err := replica.NewWriter(feed, fa)
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		var wg sync.WaitGroup
		defer wg.Wait()
		defer stop()
		wg.Go(func() { fa.Run(runCtx) })
		wg.Go(func() { fb.Run(runCtx) })

		if err := w.Reload(ctx, []kb.FAQ{faq("a", "花呗怎么还款"), faq("b", "转账多久到账")}); err != nil {
			t.Fatal(err)
		}
		if err := w.Upsert(ctx, faq("c", "退款去哪里了")); err != nil {
			t.Fatal(err)
		}
		// Read-your-writes: the writer's replica serves the edit on return.
		if got := search(t, a, "退款去哪里了"); len(got) == 0 || got[0] != "c" {
			t.Fatalf("writer's replica after Upsert: %v", got)
		}
		if err := w.Delete(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		if err := w.Upsert(ctx, faq("b", "转账到银行卡多久到账")); err != nil {
			t.Fatal(err)
		}
		if err := fb.WaitFor(ctxTimeout(t, time.Second), fa.Version()); err != nil {
			t.Fatalf("the other replica did not reach version %d within 1 s: %v", fa.Version(), err)
		}
		want := []kb.FAQ{faq("b", "转账到银行卡多久到账"), faq("c", "退款去哪里了")}
		for name, ix := range map[string]*kb.Index{"a": a, "b": b} {
			if d := cmp.Diff(want, all(t, ix)); d != "" {
				t.Errorf("replica %s (-want +got):\n%s", name, d)
			}
		}
		if fa.Version() != 4 || fb.Version() != 4 {
			t.Errorf("versions %d and %d, want 4", fa.Version(), fb.Version())
		}
		snap, v, err := feed.Snapshot(ctx)
		if err != nil || v != 4 {
			t.Fatalf("Snapshot version %d, %v", v, err)
		}
		if d := cmp.Diff(want, snap); d != "" {
			t.Errorf("feed's copy (-want +got):\n%s", d)
		}
	})

	t.Run("BadEditsNeverReachTheFeed", func(t *testing.T) {
		feed := newFeed(t, 0)
		w, err := replica.NewWriter(feed, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, err := range []error{
			w.Upsert(ctx, faq("", "无 id")),
			w.Upsert(ctx, faq("x", " ")),
			w.Upsert(ctx, faq("x", "一"), faq("x", "二")),
			w.Reload(ctx, []kb.FAQ{faq("y", "")}),
			w.Delete(ctx, "ok", ""),
		} {
			if err == nil {
				t.Errorf("bad edit %d accepted", i)
			}
		}
		if _, v, err := feed.Snapshot(ctx); err != nil || v != 0 {
			t.Errorf("feed at version %d (%v) after refused edits, want 0", v, err)
		}
	})

	t.Run("LaggingReplicaTakesSnapshot", func(t *testing.T) {
		feed := newFeed(t, 3)
		w, err := replica.NewWriter(feed, nil)
		if err != nil {
			t.Fatal(err)
		}
		ix := emptyIndex(t)
		f, err := replica.NewFollower(ix, feed, replica.FollowConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Upsert(ctx, faq("a", "一")); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 10 { // more than the feed keeps
			if err := w.Upsert(ctx, faq(fmt.Sprintf("n%d", i), fmt.Sprintf("问题%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := feed.Read(ctx, 1, 0); !errors.Is(err, replica.ErrTrimmed) {
			t.Fatalf("Read after a trimmed version: %v, want ErrTrimmed", err)
		}
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		st := f.Status()
		if st.Version != 11 || st.Snapshots != 2 || len(all(t, ix)) != 11 {
			t.Errorf("status %+v with %d entries; want version 11 from a second snapshot, 11 entries", st, len(all(t, ix)))
		}
		// A feed behind the reader (reset, or lost its data) says so.
		if _, err := feed.Read(ctx, 99, 0); !errors.Is(err, replica.ErrBehind) {
			t.Errorf("Read after a version the feed never had: %v, want ErrBehind", err)
		}
	})

	t.Run("NoSnapshotWhileKeepingUp", func(t *testing.T) {
		// A follower that keeps up with a steady stream of changes never
		// takes a second snapshot: a change appended while it reads is not
		// taken for a gap.
		feed := newFeed(t, 0)
		w, err := replica.NewWriter(feed, nil)
		if err != nil {
			t.Fatal(err)
		}
		ix := emptyIndex(t)
		f, err := replica.NewFollower(ix, feed, replica.FollowConfig{Wait: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { f.Run(runCtx) })
		for i := range 200 {
			if err := w.Upsert(ctx, faq(fmt.Sprintf("s%d", i%20), fmt.Sprintf("问题%d", i))); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(i%4) * time.Millisecond) // sometimes while it reads, sometimes between
		}
		err = f.WaitFor(ctxTimeout(t, 10*time.Second), 200)
		stop()
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if st := f.Status(); st.Snapshots != 1 {
			t.Errorf("%d snapshots while following 200 changes, want 1", st.Snapshots)
		}
	})

	t.Run("FeedGoingBackwardsIsNotApplied", func(t *testing.T) {
		// The feed's store loses its data (a Redis restarted empty): the
		// replicas keep serving what they had, say they are halted, and
		// follow again only once an operator re-seeds the feed from one
		// of them and has the other take the feed's snapshot.
		feed := &resettable{Feed: newFeed(t, 0)}
		a, b := emptyIndex(t), emptyIndex(t)
		fa, err := replica.NewFollower(a, feed, replica.FollowConfig{})
		if err != nil {
			t.Fatal(err)
		}
		fb, err := replica.NewFollower(b, feed, replica.FollowConfig{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := replica.NewWriter(feed, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Reload(ctx, []kb.FAQ{faq("a", "花呗怎么还款"), faq("b", "转账多久到账")}); err != nil {
			t.Fatal(err)
		}
		if err := w.Upsert(ctx, faq("c", "退款去哪里了")); err != nil {
			t.Fatal(err)
		}
		for _, f := range []*replica.Follower{fa, fb} {
			if err := f.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want := all(t, a)
		if len(want) != 3 || fa.Version() != 2 {
			t.Fatalf("before the reset: %d entries at version %d", len(want), fa.Version())
		}

		feed.reset(newFeed(t, 0))
		// Someone seeds the empty feed (a replica started on it): still
		// behind the replicas' version 2.
		if _, err := feed.Append(ctx, replica.Change{Op: replica.OpReload, FAQs: []kb.FAQ{faq("z", "旧的种子")}}); err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]*replica.Follower{"a": fa, "b": fb} {
			for range 2 { // halted stays halted
				if err := f.Sync(ctx); !errors.Is(err, replica.ErrBehind) {
					t.Errorf("replica %s: Sync of a feed that went backwards: %v, want ErrBehind", name, err)
				}
			}
			if st := f.Status(); !st.Halted || st.Version != 2 || !errors.Is(st.Err, replica.ErrBehind) {
				t.Errorf("replica %s: status %+v, want halted at version 2 with ErrBehind", name, st)
			}
		}
		for name, ix := range map[string]*kb.Index{"a": a, "b": b} {
			if d := cmp.Diff(want, all(t, ix)); d != "" {
				t.Errorf("replica %s after the reset (-want +got):\n%s", name, d)
			}
		}
		// A halted replica's writer refuses edits, before they reach the
		// feed; waiting on it ends at once.
		_, before, err := feed.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wa, err := replica.NewWriter(feed, fa) // replica a's own writer
		if err != nil {
			t.Fatal(err)
		}
		if err := wa.Upsert(ctx, faq("d", "新问题")); !errors.Is(err, replica.ErrBehind) {
			t.Errorf("Upsert through a halted replica: %v, want ErrBehind", err)
		}
		if _, after, err := feed.Snapshot(ctx); err != nil || after != before {
			t.Errorf("feed at version %d (%v) after a refused edit, want %d", after, err, before)
		}
		if err := fa.WaitFor(ctx, 99); !errors.Is(err, replica.ErrBehind) {
			t.Errorf("WaitFor on a halted replica: %v, want ErrBehind", err)
		}
		if _, err := fa.Republish(ctx); err != nil {
			t.Fatal(err)
		}
		if err := fb.Resnapshot(ctx); err != nil {
			t.Fatal(err)
		}
		if err := w.Upsert(ctx, faq("d", "新问题")); err != nil {
			t.Fatal(err)
		}
		for _, f := range []*replica.Follower{fa, fb} {
			if err := f.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, faq("d", "新问题"))
		snap, v, err := feed.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, snap); d != "" {
			t.Errorf("feed re-seeded from replica a (-want +got):\n%s", d)
		}
		for name, f := range map[string]*replica.Follower{"a": fa, "b": fb} {
			if st := f.Status(); st.Halted || st.Err != nil || st.Version != v {
				t.Errorf("replica %s after re-seeding: status %+v, want following at %d", name, st, v)
			}
		}
		for name, ix := range map[string]*kb.Index{"a": a, "b": b} {
			if d := cmp.Diff(want, all(t, ix)); d != "" {
				t.Errorf("replica %s after re-seeding (-want +got):\n%s", name, d)
			}
		}
		if _, err := fa.Republish(ctx); err == nil {
			t.Error("Republish of a replica that is not halted succeeded")
		}
	})

	t.Run("ReadWaits", func(t *testing.T) {
		feed := newFeed(t, 0)
		start := time.Now()
		cs, err := feed.Read(ctx, 0, 100*time.Millisecond)
		if err != nil || len(cs) != 0 {
			t.Fatalf("Read of an empty feed: %v, %v", cs, err)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("Read with wait 100ms returned after %v", d)
		}
		go func() {
			time.Sleep(20 * time.Millisecond)
			feed.Append(ctx, replica.Change{Op: replica.OpUpsert, FAQs: []kb.FAQ{faq("a", "一")}})
		}()
		cs, err = feed.Read(ctx, 0, 5*time.Second)
		if err != nil || len(cs) != 1 || cs[0].Version != 1 || cs[0].FAQs[0].ID != "a" {
			t.Fatalf("Read woken by an Append: %+v, %v", cs, err)
		}
		c, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := feed.Read(c, 1, time.Second); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Read: %v", err)
		}
	})
}

// resettable is a feed whose store can be swapped for an empty one, as a
// Redis that restarted without its data is.
type resettable struct {
	mu sync.Mutex
	replica.Feed
}

func (r *resettable) reset(f replica.Feed) { r.mu.Lock(); r.Feed = f; r.mu.Unlock() }

func (r *resettable) feed() replica.Feed { r.mu.Lock(); defer r.mu.Unlock(); return r.Feed }

func (r *resettable) Append(ctx context.Context, c replica.Change) (uint64, error) {
	return r.feed().Append(ctx, c)
}

func (r *resettable) Snapshot(ctx context.Context) ([]kb.FAQ, uint64, error) {
	return r.feed().Snapshot(ctx)
}

func (r *resettable) Read(ctx context.Context, after uint64, wait time.Duration) ([]replica.Change, error) {
	return r.feed().Read(ctx, after, wait)
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func emptyIndex(t *testing.T) *kb.Index {
	t.Helper()
	ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}
