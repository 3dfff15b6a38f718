package recommend_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/catalogtest"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/tokenize"
)

// The simulator's in-memory knowledge base is a Catalog (kb's bleve index
// is checked in benchmarks, which may use jieba).
func TestSimulateKBCatalog(t *testing.T) {
	catalogtest.Run(t, func(t *testing.T, faqs []kb.FAQ) recommend.Catalog {
		k, err := simulate.NewKB(faqs)
		if err != nil {
			t.Fatal(err)
		}
		return k
	})
}

func TestEngineFollowsKBEdits(t *testing.T) {
	ctx := context.Background()
	ix := sampleIndex(t)
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock, TTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(ix, store, store, recommend.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Recommend(ctx, recommend.Request{User: "u1"}); err != nil {
		t.Fatal(err)
	}
	// A new entry with a trigger, and the event it fires on.
	f := kb.FAQ{ID: "new-fee-question", Question: "新上线的手续费怎么算？",
		Triggers: []kb.Trigger{{Event: "fee.new", Window: kb.Duration(time.Hour), Weight: 1}}}
	if err := ix.Upsert(ctx, f); err != nil {
		t.Fatal(err)
	}
	record(t, eng, recommend.Event{User: "u1", Time: clock().Add(-time.Minute), Type: "fee.new"})
	got, err := eng.Recommend(ctx, recommend.Request{User: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids(got), f.ID) {
		t.Fatalf("after Upsert without Engine.Reload: suggestions %v, want %s among them", ids(got), f.ID)
	}
	if err := ix.Delete(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	got, err = eng.Recommend(ctx, recommend.Request{User: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if s.FAQ.ID == f.ID {
			t.Fatalf("deleted entry %s still suggested", f.ID)
		}
	}
}

// sampleIndex returns a kb.Index of the sample knowledge base, with the
// pure-Go tokenizer and no ranker (what these tests need of it is fast).
func sampleIndex(t *testing.T) *kb.Index {
	t.Helper()
	ctx := context.Background()
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	faqs, err := k.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	return ix
}

// confidentKB is the sample KB whose search reports confidences that
// disagree with its scores.
type confidentKB struct {
	*simulate.KB
	conf map[string]float64
}

func (k confidentKB) Search(ctx context.Context, q kb.Query) ([]kb.Hit, error) {
	hits, err := k.KB.Search(ctx, q)
	for i := range hits {
		hits[i].Confidence = 0.01
		if c, ok := k.conf[hits[i].FAQ.ID]; ok {
			hits[i].Confidence = c
		}
	}
	return hits, err
}

// TestSearchSourceUsesConfidence: a search's evidence for a question is
// the knowledge base's confidence that it answers the search, when the
// knowledge base gives one, rather than its score.
func TestSearchSourceUsesConfidence(t *testing.T) {
	ctx := context.Background()
	base, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	hits, err := base.Search(ctx, kb.Query{Text: "电子回单", Limit: 5})
	if err != nil || len(hits) < 2 {
		t.Fatalf("sample search: %v, %v", hits, err)
	}
	first, second := hits[0].FAQ.ID, hits[1].FAQ.ID
	order := func(k recommend.Catalog) []string {
		store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock, TTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		eng, err := recommend.NewEngine(k, store, store, recommend.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		record(t, eng, recommend.Event{User: "u1", Time: clock().Add(-time.Minute), Type: recommend.TypeSearch, Text: "电子回单"})
		s, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 2, Diversity: -1})
		if err != nil {
			t.Fatal(err)
		}
		return ids(s)
	}
	if got := order(base); got[0] != first {
		t.Fatalf("by score: %v, want %s first", got, first)
	}
	flipped := confidentKB{base, map[string]float64{first: 0.1, second: 0.9}}
	if got := order(flipped); got[0] != second {
		t.Errorf("with confidences %v: %v, want %s first", flipped.conf, got, second)
	}
}
