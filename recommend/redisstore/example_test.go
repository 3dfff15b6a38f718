package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// Every replica of a service builds its engine over the same Redis
// server, so a user's events and feedback recorded by one replica shape
// the suggestions of all. (No output is checked: the example needs a
// server.)
func ExampleNew() {
	ctx := context.Background()
	client, err := redisstore.Connect("redis://127.0.0.1:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close() // the store uses the client but does not own it
	store, err := redisstore.New(client, redisstore.Config{Prefix: "wallet-help", TTL: 14 * 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	catalog, err := simulate.SampleKB() // your knowledge base
	if err != nil {
		log.Fatal(err)
	}
	// One value as both stores: the engine reads a user's events and
	// feedback in one round trip.
	eng, err := recommend.NewEngine(catalog, store, store)
	if err != nil {
		log.Fatal(err)
	}
	err = eng.Record(ctx, recommend.Event{
		ID: "evt-8f14e45f", User: "u1", Time: time.Now(), Type: "transfer.fail",
		Attrs: map[string]string{"channel": "bank_card", "reason": "risk_control"},
	})
	if err != nil {
		log.Fatal(err) // a Redis error: the host decides whether to retry
	}
	suggestions, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 3})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range suggestions {
		fmt.Println(s.FAQ.Question)
	}
}
