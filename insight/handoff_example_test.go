package insight_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/duxin-ai/duxin/insight"
	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
)

// A user whose transfer to a bank card failed searched for help, then
// asked for a person (转人工). The agent who takes over sees, in one
// object, what duxin knows: why they came, what they did, what they
// searched and what the knowledge base answers for it, and what their last
// request was about.
func ExampleHandoff() {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	// The sample knowledge base, intents, routes and phrasebook.
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
	if err != nil {
		panic(err)
	}
	ix, err := kb.New(tokenize.Bigram())
	if err != nil {
		panic(err)
	}
	defer ix.Close()
	if err := ix.Reload(ctx, faqs); err != nil {
		panic(err)
	}
	examples, err := intent.ReadJSONL(bytes.NewReader(sampledata.IntentsJSONL()), "intents.jsonl")
	if err != nil {
		panic(err)
	}
	model, err := intent.Train(ctx, examples, tokenize.Bigram())
	if err != nil {
		panic(err)
	}
	routes, err := intent.LoadRoutes(bytes.NewReader(sampledata.RoutesJSONL()))
	if err != nil {
		panic(err)
	}
	extract, err := slots.New(slots.WithClock(clock))
	if err != nil {
		panic(err)
	}
	words, err := simulate.SamplePhrasebook()
	if err != nil {
		panic(err)
	}
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock})
	if err != nil {
		panic(err)
	}
	eng, err := recommend.NewEngine(ix, store, store, recommend.WithClock(clock), recommend.WithPhrasebook(words))
	if err != nil {
		panic(err)
	}

	// What the user did.
	err = eng.Record(ctx,
		recommend.Event{User: "u1", Time: now.Add(-5 * time.Minute), Type: "transfer.fail",
			Attrs: map[string]string{"channel": "bank_card", "amount": "2000.00", "reason": "risk_control"}},
		recommend.Event{User: "u1", Time: now.Add(-2 * time.Minute), Type: recommend.TypeSearch, Text: "转账到尾号6621的卡失败了，2000元被退回了吗"},
		recommend.Event{User: "u1", Time: now, Type: recommend.TypeHandoff,
			Attrs: map[string]string{"reason": recommend.ReasonRequested}})
	if err != nil {
		panic(err)
	}

	sum, err := insight.Handoff(ctx, insight.HandoffSources{
		Recommender: eng, Events: store, Feedback: store, KB: ix,
		Classifier: model, Routes: routes, Slots: extract,
		SlotLabels: map[string]string{"amount": "金额", "card_tail": "卡号尾号"},
		Phrasebook: words,
	}, "u1", insight.HandoffOptions{Now: now, Suggestions: 2, Reasons: 1, Hits: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println("转人工:", sum.Handoff.Text)
	for _, q := range sum.Likely {
		fmt.Println("可能想问:", q.Question, "←", q.Reasons[0])
	}
	for _, e := range sum.Recent {
		fmt.Println("最近:", e.Text)
	}
	for _, s := range sum.Searches {
		fmt.Printf("搜索: %s → %s (answered %v)\n", s.Text, s.Hits[0].Question, s.Answered)
	}
	r := sum.LastRequest
	fmt.Println("最后的请求:", r.Intent, r.Service)
	for _, s := range r.Slots {
		fmt.Printf("  %s: %s\n", s.Label, s.Value)
	}
	// Output:
	// 转人工: 你刚刚申请了人工客服（主动要求）
	// 可能想问: 转账失败是什么原因？ ← 你5分钟前有一笔转账到银行卡失败了（触发了安全风控）
	// 可能想问: 转账提示存在风险被拦截怎么办？ ← 你5分钟前有一笔转账到银行卡失败了（触发了安全风控）
	// 最近: 你刚刚申请了人工客服（主动要求）
	// 最近: 你2分钟前搜索了“转账到尾号6621的卡失败了，2000元被退回了吗”
	// 最近: 你5分钟前有一笔转账到银行卡失败了（触发了安全风控）
	// 搜索: 转账到尾号6621的卡失败了，2000元被退回了吗 → 转账失败钱退回哪里？ (answered true)
	// 最后的请求: transfer_status 转账进度查询
	//   卡号尾号: 6621
}
