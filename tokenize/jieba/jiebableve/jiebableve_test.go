package jiebableve_test

import (
	"path/filepath"
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
	tests := []struct{ query, wantID, wantMark string }{
		{"电子回单", "receipt", "<mark>电子回单</mark>"},
		{"花呗还款", "repay", "<mark>花唄</mark>"},
		{"余额宝", "yuebao", "<mark>余额宝</mark>"},
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
			frag := strings.Join(res.Hits[0].Fragments["q"], "")
			if !strings.Contains(frag, tt.wantMark) {
				t.Errorf("fragment %q does not contain %q", frag, tt.wantMark)
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
