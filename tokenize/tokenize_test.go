package tokenize_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/tokenize"
	"github.com/google/go-cmp/cmp"
)

func TestBigram(t *testing.T) {
	tok := tokenize.Bigram()
	tests := []struct {
		name, in string
		want     []string
	}{
		{"han run", "转账失败", []string{"转账", "账失", "失败"}},
		{"single han char", "卡", []string{"卡"}},
		{"traditional folded", "臨時額度", []string{"临时", "时额", "额度"}},
		{"full width latin and digits", "ＶＩＰ会员５００元", []string{"vip", "会员", "500", "元"}},
		{"english stemmed, stop words dropped", "The refunds are Charged", []string{"refund", "charg"}},
		{"masked digits vanish", "借呗***元", []string{"借呗", "元"}},
		{"decimal kept whole", "利率3.5%", []string{"利率", "3.5"}},
		{"emoji and symbols", "😀花呗👍!!", []string{"花呗"}},
		{"particles removed", "的", nil},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tokenize.Terms(tok.Tokenize(tt.in))
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Tokenize(%q) terms (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestOffsetsPointAtSurface(t *testing.T) {
	in := "ＡＰＰ里臨時額度\x00怎么 提额？"
	toks := tokenize.Mixed(tokenize.BigramSegmenter()).Tokenize(in)
	var surfaces []string
	for _, tk := range toks {
		surfaces = append(surfaces, in[tk.Start:tk.End])
	}
	want := []string{"ＡＰＰ", "里臨", "臨時", "時額", "額度", "怎么", "提额"}
	if diff := cmp.Diff(want, surfaces); diff != "" {
		t.Errorf("surfaces (-want +got):\n%s", diff)
	}
}

func TestInvalidBytesSeparate(t *testing.T) {
	in := "花呗\xff\xfe还款\x00借呗"
	got := tokenize.Terms(tokenize.Bigram().Tokenize(in))
	want := []string{"花呗", "还款", "借呗"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("terms (-want +got):\n%s", diff)
	}
}

func TestStopSetFile(t *testing.T) {
	s, err := tokenize.ReadStopSet(strings.NewReader("# comment\n的\n\nThe\n"), "stop.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s["the"]; !ok {
		t.Errorf("want lowercased 'the' in %v", s)
	}
	if _, err := tokenize.ReadStopSet(strings.NewReader("ok\n\xff\n"), "bad.txt"); err == nil || !strings.Contains(err.Error(), "bad.txt:2") {
		t.Errorf("want error naming bad.txt:2, got %v", err)
	}
	if _, err := tokenize.LoadStopSet("testdata/does-not-exist.txt"); err == nil {
		t.Error("want error for a missing file")
	}
}

func TestChainRenumbersPositions(t *testing.T) {
	toks := tokenize.Bigram().Tokenize("我的花呗")
	for i, tk := range toks {
		if tk.Pos != i {
			t.Fatalf("token %d has Pos %d", i, tk.Pos)
		}
	}
}

// checkTokens asserts the properties every tokenizer promises on any input.
func checkTokens(t *testing.T, in string, toks []tokenize.Token) {
	t.Helper()
	prev := 0
	for i, tk := range toks {
		if tk.Start < 0 || tk.End > len(in) || tk.Start >= tk.End {
			t.Fatalf("token %d %+v: offsets out of range for input of %d bytes", i, tk, len(in))
		}
		if tk.Start < prev {
			t.Fatalf("token %d %+v: Start decreases (previous %d)", i, tk, prev)
		}
		prev = tk.Start
		if tk.Text == "" || !utf8.ValidString(tk.Text) {
			t.Fatalf("token %d %+v: empty or invalid text", i, tk)
		}
		if tk.Pos != i {
			t.Fatalf("token %d %+v: Pos %d", i, tk, tk.Pos)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "转账为什么没有电子回单", "花呗\x00还款", "\xff\xfe", "ＡＢＣ１２３", "😀👍🏽", "臨時額度 refunds 3.5", "借呗***元", "a'b'c", "ﬁ ǅ İ"} {
		f.Add(s)
	}
	tok := tokenize.Bigram()
	f.Fuzz(func(t *testing.T, in string) {
		checkTokens(t, in, tok.Tokenize(in))
	})
}

func TestLargeInput(t *testing.T) {
	in := strings.Repeat("转账到银行卡为什么还没到账？Refund 500元\x00\xff", 10<<20/64)
	checkTokens(t, in, tokenize.Bigram().Tokenize(in))
}
