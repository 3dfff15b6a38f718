// Package jieba is duxin's default tokenizer: [tokenize.Mixed] with gojieba
// (cppjieba) cutting Chinese, followed by stop words and Snowball English
// stemming. It is the only package of the module that needs cgo; everything
// else builds with CGO_ENABLED=0 and can fall back to [tokenize.Bigram].
//
//	tok, err := jieba.New() // payments dictionary, Search mode, HMM, default stop words
//	if err != nil { ... }
//	defer tok.Close()
//	tok.Tokenize("转账为什么没有电子回单") // 转账 为什么 什么 没有 电子 电子回单 回单
//
// # Dictionaries
//
// gojieba's dictionaries are embedded (gzip) with duxin's payments and
// customer-service dictionary (花呗, 借呗, 余额宝, 电子回单 ...), written once to
// a folder named by their content under a cache directory ([WithCacheDir];
// "duxin" in os.UserCacheDir by default) and loaded from there by explicit
// path. The
// defaults therefore work with -trimpath, vendoring and a moved module cache.
// [WithDictDir] and [WithUserDict] load dictionaries of your own;
// [Tokenizer.AddWords] and [ReadUserWords] add words at run time, all or
// none. Every file is checked before gojieba sees it: a missing, empty or
// malformed file is a [*DictError] naming the path and line (wrapping
// [ErrBadDictionary]), never a panic or a C++ abort.
//
// # Sharing and lifetime
//
// Loading the dictionaries costs about 0.4 s and 130 MB, so Tokenizers with
// the same dictionary configuration share one gojieba instance per process.
// Close releases a Tokenizer's share and is idempotent; the instance is
// freed when the last share goes. A Tokenizer is safe for concurrent use:
// segmentation runs in parallel, AddWords waits for in-flight calls.
//
// # Long texts
//
// cppjieba's memory grows with the text of one call, by a few hundred
// bytes per character of a sentence, and a failed allocation there aborts
// the process. So a text is handed to it in pieces of at most 16 KB, cut
// where cppjieba splits sentences itself (space, tab, newline, '，', '。')
// — the words are then the same as from one call — or else after ASCII
// punctuation (, ; : ! ? quotes and brackets, which no word of the default
// dictionaries crosses), or else, in a run of 16 KB of letters or Han
// characters without either, at a character boundary, where a word may be
// cut in two. Cutting a 10 MB run of Latin letters takes megabytes, not the
// 4 GB of a single call (TestLongTextMemory measures it).
//
// # Speed
//
// Segmentation calls gojieba's C API directly (see capi.go): one cgo call a
// text, with the word offsets written straight into a reused buffer, where
// gojieba's Go wrapper makes four calls and allocates per word. The full
// pipeline — folding, segmentation, stop words, stemming, offsets — is
// benchmarked beside gojieba's own Tokenize on the same input:
//
//	go test ./tokenize/jieba -run '^$' -bench 'JiebaRaw|Pipeline' -benchmem -count 5
package jieba
