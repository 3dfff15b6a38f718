package recommend_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// countingKB counts the Search and Related calls that reach the knowledge base.
type countingKB struct {
	*simulate.KB
	searches, related atomic.Int64
}

func (k *countingKB) Search(ctx context.Context, q kb.Query) ([]kb.Hit, error) {
	k.searches.Add(1)
	return k.KB.Search(ctx, q)
}

func (k *countingKB) Related(ctx context.Context, id string, limit int) ([]kb.Hit, error) {
	k.related.Add(1)
	return k.KB.Related(ctx, id, limit)
}

// TestLookupCache checks that repeated requests reuse the knowledge base's
// answers to a search and to related questions, with the same suggestions,
// and that Reload drops them.
func TestLookupCache(t *testing.T) {
	ctx := context.Background()
	sk, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	all, _ := sk.All(ctx)
	k := &countingKB{KB: sk}
	eng, _ := newEngineKB(t, k)
	record(t, eng,
		recommend.Event{User: "u1", Time: now.Add(-10 * time.Minute), Type: recommend.TypeAsk, Question: all[0].ID},
		recommend.Event{User: "u1", Time: now.Add(-5 * time.Minute), Type: recommend.TypeSearch, Text: "电子回单"})
	req := recommend.Request{User: "u1", Limit: 5}
	first, err := eng.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if s, r := k.searches.Load(), k.related.Load(); s != 1 || r != 1 {
		t.Fatalf("first request: %d searches, %d related lookups, want 1 and 1", s, r)
	}
	for range 3 {
		again, err := eng.Recommend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(again), ids(first); !slices.Equal(got, want) {
			t.Errorf("cached request = %v, want %v", got, want)
		}
	}
	if s, r := k.searches.Load(), k.related.Load(); s != 1 || r != 1 {
		t.Errorf("after 4 requests: %d searches, %d related lookups, want 1 and 1", s, r)
	}
	if err := eng.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Recommend(ctx, req); err != nil {
		t.Fatal(err)
	}
	if s, r := k.searches.Load(), k.related.Load(); s != 2 || r != 2 {
		t.Errorf("after Reload: %d searches, %d related lookups, want 2 and 2", s, r)
	}
}
