package recommend

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/duxin-ai/duxin/kb"
)

// countingCatalog is a catalog of fixed entries that counts its reads.
type countingCatalog struct {
	faqs []kb.FAQ
	all  atomic.Int32
}

func (c *countingCatalog) Search(context.Context, kb.Query) ([]kb.Hit, error) { return nil, nil }
func (c *countingCatalog) Related(context.Context, string, int) ([]kb.Hit, error) {
	return nil, nil
}

func (c *countingCatalog) Get(_ context.Context, id string) (kb.FAQ, error) {
	for _, f := range c.faqs {
		if f.ID == id {
			return f, nil
		}
	}
	return kb.FAQ{}, kb.ErrNotFound
}

func (c *countingCatalog) All(context.Context) ([]kb.FAQ, error) {
	c.all.Add(1)
	return c.faqs, nil
}

// TestReloadWarms checks that Reload and SetModel prepare what requests
// need of the catalog, so that the first request after them builds
// nothing.
func TestReloadWarms(t *testing.T) {
	ctx := context.Background()
	cat := &countingCatalog{faqs: []kb.FAQ{{ID: "a", Question: "A?"}, {ID: "b", Question: "B?"}}}
	store, err := NewMemoryStore(MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(cat, store, store)
	if err != nil {
		t.Fatal(err)
	}
	if e.static.Load() != nil || cat.all.Load() != 0 {
		t.Fatal("NewEngine read the catalog")
	}
	if err := e.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.static.Load()
	if st == nil || st.cat != e.catv.Load() || st.model != e.Model() {
		t.Fatalf("after Reload: static features %p, want those of the catalog and model", st)
	}
	if _, err := e.Recommend(ctx, Request{User: "u"}); err != nil {
		t.Fatal(err)
	}
	if got := e.static.Load(); got != st || cat.all.Load() != 1 {
		t.Errorf("the first request rebuilt the static features (%v) or read the catalog (%d reads)", got != st, cat.all.Load())
	}
	m, err := emptyModel()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetModel(m); err != nil {
		t.Fatal(err)
	}
	if st := e.static.Load(); st.model != m || st.cat != e.catv.Load() {
		t.Errorf("after SetModel: static features of model %p, want %p", st.model, m)
	}
}
