package kb_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func ExampleIndex_Search() {
	tok, err := jieba.New()
	if err != nil {
		panic(err)
	}
	defer tok.Close()
	ix, err := kb.New(tok) // a temporary index, removed by Close
	if err != nil {
		panic(err)
	}
	defer ix.Close()
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if err := ix.Reload(ctx, faqs); err != nil {
		panic(err)
	}
	hits, err := ix.Search(ctx, kb.Query{Text: "花呗的钱可以提前还吗", Limit: 3})
	if err != nil {
		panic(err)
	}
	for _, h := range hits {
		fmt.Println(h.FAQ.ID, h.Field, h.Fragment)
	}
	// Output:
	// huabei-repay-early question <mark>花呗可以提前</mark>还款吗？
	// jiebei-repay-early question 借呗<mark>可以提前</mark>还款吗？
	// huabei-installment-early-repay question <mark>花呗</mark>分期<mark>可以提前</mark>还清吗？
}
