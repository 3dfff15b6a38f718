package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// Lowercase returns a Filter that lowercases every token's Text. The default
// tokenizers already lowercase; use it with tokenizers of your own.
func Lowercase() Filter {
	return FilterFunc(func(toks []Token) []Token {
		for i := range toks {
			if hasUpper(toks[i].Text) {
				toks[i].Text = strings.ToLower(toks[i].Text)
			}
		}
		return toks
	})
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.IndexFunc(s, unicode.IsUpper) >= 0
		}
		if 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// StopWords returns a Filter that drops tokens whose Text is in set. Compare
// after folding: the set holds simplified, lowercase, unstemmed forms, so run
// StopWords before [EnglishStem]. The filter keeps a copy of set: later
// changes to set do not affect it. A nil or empty set drops nothing.
func StopWords(set StopSet) Filter {
	if len(set) == 0 {
		return FilterFunc(func(toks []Token) []Token { return toks })
	}
	f := &stopFilter{set: make(StopSet, len(set))}
	for w := range set {
		f.set[w] = struct{}{}
		h := stopHash(w)
		f.bits[h/64] |= 1 << (h % 64)
	}
	return f
}

// stopFilter answers most lookups from a bitmap of its words' hashes: a clear
// bit proves a token is no stop word without hashing it into the map, which
// costs several times more and is paid for every token of every text.
type stopFilter struct {
	set  StopSet
	bits [stopBits / 64]uint64
}

const stopBits = 1 << 14

// stopHash is FNV-1a folded to the bitmap's size.
func stopHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return (h ^ h>>14) % stopBits
}

func (f *stopFilter) stop(w string) bool {
	h := stopHash(w)
	if f.bits[h/64]&(1<<(h%64)) == 0 {
		return false
	}
	_, ok := f.set[w]
	return ok
}

// Filter implements [Filter].
func (f *stopFilter) Filter(toks []Token) []Token {
	for i := range toks {
		if !f.stop(toks[i].Text) {
			continue
		}
		// Tokens move only from the first stop word on.
		out := toks[:i]
		for _, t := range toks[i+1:] {
			if !f.stop(t.Text) {
				out = append(out, t)
			}
		}
		return out
	}
	return toks
}

// EnglishStem returns a Filter that stems Latin-script [Word] tokens with the
// Snowball English stemmer (refunds → refund, charged → charg). Han and
// Number tokens are never touched.
func EnglishStem() Filter {
	return FilterFunc(func(toks []Token) []Token {
		for i := range toks {
			if toks[i].Kind == Word && isASCIILetters(toks[i].Text) {
				toks[i].Text = english.Stem(toks[i].Text, true)
			}
		}
		return toks
	})
}

func isASCIILetters(s string) bool {
	if len(s) < 3 {
		return false // the stemmer leaves words of one or two letters alone
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '\'') {
			return false
		}
	}
	return true
}
