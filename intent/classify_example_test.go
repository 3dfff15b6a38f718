package intent_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/sampledata"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// sampleExamples reads the bundled Alipay-like training set.
func sampleExamples() ([]intent.Example, error) {
	return intent.ReadJSONL(bytes.NewReader(sampledata.IntentsJSONL()), "intents.jsonl")
}

func ExampleTrain() {
	ctx := context.Background()
	examples, err := sampleExamples()
	if err != nil {
		log.Fatal(err)
	}
	tok, err := jieba.New(jieba.WithStopWords(nil))
	if err != nil {
		log.Fatal(err)
	}
	defer tok.Close()

	model, err := intent.Train(ctx, examples, tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(model.Labels()), "labels")
	for _, text := range []string{"我要开电子回单", "花唄怎麼還", "帮我查一下昨天那笔500元的转账到了没有"} {
		r, err := model.Classify(ctx, text)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(text, "→", r.Intent)
	}
	// Output:
	// 31 labels
	// 我要开电子回单 → open_e_receipt
	// 花唄怎麼還 → huabei_repay
	// 帮我查一下昨天那笔500元的转账到了没有 → transfer_status
}

func ExampleModel_Classify() {
	ctx := context.Background()
	examples, err := sampleExamples()
	if err != nil {
		log.Fatal(err)
	}
	tok, err := jieba.New(jieba.WithStopWords(nil))
	if err != nil {
		log.Fatal(err)
	}
	defer tok.Close()
	model, err := intent.Train(ctx, examples, tok)
	if err != nil {
		log.Fatal(err)
	}

	for _, text := range []string{
		"我的账户被冻结了怎么办",    // in scope
		"帮我订一张明天去杭州的高铁票", // out of scope: the oos class
		"😀😀", // nothing to go on
	} {
		r, err := model.Classify(ctx, text)
		if err != nil {
			log.Fatal(err)
		}
		top := r.Predictions[0]
		fmt.Printf("%s: %v %q (top %s %.2f, gap %.2f)\n", text, r.Outcome, r.Intent, top.Label, top.Confidence, r.Gap)
	}
	// Output:
	// 我的账户被冻结了怎么办: matched "unfreeze_account" (top unfreeze_account 0.99, gap 0.98)
	// 帮我订一张明天去杭州的高铁票: out_of_scope "" (top oos 1.00, gap 1.00)
	// 😀😀: low_confidence "" (top oos 0.87, gap 0.86)
}
