package recommend_test

import (
	"context"
	"fmt"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// A user whose transfer to a bank card just failed opens the help center: the
// sample knowledge base's trigger rules suggest questions before any log
// exists, and say why.
func ExampleEngine_Recommend() {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	sample, err := simulate.SampleKB() // the bundled sample knowledge base
	if err != nil {
		panic(err)
	}
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock})
	if err != nil {
		panic(err)
	}
	words, err := simulate.SamplePhrasebook() // the wallet phrasebook: how events are told
	if err != nil {
		panic(err)
	}
	eng, err := recommend.NewEngine(sample, store, store, recommend.WithClock(clock), recommend.WithPhrasebook(words))
	if err != nil {
		panic(err)
	}
	err = eng.Record(ctx, recommend.Event{
		User: "u1", Time: now.Add(-3 * time.Minute), Type: "transfer.fail",
		Attrs: map[string]string{"channel": "bank_card", "amount": "2000.00", "reason": "risk_control"},
	})
	if err != nil {
		panic(err)
	}
	suggestions, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 3})
	if err != nil {
		panic(err)
	}
	for _, s := range suggestions {
		fmt.Printf("%s  ← %s\n", s.FAQ.Question, s.Reasons[0].Text)
	}
	// Output:
	// 转账失败是什么原因？  ← 你3分钟前有一笔转账到银行卡失败了（触发了安全风控）
	// 转账提示存在风险被拦截怎么办？  ← 你3分钟前有一笔转账到银行卡失败了（触发了安全风控）
	// 转账失败钱退回哪里？  ← 你3分钟前有一笔转账到银行卡失败了（触发了安全风控）
}
