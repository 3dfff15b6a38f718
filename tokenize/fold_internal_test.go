package tokenize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/textnorm"
)

// scanRef is scan without its fast path: decode every rune the general way.
func scanRef(text string) (change, han bool) {
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == 0, r == utf8.RuneError && n <= 1:
			change = true
		case r >= utf8.RuneSelf && isSeparatorRune(r) && isSpanBreaker(r):
			change = true
		case r >= utf8.RuneSelf:
			if f := textnorm.Fold(r); f != r && (isHan(f) || unicode.IsLetter(f) || unicode.IsDigit(f)) {
				change = true
			}
		}
		han = han || isHan(r)
		i += n
	}
	return change, han
}

func TestScanFastPath(t *testing.T) {
	// Every rune of the fast path's range and its neighbours, alone and
	// with truncated or corrupted continuation bytes.
	for r := rune(0x3000); r < 0xA100; r++ {
		s := string(r)
		cases := []string{s, "a" + s + "b", s[:len(s)-1], s[:len(s)-1] + "x", s[:1] + "\xff" + s[2:]}
		for _, in := range cases {
			gc, gh := scan(in)
			wc, wh := scanRef(in)
			if gc != wc || gh != wh {
				t.Fatalf("scan(%q) = %t, %t; want %t, %t", in, gc, gh, wc, wh)
			}
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"", "臨時額度", "转账\x00", "\xe4\xb8", "\xe9\xbf\xbf\xe4", "ＡＢ", strings.Repeat("说", 3)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		gc, gh := scan(in)
		wc, wh := scanRef(in)
		if gc != wc || gh != wh {
			t.Fatalf("scan(%q) = %t, %t; want %t, %t", in, gc, gh, wc, wh)
		}
	})
}

func TestDecodeRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := "a" + string(r)
		gr, gn := decodeRune(s, 1)
		wr, wn := utf8.DecodeRuneInString(s[1:])
		if gr != wr || gn != wn {
			t.Fatalf("decodeRune(%U) = %U, %d; want %U, %d", r, gr, gn, wr, wn)
		}
	}
}
