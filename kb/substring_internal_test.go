package kb

import (
	"context"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/tokenize"
)

// substrings returns every distinct prefix and infix of 2 to 6 characters
// of the questions of faqs valid now, each with the entries whose question
// holds it, leaving out those without two letters or digits in a row (a
// character and a question mark): they have no term to search.
func substrings(faqs []FAQ) map[string][]string {
	out := map[string][]string{}
	for _, f := range faqs {
		if !f.ValidAt(time.Now()) {
			continue // a campaign out of its period: never a hit
		}
		rs := []rune(f.Question)
		for i := range rs {
			for n := 2; n <= 6 && i+n <= len(rs); n++ {
				s := string(rs[i : i+n])
				if !hasPair(rs[i : i+n]) {
					continue
				}
				if l := len(out[s]); l == 0 || out[s][l-1] != f.ID {
					out[s] = append(out[s], f.ID)
				}
			}
		}
	}
	return out
}

func hasPair(rs []rune) bool {
	for i := 1; i < len(rs); i++ {
		if isWordRune(rs[i-1]) && isWordRune(rs[i]) {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// TestEverySubstringFindsItsEntry: a query made of any 2–6 character
// prefix or infix of a sample question finds that question's entry, with
// the pure-Go bigram tokenizer and with jieba. Each such query shares at
// least one character bigram with the entry, so an empty answer is a bug
// of the first stage — as 花呗咋还 was, when terms no text holds took the
// places of the terms always searched.
func TestEverySubstringFindsItsEntry(t *testing.T) {
	t.Parallel()
	jb := sharedJieba(t)
	// A five-entry knowledge base as well as the sample: in a small one a
	// word as common as 花呗 is past the document-frequency cut, which is
	// where 花呗咋还 found nothing.
	five := []FAQ{
		{ID: "huabei-repay", Question: "花呗怎么还款？", Similar: []string{"花呗如何还钱"}},
		{ID: "transfer-time", Question: "转账到银行卡多久到账？"},
		{ID: "jiebei", Question: "借呗怎么借钱？"},
		{ID: "yuebao", Question: "余额宝收益怎么算？"},
		{ID: "refund", Question: "退款退到哪里了？"},
	}
	queries := map[string][]string{"花呗咋还": {"huabei-repay"}, "花呗咋": {"huabei-repay"}, "花呗还": {"huabei-repay"}}
	for s, ids := range substrings(five) {
		queries[s] = ids
	}
	for _, kbc := range []struct {
		name    string
		faqs    []FAQ
		queries map[string][]string
	}{{"sample", loadSampleFAQs(t), nil}, {"five", five, queries}} {
		if kbc.queries == nil {
			kbc.queries = substrings(kbc.faqs)
		}
		for _, tc := range []struct {
			name string
			tok  tokenize.Tokenizer
		}{{"bigram", tokenize.Bigram()}, {"jieba", jb}} {
			t.Run(kbc.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				sweep(t, kbc.faqs, tc.tok, kbc.queries)
			})
		}
	}
}

// sweep checks that each query finds its entries. Every entry is a
// candidate and a hit: the test is about what the first stage finds, not
// how the ranker orders it.
func sweep(t *testing.T, faqs []FAQ, tok tokenize.Tokenizer, queries map[string][]string) {
	ix, err := New(tok, WithRanker(nil), WithCandidates(len(faqs)))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Reload(context.Background(), faqs); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for s, ids := range queries {
		hits, err := ix.Search(context.Background(), Query{Text: s, Limit: len(faqs)})
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, h := range hits {
			found[h.FAQ.ID] = true
		}
		for _, id := range ids {
			if !found[id] {
				failed++
				if failed <= 10 {
					t.Errorf("%q (%d characters) does not find %s; %d hits", s, utf8.RuneCountInString(s), id, len(hits))
				}
			}
		}
	}
	t.Logf("%d queries, %d misses", len(queries), failed)
}
