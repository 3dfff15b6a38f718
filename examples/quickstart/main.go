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
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func main() {
	ctx := context.Background()
	tok := must(jieba.New()) // Chinese segmentation with a payments dictionary
	defer tok.Close()

	// Knowledge base: your FAQs (kb.LoadFile reads JSONL, JSON, CSV or YAML).
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
	check(err)
	ix := must(kb.New(tok)) // kb.Open(dir, tok) keeps it on disk
	defer ix.Close()
	check(ix.Reload(ctx, faqs))

	// Intents: a classifier trained on labelled utterances.
	examples := must(intent.ReadJSONL(bytes.NewReader(sampledata.IntentsJSONL()), "intents.jsonl"))
	model := must(intent.Train(ctx, examples, tok))

	// Recommender: trained on a behavior log (here simulated; use recommend.ReadEvents for yours).
	sim := must(simulate.Generate(simulate.Config{Users: 500, FAQs: faqs}))
	learned := must(recommend.Train(ctx, sim.Events, ix, recommend.TrainOptions{}))
	store := must(recommend.NewMemoryStore(recommend.MemoryConfig{}))
	words := must(simulate.SamplePhrasebook()) // how your events are told: recommend.LoadPhrasebook("words.yaml")
	engine := must(recommend.NewEngine(ix, store, store, recommend.WithModel(learned), recommend.WithPhrasebook(words)))

	// Your app reports what users do: a transfer to a bank card, then a search.
	now := time.Now()
	check(engine.Record(ctx,
		recommend.Event{User: "u1", Time: now.Add(-3 * time.Minute), Type: "transfer.success", Attrs: map[string]string{"channel": "bank_card"}},
		recommend.Event{User: "u1", Time: now.Add(-time.Minute), Type: recommend.TypeSearch, Text: "转账要手续费吗"}))
	fmt.Println("猜你关心:")
	for _, s := range must(engine.Recommend(ctx, recommend.Request{User: "u1", Limit: 3})) {
		fmt.Printf("  %s  (%s)\n", s.FAQ.Question, s.Reasons[0].Text)
	}

	res := must(model.Classify(ctx, "我要查账单"))
	fmt.Printf("我要查账单 → %s %s\n", res.Outcome, res.Intent)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func must[T any](v T, err error) T {
	check(err)
	return v
}
