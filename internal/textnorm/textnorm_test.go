package textnorm_test

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/textnorm"
	"github.com/google/go-cmp/cmp"
)

func TestFoldString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "How do I reset my PIN? 123", "How do I reset my PIN? 123"},
		{"temporary limit", "臨時額度", "临时额度"},
		{"transfer", "轉帳", "转账"},
		{"transfer variant", "转帐到賬", "转账到账"},
		{"yuebao", "餘額寶", "余额宝"},
		{"bank card", "銀行卡", "银行卡"},
		{"bill", "帳單", "账单"},
		{"sentence", "我的花唄臨時額度怎麼提升？", "我的花呗临时额度怎么提升?"},
		{"full-width", "ＡＢＣ１２３！", "ABC123!"},
		{"full-width lower case kept", "ａｂｃ", "abc"},
		{"ideographic space", "轉帳\u3000失敗", "转账 失败"},
		{"simplified unchanged", "余额宝转出到银行卡要多久", "余额宝转出到银行卡要多久"},
		{"emoji unchanged", "谢谢😀👍🏻", "谢谢😀👍🏻"},
		{"emoji with traditional", "謝謝😀", "谢谢😀"},
		{"half-width katakana unchanged", "ｱｲｳ", "ｱｲｳ"},
		{"invalid utf-8 kept", "\xff臨\xfe時\xe8\x87", "\xff临\xfe时\xe8\x87"},
		{"only invalid utf-8", "\xff\xfe\xc0\xaf", "\xff\xfe\xc0\xaf"},
		{"replacement char kept", "\uFFFD帳", "\uFFFD账"},
		{"astral key", "\U0002005E!", "\U0002003E!"},
		{"astral non-key", "\U0002A6A5", "\U0002A6A5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textnorm.FoldString(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FoldString(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if need := textnorm.NeedsFold(tt.in); need != (got != tt.in) {
				t.Errorf("NeedsFold(%q) = %v, but FoldString changes it: %v", tt.in, need, got != tt.in)
			}
		})
	}
}

func TestSimplify(t *testing.T) {
	tests := []struct{ in, want rune }{
		{'臨', '临'}, {'額', '额'}, {'轉', '转'}, {'帳', '账'}, {'帐', '账'}, {'賬', '账'}, {'餘', '余'},
		{'寶', '宝'}, {'銀', '银'}, {'單', '单'}, {'薴', '苎'}, // 薴 → 苧 → 苎 chain resolved
		{'临', '临'}, {'a', 'a'}, {'Ａ', 'Ａ'}, {'😀', '😀'}, {-1, -1}, {utf8.MaxRune + 1, utf8.MaxRune + 1},
	}
	for _, tt := range tests {
		if got := textnorm.Simplify(tt.in); got != tt.want {
			t.Errorf("Simplify(%q %U) = %q %U, want %q %U", tt.in, tt.in, got, got, tt.want, tt.want)
		}
	}
}

func TestNarrow(t *testing.T) {
	for r := rune(0xFF01); r <= 0xFF5E; r++ {
		want := r - 0xFEE0
		if got := textnorm.Narrow(r); got != want {
			t.Errorf("Narrow(%U) = %U, want %U", r, got, want)
		}
	}
	tests := []struct{ in, want rune }{
		{'\u3000', ' '}, {'１', '1'}, {'Ｚ', 'Z'}, {'ｚ', 'z'}, {'～', '~'}, {'！', '!'},
		{0xFF00, 0xFF00}, {0xFF5F, 0xFF5F}, {'a', 'a'}, {' ', ' '}, {'臨', '臨'}, {'ｱ', 'ｱ'}, {-5, -5},
	}
	for _, tt := range tests {
		if got := textnorm.Narrow(tt.in); got != tt.want {
			t.Errorf("Narrow(%q %U) = %U, want %U", tt.in, tt.in, got, tt.want)
		}
	}
}

// TestAllRunes checks properties over every code point: Fold is Narrow then
// Simplify, Simplify has no chains, and the table is non-trivial.
func TestAllRunes(t *testing.T) {
	mapped, toAstral := 0, 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		s := textnorm.Simplify(r)
		if s != r {
			mapped++
			if s > 0xFFFF {
				toAstral++
			}
			if !utf8.ValidRune(s) {
				t.Errorf("Simplify(%U) = %U, not a valid rune", r, s)
			}
		}
		if ss := textnorm.Simplify(s); ss != s {
			t.Errorf("chain: Simplify(%U %c) = %U %c, but Simplify of that = %U %c", r, r, s, s, ss, ss)
		}
		if got, want := textnorm.Fold(r), textnorm.Simplify(textnorm.Narrow(r)); got != want {
			t.Errorf("Fold(%U) = %U, want Simplify(Narrow) = %U", r, got, want)
		}
	}
	if mapped < 2000 {
		t.Errorf("Simplify maps %d runes, want > 2000", mapped)
	}
	t.Logf("Simplify maps %d runes (%d to runes above the BMP)", mapped, toAstral)
}

func TestFoldStringNoAlloc(t *testing.T) {
	s := "余额宝转出到银行卡要多久? 花呗临时额度怎么提升 ABC 123 😀"
	var got string
	allocs := testing.AllocsPerRun(100, func() { got = textnorm.FoldString(s) })
	if allocs != 0 {
		t.Errorf("FoldString on already folded text: %v allocs, want 0", allocs)
	}
	if got != s {
		t.Errorf("FoldString(%q) = %q, want unchanged", s, got)
	}
	if allocs := testing.AllocsPerRun(100, func() { textnorm.NeedsFold("臨時額度") }); allocs != 0 {
		t.Errorf("NeedsFold: %v allocs, want 0", allocs)
	}
}

func FuzzFoldString(f *testing.F) {
	for _, s := range []string{"", "臨時額度", "ＡＢＣ１２３！", "\xff臨\xfe", "余额宝😀", "\u3000", "\U0002A6A5\U00020000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := textnorm.FoldString(s)
		if textnorm.NeedsFold(s) != (got != s) {
			t.Errorf("NeedsFold(%q) = %v, FoldString = %q", s, textnorm.NeedsFold(s), got)
		}
		if again := textnorm.FoldString(got); again != got {
			t.Errorf("FoldString not idempotent: %q -> %q -> %q", s, got, again)
		}
		if utf8.ValidString(s) {
			if !utf8.ValidString(got) {
				t.Errorf("FoldString(%q) = %q, not valid UTF-8", s, got)
			}
			if a, b := utf8.RuneCountInString(s), utf8.RuneCountInString(got); a != b {
				t.Errorf("FoldString(%q) = %q: %d runes became %d", s, got, a, b)
			}
		}
	})
}

func ExampleFoldString() {
	fmt.Println(textnorm.FoldString("我的花唄臨時額度怎麼提升？"))
	fmt.Println(textnorm.FoldString("餘額寶轉帳到銀行卡"))
	fmt.Println(textnorm.FoldString("訂單號：ＡＢＣ１２３"))
	fmt.Println(textnorm.NeedsFold("余额宝转账到银行卡"))
	// Output:
	// 我的花呗临时额度怎么提升?
	// 余额宝转账到银行卡
	// 订单号:ABC123
	// false
}

func ExampleFold() {
	for _, r := range "轉Ｂ３" {
		fmt.Printf("%c→%c ", r, textnorm.Fold(r))
	}
	fmt.Println()
	// Output:
	// 轉→转 Ｂ→B ３→3
}
