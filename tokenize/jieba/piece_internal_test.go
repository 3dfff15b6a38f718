//go:build cgo

package jieba

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/tokenize"
)

// wholeText cuts a text in one gojieba call, as segment did before it cut
// in pieces: the reference the pieces must agree with.
type wholeText struct{ t *Tokenizer }

func (w wholeText) Segment(text string, dst []tokenize.Span) []tokenize.Span {
	w.t.h.mu.RLock()
	defer w.t.h.mu.RUnlock()
	return w.t.h.j.cut(text, w.t.how, dst)
}

func newInternalTok(t *testing.T, opts ...Option) *Tokenizer {
	t.Helper()
	tok, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tok.Close() })
	return tok
}

func sortedSpans(s []tokenize.Span) []tokenize.Span {
	slices.SortFunc(s, func(a, b tokenize.Span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
	return s
}

// TestPiecesCutLikeWholeText: a long text of ordinary prose, cut in
// pieces of at most maxPiece bytes, gives exactly the words one gojieba
// call gives, in both modes, through Segment and through the whole
// pipeline (which folds '，' to ','), with cppjieba's separators and with
// ASCII punctuation only.
func TestPiecesCutLikeWholeText(t *testing.T) {
	b, err := os.ReadFile("testdata/article.txt")
	if err != nil {
		t.Fatal(err)
	}
	prose := strings.Repeat(string(b), 40) // about 100 KB
	noSeparators := strings.NewReplacer("\n", "", " ", "", "，", ",", "。", "!").Replace(prose)
	for _, mode := range []Mode{Search, Precise} {
		tok := newInternalTok(t, WithMode(mode))
		var filters []tokenize.Filter
		if len(tok.opts.stop) > 0 {
			filters = append(filters, tokenize.StopWords(tok.opts.stop))
		}
		whole := tokenize.Chain(tokenize.Mixed(wholeText{tok}), append(filters, tokenize.EnglishStem())...)
		for name, text := range map[string]string{"separators": prose, "punctuation": noSeparators} {
			t.Run(fmt.Sprintf("%s/%s", mode, name), func(t *testing.T) {
				if pieces := countPieces(text); pieces < 5 {
					t.Fatalf("%d pieces: the text does not exercise the cut", pieces)
				}
				want := sortedSpans(wholeText{tok}.Segment(text, nil))
				got := sortedSpans(tok.Segment(text, nil))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Segment in pieces differs from one call (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(whole.Tokenize(text), tok.Tokenize(text)); diff != "" {
					t.Errorf("Tokenize in pieces differs from one call (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func countPieces(text string) int {
	n := 0
	for start := 0; start < len(text); n++ {
		end := pieceEnd(text, start, maxPiece)
		if end <= start || end-start > maxPiece {
			panic(fmt.Sprintf("piece [%d, %d)", start, end))
		}
		start = end
	}
	return n
}

func TestPieceEnd(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		limit      int
		want       []string // the pieces
	}{
		{"short", "转账到账", 12, []string{"转账到账"}},
		{"after the last separator", "转账 到账。查询进度", 16, []string{"转账 到账。", "查询进度"}},
		{"after a full-width comma", "转账，到账查询", 12, []string{"转账，", "到账查询"}},
		{"separator before punctuation", "a b,cde", 5, []string{"a ", "b,cde"}},
		{"after punctuation", "转账,到账!查询", 14, []string{"转账,到账!", "查询"}},
		{"no mark that joins words", "ab+c3.5x", 6, []string{"ab+c3.", "5x"}},
		{"at a character boundary", "转账到账查询", 8, []string{"转账", "到账", "查询"}},
		{"a Latin run", "abcdefg", 3, []string{"abc", "def", "g"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for start := 0; start < len(tc.text); {
				end := pieceEnd(tc.text, start, tc.limit)
				got = append(got, tc.text[start:end])
				start = end
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pieces (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLongRunsCut: a run longer than maxPiece with nowhere to split (Latin
// letters, Han characters without punctuation) is cut at character
// boundaries: every word lies in the text and none is longer than a piece.
func TestLongRunsCut(t *testing.T) {
	tok := newInternalTok(t, WithMode(Precise))
	for name, text := range map[string]string{
		"latin": strings.Repeat("a", 5*maxPiece+7),
		"han":   strings.Repeat("转账到银行卡为什么还没到账", 5*maxPiece/39+1),
	} {
		t.Run(name, func(t *testing.T) {
			spans := sortedSpans(tok.Segment(text, nil))
			end := 0
			for _, s := range spans {
				if s.Start != end || s.End <= s.Start || s.End-s.Start > maxPiece {
					t.Fatalf("span %+v after %d: want words tiling the text, at most %d bytes each", s, end, maxPiece)
				}
				end = s.End
			}
			if end != len(text) {
				t.Errorf("words end at %d of %d bytes", end, len(text))
			}
		})
	}
}
