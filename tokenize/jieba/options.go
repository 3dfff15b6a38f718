package jieba

import (
	"errors"
	"fmt"
	"slices"

	"github.com/duxin-ai/duxin/tokenize"
)

// Option configures [New].
type Option func(*options)

type options struct {
	mode      Mode
	hmm       bool
	dictDir   string
	cacheDir  string
	userDicts []string
	noDomain  bool
	stop      tokenize.StopSet
	stem      bool
}

func defaultOptions() options {
	return options{mode: Search, hmm: true, stop: tokenize.DefaultStopWords(), stem: true}
}

func (o *options) validate() error {
	var errs []error
	if o.mode != Search && o.mode != Precise {
		errs = append(errs, fmt.Errorf("jieba: unknown mode %d", int(o.mode)))
	}
	for _, p := range o.userDicts {
		if p == "" {
			errs = append(errs, errors.New("jieba: empty user dictionary path"))
		}
	}
	return errors.Join(errs...)
}

// WithMode selects the cut mode; the default is [Search].
func WithMode(m Mode) Option { return func(o *options) { o.mode = m } }

// WithHMM turns gojieba's HMM recognition of words missing from the
// dictionary on or off; it is on by default.
func WithHMM(on bool) Option { return func(o *options) { o.hmm = on } }

// WithDictDir uses the dictionaries in dir instead of the embedded ones: dir
// must hold jieba.dict.utf8 and hmm_model.utf8 in gojieba's formats, and may
// hold idf.utf8 and stop_words.utf8 (used only by gojieba's keyword
// extraction; small embedded ones stand in when they are missing).
func WithDictDir(dir string) Option { return func(o *options) { o.dictDir = dir } }

// WithCacheDir sets where the embedded dictionaries are written for gojieba
// to read; the default is a "duxin" folder in os.UserCacheDir (os.TempDir
// when there is none).
func WithCacheDir(dir string) Option { return func(o *options) { o.cacheDir = dir } }

// WithUserDict loads user dictionaries — one entry a line: "word",
// "word tag" or "word freq tag" — after the default and domain ones.
func WithUserDict(paths ...string) Option {
	return func(o *options) { o.userDicts = append(o.userDicts, paths...) }
}

// WithoutDomainDict leaves out duxin's payments and customer-service
// dictionary (花呗, 借呗, 余额宝, 电子回单, ...), which is loaded by default.
func WithoutDomainDict() Option { return func(o *options) { o.noDomain = true } }

// WithStopWords replaces the stop words (default [tokenize.DefaultStopWords]);
// nil or an empty set keeps every token.
func WithStopWords(set tokenize.StopSet) Option { return func(o *options) { o.stop = set } }

// WithStemming turns Snowball English stemming of Latin words on or off; it
// is on by default.
func WithStemming(on bool) Option { return func(o *options) { o.stem = on } }

func sortStrings(s []string) { slices.Sort(s) }
