package tokenize

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// StopSet is a set of terms a [StopWords] filter drops. Terms are compared
// with Token.Text, so they are simplified, half-width and lowercase.
type StopSet map[string]struct{}

// NewStopSet returns a set holding words.
func NewStopSet(words ...string) StopSet {
	s := make(StopSet, len(words))
	for _, w := range words {
		s[w] = struct{}{}
	}
	return s
}

// Union returns a new set holding the words of every set.
func Union(sets ...StopSet) StopSet {
	n := 0
	for _, s := range sets {
		n += len(s)
	}
	out := make(StopSet, n)
	for _, s := range sets {
		for w := range s {
			out[w] = struct{}{}
		}
	}
	return out
}

// ReadStopSet reads one word per line; blank lines and lines starting with #
// are skipped. name is used in errors only.
func ReadStopSet(r io.Reader, name string) (StopSet, error) {
	s := StopSet{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		if !utf8.ValidString(w) {
			return nil, fmt.Errorf("tokenize: %s:%d: stop word is not valid UTF-8", name, line)
		}
		s[strings.ToLower(w)] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokenize: read stop words %s: %w", name, err)
	}
	return s, nil
}

// LoadStopSet reads a stop-word file with [ReadStopSet].
func LoadStopSet(path string) (StopSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenize: stop words: %w", err)
	}
	defer f.Close()
	return ReadStopSet(f, path)
}

// ChineseStopWords returns the default Chinese stop words: particles, modal
// and filler words that carry no meaning in a customer-service question
// (的, 了, 吗, 呢, 啊, 请问, 一下 ...). Question words (怎么, 为什么), negations
// (不, 没有) and verbs such as 还 (repay) are deliberately kept: they decide
// what a question means. The result is a fresh set the caller may change.
func ChineseStopWords() StopSet { return NewStopSet(chineseStop...) }

// EnglishStopWords returns the default English stop words (articles,
// auxiliaries, pronouns, prepositions). Negations (not, no, can't) are kept.
// The result is a fresh set the caller may change.
func EnglishStopWords() StopSet { return NewStopSet(englishStop...) }

// DefaultStopWords returns the union of [ChineseStopWords] and [EnglishStopWords].
func DefaultStopWords() StopSet {
	return Union(ChineseStopWords(), EnglishStopWords())
}

var chineseStop = strings.Fields(`
的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 喔 哇 嘛 么 呗 啦 咯 哈 嗯 噢 诶 欸 哎 唉
之 与 及 而 且 并 或 之类
请问 请 麻烦 一下 您好 你好 谢谢 感谢 亲 客服 在吗 在不在
我 我的 我们 你 你的 您 您的 他 她 它 他们 这个 那个 这 那 这样 那样 这种 那种 这边 那边
是 是不是 就 都 也 又 还是 就是 然后 所以 因为 但是 可是 而且 如果 的话 一个 一些 有点 有些
`)

var englishStop = strings.Fields(`
a an the and or but if then so of to in on at by for from with about as into than
is am are was were be been being do does did have has had having
i me my mine we us our you your he him his she her it its they them their this that these those
please hi hello thanks thank
`)
