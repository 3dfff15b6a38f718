package kb

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// The tests of kb and kb_test share, per process, one jieba tokenizer
// (about 0.4 s and 130 MB each) and one index of the bundled sample
// knowledge base with the default ranker, each built on first use. No test
// changes the shared index: those that write build their own
// (newSampleIndex, or kb_test's newSample).
var testShared struct {
	tokOnce sync.Once
	tok     *jieba.Tokenizer
	tokErr  error

	sampleOnce sync.Once
	sample     *Index
	sampleErr  error
}

// sharedJieba returns the process's jieba tokenizer; TestMain closes it.
func sharedJieba(t testing.TB) *jieba.Tokenizer {
	t.Helper()
	testShared.tokOnce.Do(func() { testShared.tok, testShared.tokErr = jieba.New() })
	if testShared.tokErr != nil {
		t.Fatal(testShared.tokErr)
	}
	return testShared.tok
}

// sharedSample returns the process's index of the sample knowledge base,
// which no test may change, and the entries (a fresh copy).
func sharedSample(t testing.TB) (*Index, []FAQ) {
	t.Helper()
	tok := sharedJieba(t)
	faqs := loadSampleFAQs(t)
	testShared.sampleOnce.Do(func() {
		ix, err := New(tok)
		if err == nil {
			if err = ix.Reload(context.Background(), faqs); err != nil {
				ix.Close()
			}
		}
		testShared.sample, testShared.sampleErr = ix, err
	})
	if testShared.sampleErr != nil {
		t.Fatal(testShared.sampleErr)
	}
	return testShared.sample, faqs
}

// newSampleIndex returns an index of the sample knowledge base of its
// own, with the shared tokenizer and opts, closed when t ends, and the
// entries.
func newSampleIndex(t testing.TB, opts ...Option) (*Index, []FAQ) {
	t.Helper()
	faqs := loadSampleFAQs(t)
	ix, err := New(sharedJieba(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Reload(context.Background(), faqs); err != nil {
		t.Fatal(err)
	}
	return ix, faqs
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testShared.sample != nil {
		testShared.sample.Close()
	}
	if testShared.tok != nil {
		testShared.tok.Close()
	}
	os.Exit(code)
}
