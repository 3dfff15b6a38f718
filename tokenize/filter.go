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
// StopWords before [EnglishStem]. A nil or empty set drops nothing.
func StopWords(set StopSet) Filter {
	return FilterFunc(func(toks []Token) []Token {
		if len(set) == 0 {
			return toks
		}
		out := toks[:0]
		for _, t := range toks {
			if _, stop := set[t.Text]; !stop {
				out = append(out, t)
			}
		}
		return out
	})
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
