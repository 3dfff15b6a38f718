package redisreplica_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/internal/redistest"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/replica/feedtest"
	"github.com/duxin-ai/duxin/replica/redisreplica"
	"github.com/duxin-ai/duxin/tokenize"
)

func client(t *testing.T, url string) redis.UniversalClient {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestFeedConformance(t *testing.T) {
	url := redistest.URL(t)
	c := client(t, url)
	feedtest.Run(t, func(t *testing.T, keep int) replica.Feed {
		f, err := redisreplica.NewFeed(c, redisreplica.Config{Prefix: redistest.Prefix(t, url), Keep: int64(keep)})
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	url := redistest.URL(t)
	c := client(t, url)
	prefix := redistest.Prefix(t, url)
	reg, err := redisreplica.NewRegistry(c, redisreplica.Config{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Current(ctx, "ranker"); !errors.Is(err, replica.ErrNoVersion) {
		t.Fatalf("Current of nothing: %v", err)
	}
	var vs []string
	for i := range 8 {
		v, err := reg.Publish(ctx, "ranker", fmt.Appendf(nil, "model %d", i))
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if cur, err := reg.Current(ctx, "ranker"); err != nil || cur != vs[7] {
		t.Fatalf("Current = %s, %v; want the last", cur, err)
	}
	if b, err := reg.Fetch(ctx, "ranker", vs[3]); err != nil || string(b) != "model 3" {
		t.Errorf("Fetch(v3) = %q, %v", b, err)
	}
	if _, err := reg.Fetch(ctx, "ranker", vs[0]); err == nil {
		t.Error("the oldest of 8 versions is still kept (want the last 5)")
	}
	// A blob changed in Redis is refused.
	key := prefix + ":{model:ranker}:" + vs[7]
	if err := c.Set(ctx, key, "tampered", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Fetch(ctx, "ranker", vs[7]); !errors.Is(err, replica.ErrCorrupt) {
		t.Errorf("Fetch of a tampered blob: %v, want ErrCorrupt", err)
	}
	if _, err := redisreplica.NewRegistry(c, redisreplica.Config{Prefix: "a{b}"}); err == nil {
		t.Error("a prefix with braces was accepted")
	}
}

// TestFeedSurvivesRedisRestart kills redis-server while a writer edits the
// knowledge base and two followers follow it: every edit that returned
// success is served by both replicas after Redis is back, the failed ones
// returned errors, and no replica ever served a half-applied edit (each
// edit writes two entries that must appear together).
func TestFeedSurvivesRedisRestart(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	c := client(t, srv.URL())
	feed, err := redisreplica.NewFeed(c, redisreplica.Config{Prefix: "fault"})
	if err != nil {
		t.Fatal(err)
	}
	newReplica := func() (*kb.Index, *replica.Follower) {
		ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		f, err := replica.NewFollower(ix, feed, replica.FollowConfig{Wait: 100 * time.Millisecond, Retry: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return ix, f
	}
	ixA, fA := newReplica()
	ixB, fB := newReplica()
	w, err := replica.NewWriter(feed, nil)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { fA.Run(runCtx) })
	wg.Go(func() { fB.Run(runCtx) })

	// Pairs: edit i upserts p<i>a and p<i>b in one change.
	var mu sync.Mutex
	var acked, failed []int
	var torn []string
	writes := make(chan struct{})
	wg.Go(func() {
		defer close(writes)
		for i := 0; runCtx.Err() == nil && i < 200; i++ {
			opCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			err := w.Upsert(opCtx, kb.FAQ{ID: fmt.Sprintf("p%da", i), Question: fmt.Sprintf("问题%d甲", i)},
				kb.FAQ{ID: fmt.Sprintf("p%db", i), Question: fmt.Sprintf("问题%d乙", i)})
			cancel()
			mu.Lock()
			if err == nil {
				acked = append(acked, i)
			} else {
				failed = append(failed, i)
			}
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	})
	// A checker: an entry p<i>a is never served without p<i>b.
	wg.Go(func() {
		for runCtx.Err() == nil {
			for _, ix := range []*kb.Index{ixA, ixB} {
				all, err := ix.All(ctx)
				if err != nil {
					continue
				}
				have := map[string]bool{}
				for _, f := range all {
					have[f.ID] = true
				}
				for id := range have {
					if id[len(id)-1] == 'a' && !have[id[:len(id)-1]+"b"] {
						mu.Lock()
						torn = append(torn, id)
						mu.Unlock()
					}
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	})

	time.Sleep(150 * time.Millisecond)
	srv.Kill()
	time.Sleep(time.Second) // longer than a write's deadline: writes fail

	srv.Restart(t)
	<-writes
	mu.Lock()
	nAcked, nFailed := len(acked), len(failed)
	mu.Unlock()
	if nFailed == 0 {
		t.Log("no write failed while Redis was down (it restarted quickly)")
	}
	last, v, err := feed.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*replica.Follower{fA, fB} {
		// A guard against a follower that never catches up, not a speed
		// check: under -race on a loaded machine, catching up on the
		// edits made while Redis was down has taken more than 10 s.
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		if err := f.WaitFor(wctx, v); err != nil {
			t.Fatalf("a replica did not catch up to %d after the restart: %v (status %+v)", v, err, f.Status())
		}
		cancel()
	}
	stop()
	wg.Wait()
	have := map[string]bool{}
	for _, f := range last {
		have[f.ID] = true
	}
	mu.Lock()
	defer mu.Unlock()
	for _, i := range acked {
		if !have[fmt.Sprintf("p%da", i)] || !have[fmt.Sprintf("p%db", i)] {
			t.Errorf("edit %d returned success but is not in the feed after the restart", i)
		}
	}
	for name, ix := range map[string]*kb.Index{"A": ixA, "B": ixB} {
		all, err := ix.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(last) {
			t.Errorf("replica %s serves %d entries, the feed holds %d", name, len(all), len(last))
		}
	}
	if len(torn) > 0 {
		t.Errorf("half-applied edits served: %v", torn[:min(5, len(torn))])
	}
	t.Logf("fault: %d edits acknowledged, %d failed while Redis was down; both replicas at version %d with %d entries, none torn",
		nAcked, nFailed, v, len(last))
}

// appendAfterEmptyRead is a go-redis hook that, the first time an XREAD
// returns nothing, appends a change through another client: the moment a
// follower's read and its look at the version can be told apart.
type appendAfterEmptyRead struct {
	once sync.Once
	do   func()
}

func (h *appendAfterEmptyRead) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *appendAfterEmptyRead) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *appendAfterEmptyRead) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if cmd.Name() == "xread" && errors.Is(err, redis.Nil) {
			h.once.Do(h.do)
		}
		return err
	}
}

// TestReadRacingAppendIsNotAGap: a change appended between Read's empty
// stream read and its check of the version is returned (or left for the
// next Read), never reported as trimmed — which would make every follower
// that keeps up take snapshot after snapshot.
func TestReadRacingAppendIsNotAGap(t *testing.T) {
	ctx := context.Background()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	writer, err := redisreplica.NewFeed(client(t, url), redisreplica.Config{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	v, err := writer.Append(ctx, replica.Change{Op: replica.OpUpsert, FAQs: []kb.FAQ{{ID: "a", Question: "一"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, url)
	c.AddHook(&appendAfterEmptyRead{do: func() {
		if _, err := writer.Append(ctx, replica.Change{Op: replica.OpDelete, IDs: []string{"a"}}); err != nil {
			t.Error(err)
		}
	}})
	reader, err := redisreplica.NewFeed(c, redisreplica.Config{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := reader.Read(ctx, v, 0)
	if err != nil {
		t.Fatalf("Read with a change appended during it: %v", err)
	}
	if len(cs) != 1 || cs[0].Version != v+1 || cs[0].Op != replica.OpDelete {
		t.Errorf("Read = %+v, want the delete at version %d", cs, v+1)
	}
}

// afterFirstWrite is a go-redis hook that runs do once, after the first
// script or transaction that succeeds on its client: the moment between
// two steps of a publish, if a publish has two.
type afterFirstWrite struct {
	once sync.Once
	do   func()
}

func (h *afterFirstWrite) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *afterFirstWrite) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if (cmd.Name() == "evalsha" || cmd.Name() == "eval") && err == nil {
			h.once.Do(h.do)
		}
		return err
	}
}
func (h *afterFirstWrite) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if err == nil {
			h.once.Do(h.do)
		}
		return err
	}
}

// TestPublishRacingRollback: a rollback to an old version published while
// another publish trims that version from the history is not deleted
// after it became current: current always names data that Fetch returns.
func TestPublishRacingRollback(t *testing.T) {
	ctx := context.Background()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	b, err := redisreplica.NewRegistry(client(t, url), redisreplica.Config{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for i := range 5 { // history: model 4 … model 0, all kept
		v, err := b.Publish(ctx, "ranker", fmt.Appendf(nil, "model %d", i))
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	// Publisher a publishes model 5, which trims model 0; b rolls back to
	// model 0 in the middle of it.
	ca := client(t, url)
	ca.AddHook(&afterFirstWrite{do: func() {
		if _, err := b.Publish(ctx, "ranker", []byte("model 0")); err != nil {
			t.Error(err)
		}
	}})
	a, err := redisreplica.NewRegistry(ca, redisreplica.Config{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Publish(ctx, "ranker", []byte("model 5")); err != nil {
		t.Fatal(err)
	}
	cur, err := a.Current(ctx, "ranker")
	if err != nil {
		t.Fatal(err)
	}
	if cur != vs[0] {
		t.Errorf("current is %.12s, want the rollback %.12s", cur, vs[0])
	}
	if data, err := a.Fetch(ctx, "ranker", cur); err != nil {
		t.Errorf("current %.12s cannot be fetched: %v", cur, err)
	} else if string(data) != "model 0" {
		t.Errorf("current holds %q, want model 0", data)
	}
}

// TestRedisRestartedEmptyKeepsReplicasServing: Redis comes back from a
// restart without its data while two replicas follow the feed. Neither
// applies the empty feed (which would delete every entry on both at
// once): both keep serving what they had and say they are halted.
func TestRedisRestartedEmptyKeepsReplicasServing(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	c := client(t, srv.URL())
	feed, err := redisreplica.NewFeed(c, redisreplica.Config{Prefix: "lost"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := replica.NewWriter(feed, nil)
	if err != nil {
		t.Fatal(err)
	}
	var faqs []kb.FAQ
	for i := range 50 {
		faqs = append(faqs, kb.FAQ{ID: fmt.Sprintf("q%02d", i), Question: fmt.Sprintf("问题%d", i)})
	}
	if err := w.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, "q00"); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	var fs []*replica.Follower
	var ixs []*kb.Index
	for range 2 {
		ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		f, err := replica.NewFollower(ix, feed, replica.FollowConfig{Wait: 50 * time.Millisecond, Retry: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { f.Run(runCtx) })
		fs, ixs = append(fs, f), append(ixs, ix)
	}

	if err := c.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	srv.Restart(t)
	for i, f := range fs {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		for wctx.Err() == nil && !f.Status().Halted {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		st := f.Status()
		if !st.Halted || st.Version != 2 || !errors.Is(st.Err, replica.ErrBehind) {
			t.Errorf("replica %d: status %+v, want halted at version 2 with ErrBehind", i, st)
		}
		if st.Snapshots != 1 {
			t.Errorf("replica %d took %d snapshots, want only its first", i, st.Snapshots)
		}
	}
	for i, ix := range ixs {
		all, err := ix.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 49 {
			t.Errorf("replica %d serves %d entries after Redis lost its data, want the 49 it had", i, len(all))
		}
	}
}

// snapshotCounter counts a feed's snapshots and, past limit, fails them:
// a follower taking snapshot after snapshot then stops instead of
// looping for good.
type snapshotCounter struct {
	replica.Feed
	limit int
	n     int
}

func (s *snapshotCounter) Snapshot(ctx context.Context) ([]kb.FAQ, uint64, error) {
	if s.n++; s.n > s.limit {
		return nil, 0, fmt.Errorf("snapshot %d: too many", s.n)
	}
	return s.Feed.Snapshot(ctx)
}

// TestStreamAheadOfSeqConverges: the stream holds changes past the
// version in seq (seq lost or set back by hand). A follower takes one
// snapshot and applies the changes once, instead of taking the stream's
// changes for a feed behind it, snapshotting and reading them again; an
// append then numbers its change after the stream's last.
func TestStreamAheadOfSeqConverges(t *testing.T) {
	ctx := context.Background()
	url := redistest.URL(t)
	c := client(t, url)
	prefix := redistest.Prefix(t, url)
	rf, err := redisreplica.NewFeed(c, redisreplica.Config{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	w, err := replica.NewWriter(rf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Reload(ctx, []kb.FAQ{{ID: "a", Question: "花呗怎么还款"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Upsert(ctx, kb.FAQ{ID: "b", Question: "转账多久到账"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Upsert(ctx, kb.FAQ{ID: "c", Question: "退款去哪里了"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, seq string }{{"seq set back", "1"}, {"seq lost", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			key := prefix + ":{kb}:seq"
			if seq := tc.seq; seq == "" {
				err = c.Del(ctx, key).Err()
			} else {
				err = c.Set(ctx, key, seq, 0).Err()
			}
			if err != nil {
				t.Fatal(err)
			}
			ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ix.Close() })
			feed := &snapshotCounter{Feed: rf, limit: 10}
			f, err := replica.NewFollower(ix, feed, replica.FollowConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Sync(ctx); err != nil {
				t.Fatalf("Sync: %v (status %+v)", err, f.Status())
			}
			if err := f.Sync(ctx); err != nil {
				t.Fatalf("second Sync: %v (status %+v)", err, f.Status())
			}
			_, v, err := rf.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all, err := ix.All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st := f.Status(); st.Version != v || st.Snapshots != 1 || len(all) != 3 {
				t.Errorf("status %+v with %d entries; want version %d from one snapshot, all entries", st, len(all), v)
			}
		})
	}
	_, v, err := rf.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next, err := rf.Append(ctx, replica.Change{Op: replica.OpDelete, IDs: []string{"a"}})
	if err != nil || next != v+1 {
		t.Errorf("Append after the stream's last change: version %d, %v; want %d", next, err, v+1)
	}
}
