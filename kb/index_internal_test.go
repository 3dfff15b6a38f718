package kb

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/tokenize"
)

// TestIndexAndQueryTermsAgree proves that what bleve stores for a text is
// exactly what a query for the same text asks for: the index side (bleve's
// term dictionary after indexing) and the query side (the analyser's terms
// that become term queries) hold the same terms.
func TestIndexAndQueryTermsAgree(t *testing.T) {
	t.Parallel()
	tok := sharedJieba(t)
	for name, tk := range map[string]tokenize.Tokenizer{"jieba": tok, "bigram": tokenize.Bigram()} {
		ix, err := New(tk, WithRanker(nil))
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			"花呗怎么还款？",
			"蚂蚁花呗臨時額度怎麼提升",
			"转账到银行卡多久到账",
			"ＡＢＣ银行 refunds 500元",
			"我的借呗为什么不能提前还款了",
			"余额宝 转出 到 卡",
			"a",
		} {
			t.Run(name+"/"+q, func(t *testing.T) {
				if err := ix.Reload(context.Background(), []FAQ{{ID: "x", Question: q}}); err != nil {
					t.Fatal(err)
				}
				g, err := ix.acquire()
				if err != nil {
					t.Fatal(err)
				}
				defer g.release()
				qa := ix.an.analyze(q)
				for _, f := range []struct {
					field string
					want  []string
				}{{fieldWords, qa.WordSet}, {fieldGrams, qa.Grams}} {
					dict, err := g.bi.FieldDict(f.field)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for {
						e, err := dict.Next()
						if err != nil {
							t.Fatal(err)
						}
						if e == nil {
							break
						}
						got = append(got, e.Term)
					}
					dict.Close()
					slices.Sort(got)
					if diff := cmp.Diff(f.want, got, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("field %s: query terms vs indexed terms (-query +index):\n%s", f.field, diff)
					}
				}
			})
		}
		ix.Close()
	}
}

func TestSynonymsCanonical(t *testing.T) {
	t.Parallel()
	tok := sharedJieba(t)
	m, _ := synonymMap(tok, DefaultSynonyms())
	an := &analyzer{tok: tok, syn: m}
	a, b := an.analyze("蚂蚁花呗怎样还款"), an.analyze("花呗如何还款")
	for _, w := range []string{"花呗", "怎么", "还款"} {
		if !slices.Contains(a.WordSet, w) || !slices.Contains(b.WordSet, w) {
			t.Errorf("%q missing: %v / %v", w, a.WordSet, b.WordSet)
		}
	}
}
