package recommend_test

import (
	"testing"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/catalogtest"
	"github.com/duxin-ai/duxin/recommend/simulate"
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
