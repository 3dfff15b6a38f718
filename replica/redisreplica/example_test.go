package redisreplica_test

import (
	"context"
	"log"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/replica/redisreplica"
)

// One replica's wiring on Redis: the knowledge base follows the feed, the
// recommend model follows the registry. It needs a Redis server, so it
// compiles here but does not run.
func Example() {
	ctx := context.Background()
	client, err := redisstore.Connect("redis://127.0.0.1:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	cfg := redisreplica.Config{Prefix: "wallet-help"}
	feed, err := redisreplica.NewFeed(client, cfg)
	if err != nil {
		log.Fatal(err)
	}
	reg, err := redisreplica.NewRegistry(client, cfg)
	if err != nil {
		log.Fatal(err)
	}
	var ix *kb.Index             // this replica's index (kb.New or kb.Open)
	var engine *recommend.Engine // an engine over ix and a redisstore.Store
	follower, err := replica.NewFollower(ix, feed, replica.FollowConfig{})
	if err != nil {
		log.Fatal(err)
	}
	if err := follower.Sync(ctx); err != nil { // serve the current KB from the first request
		log.Fatal(err)
	}
	go follower.Run(ctx)
	watcher, err := replica.NewWatcher(reg, replica.NameRecommend, replica.RecommendModel(engine), replica.WatchConfig{})
	if err != nil {
		log.Fatal(err)
	}
	_ = watcher.Sync(ctx) // replica.ErrNoVersion until a trainer publishes
	go watcher.Run(ctx)
	// Edits made here go through the feed to every replica.
	writer, err := replica.NewWriter(feed, follower)
	if err != nil {
		log.Fatal(err)
	}
	_ = writer.Upsert(ctx, kb.FAQ{ID: "refund-where", Question: "退款退到哪里了？"})
}
