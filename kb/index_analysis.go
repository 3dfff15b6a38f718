package kb

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/textnorm"
	"github.com/duxin-ai/duxin/kb/internal/rank"
	"github.com/duxin-ai/duxin/tokenize"
)

// analyzer turns a text into the terms kb indexes and queries with. The
// same function serves both sides, which is what makes them match: the bleve
// fields hold these terms joined by spaces and are indexed with a
// whitespace-only analyzer, and queries are composed of term queries built
// from the same output.
type analyzer struct {
	tok tokenize.Tokenizer
	syn map[string]string // term → canonical term
}

// analysis is one analysed text: the terms the first stage and the ranker
// read, and the tokens highlighting marks.
type analysis struct {
	rank.Analysis
	// words are the tokenizer's tokens with Text replaced by the canonical
	// synonym; offsets still point into the original text.
	words []tokenize.Token
	// sounds are the text's sound terms (soundTerms), sorted: what the
	// first stage matches a pinyin query (huabeizenmehuan) or one with a
	// homophone typo (花被) through. The ranker does not read them.
	sounds []string
	// qsounds are a query's sounds (analyzeQuery); nil for an indexed text.
	qsounds []querySound
	// spelledFrom are the sounds of the query text this one was spelled
	// from (Index.Search, generation.transliterate), whose doubtful sound
	// terms are searched too.
	spelledFrom []querySound
}

// analyzeQuery is analyze for a search's query: it adds the sounds the
// first stage may search by.
func (a *analyzer) analyzeQuery(text string) analysis {
	out := a.analyze(text)
	out.qsounds = querySounds(text)
	return out
}

func (a *analyzer) analyze(text string) analysis {
	var out analysis
	toks := a.tok.Tokenize(text)
	out.words = make([]tokenize.Token, 0, len(toks))
	out.RawSet = make([]string, 0, len(toks))
	for _, t := range toks {
		t.Text = termText(t.Text)
		if t.Text == "" {
			continue
		}
		out.RawSet = append(out.RawSet, t.Text)
		if c, ok := a.syn[t.Text]; ok {
			t.Text = c
		}
		out.words = append(out.words, t)
	}
	out.WordSet = make([]string, 0, len(out.words))
	for _, t := range out.words {
		out.WordSet = append(out.WordSet, t.Text)
	}
	out.WordSet = sortedSet(out.WordSet)
	out.WordFirst = make([]int32, len(out.WordSet))
	for i := range out.WordFirst {
		out.WordFirst[i] = -1
	}
	for k, t := range out.words {
		if j, _ := slices.BinarySearch(out.WordSet, t.Text); out.WordFirst[j] < 0 {
			out.WordFirst[j] = int32(k)
		}
	}
	out.RawSet = sortedSet(out.RawSet)

	folded := textnorm.FoldString(text)
	n := utf8.RuneCountInString(folded)
	out.Runes = make([]rune, 0, n)
	// Each run of kept runes gives its characters and, when longer than
	// one, the bigrams of neighbours, else its one character. All are
	// substrings of Norm, string(Runes): one allocation for all.
	var runStarts []int32 // the index in Runes where each run starts
	run := 0              // length of the current run of kept runes
	for _, r := range folded {
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			run = 0
			continue
		}
		if run == 0 {
			runStarts = append(runStarts, int32(len(out.Runes)))
		}
		out.Runes = append(out.Runes, unicode.ToLower(r))
		run++
	}
	out.Norm = string(out.Runes)
	grams := make([]string, 0, len(out.Runes))
	uni := make([]string, 0, len(out.Runes))
	b := 0 // the byte offset in Norm of rune i
	for k, lo := range runStarts {
		hi := len(out.Runes)
		if k+1 < len(runStarts) {
			hi = int(runStarts[k+1])
		}
		if hi-int(lo) == 1 {
			w := runeWidth(out.Runes[lo])
			grams = append(grams, out.Norm[b:b+w])
			uni = append(uni, out.Norm[b:b+w])
			b += w
			continue
		}
		for i := int(lo); i < hi; i++ {
			w := runeWidth(out.Runes[i])
			uni = append(uni, out.Norm[b:b+w])
			if i+1 < hi {
				grams = append(grams, out.Norm[b:b+w+runeWidth(out.Runes[i+1])])
			}
			b += w
		}
	}
	out.Grams = sortedSet(grams)
	out.Uni = sortedSet(uni)
	out.sounds = soundTerms(text)
	return out
}

// runeWidth is the number of bytes r takes in a string converted from
// runes (an invalid rune becomes U+FFFD).
func runeWidth(r rune) int {
	if n := utf8.RuneLen(r); n > 0 {
		return n
	}
	return utf8.RuneLen(utf8.RuneError)
}

// termText makes a token text safe for the whitespace-separated field
// encoding: white space inside a term (which no duxin tokenizer produces)
// becomes an underscore.
func termText(s string) string {
	if strings.IndexFunc(s, unicode.IsSpace) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, s)
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// DefaultSynonyms returns kb's default synonym groups for an Alipay-like
// wallet help center. Within a group every term is indexed and searched as
// the group's first term, so 蚂蚁花呗 finds 花呗. The list was written for
// this project from general knowledge of the domain. The result is a fresh
// slice the caller may change and pass to [WithSynonyms].
func DefaultSynonyms() [][]string {
	return [][]string{
		{"花呗", "蚂蚁花呗", "花唄"},
		{"借呗", "蚂蚁借呗"},
		{"支付宝", "阿里支付宝"},
		{"余额宝", "余额包"},
		{"怎么", "如何", "怎样", "咋", "怎么样", "咋样", "怎么办", "咋办", "怎么弄", "咋弄"},
		{"为什么", "为何", "为啥", "咋回事", "怎么回事", "什么原因", "啥原因"},
		{"什么", "啥", "什么样"},
		{"多久", "多长时间", "多少天", "几天", "多长"},
		{"什么时候", "啥时候", "何时", "几时", "哪天"},
		{"多少", "几多"},
		{"还款", "还钱", "还账", "还清", "偿还"},
		{"付款", "支付", "付钱", "买单"},
		{"开通", "开启", "激活"},
		{"关闭", "关掉", "停用"},
		{"不能", "无法", "不可以", "不了", "用不了", "不行"},
		{"可以", "能", "能够", "可不可以", "能不能", "能否"},
		{"提额", "提升额度", "提高额度", "涨额度", "加额度"},
		{"额度", "信用额度", "可用额度"},
		{"银行卡", "储蓄卡", "借记卡"},
		{"扣款", "扣钱", "扣费"},
		{"手机", "手机号", "手机号码"},
		{"退款", "退钱", "退回"},
		{"账单", "帐单"},
		{"账户", "帐户", "账号", "帐号"},
		{"取消", "撤销"},
	}
}

// synonymMap turns groups into a term → canonical map and returns it with a
// digest that names its content. Groups are read in order; a term keeps the
// first group it appears in. Terms are run through tok, so they are folded
// as the text will be.
func synonymMap(tok tokenize.Tokenizer, groups [][]string) (map[string]string, string) {
	m := map[string]string{}
	h := sha256.New()
	for _, g := range groups {
		canon := ""
		for _, w := range g {
			// Only terms the tokenizer keeps as a single token are mapped. A
			// compound such as 蚂蚁花呗 gives several tokens in search mode
			// (蚂蚁, 花呗, 蚂蚁花呗) and already matches 花呗 through them;
			// mapping the whole compound too lost surface cues the reranker
			// uses (held-out Recall@1 on afqmc-full fell from 0.152 to 0.141).
			toks := tok.Tokenize(w)
			if len(toks) != 1 {
				continue
			}
			t := termText(toks[0].Text)
			if canon == "" {
				canon = t
				if c, ok := m[t]; ok {
					canon = c // the group's head already belongs to an earlier group
				}
			}
			if _, ok := m[t]; !ok && t != canon {
				m[t] = canon
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		h.Write([]byte(k + "\x00" + m[k] + "\n"))
	}
	return m, hex.EncodeToString(h.Sum(nil)[:8])
}
