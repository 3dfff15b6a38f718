package tokenize

import (
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/textnorm"
)

// fold returns text with full-width characters narrowed, traditional
// characters simplified, and every byte that is not valid UTF-8, every
// control and format character replaced by a space. Each input rune (or
// invalid byte) becomes exactly one output rune, so offsets map back exactly:
// when offs is non-nil, offs[i] is the input offset of the output byte i, and
// offs[len(norm)] == len(text). When nothing changes, fold returns text itself
// and a nil offs, without allocating. han reports whether norm holds any
// Chinese character.
func fold(text string) (norm string, offs []int32, han bool) {
	change, han := scan(text)
	if !change {
		return text, nil, han
	}
	buf := make([]byte, 0, len(text))
	offs = make([]int32, 0, len(text)+1)
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		var out rune
		switch {
		case r == utf8.RuneError && n <= 1, isSeparatorRune(r):
			out = ' '
		default:
			out = textnorm.Fold(r)
		}
		before := len(buf)
		buf = utf8.AppendRune(buf, out)
		for range len(buf) - before {
			offs = append(offs, int32(i))
		}
		i += n
	}
	offs = append(offs, int32(len(text)))
	norm = string(buf)
	_, han = scan(norm)
	return norm, offs, han
}

// isSpanBreaker reports format characters (zero-width spaces and joiners,
// byte-order marks, soft hyphens), which are replaced by spaces before
// gojieba sees the text so it cannot glue them into a word. Newlines, tabs
// and other control characters need no folding: nothing treats them as part
// of a token.
func isSpanBreaker(r rune) bool { return r >= 0x80 && unicode.Is(unicode.Cf, r) }

// scan reports whether fold would change text in a way that matters to
// tokens, and whether text holds a Chinese character, in one pass.
func scan(text string) (change, han bool) {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				change = true // gojieba would stop at a NUL
			}
			i++
			continue
		}
		if 0xE4 <= c && c <= 0xE9 && i+2 < len(text) && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80 {
			// Fast path for U+4000–U+9FFF, most of Chinese text: any two
			// continuation bytes after these lead bytes are valid UTF-8,
			// nothing there is a separator, and folding maps Han to Han.
			r := rune(c&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
			if textnorm.Simplify(r) != r {
				change = true
			}
			if !han && isHan(r) {
				han = true
			}
			i += 3
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && n <= 1 {
			change = true // gojieba returns nothing for invalid UTF-8
		} else if isSeparatorRune(r) && isSpanBreaker(r) {
			change = true
		} else if f := textnorm.Fold(r); f != r && (isHan(f) || unicode.IsLetter(f) || unicode.IsDigit(f)) {
			// Folding matters only where it changes a token: full-width
			// punctuation (，。！) separates tokens folded or not, and
			// leaving it saves a copy of most Chinese text.
			change = true
		}
		if !han && isHan(r) {
			han = true
		}
		i += n
	}
	return change, han
}

// isSeparatorRune reports control and format characters (NUL, tabs, zero-width
// spaces, byte-order marks), which separate tokens like a space.
func isSeparatorRune(r rune) bool {
	if r < 0x20 || r == 0x7f {
		return true
	}
	if r < 0x80 || 0x2E80 <= r && r < 0xFEFF {
		return false // ASCII letters and the CJK blocks hold no control or format characters
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}
