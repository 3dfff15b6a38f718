package intent_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/sampledata"
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
	// A close call between the top two intents should be confirmed with the
	// user rather than acted on: ask for a gap of at least 0.5.
	decision := intent.DefaultDecision()
	decision.MinGap = 0.5
	model, err := intent.Train(ctx, examples, tok, intent.WithDecision(decision))
	if err != nil {
		log.Fatal(err)
	}

	for _, text := range []string{
		"我的账户被冻结了怎么办",    // in scope
		"帮我订一张明天去杭州的高铁票", // out of scope: the oos class
		"余额", // 充值 or 余额宝转出?
		"😀😀", // nothing the model knows
	} {
		r, err := model.Classify(ctx, text)
		if err != nil {
			log.Fatal(err)
		}
		p := r.Predictions
		fmt.Printf("%s: %v %q (%s %.2f, %s %.2f)\n", text, r.Outcome, r.Intent, p[0].Label, p[0].Confidence, p[1].Label, p[1].Confidence)
	}
	// Output:
	// 我的账户被冻结了怎么办: matched "unfreeze_account" (unfreeze_account 1.00, freeze_account 0.00)
	// 帮我订一张明天去杭州的高铁票: out_of_scope "" (oos 1.00, bind_card 0.00)
	// 余额: ambiguous "" (yuebao_out 0.63, recharge 0.23)
	// 😀😀: low_confidence "" (oos 0.78, transaction_dispute 0.01)
}
