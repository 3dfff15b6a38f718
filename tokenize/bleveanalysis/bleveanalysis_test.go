package bleveanalysis_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/bleveanalysis"
)

// TestHighlightOnFoldedText indexes traditional and full-width text with the
// registered bigram analyzer, searches in simplified characters, and checks
// that bleve's highlighter marks exactly the original characters.
func TestHighlightOnFoldedText(t *testing.T) {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = bleveanalysis.BigramName
	idx, err := bleve.New(filepath.Join(t.TempDir(), "idx"), m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	docs := map[string]string{
		"a": "臨時額度到期了怎麼辦",
		"b": "ＡＰＰ里的转账记录",
		"c": "余额宝转出多久到账",
	}
	for id, text := range docs {
		if err := idx.Index(id, map[string]string{"q": text}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ query, wantID, wantMark string }{
		{"临时额度", "a", "<mark>臨時額度</mark>"},
		{"app转账", "b", "<mark>ＡＰＰ</mark>"},
		{"转出", "c", "<mark>转出</mark>"},
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

func TestAdapterKeepsOffsetsAndPositions(t *testing.T) {
	in := "花唄 refunds ５００"
	ts := bleveanalysis.NewTokenizer(tokenize.Bigram()).Tokenize([]byte(in))
	want := []struct {
		term, surface string
		pos           int
	}{{"花呗", "花唄", 1}, {"refund", "refunds", 2}, {"500", "５００", 3}}
	if len(ts) != len(want) {
		t.Fatalf("got %d tokens: %v", len(ts), ts)
	}
	for i, w := range want {
		if string(ts[i].Term) != w.term || in[ts[i].Start:ts[i].End] != w.surface || ts[i].Position != w.pos {
			t.Errorf("token %d = %v, want %s over %q at %d", i, ts[i], w.term, w.surface, w.pos)
		}
	}
}

func TestRegisterRejectsDuplicates(t *testing.T) {
	if err := bleveanalysis.Register(bleveanalysis.BigramName, tokenize.Bigram()); err == nil {
		t.Error("registering a taken name must fail")
	}
}
