// Command quickstart wires duxin's four packages on the bundled sample data
// and prints what one user is likely to ask next, and why.
//
//	go run ./examples/quickstart
package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/sampledata"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func main() {
	ctx := context.Background()
	tok, err := jieba.New() // Chinese segmentation with a payments dictionary
	check(err)
	defer tok.Close()

	// Knowledge base: your FAQs (kb.LoadFile reads JSONL, JSON, CSV or YAML).
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
	check(err)
	ix, err := kb.New(tok) // kb.Open(dir, tok) keeps it on disk
	check(err)
	defer ix.Close()
	check(ix.Reload(ctx, faqs))

	// Intents: a classifier trained on labelled utterances.
	examples, err := intent.ReadJSONL(bytes.NewReader(sampledata.IntentsJSONL()), "intents.jsonl")
	check(err)
	model, err := intent.Train(ctx, examples, tok)
	check(err)

	// Recommender: trained on a behavior log (here simulated; use recommend.ReadEvents for yours).
	sim, err := simulate.Generate(simulate.Config{Users: 500, FAQs: faqs})
	check(err)
	learned, err := recommend.Train(ctx, sim.Events, ix, recommend.TrainOptions{})
	check(err)
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
	check(err)
	engine, err := recommend.NewEngine(ix, store, store, recommend.WithModel(learned))
	check(err)

	// Your app reports what users do: a transfer to a bank card, then a search.
	now := time.Now()
	check(engine.Record(ctx,
		recommend.Event{User: "u1", Time: now.Add(-3 * time.Minute), Type: "transfer.success", Attrs: map[string]string{"channel": "bank_card"}},
		recommend.Event{User: "u1", Time: now.Add(-time.Minute), Type: recommend.TypeSearch, Text: "转账要手续费吗"}))
	suggestions, err := engine.Recommend(ctx, recommend.Request{User: "u1", Limit: 3})
	check(err)
	fmt.Println("猜你关心:")
	for _, s := range suggestions {
		fmt.Printf("  %s  (%s)\n", s.FAQ.Question, s.Reasons[0].Text)
	}

	res, err := model.Classify(ctx, "我要查账单")
	check(err)
	fmt.Printf("我要查账单 → %s %s\n", res.Outcome, res.Intent)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
