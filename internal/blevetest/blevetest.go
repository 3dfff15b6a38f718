// Package blevetest checks a registered bleve v2 analyzer end to end for the
// analyzer packages' tests: it indexes documents with the analyzer as the
// mapping's default, runs match queries and checks that the expected
// document comes first and that bleve's highlighter marks the expected
// surface text, which holds only when token offsets are exact.
package blevetest

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
)

// Case is one query: the document that must rank first and the marked
// fragment it must contain (any of WantMark). Adjacent marks are joined
// before comparing ("<mark>电子</mark><mark>回单</mark>" reads as
// "<mark>电子回单</mark>"): bleve merges overlapping term locations in map
// order, so which of two equally exact markings it prints varies by run.
type Case struct {
	Query, WantID string
	WantMark      []string
}

// CheckHighlights indexes docs (id → text, in field "q") with analyzer and
// runs every case as a subtest.
func CheckHighlights(t *testing.T, analyzer string, docs map[string]string, cases []Case) {
	t.Helper()
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = analyzer
	idx, err := bleve.New(filepath.Join(t.TempDir(), "idx"), m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	for id, text := range docs {
		if err := idx.Index(id, map[string]string{"q": text}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cases {
		t.Run(c.Query, func(t *testing.T) {
			q := bleve.NewMatchQuery(c.Query)
			q.SetField("q")
			req := bleve.NewSearchRequest(q)
			req.Highlight = bleve.NewHighlightWithStyle(html.Name)
			res, err := idx.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 || res.Hits[0].ID != c.WantID {
				t.Fatalf("want %s first, got %v", c.WantID, res.Hits)
			}
			frag := strings.ReplaceAll(strings.Join(res.Hits[0].Fragments["q"], ""), "</mark><mark>", "")
			if !slices.ContainsFunc(c.WantMark, func(m string) bool { return strings.Contains(frag, m) }) {
				t.Errorf("fragment %q contains none of %q", frag, c.WantMark)
			}
		})
	}
}
