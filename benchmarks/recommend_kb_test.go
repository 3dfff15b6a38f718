package benchmarks_test

import (
	"context"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/catalogtest"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// TestKBIndexCatalog runs recommend's Catalog conformance suite on kb's
// bleve index with jieba, the catalog of a product.
func TestKBIndexCatalog(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T, faqs []kb.FAQ) recommend.Catalog {
		return newKBIndex(t, faqs)
	})
}

// TestRecommendKBIndex wires the engine to kb's bleve index with jieba (the
// tests in recommend use the simulator's KB): the catalog comes from All,
// a trigger rule, a search and the related questions of an ask all reach
// the suggestions, each with its reason.
func TestRecommendKBIndex(t *testing.T) {
	ctx := context.Background()
	faqs, err := simulate.SampleFAQs()
	if err != nil {
		t.Fatal(err)
	}
	ix := newKBIndex(t, faqs)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(ix, store, store, recommend.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	var asked string
	for _, f := range faqs {
		if f.Category == "花呗" {
			asked = f.ID
			break
		}
	}
	if err := eng.Record(ctx,
		recommend.Event{User: "u1", Time: now.Add(-20 * time.Minute), Type: recommend.TypeAsk, Question: asked},
		recommend.Event{User: "u1", Time: now.Add(-10 * time.Minute), Type: recommend.TypeSearch, Text: "电子回单怎么下载"},
		recommend.Event{User: "u1", Time: now.Add(-3 * time.Minute), Type: "transfer.fail",
			Attrs: map[string]string{"channel": "bank_card", "reason": "insufficient_balance"}},
	); err != nil {
		t.Fatal(err)
	}
	got, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 15})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 15 {
		t.Fatalf("got %d suggestions, want 15", len(got))
	}
	kinds := map[recommend.ReasonKind]string{}
	for _, s := range got {
		if len(s.Reasons) == 0 {
			t.Errorf("%s has no reasons", s.FAQ.ID)
		}
		for _, r := range s.Reasons {
			if _, ok := kinds[r.Kind]; !ok {
				kinds[r.Kind] = s.FAQ.ID + ": " + r.Text
			}
		}
	}
	for _, k := range []recommend.ReasonKind{recommend.ReasonTrigger, recommend.ReasonSearch, recommend.ReasonRelated} {
		if _, ok := kinds[k]; !ok {
			t.Errorf("no suggestion has a %s reason; reasons seen: %v", k, kinds)
		}
	}
	if got[0].Reasons[0].Kind != recommend.ReasonTrigger {
		t.Errorf("top suggestion %s has reasons %+v, want the failed transfer's trigger first", got[0].FAQ.ID, got[0].Reasons)
	}
	t.Logf("reasons: %v; top score %v", kinds, got[0].Score)
}
