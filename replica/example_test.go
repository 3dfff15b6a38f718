package replica_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/tokenize"
)

// The train → publish → swap loop: a trainer publishes a recommend model
// to a registry every replica reads (here a folder; on Redis,
// redisreplica.NewRegistry), and each replica's watcher swaps it into the
// engine while it serves. A corrupt publication is refused and the model
// before it keeps serving.
func Example_publishAndSwap() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "models")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	reg := replica.Dir(dir)

	// The knowledge base and a behavior log: after a failed transfer,
	// users ask why it failed.
	cat, err := simulate.SampleKB()
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var events []recommend.Event
	for i := range 50 {
		u, at := fmt.Sprintf("u%d", i), now.Add(-time.Duration(i+1)*time.Hour)
		events = append(events,
			recommend.Event{User: u, Time: at, Type: "transfer.fail"},
			recommend.Event{User: u, Time: at.Add(time.Minute), Type: recommend.TypeAsk, Question: "transfer-fail-money-back"})
	}

	// A replica: an engine, and a watcher that keeps its model current.
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
	if err != nil {
		log.Fatal(err)
	}
	engine, err := recommend.NewEngine(cat, store, store)
	if err != nil {
		log.Fatal(err)
	}
	w, err := replica.NewWatcher(reg, replica.NameRecommend, replica.RecommendModel(engine), replica.WatchConfig{})
	if err != nil {
		log.Fatal(err)
	}
	// go w.Run(ctx) follows publications every second; here, by hand:

	// The trainer, on its schedule.
	m, err := recommend.Train(ctx, events, cat, recommend.TrainOptions{Clock: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	v, err := replica.Publish(ctx, reg, replica.NameRecommend, m)
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("serving the published model:", w.Status().Version == v, engine.Model().Info().ID == m.Info().ID)

	// A broken publication is refused; the model keeps serving.
	if _, err := reg.Publish(ctx, replica.NameRecommend, []byte("not a model")); err != nil {
		log.Fatal(err)
	}
	err = w.Sync(ctx)
	fmt.Println("refused:", err != nil, "still serving:", engine.Model().Info().ID == m.Info().ID)
	// Output:
	// serving the published model: true true
	// refused: true still serving: true
}

// Knowledge-base edits through a feed reach every replica's index in
// order; the writer's own replica serves an edit when the call returns.
// On Redis the feed is redisreplica.NewFeed.
func Example_feed() {
	ctx := context.Background()
	feed := replica.NewMemFeed(0)
	newReplica := func() (*kb.Index, *replica.Follower) {
		ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
		if err != nil {
			log.Fatal(err)
		}
		f, err := replica.NewFollower(ix, feed, replica.FollowConfig{})
		if err != nil {
			log.Fatal(err)
		}
		return ix, f
	}
	a, fa := newReplica()
	defer a.Close()
	b, fb := newReplica()
	defer b.Close()
	w, err := replica.NewWriter(feed, fa) // edits made on replica a
	if err != nil {
		log.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go fa.Run(runCtx)
	go fb.Run(runCtx)

	if err := w.Upsert(ctx, kb.FAQ{ID: "refund-where", Question: "退款退到哪里了？"}); err != nil {
		log.Fatal(err)
	}
	if err := fb.WaitFor(ctx, fa.Version()); err != nil { // b catches up
		log.Fatal(err)
	}
	for _, ix := range []*kb.Index{a, b} {
		hits, err := ix.Search(ctx, kb.Query{Text: "退款到哪里", Limit: 1})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(hits[0].FAQ.ID)
	}
	fmt.Println("version", fb.Version())
	// Output:
	// refund-where
	// refund-where
	// version 1
}

// lossyFeed stands for a Redis that can restart without its data.
type lossyFeed struct{ replica.Feed }

// A feed that went backwards (here its store lost its data) is not
// applied: the replica keeps serving and halts. An operator re-seeds the
// feed from a replica that holds the data; other halted replicas then
// take the feed's snapshot with Resnapshot.
func ExampleFollower_Republish() {
	ctx := context.Background()
	feed := &lossyFeed{replica.NewMemFeed(0)}
	ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()
	f, err := replica.NewFollower(ix, feed, replica.FollowConfig{})
	if err != nil {
		log.Fatal(err)
	}
	w, err := replica.NewWriter(feed, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Upsert(ctx, kb.FAQ{ID: "refund-where", Question: "退款退到哪里了？"}); err != nil {
		log.Fatal(err)
	}
	if err := f.Sync(ctx); err != nil {
		log.Fatal(err)
	}

	feed.Feed = replica.NewMemFeed(0) // the store restarts empty
	err = f.Sync(ctx)
	all, _ := ix.All(ctx)
	fmt.Println("halted:", f.Status().Halted, errors.Is(err, replica.ErrBehind), "entries served:", len(all))

	v, err := f.Republish(ctx) // the operator's choice
	if err != nil {
		log.Fatal(err)
	}
	snap, _, _ := feed.Snapshot(ctx)
	fmt.Println("re-seeded at version", v, "with", len(snap), "entries; halted:", f.Status().Halted)
	// Output:
	// halted: true true entries served: 1
	// re-seeded at version 1 with 1 entries; halted: false
}
