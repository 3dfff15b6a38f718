package kb

import (
	"testing"

	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// SharedTokenizer is sharedJieba for kb_test's tests.
func SharedTokenizer(t testing.TB) *jieba.Tokenizer { return sharedJieba(t) }

// SharedSampleIndex is sharedSample's index for kb_test's tests: they
// must not change it.
func SharedSampleIndex(t testing.TB) *Index {
	ix, _ := sharedSample(t)
	return ix
}
