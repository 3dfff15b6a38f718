package kb

import (
	"context"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/internal/pinyin"
)

// TestSearchBySound: a query typed as toneless pinyin, with every reading
// of a heteronym (还款 typed huankuan, though 还 reads hai first), or with
// characters swapped for others of the same sound, finds the entry its
// characters mean, and the fragment marks the words of the entry that the
// query, as spelled, holds.
func TestSearchBySound(t *testing.T) {
	ix, _ := sharedSample(t)
	tests := []struct {
		name, query, want, fragment string
	}{
		{"pinyin", "huabeizenmehuankuan", "huabei-repay-how", "<mark>花呗怎么还款</mark>？"},
		{"pinyin with spaces", "hua bei huan kuan ri shi na tian", "huabei-repay-date", "<mark>花呗还款日</mark>是<mark>哪天</mark>？"},
		{"pinyin and characters", "花呗zidonghuankuan怎么设置", "huabei-repay-auto", "<mark>花呗自动还款怎么设置</mark>？"},
		{"homophones", "花被怎么还宽", "huabei-repay-how", "花呗<mark>怎么</mark>还款？"},
		{"homophones, traditional", "轉帳到銀航卡多久到帳", "transfer-bank-arrival-time", "<mark>转账到</mark>银行卡<mark>多久到账</mark>？"}, // 银航卡 marks nothing
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := ix.Search(context.Background(), Query{Text: tt.query, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].FAQ.ID != tt.want {
				var ids []string
				for _, h := range hits {
					ids = append(ids, h.FAQ.ID)
				}
				t.Fatalf("Search(%q) = %q, want %q first", tt.query, ids, tt.want)
			}
			if f := hits[0].Fragment; f != tt.fragment {
				t.Errorf("Search(%q) fragment %q, want %q", tt.query, f, tt.fragment)
			}
		})
	}
}

// TestCleanQueriesSearchNoSounds: a query whose every character bigram some
// text holds searches no sound term, so typing it right costs nothing.
func TestCleanQueriesSearchNoSounds(t *testing.T) {
	ix, _ := sharedSample(t)
	g, err := ix.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer g.release()
	for _, q := range []string{"花呗怎么还款", "转账到银行卡多久到账"} {
		qa := ix.an.analyzeQuery(q)
		for _, term := range ix.queryTerms(g, &qa) {
			if term.field == fieldSounds {
				t.Errorf("%q searches the sound term %q", q, term.text)
			}
		}
	}
}

// TestLongPinyinQueryIsBounded: a query of thousands of typed syllables
// makes at most maxSoundTerms sound terms, and searches.
func TestLongPinyinQueryIsBounded(t *testing.T) {
	ix, _ := sharedSample(t)
	g, err := ix.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer g.release()
	var syllables []string
	for r := rune(0x4E00); r < 0x4E00+3000; r++ {
		if rs := pinyin.Readings(r); rs != nil {
			syllables = append(syllables, rs[0])
		}
	}
	qa := ix.an.analyzeQuery(strings.Join(syllables, " "))
	g.mu.RLock()
	n := len(g.doubtfulSoundTerms(qa.qsounds, nil))
	g.mu.RUnlock()
	if n == 0 || n > maxSoundTerms {
		t.Errorf("%d sound terms for %d typed syllables, want 1 to %d", n, len(syllables), maxSoundTerms)
	}
	if _, err := ix.Search(context.Background(), Query{Text: strings.Repeat("huabeizenmehuan", 500)}); err != nil {
		t.Fatal(err)
	}
}
