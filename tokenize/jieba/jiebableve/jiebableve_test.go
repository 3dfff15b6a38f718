package jiebableve_test

import (
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/duxin-ai/duxin/internal/blevetest"
	"github.com/duxin-ai/duxin/tokenize/jieba/jiebableve"
)

func TestJiebaAnalyzerInBleve(t *testing.T) {
	blevetest.CheckHighlights(t, jiebableve.Name, map[string]string{
		"receipt": "转账为什么没有电子回单",
		"repay":   "花唄怎麼還款",
		"yuebao":  "余额宝转出多久到账",
	}, []blevetest.Case{
		{Query: "电子回单", WantID: "receipt", WantMark: []string{"<mark>电子回单</mark>"}},
		{Query: "花呗还款", WantID: "repay", WantMark: []string{"<mark>花唄</mark>"}},
		// Search mode emits 余额 and 余额宝 at the same start. bleve's
		// highlighter sorts term locations by start only, in map order,
		// and merges an overlapping pair keeping the later one's end: so
		// it marks 余额宝 or 余额 from run to run (bleve v2.6.3, highlight
		// TermLocations.MergeOverlapping). Both are exact offsets.
		{Query: "余额宝", WantID: "yuebao", WantMark: []string{"<mark>余额宝</mark>", "<mark>余额</mark>宝"}},
	})
}

func TestBadConfigIsAnError(t *testing.T) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomTokenizer("bad", map[string]any{"type": jiebableve.Name, "mode": "fast"}); err == nil {
		t.Error("an unknown mode must be rejected")
	}
	if err := m.AddCustomTokenizer("nodict", map[string]any{"type": jiebableve.Name, "dict_dir": "/nonexistent"}); err == nil {
		t.Error("a missing dictionary folder must be rejected")
	}
}
