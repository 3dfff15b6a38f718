package bleveanalysis_test

import (
	"fmt"
	"log"
	"os"

	"github.com/blevesearch/bleve/v2"

	"github.com/duxin-ai/duxin/tokenize/bleveanalysis"
)

// A bleve index whose text is analysed by duxin's pure-Go bigram
// tokenizer: folding makes the traditional 轉帳 match the simplified 转账.
func Example() {
	dir, err := os.MkdirTemp("", "bleve")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = bleveanalysis.BigramName
	idx, err := bleve.New(dir+"/idx", m)
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	if err := idx.Index("q1", map[string]string{"text": "转账到银行卡多久到账"}); err != nil {
		log.Fatal(err)
	}
	res, err := idx.Search(bleve.NewSearchRequest(bleve.NewMatchQuery("轉帳多久")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Total, res.Hits[0].ID)
	// Output: 1 q1
}
