// Package pinyin gives the toneless pinyin of Chinese text, for matching
// text by its sound: a query typed as pinyin (huabeizenmehuan) or with a
// character an input method or speech recogniser swapped for another of
// the same sound (花被 for 花呗) still shares its sounds with the text it
// means. kb and intent both read sounds through this package, so that they
// hear text the same way.
//
// The readings come from github.com/mozillazg/go-pinyin (its table of
// about 41,000 characters, toneless, ü written v), every reading of a
// heteronym included: 还 is hai, huan and fu. Runs of ASCII letters that
// split wholly into pinyin syllables are read as those syllables
// ([Split]).
//
// # Concurrency
//
// All functions are safe for concurrent use; the package's tables are
// built once, on first use, and never written again.
package pinyin

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	gopinyin "github.com/mozillazg/go-pinyin"

	"github.com/duxin-ai/duxin/internal/textnorm"
)

// MaxReadings is the number of readings [Phrases] keeps for one
// character: go-pinyin lists the common ones first, and a few rare
// characters have up to a dozen, which would multiply the terms of every
// neighbour.
const MaxReadings = 4

// tables are the readings of every character go-pinyin knows and the
// syllables those readings use.
type tables struct {
	readings  map[rune][]string
	syllables map[string]bool // syllables that hold a vowel: what Split may use
}

var loadTables = sync.OnceValue(func() *tables {
	t := &tables{readings: make(map[rune][]string, len(gopinyin.PinyinDict)), syllables: map[string]bool{}}
	args := gopinyin.NewArgs()
	args.Heteronym = true
	args.Fallback = func(rune, gopinyin.Args) []string { return nil }
	intern := map[string]string{}
	for code := range gopinyin.PinyinDict {
		r := rune(code)
		var rs []string
		for _, p := range gopinyin.SinglePinyin(r, args) {
			if p == "" || strings.ContainsFunc(p, func(c rune) bool { return c < 'a' || c > 'z' }) {
				continue
			}
			if s, ok := intern[p]; ok {
				p = s
			} else {
				intern[p] = p
			}
			if !slices.Contains(rs, p) {
				rs = append(rs, p)
			}
			if strings.ContainsAny(p, "aeiouv") {
				t.syllables[p] = true
			}
		}
		if len(rs) > 0 {
			t.readings[r] = slices.Clip(rs)
		}
	}
	return t
})

// Readings returns the toneless readings of r, most common first, every
// reading of a heteronym included (还: hai, huan, fu), or nil for a rune
// that is not a Chinese character go-pinyin knows. r is read as
// [textnorm.Fold] makes it, so 還 reads as 还. The result is shared: do not
// change it.
func Readings(r rune) []string {
	return loadTables().readings[textnorm.Fold(r)]
}

// maxSyllable is the length of the longest pinyin syllable (zhuang).
const maxSyllable = 6

// Split splits s, lower-case ASCII letters, into pinyin syllables, and
// reports whether it could: huabeizenmehuan is hua bei zen me huan. Of the
// splits there are, it takes one with the fewest syllables, and among
// those one in which no syllable after the first starts with a, e or o —
// pinyin marks such a boundary with an apostrophe (xi'an), so fangan is
// fan gan and xian is xian. Syllables without a vowel (n, ng, m, hm) are
// never used. The syllables are substrings of s.
func Split(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	syl := loadTables().syllables
	// cost[i] is the least cost of splitting s[i:]; next[i] the end of the
	// first syllable of that split. A syllable costs 2, plus 1 when it
	// starts with a vowel and is not the first.
	const inf = int(^uint(0) >> 1)
	cost := make([]int, len(s)+1)
	next := make([]int, len(s)+1)
	for i := len(s) - 1; i >= 0; i-- {
		cost[i] = inf
		for j := i + 1; j <= min(len(s), i+maxSyllable); j++ {
			if cost[j] == inf || !syl[s[i:j]] {
				continue
			}
			c := cost[j] + 2
			if i > 0 && strings.IndexByte("aeo", s[i]) >= 0 {
				c++
			}
			if c < cost[i] {
				cost[i], next[i] = c, j
			}
		}
	}
	if cost[0] == inf {
		return nil, false
	}
	var out []string
	for i := 0; i < len(s); i = next[i] {
		out = append(out, s[i:next[i]])
	}
	return out, true
}

// A Sound is one syllable position of a text: the readings of one Chinese
// character, or the one syllable of a pinyin run. Start and End are the
// byte offsets in the text of the character or syllable; Han is the
// character (folded), 0 for a typed syllable.
type Sound struct {
	Readings   []string
	Start, End int
	Han        rune
}

// Each calls f with the sounds of text, in order: each Chinese character
// go-pinyin knows is a sound with its readings (at most [MaxReadings]);
// each run of ASCII letters (full-width forms folded, either case) that
// [Split] splits is a sound per syllable. first reports a sound that
// starts a phrase: white space does not end a phrase (hua bei is one
// phrase, as huabei is); anything else does — a digit, punctuation, a run
// of letters that is not pinyin, a character without a reading. The
// readings are shared: do not change them.
func Each(text string, f func(s Sound, first bool)) {
	first := true
	var latin []byte
	var latinOffs []int // byte offset in text of each byte of latin
	endLatin := func() {
		if len(latin) == 0 {
			return
		}
		last := latinOffs[len(latinOffs)-1]
		_, n := utf8.DecodeRuneInString(text[last:])
		latinOffs = append(latinOffs, last+n)
		if syls, ok := Split(string(latin)); ok {
			at := 0
			for _, s := range syls {
				f(Sound{Readings: []string{s}, Start: latinOffs[at], End: latinOffs[at+len(s)]}, first)
				first = false
				at += len(s)
			}
		} else {
			first = true
		}
		latin, latinOffs = latin[:0], latinOffs[:0]
	}
	for i, r := range text {
		c := unicode.ToLower(textnorm.Fold(r))
		switch {
		case 'a' <= c && c <= 'z':
			latin = append(latin, byte(c))
			latinOffs = append(latinOffs, i)
			continue
		case unicode.IsSpace(c):
			endLatin()
			continue
		}
		endLatin()
		if rs := loadTables().readings[c]; rs != nil {
			f(Sound{Readings: rs[:min(len(rs), MaxReadings)], Start: i, End: i + utf8.RuneLen(r), Han: c}, first)
			first = false
			continue
		}
		first = true
	}
	endLatin()
}

// Phrases returns the sounds of text ([Each]) grouped into phrases.
func Phrases(text string) [][]Sound {
	var out [][]Sound
	Each(text, func(s Sound, first bool) {
		if first {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	})
	return out
}
