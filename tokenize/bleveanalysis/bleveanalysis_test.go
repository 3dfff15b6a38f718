package bleveanalysis_test

import (
	"testing"

	"github.com/duxin-ai/duxin/internal/blevetest"
	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/bleveanalysis"
)

// TestHighlightOnFoldedText indexes traditional and full-width text with the
// registered bigram analyzer, searches in simplified characters, and checks
// that bleve's highlighter marks exactly the original characters.
func TestHighlightOnFoldedText(t *testing.T) {
	blevetest.CheckHighlights(t, bleveanalysis.BigramName, map[string]string{
		"a": "臨時額度到期了怎麼辦",
		"b": "ＡＰＰ里的转账记录",
		"c": "余额宝转出多久到账",
	}, []blevetest.Case{
		{Query: "临时额度", WantID: "a", WantMark: []string{"<mark>臨時額度</mark>"}},
		{Query: "app转账", WantID: "b", WantMark: []string{"<mark>ＡＰＰ</mark>"}},
		{Query: "转出", WantID: "c", WantMark: []string{"<mark>转出</mark>"}},
	})
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
