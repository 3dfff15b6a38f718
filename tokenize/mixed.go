package tokenize

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Span is a half-open byte range [Start, End) of a string.
type Span struct{ Start, End int }

// Segmenter splits Chinese text into words. Segment is given a whole
// (already folded) text and appends the byte spans of the words it finds to
// dst, in any order, possibly overlapping (search modes emit a long word and
// its parts). Spans outside Han runs are ignored by [Mixed], so a segmenter
// may return words for punctuation or Latin text too. Implementations are
// safe for concurrent use.
type Segmenter interface {
	Segment(text string, dst []Span) []Span
}

// Mixed returns the mixed-script Tokenizer: it folds the input (full-width to
// half-width, traditional to simplified, invalid bytes and control characters
// to separators), sends Han runs to zh, and splits the rest itself into
// lowercase letter words and whole numbers ("3.5", "2024"). Symbols,
// punctuation, emoji and masked digits such as *** never become tokens.
//
// Mixed neither drops stop words nor stems; chain [StopWords] and
// [EnglishStem] for that, as [Bigram] and the jieba package do.
func Mixed(zh Segmenter) Tokenizer { return mixed{zh: zh} }

type mixed struct{ zh Segmenter }

// spanPool recycles the segmenter's span buffers: one per call otherwise,
// and short queries are the common case.
var spanPool = sync.Pool{New: func() any { return new([]Span) }}

func (m mixed) Tokenize(text string) []Token {
	norm, offs, han := fold(text)
	orig := func(i int) int {
		if offs == nil {
			return i
		}
		return int(offs[i])
	}
	var spans []Span
	var buf *[]Span
	if han && m.zh != nil {
		buf = spanPool.Get().(*[]Span)
		spans = m.zh.Segment(norm, (*buf)[:0])
		sortSpans(spans)
	}
	toks := make([]Token, 0, len(spans)+2)
	si := 0
	for i := 0; i < len(norm); {
		r, n := decodeRune(norm, i)
		switch {
		case r < utf8.RuneSelf && !isASCIILetter(byte(r)) && !isDigitByte(byte(r)):
			i++ // ASCII space and punctuation
		case isHan(r):
			end := i + n
			for end < len(norm) {
				r2, n2 := decodeRune(norm, end)
				if !isHan(r2) {
					break
				}
				end += n2
			}
			for si < len(spans) && spans[si].Start < i {
				si++ // spans before this run: punctuation, Latin, already emitted
			}
			for ; si < len(spans) && spans[si].Start < end; si++ {
				s, e := spans[si].Start, min(spans[si].End, end)
				if e <= s {
					continue
				}
				toks = append(toks, Token{Text: norm[s:e], Start: orig(s), End: orig(e), Pos: len(toks), Kind: Han})
			}
			i = end
		case isDigit(r):
			end := i + n
			for end < len(norm) {
				c := norm[end]
				if isDigitByte(c) {
					end++
				} else if c == '.' && end+1 < len(norm) && isDigitByte(norm[end+1]) {
					end += 2
				} else {
					break
				}
			}
			toks = append(toks, Token{Text: norm[i:end], Start: orig(i), End: orig(end), Pos: len(toks), Kind: Number})
			i = end
		case unicode.IsLetter(r):
			end := i + n
			for end < len(norm) {
				r2, n2 := rune(norm[end]), 1
				if r2 >= utf8.RuneSelf {
					r2, n2 = utf8.DecodeRuneInString(norm[end:])
				}
				if (unicode.IsLetter(r2) && !isHan(r2)) || unicode.Is(unicode.Mn, r2) {
					end += n2
				} else if r2 == '\'' && end+1 < len(norm) && isASCIILetter(norm[end+1]) {
					end++ // can't, don't
				} else {
					break
				}
			}
			w := norm[i:end]
			if hasUpper(w) {
				w = strings.ToLower(w)
			}
			toks = append(toks, Token{Text: w, Start: orig(i), End: orig(end), Pos: len(toks), Kind: Word})
			i = end
		default:
			i += n
		}
	}
	if buf != nil && cap(spans) <= 1<<16 { // don't keep huge buffers alive
		*buf = spans[:0]
		spanPool.Put(buf)
	}
	return toks
}

// decodeRune decodes the rune at s[i], which fold has made valid UTF-8, with
// a fast path for ASCII and the three-byte CJK block that most text is made of.
func decodeRune(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	if 0xE4 <= c && c <= 0xE9 && i+2 < len(s) {
		// U+4000–U+9FFF; fold guarantees the continuation bytes.
		return rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F), 3
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigitByte(c byte) bool   { return '0' <= c && c <= '9' }

// isDigit reports ASCII digits only: after folding, full-width digits are
// ASCII; other scripts' digits are rare in questions and are treated as letters' neighbours.
func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// isHan reports whether r is a Chinese character.
func isHan(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	if 0x4E00 <= r && r <= 0x9FFF {
		return true
	}
	return unicode.Is(unicode.Han, r)
}

// sortSpans orders spans by Start, then End. Segmenters return nearly sorted
// output (search mode emits a word's parts around it), so insertion sort is
// linear in practice and allocation-free.
func sortSpans(s []Span) {
	budget := 4*len(s) + 16
	for i := 1; i < len(s); i++ {
		v := s[i]
		j := i
		for j > 0 && spanLess(v, s[j-1]) {
			s[j] = s[j-1]
			j--
			if budget--; budget == 0 {
				// Far from sorted: fall back to an O(n log n) sort.
				s[j] = v
				slices.SortFunc(s, func(a, b Span) int {
					if spanLess(a, b) {
						return -1
					}
					if spanLess(b, a) {
						return 1
					}
					return 0
				})
				return
			}
		}
		s[j] = v
	}
}

func spanLess(a, b Span) bool { return a.Start < b.Start || a.Start == b.Start && a.End < b.End }
