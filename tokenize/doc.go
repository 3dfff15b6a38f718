// Package tokenize turns customer-service text — colloquial Chinese mixed with
// English words, numbers, full-width and traditional characters — into the
// tokens every other duxin package indexes, classifies and compares.
//
// The vocabulary follows bleve's analysis package: a [Token] carries its
// term, its byte offsets into the original input, its position and its
// [Kind]; a [Tokenizer] produces tokens; a [Filter] rewrites them; [Chain]
// joins a tokenizer and filters. [Mixed] is the mixed-script tokenizer: it
// folds the text, sends Han runs to a Chinese [Segmenter] and splits Latin
// words and numbers itself. Two segmenters exist:
//
//   - the jieba package (github.com/duxin-ai/duxin/tokenize/jieba) wraps
//     gojieba, with embedded dictionaries and a payments dictionary; it is
//     the default everywhere in duxin and the only package that needs cgo;
//   - [BigramSegmenter], pure Go, behind [Bigram]: the fallback for builds
//     without cgo, modelled on bleve's cjk analyzer.
//
// A minimal use, without cgo:
//
//	tok := tokenize.Bigram()
//	for _, t := range tok.Tokenize("花唄怎麼還款") {
//		fmt.Println(t.Text, t.Start, t.End)
//	}
//
// # Folding and bad input
//
// Before segmentation every tokenizer built on [Mixed] narrows full-width
// characters (ＡＢＣ１２３ → abc123), simplifies traditional characters with
// OpenCC's table (臨時額度 → 临时额度) and lowercases letters. Bytes that are
// not valid UTF-8, NUL and other control or format characters act as
// separators: they never appear in a token and never shift the offsets of
// the tokens around them. Symbols, punctuation, emoji and masked digits such
// as *** produce no tokens.
//
// # Stop words
//
// [DefaultStopWords] holds Chinese particles and fillers (的, 了, 吗, 请问) and
// English function words. Question words (怎么, 为什么) and negations (不,
// 没有) are kept on purpose: in a help center they decide what a question
// means. Replace the set with [StopWords] and your own [StopSet].
//
// # Concurrency
//
// Every Tokenizer, Segmenter and Filter in this package is safe for
// concurrent use.
//
// # Errors
//
// Tokenizing never fails. Loading stop-word files returns errors that name
// the file and line.
package tokenize
