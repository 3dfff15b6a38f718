package textnorm

import (
	"strings"
	"unicode/utf8"
)

// Simplify returns the simplified Chinese form of the traditional character
// r, or r itself when OpenCC's character table has no entry for it. It
// also folds the simplified variant 帐 to 账 (and so 帳, which OpenCC makes
// 帐, to 账, as 賬 is). The mapping is per character, without phrase
// context, and idempotent:
// Simplify(Simplify(r)) == Simplify(r) for every rune.
func Simplify(r rune) rune {
	return t2s.lookup(r)
}

// Narrow returns the half-width form of the full-width character r: U+FF01–U+FF5E
// (full-width ASCII punctuation, digits and Latin letters) become U+0021–U+007E
// and U+3000 IDEOGRAPHIC SPACE becomes U+0020. Every other rune is returned
// unchanged; in particular case is preserved.
func Narrow(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + 0x21
	case r == 0x3000:
		return ' '
	}
	return r
}

// Fold returns Simplify(Narrow(r)). It does not change letter case.
func Fold(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return r
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFF01 + 0x21
	case r == 0x3000:
		return ' '
	}
	return Simplify(r)
}

// FoldString returns s with [Fold] applied to every rune. Bytes that are not
// valid UTF-8 are copied unchanged. When no rune changes, s itself is
// returned without allocating. The result may differ from s in byte length
// (full-width forms are 3 bytes, their ASCII forms 1) but never in the number
// of runes.
func FoldString(s string) string {
	i := firstFold(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		if c&0xF0 == 0xE0 && i+2 < len(s) {
			c1, c2 := s[i+1], s[i+2]
			if c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
				// See firstFold: a foldable result implies a valid sequence.
				r := rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F)
				if f := Fold(r); f != r {
					b.WriteRune(f)
				} else {
					b.WriteString(s[i : i+3])
				}
				i += 3
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 { // invalid UTF-8: keep the byte as it is
			b.WriteByte(c)
		} else {
			b.WriteRune(Fold(r))
		}
		i += size
	}
	return b.String()
}

// NeedsFold reports whether [FoldString] would change s. It does not
// allocate.
func NeedsFold(s string) bool {
	return firstFold(s) >= 0
}

// firstFold returns the byte offset of the first rune of s that Fold
// changes, or -1.
//
// Three-byte sequences, which hold all of CJK and the full-width forms, are
// decoded inline. Their decoding is not validated beyond the continuation
// bytes: an overlong form decodes below U+1000 and a surrogate to
// U+D800–U+DFFF, and neither folds, so only valid runes are ever reported,
// and skipping the three bytes of such an invalid sequence skips no rune
// start because they are continuation bytes.
func firstFold(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		if c&0xF0 == 0xE0 && i+2 < len(s) {
			c1, c2 := s[i+1], s[i+2]
			if c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
				if foldsBMP(rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F)) {
					return i
				}
				i += 3
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size > 1 && Fold(r) != r {
			return i
		}
		i += size
	}
	return -1
}

// foldsBMP reports whether Fold changes r, for 0 <= r <= 0xFFFF.
func foldsBMP(r rune) bool {
	return uint32(r-0xFF01) <= 0xFF5E-0xFF01 || r == 0x3000 ||
		t2s.slot[int(t2s.block[r>>8])<<8|int(r&0xFF)] != 0
}
