package recommend_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// thresholdWorld: a transfer of 50,000 or more raises the limit question;
// any transfer raises the arrival question. Amounts are log-uniform from 100 to
// 200,000, so cut points at quantiles (a factor of about 3 apart) would put
// 47,000 and 53,000 in one bucket.
var thresholdWorld = &synthWorld{
	needs: []synthNeed{
		{typ: "transfer.out", minAmount: 50000, q: "limit", p: 0.8, from: 10 * time.Minute, to: time.Hour},
		// Any transfer raises this one at the same time.
		{typ: "transfer.out", q: "arrival", p: 0.4, from: 10 * time.Minute, to: time.Hour},
		{typ: "bill.due", q: "repay", p: 0.6, from: time.Hour, to: 3 * time.Hour},
	},
	events: map[string]map[string][]string{
		"transfer.out": {"channel": {"bank_card", "account"}},
		"bill.due":     nil,
	},
	amounts: map[string][2]float64{"transfer.out": {100, 200000}},
	base:    []string{"base1", "base2", "base3", "base4"},
	vipQ:    "vip-q",
}

// TestLearnedAmountThreshold: the numeric cut point falls where the need
// changes, so a transfer just over 50,000 puts the limit question first and
// one just under does not raise it.
func TestLearnedAmountThreshold(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	qs := thresholdWorld.questions()
	var faqs []kb.FAQ
	for _, q := range qs {
		faqs = append(faqs, kb.FAQ{ID: q, Question: q, Category: q})
	}
	cat, err := simulate.NewKB(faqs)
	if err != nil {
		t.Fatal(err)
	}
	m, err := recommend.Train(context.Background(), thresholdWorld.log(3000, 3, start), cat, recommend.TrainOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rank := func(amount float64) (int, []string) {
		store, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		eng, err := recommend.NewEngine(cat, store, store, recommend.WithModel(m), recommend.WithClock(clock),
			recommend.WithExploration(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		record(t, eng, recommend.Event{User: "u", Time: now.Add(-20 * time.Minute), Type: "transfer.out",
			Attrs: map[string]string{"channel": "account", "amount": strconv.FormatFloat(amount, 'f', 2, 64)}})
		order := rankingOf(t, eng, "u", now, nil, qs)
		return rankOf(order, "limit"), order
	}
	for _, amount := range []float64{53000, 120000} {
		if r, order := rank(amount); r != 1 {
			t.Errorf("transfer of %.0f: limit ranks %d (%v), want first", amount, r, order)
		}
	}
	for _, amount := range []float64{800, 47000} {
		if r, order := rank(amount); r <= 3 {
			t.Errorf("transfer of %.0f: limit ranks %d (%v), want it not raised", amount, r, order)
		}
	}
}
