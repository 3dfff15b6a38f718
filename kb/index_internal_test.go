package kb

import (
	"context"
	"fmt"
	"reflect"
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
				}{{fieldWords, qa.WordSet}, {fieldGrams, qa.Grams}, {fieldSounds, qa.sounds}} {
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

// panicTokenizer is Bigram, except that it panics on the text bad.
type panicTokenizer struct {
	tokenize.Tokenizer
	bad string
}

func (p panicTokenizer) Tokenize(text string) []tokenize.Token {
	if text == p.bad {
		panic("tokenizer: " + text)
	}
	return p.Tokenizer.Tokenize(text)
}

// TestAnalyzeAhead holds write's analysis ahead to analysing in turn: the
// same entries for short and long lists, stop at any point ends it, and a
// panic while analysing reaches the caller.
func TestAnalyzeAhead(t *testing.T) {
	t.Parallel()
	r, err := DefaultRanker()
	if err != nil {
		t.Fatal(err)
	}
	faqs := make([]FAQ, 3*aheadChunk+7)
	for i := range faqs {
		faqs[i] = FAQ{ID: fmt.Sprint(i), Question: fmt.Sprintf("花呗第%d期怎么还款", i), Similar: []string{fmt.Sprintf("借呗%d", i)}}
	}
	const bad = "借呗700" // in the third chunk
	ix, err := New(panicTokenizer{tokenize.Bigram(), bad}, WithRanker(r))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, n := range []int{0, 1, aheadChunk, aheadChunk + 1, 500} {
		analyzed, stop := ix.analyzeAhead(faqs[:n], r)
		for i := range n {
			want, got := ix.analyzeFAQ(faqs[i], r), analyzed(i)
			if d := cmp.Diff(want.faq, got.faq); d != "" {
				t.Fatalf("%d entries: entry %d (-in turn +ahead):\n%s", n, i, d)
			}
			if d := cmp.Diff(want.texts, got.texts, cmp.AllowUnexported(analysis{})); d != "" {
				t.Fatalf("%d entries: entry %d's texts (-in turn +ahead):\n%s", n, i, d)
			}
			// The prepared texts point into the model: DeepEqual stops at
			// pointers they share.
			if !reflect.DeepEqual(want.ranked, got.ranked) {
				t.Fatalf("%d entries: entry %d's prepared texts differ", n, i)
			}
		}
		stop()
	}
	for _, n := range []int{0, 1, aheadChunk, 2*aheadChunk - 3} { // stop part way
		analyzed, stop := ix.analyzeAhead(faqs, r) // which panics at 700, unseen
		for i := range n {
			analyzed(i)
		}
		stop()
	}
	analyzed, stop := ix.analyzeAhead(faqs, r)
	defer stop()
	defer func() {
		if p := recover(); p != "tokenizer: "+bad {
			t.Errorf("recovered %v, want the tokenizer's panic", p)
		}
	}()
	for i := range faqs {
		analyzed(i)
	}
	t.Error("no panic")
}

// TestWriteBatchRace builds an index in many small bleve batches (a
// chunked Reload) and edits it with batches that mix documents and
// deletions, so that under -race (CI runs the library's tests with -race
// -short) a batch written to while scorch still reads it is reported: a
// sent batch's Reset once raced with the goroutine that queued its
// documents. It is short on purpose; TestSampleLOODefaultNotWorse, which
// found the race, is skipped under -short.
func TestWriteBatchRace(t *testing.T) {
	t.Parallel()
	ix, err := New(tokenize.Bigram(), WithRanker(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ix.opts.batchSize = 4
	faqs := make([]FAQ, 200)
	for i := range faqs {
		faqs[i] = FAQ{ID: fmt.Sprintf("q%03d", i), Question: fmt.Sprintf("花呗第%d期怎么还款", i),
			Similar: []string{fmt.Sprintf("借呗第%d期提前还", i), fmt.Sprintf("第%d期账单", i), fmt.Sprintf("分期%d", i)},
			Answer:  "在账单页还款。"}
	}
	ctx := context.Background()
	if err := ix.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	// Each Upsert drops the entries' similar questions: its batch holds a
	// document and three deletions an entry, and scorch's queueing
	// goroutine reads the batch after its last document when the map's
	// order puts a deletion last.
	for i := range 50 {
		edit := slices.Clone(faqs[i*4 : i*4+4])
		for k := range edit {
			edit[k].Similar = nil
		}
		if err := ix.Upsert(ctx, edit...); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := ix.Search(ctx, Query{Text: "花呗第7期怎么还款"})
	if err != nil || len(hits) == 0 || hits[0].FAQ.ID != "q007" {
		t.Errorf("after the chunked builds: %v, %v", hits, err)
	}
}
