package replica_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/tokenize"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// teach trains a recommend model on a log in which every user's failed
// transfer is followed by an ask of q.
func teach(t *testing.T, cat recommend.Catalog, q string) *recommend.Model {
	t.Helper()
	var log []recommend.Event
	for i := range 60 {
		u := fmt.Sprintf("t%d", i)
		at := now.Add(-time.Duration(100+i) * time.Hour)
		log = append(log,
			recommend.Event{User: u, Time: at, Type: "transfer.fail"},
			recommend.Event{User: u, Time: at.Add(2 * time.Minute), Type: recommend.TypeAsk, Question: q})
	}
	m, err := recommend.Train(context.Background(), log, cat, recommend.TrainOptions{
		Weights: &recommend.Weights{Learned: 1}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDirRegistry(t *testing.T) {
	ctx := context.Background()
	reg := replica.Dir(t.TempDir())
	if _, err := reg.Current(ctx, "recommend"); !errors.Is(err, replica.ErrNoVersion) {
		t.Fatalf("Current of nothing: %v, want ErrNoVersion", err)
	}
	v1, err := reg.Publish(ctx, "recommend", []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	v2, err := reg.Publish(ctx, "recommend", []byte("two"))
	if err != nil {
		t.Fatal(err)
	}
	if v1 != replica.VersionOf([]byte("one")) || v1 == v2 {
		t.Errorf("versions %s %s", v1, v2)
	}
	if cur, err := reg.Current(ctx, "recommend"); err != nil || cur != v2 {
		t.Errorf("Current = %s, %v; want %s", cur, err, v2)
	}
	if b, err := reg.Fetch(ctx, "recommend", v1); err != nil || string(b) != "one" {
		t.Errorf("Fetch(v1) = %q, %v", b, err)
	}
	// A blob changed on disk is refused.
	if err := os.WriteFile(filepath.Join(string(reg), "recommend", v1), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Fetch(ctx, "recommend", v1); !errors.Is(err, replica.ErrCorrupt) {
		t.Errorf("Fetch of a tampered blob: %v, want ErrCorrupt", err)
	}
	for _, bad := range []string{"", "../x", "Recommend", "a/b", string(make([]byte, 65))} {
		if _, err := reg.Publish(ctx, bad, []byte("x")); err == nil {
			t.Errorf("Publish(%q) succeeded", bad)
		}
	}
	if _, err := reg.Fetch(ctx, "recommend", "../../etc/passwd"); err == nil {
		t.Error("Fetch of a path as version succeeded")
	}
}

func TestWatcherSwapsRecommendModels(t *testing.T) {
	ctx := context.Background()
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	m1 := teach(t, k, "transfer-fail-reason")
	m2 := teach(t, k, "transfer-fail-money-back")
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock, TTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(k, store, store, recommend.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	reg := replica.Dir(t.TempDir())
	var loads atomic.Int32
	inner := replica.RecommendModel(eng)
	load := func(ctx context.Context, b []byte) error { loads.Add(1); return inner(ctx, b) }
	w, err := replica.NewWatcher(reg, replica.NameRecommend, load, replica.WatchConfig{Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); !errors.Is(err, replica.ErrNoVersion) {
		t.Fatalf("Sync before any publish: %v, want ErrNoVersion", err)
	}
	first := func() string {
		t.Helper()
		s, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 1, Diversity: -1})
		if err != nil {
			t.Fatal(err)
		}
		return s[0].FAQ.ID
	}
	if err := eng.Record(ctx, recommend.Event{User: "u1", Time: now.Add(-time.Minute), Type: "transfer.fail"}); err != nil {
		t.Fatal(err)
	}

	v1, err := replica.Publish(ctx, reg, replica.NameRecommend, m1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if eng.Model().Info().ID != m1.Info().ID || w.Status().Version != v1 || first() != "transfer-fail-reason" {
		t.Fatalf("after publishing m1: model %s, status %+v, first %s", eng.Model().Info().ID, w.Status(), first())
	}

	// Garbage published under the name: refused once, the old model serves.
	bad, err := reg.Publish(ctx, replica.NameRecommend, []byte("DXREC not a model"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err == nil || !errors.Is(err, recommend.ErrModelFormat) {
		t.Fatalf("Sync of garbage: %v, want an error wrapping ErrModelFormat", err)
	}
	if err := w.Sync(ctx); err == nil {
		t.Fatal("second Sync of the refused version: no error")
	}
	if n := loads.Load(); n != 2 {
		t.Errorf("loader ran %d times, want 2 (m1, the garbage once)", n)
	}
	if st := w.Status(); st.Version != v1 || st.Refused != bad || eng.Model().Info().ID != m1.Info().ID {
		t.Fatalf("after garbage: status %+v, model %s", st, eng.Model().Info().ID)
	}

	// m2, while requests run: each sees m1 or m2, none fails.
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(runCtx) })
	var reqs sync.WaitGroup
	seen := make(chan string, 10000)
	for range 4 {
		reqs.Go(func() {
			for runCtx.Err() == nil {
				s, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 1, Diversity: -1})
				if err != nil {
					t.Error(err)
					return
				}
				select {
				case seen <- s[0].FAQ.ID:
				default:
				}
			}
		})
	}
	v2, err := replica.Publish(ctx, reg, replica.NameRecommend, m2)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.Status().Version != v2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	reqs.Wait()
	wg.Wait()
	if w.Status().Version != v2 || eng.Model().Info().ID != m2.Info().ID {
		t.Fatalf("m2 not served within 5 s: %+v", w.Status())
	}
	if got := first(); got != "transfer-fail-money-back" {
		t.Errorf("first suggestion under m2: %s", got)
	}
	close(seen)
	for id := range seen {
		if id != "transfer-fail-reason" && id != "transfer-fail-money-back" {
			t.Errorf("a request during the swap suggested %s", id)
		}
	}
}

func TestIntentLoader(t *testing.T) {
	ctx := context.Background()
	examples := []intent.Example{
		{Text: "我要查账单", Intent: "bill"}, {Text: "看看我的账单", Intent: "bill"}, {Text: "账单明细", Intent: "bill"},
		{Text: "我要退款", Intent: "refund"}, {Text: "怎么申请退款", Intent: "refund"}, {Text: "退款进度", Intent: "refund"},
	}
	tok := tokenize.Bigram()
	m, err := intent.Train(ctx, examples, tok)
	if err != nil {
		t.Fatal(err)
	}
	c, err := replica.NewIntent(tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Classify(ctx, "账单"); !errors.Is(err, replica.ErrNoModel) {
		t.Fatalf("Classify before a load: %v, want ErrNoModel", err)
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if err := c.Loader()(ctx, b.Bytes()); err != nil {
		t.Fatal(err)
	}
	res, err := c.Classify(ctx, "我要查账单")
	if err != nil || res.Predictions[0].Label != "bill" {
		t.Fatalf("Classify = %+v, %v", res, err)
	}
	// A model of another tokenizer is refused; the loaded one stays.
	other, err := replica.NewIntent(tokenize.Chain(tokenize.Bigram(), tokenize.StopWords(tokenize.NewStopSet("的"))), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Loader()(ctx, b.Bytes()); !errors.Is(err, intent.ErrIncompatible) {
		t.Errorf("a model of another tokenizer: %v, want ErrIncompatible", err)
	}
	served := c.Model()
	if err := c.Loader()(ctx, b.Bytes()[:b.Len()/2]); !errors.Is(err, intent.ErrCorrupt) || c.Model() != served {
		t.Errorf("a truncated model: %v (want ErrCorrupt and the served model kept)", err)
	}
}

func TestKBRankerLoader(t *testing.T) {
	ctx := context.Background()
	ix := sampleIndex(t)
	r, err := kb.DefaultRanker()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	load := replica.KBRanker(ix)
	if err := load(ctx, b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if ix.Ranker() == nil {
		t.Fatal("no ranker after the load")
	}
	corrupt := bytes.Clone(b.Bytes())
	corrupt[len(corrupt)/2] ^= 0xff
	if err := load(ctx, corrupt); err == nil {
		t.Error("a corrupt ranker was loaded")
	}
	if ix.Ranker() == nil {
		t.Error("a refused ranker removed the served one")
	}
}

// sampleIndex returns a kb.Index of the sample knowledge base, with the
// pure-Go tokenizer and no ranker.
func sampleIndex(t *testing.T) *kb.Index {
	t.Helper()
	ix := emptyIndex(t)
	faqs, err := simulate.SampleFAQs()
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Reload(context.Background(), faqs); err != nil {
		t.Fatal(err)
	}
	return ix
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

// TestWatcherRetriesVersionBeingCopied: a version whose file is still
// being copied (so fails its checksum) is fetched again at the next check
// and loaded once whole, not refused for good.
func TestWatcherRetriesVersionBeingCopied(t *testing.T) {
	ctx := context.Background()
	reg := replica.Dir(t.TempDir())
	var loaded []string
	load := func(_ context.Context, b []byte) error { loaded = append(loaded, string(b)); return nil }
	w, err := replica.NewWatcher(reg, "ranker", load, replica.WatchConfig{})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a whole model")
	v := replica.VersionOf(data)
	dir := filepath.Join(string(reg), "ranker")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The deploy tool has copied CURRENT and half the version's file.
	if err := os.WriteFile(filepath.Join(dir, "CURRENT"), []byte(v+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, v), data[:5], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); !errors.Is(err, replica.ErrCorrupt) {
		t.Fatalf("Sync of a half-copied version: %v, want ErrCorrupt", err)
	}
	if st := w.Status(); st.Refused != "" || st.Version != "" {
		t.Fatalf("after a half-copied version: status %+v, want nothing refused or served", st)
	}
	// The copy completes.
	if err := os.WriteFile(filepath.Join(dir, v), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatalf("Sync once the copy is whole: %v", err)
	}
	if st := w.Status(); st.Version != v || len(loaded) != 1 || loaded[0] != string(data) {
		t.Errorf("status %+v, loaded %q; want %.12s served, loaded once", st, loaded, v)
	}
}

// alwaysTrimmed is a feed that, whatever its snapshot says, never holds
// the changes after it, and fails snapshots past limit.
type alwaysTrimmed struct {
	*replica.MemFeed
	limit, snapshots int
}

func (a *alwaysTrimmed) Snapshot(ctx context.Context) ([]kb.FAQ, uint64, error) {
	if a.snapshots++; a.snapshots > a.limit {
		return nil, 0, fmt.Errorf("snapshot %d: too many", a.snapshots)
	}
	return a.MemFeed.Snapshot(ctx)
}

func (a *alwaysTrimmed) Read(context.Context, uint64, time.Duration) ([]replica.Change, error) {
	return nil, fmt.Errorf("%w: always", replica.ErrTrimmed)
}

// TestSyncTakesBoundedSnapshots: a feed that lacks the changes after its
// own snapshot makes Sync return an error after that one snapshot, not
// take snapshot after snapshot for good.
func TestSyncTakesBoundedSnapshots(t *testing.T) {
	ctx := context.Background()
	feed := &alwaysTrimmed{MemFeed: replica.NewMemFeed(0), limit: 10}
	if _, err := feed.Append(ctx, replica.Change{Op: replica.OpUpsert, FAQs: []kb.FAQ{{ID: "a", Question: "一"}}}); err != nil {
		t.Fatal(err)
	}
	f, err := replica.NewFollower(emptyIndex(t), feed, replica.FollowConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		err := f.Sync(ctx)
		if !errors.Is(err, replica.ErrTrimmed) {
			t.Errorf("Sync %d: %v, want an error wrapping ErrTrimmed", i+1, err)
		}
	}
	// The first Sync's snapshot, and the second's after the feed lost its
	// place again: one each.
	if feed.snapshots != 2 {
		t.Errorf("%d snapshots in 2 Syncs, want 2", feed.snapshots)
	}
}
