package jiebableve_test

import (
	"fmt"
	"log"
	"os"

	"github.com/blevesearch/bleve/v2"

	"github.com/duxin-ai/duxin/tokenize/jieba/jiebableve"
)

// A bleve index analysed by duxin's jieba tokenizer, registered by
// importing the package.
func Example() {
	dir, err := os.MkdirTemp("", "bleve")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = jiebableve.Name
	idx, err := bleve.New(dir+"/idx", m)
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	for id, text := range map[string]string{"repay": "花呗怎么提前还款", "receipt": "电子回单在哪里下载"} {
		if err := idx.Index(id, map[string]string{"text": text}); err != nil {
			log.Fatal(err)
		}
	}
	res, err := idx.Search(bleve.NewSearchRequest(bleve.NewMatchQuery("花呗还款")))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Total, res.Hits[0].ID)
	// Output: 1 repay
}
