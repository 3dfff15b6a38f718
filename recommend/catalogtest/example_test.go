package catalogtest_test

import (
	"testing"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/catalogtest"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// A catalog's own test runs the suite over the entries it is given.
// (In your package: func TestMyCatalog(t *testing.T) { ... }.)
func ExampleRun() {
	testMyCatalog := func(t *testing.T) {
		catalogtest.Run(t, func(t *testing.T, faqs []kb.FAQ) recommend.Catalog {
			k, err := simulate.NewKB(faqs) // your catalog here
			if err != nil {
				t.Fatal(err)
			}
			return k
		})
	}
	_ = testMyCatalog
}
