package jiebableve_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/duxin-ai/duxin/tokenize/jieba/jiebableve"
)

func TestJiebaAnalyzerInBleve(t *testing.T) {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = jiebableve.Name
	idx, err := bleve.New(filepath.Join(t.TempDir(), "idx"), m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	docs := map[string]string{
		"receipt": "转账为什么没有电子回单",
		"repay":   "花唄怎麼還款",
		"yuebao":  "余额宝转出多久到账",
	}
	for id, text := range docs {
		if err := idx.Index(id, map[string]string{"q": text}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query, wantID string
		wantMark      []string // any of
	}{
		{"电子回单", "receipt", []string{"<mark>电子回单</mark>"}},
		{"花呗还款", "repay", []string{"<mark>花唄</mark>"}},
		// Search mode emits 余额 and 余额宝 at the same start. bleve's
		// highlighter sorts term locations by start only, in map order,
		// and merges an overlapping pair keeping the later one's end: so
		// it marks 余额宝 or 余额 from run to run (bleve v2.6.3, highlight
		// TermLocations.MergeOverlapping). Both are exact offsets. For the
		// same reason 电子回单 comes out as one mark or as 电子 and 回单
		// side by side, which the check below joins.
		{"余额宝", "yuebao", []string{"<mark>余额宝</mark>", "<mark>余额</mark>宝"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q := bleve.NewMatchQuery(tt.query)
			q.SetField("q")
			req := bleve.NewSearchRequest(q)
			req.Highlight = bleve.NewHighlightWithStyle(html.Name)
			res, err := idx.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 || res.Hits[0].ID != tt.wantID {
				t.Fatalf("want %s first, got %v", tt.wantID, res.Hits)
			}
			frag := strings.ReplaceAll(strings.Join(res.Hits[0].Fragments["q"], ""), "</mark><mark>", "")
			if !slices.ContainsFunc(tt.wantMark, func(m string) bool { return strings.Contains(frag, m) }) {
				t.Errorf("fragment %q contains none of %q", frag, tt.wantMark)
			}
		})
	}
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
