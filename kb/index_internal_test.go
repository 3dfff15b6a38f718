package kb

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// TestIndexAndQueryTermsAgree proves that what bleve stores for a text is
// exactly what a query for the same text asks for: the index side (bleve's
// term dictionary after indexing) and the query side (the analyser's terms
// that become term queries) hold the same terms.
func TestIndexAndQueryTermsAgree(t *testing.T) {
	tok, err := jieba.New()
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	for name, tk := range map[string]tokenize.Tokenizer{"jieba": tok, "bigram": tokenize.Bigram()} {
		ix, err := New(tk)
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
				}{{fieldWords, qa.wordSet}, {fieldGrams, qa.grams}} {
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
	tok, err := jieba.New()
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	m, _ := synonymMap(tok, DefaultSynonyms())
	an := &analyzer{tok: tok, syn: m}
	a, b := an.analyze("蚂蚁花呗怎样还款"), an.analyze("花呗如何还款")
	for _, w := range []string{"花呗", "怎么", "还款"} {
		if !slices.Contains(a.wordSet, w) || !slices.Contains(b.wordSet, w) {
			t.Errorf("%q missing: %v / %v", w, a.wordSet, b.wordSet)
		}
	}
}

func TestFeatureHelpers(t *testing.T) {
	tests := []struct {
		a, b             string
		lev, lcseq, lcss int
	}{
		{"花呗还款", "花呗提前还款", 2, 4, 2},
		{"", "借呗", 2, 0, 0},
		{"abc", "abc", 0, 3, 3},
	}
	for _, tc := range tests {
		a, b := []rune(tc.a), []rune(tc.b)
		lcss, _ := lcsSubstrAt(a, b)
		got := []int{levenshtein(a, b), lcsSeq(a, b), lcss}
		if diff := cmp.Diff([]int{tc.lev, tc.lcseq, tc.lcss}, got); diff != "" {
			t.Errorf("%q vs %q (-want +got):\n%s", tc.a, tc.b, diff)
		}
	}
	for s, want := range map[string]bool{"花呗不能用了": true, "花呗是不是能用": false, "借呗还款失败": true, "怎么还款": false} {
		if got := negated(s); got != want {
			t.Errorf("negated(%q) = %v, want %v", s, got, want)
		}
	}
}
