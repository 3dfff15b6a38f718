package tokenize

import "unicode/utf8"

// BigramSegmenter returns a pure-Go [Segmenter] that splits each run of Han
// characters into overlapping character bigrams (转账失败 → 转账, 账失, 失败), and
// emits a lone character as itself. It needs no dictionary and no cgo; it is
// what bleve's cjk analyzer does, and what [Bigram] builds on.
func BigramSegmenter() Segmenter { return bigramSegmenter{} }

type bigramSegmenter struct{}

func (bigramSegmenter) Segment(text string, dst []Span) []Span {
	prev, prevStart := false, 0 // whether the previous rune was Han, and where it started
	runLen := 0
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if isHan(r) {
			if prev {
				dst = append(dst, Span{prevStart, i + n})
			}
			prev, prevStart = true, i
			runLen++
		} else {
			if prev && runLen == 1 {
				dst = append(dst, Span{prevStart, i})
			}
			prev, runLen = false, 0
		}
		i += n
	}
	if prev && runLen == 1 {
		dst = append(dst, Span{prevStart, len(text)})
	}
	return dst
}

// Bigram returns the pure-Go fallback Tokenizer for users without cgo:
// [Mixed] over [BigramSegmenter], then [DefaultStopWords] and [EnglishStem].
// Quality figures in this project use the jieba tokenizer, the product's
// default; Bigram trades some precision for having no dependencies.
func Bigram() Tokenizer {
	return bigram{Chain(Mixed(BigramSegmenter()), StopWords(DefaultStopWords()), EnglishStem())}
}

type bigram struct{ Tokenizer }

// Identity names the bigram configuration (see [Identity]).
func (bigram) Identity() string { return "duxin/bigram/v1 stop=default stem=snowball-english" }
