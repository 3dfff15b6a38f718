//go:build !cgo

package jieba

// The jieba tokenizer wraps gojieba, a C++ library: it needs cgo. Build with
// CGO_ENABLED=1 and a C++ compiler, or use the pure-Go tokenize.Bigram.
var _ = duxin_tokenize_jieba_needs_cgo__set_CGO_ENABLED_1_or_use_tokenize_Bigram
