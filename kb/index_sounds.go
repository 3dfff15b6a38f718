package kb

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/pinyin"
)

// Matching by sound. Every text is indexed with its sound terms (fieldSounds):
// for each two neighbouring sounds of a phrase their first readings joined
// by a hyphen (花呗 is hua-bei), for a phrase of one sound its first
// reading. A query adds sound terms only where its characters are in doubt
// — typed pinyin (huabei), or a Chinese character in a bigram no indexed
// text holds (花被) — and asks, for each sound, for the first readings of
// every indexed character that can be read so: typed huan finds 还款 (first
// reading hai) as well as 换款. So every reading of a heteronym matches,
// while the index holds one term per neighbouring pair, and a query
// without doubt searches as it did before. Then Search spells typed pinyin
// with the characters the candidates use (transliterate) and searches
// again with that text, which the ranker can read. Characters in doubt
// are not respelled: that found more homophone typos on afqmc-full but
// cost as many right queries (while tuning, before maxExpandHan, Recall@1
// on every third query of afqmc-full by benchmarks/eval retrieval: 0.1063
// clean and 0.0966 with -garble homophone spelling them from the best
// five candidates, 0.1100 and 0.0905 not spelling them, 0.1095 and 0.0837
// before sounds).

// Bounds of a query's sound terms: each typed sound asks for at most
// maxExpand first readings (a character in doubt for maxExpandHan, those
// of its first reading), so a pair for at most maxExpand² terms, and a
// query for at most maxSoundTerms in all, however long it is.
const (
	maxExpand     = 6
	maxExpandHan  = 3 // for a character rather than a typed syllable
	maxSoundTerms = 512
)

// soundTerms returns the sound terms of text, sorted, each once. They are
// substrings of one string: one allocation for all.
func soundTerms(text string) []string {
	var buf []byte
	var ends []int
	var prev string // the first reading of the previous sound of the phrase
	lone := false   // the previous sound began its phrase and nothing followed yet
	endLone := func() {
		if lone {
			buf = append(buf, prev...)
			ends = append(ends, len(buf))
		}
	}
	pinyin.Each(text, func(s pinyin.Sound, first bool) {
		r := s.Readings[0]
		if first {
			endLone()
			prev, lone = r, true
			return
		}
		buf = append(buf, prev...)
		buf = append(buf, '-')
		buf = append(buf, r...)
		ends = append(ends, len(buf))
		prev, lone = r, false
	})
	endLone()
	if len(ends) == 0 {
		return nil
	}
	all := string(buf)
	out := make([]string, len(ends))
	at := 0
	for i, e := range ends {
		out[i] = all[at:e]
		at = e
	}
	return sortedSet(out)
}

// querySound is one sound of a query.
type querySound struct {
	pinyin.Sound
	first bool // starts a phrase
	// doubt marks a typed syllable, or a character in a bigram that no
	// indexed text holds (set by generation.soundQueryTerms).
	doubt bool
}

// querySounds returns the sounds of a query's text.
func querySounds(text string) []querySound {
	var out []querySound
	pinyin.Each(text, func(s pinyin.Sound, first bool) {
		out = append(out, querySound{Sound: s, first: first})
	})
	return out
}

// soundDF counts, over every indexed text, how many texts hold each sound
// term, as rank.Stats counts words and bigrams, and how many hold each
// Chinese character, for the readings a query's sounds expand to. Its
// counts are guarded by the generation's lock; expand's cache by its own.
type soundDF struct {
	n     map[string]int32
	chars map[rune]int32

	mu    sync.Mutex
	canon map[string][]string // a reading → the first readings of the indexed characters having it; nil: to build
}

// add counts one text's sound terms and characters (sign 1) or removes
// them (-1). The caller holds the generation's write lock.
func (s *soundDF) add(a *analysis, sign int) {
	if s.n == nil {
		s.n, s.chars = map[string]int32{}, map[rune]int32{}
	}
	for _, t := range a.sounds {
		if c := s.n[t] + int32(sign); c > 0 {
			s.n[t] = c
		} else {
			delete(s.n, t)
		}
	}
	changed := false
	for _, u := range a.Uni {
		r, n := utf8.DecodeRuneInString(u)
		if n != len(u) || pinyin.Readings(r) == nil {
			continue
		}
		c := s.chars[r] + int32(sign)
		if c > 0 {
			s.chars[r] = c
		} else {
			delete(s.chars, r)
		}
		changed = changed || c == 0 || c == 1 && sign > 0
	}
	if changed {
		s.mu.Lock()
		s.canon = nil
		s.mu.Unlock()
	}
}

// df is the number of texts holding sound term t.
func (s *soundDF) df(t string) int { return int(s.n[t]) }

// vocabulary is the number of distinct sound terms the texts hold.
func (s *soundDF) vocabulary() int { return len(s.n) }

// expand returns the first readings of the indexed characters that can be
// read as one of readings, those of readings[0] first, at most maxExpand.
// The caller holds the generation's read lock.
func (s *soundDF) expand(readings []string) []string {
	s.mu.Lock()
	if s.canon == nil {
		s.canon = map[string][]string{}
		for r := range s.chars {
			rs := pinyin.Readings(r)
			for _, x := range rs {
				if !slices.Contains(s.canon[x], rs[0]) {
					s.canon[x] = append(s.canon[x], rs[0])
				}
			}
		}
		for _, v := range s.canon {
			slices.Sort(v) // map order must not decide which readings are kept
		}
	}
	canon := s.canon
	s.mu.Unlock()
	var out []string
	for _, x := range readings {
		c := canon[x]
		if slices.Contains(c, x) && !slices.Contains(out, x) {
			out = append(out, x) // the reading itself first
		}
		for _, y := range c {
			if len(out) == maxExpand {
				return out
			}
			if !slices.Contains(out, y) {
				out = append(out, y)
			}
		}
	}
	return out
}

// soundQueryTerms marks the doubtful sounds of qa and returns the sound
// terms of the pairs of neighbouring sounds of which one is in doubt, and
// those of the sounds qa was spelled from (spelledFrom). The caller holds
// the generation's read lock.
func (g *generation) soundQueryTerms(qa *analysis) []queryTerm {
	texts := g.doubtfulSoundTerms(qa.spelledFrom, g.doubtfulSoundTerms(qa.qsounds, nil))
	texts = sortedSet(texts)
	terms := make([]queryTerm, 0, len(texts))
	for _, t := range texts {
		terms = append(terms, queryTerm{t, fieldSounds, soundBoost, g.sounds.df(t)})
	}
	return terms
}

// doubtfulSoundTerms marks the doubtful sounds of qs and appends to texts
// the sound terms of the pairs of neighbouring sounds of which one is in
// doubt.
func (g *generation) doubtfulSoundTerms(qs []querySound, texts []string) []string {
	// left[i]: 0 no character bigram with the left neighbour, 1 one no
	// indexed text holds, 2 a known one.
	left := make([]int8, len(qs)+1)
	for i := range qs {
		if qs[i].Han == 0 {
			qs[i].doubt = true
		}
		if i == 0 || qs[i].first || qs[i].Han == 0 || qs[i-1].Han == 0 || qs[i-1].End != qs[i].Start {
			continue
		}
		left[i] = 2
		if g.stats.GramDF(string([]rune{qs[i-1].Han, qs[i].Han})) == 0 {
			left[i] = 1
		}
	}
	for i := range qs {
		if qs[i].Han != 0 {
			qs[i].doubt = left[i] == 1 || left[i+1] == 1
		}
	}
	var exp, prev []string
	for i := range qs {
		near := qs[i].doubt || i > 0 && qs[i-1].doubt || i+1 < len(qs) && qs[i+1].doubt
		if !near {
			prev = nil // a clean query expands nothing
			continue
		}
		if qs[i].Han == 0 {
			exp = g.sounds.expand(qs[i].Readings)
		} else {
			// A character in doubt was most likely typed or heard for its
			// first reading: asking for every reading of it cost search
			// time on every query with an unknown bigram.
			exp = g.sounds.expand(qs[i].Readings[:1])
			exp = exp[:min(len(exp), maxExpandHan)]
		}
		if i > 0 && !qs[i].first && (qs[i-1].doubt || qs[i].doubt) {
			if len(texts)+len(prev)*len(exp) > maxSoundTerms {
				return texts
			}
			for _, a := range prev {
				for _, b := range exp {
					texts = append(texts, a+"-"+b)
				}
			}
		}
		prev = exp
	}
	return texts
}

// speller spells doubtful sounds as a set of texts does.
type speller struct {
	pairs   map[string][2]rune // first readings a-b → the two characters
	singles map[string]rune
}

// newSpeller learns the spellings of the texts of cands, the first one's
// first.
func newSpeller(cands []*candidate) *speller {
	sp := &speller{pairs: map[string][2]rune{}, singles: map[string]rune{}}
	for _, c := range cands {
		for k := range c.e.texts {
			t := c.e.faq.Question
			if k > 0 {
				t = c.e.faq.Similar[k-1]
			}
			var prev pinyin.Sound
			pinyin.Each(t, func(s pinyin.Sound, first bool) {
				if s.Han == 0 {
					prev = pinyin.Sound{}
					return
				}
				r := s.Readings[0]
				if _, ok := sp.singles[r]; !ok {
					sp.singles[r] = s.Han
				}
				if !first && prev.Han != 0 && prev.End == s.Start {
					key := prev.Readings[0] + "-" + r
					if _, ok := sp.pairs[key]; !ok {
						sp.pairs[key] = [2]rune{prev.Han, s.Han}
					}
				}
				prev = s
			})
		}
	}
	return sp
}

// spell returns text with each doubtful sound of qs (whose expansions are
// exps) spelled as sp's texts spell it, and whether that changed
// anything. A sound takes the character of the first text that holds it
// next to its right neighbour's, else next to its left neighbour's, else
// alone; a sound no text holds stays as it was. Only typed sounds are
// spelled: a character in doubt stays (see the top of this file).
func (sp *speller) spell(text string, qs []querySound, exps [][]string) (string, bool) {
	pair := func(i, j, side int) rune {
		for _, a := range exps[i] {
			for _, b := range exps[j] {
				if p, ok := sp.pairs[a+"-"+b]; ok {
					return p[side]
				}
			}
		}
		return 0
	}
	spelled := make([]rune, len(qs))
	changed := false
	for i := range qs {
		if !qs[i].doubt || qs[i].Han != 0 {
			continue
		}
		var r rune
		if i+1 < len(qs) && !qs[i+1].first {
			r = pair(i, i+1, 0)
		}
		if r == 0 && i > 0 && !qs[i].first {
			r = pair(i-1, i, 1)
		}
		if r == 0 {
			for _, a := range exps[i] {
				if r = sp.singles[a]; r != 0 {
					break
				}
			}
		}
		if r != 0 && r != qs[i].Han {
			spelled[i], changed = r, true
		}
	}
	if !changed {
		return text, false
	}
	var b strings.Builder
	at := 0
	for i, s := range qs {
		gap := text[at:s.Start]
		if i > 0 && spelled[i] != 0 && spelled[i-1] != 0 && strings.TrimSpace(gap) == "" {
			gap = "" // hua bei spelled 花呗, not 花 呗
		}
		b.WriteString(gap)
		if spelled[i] != 0 {
			b.WriteRune(spelled[i])
		} else {
			b.WriteString(text[s.Start:s.End])
		}
		at = s.End
	}
	b.WriteString(text[at:])
	return b.String(), true
}

// expansions returns the expansion of each of qs's sounds (soundDF.expand).
func (g *generation) expansions(qs []querySound) [][]string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	exps := make([][]string, len(qs))
	for i := range qs {
		exps[i] = g.sounds.expand(qs[i].Readings)
	}
	return exps
}

// transliterate returns the query text with its typed pinyin spelled as
// the candidates' texts, best candidate first, spell it, and whether that
// changed anything. (Spelling from all candidates rather than the best
// few found more: while tuning, on every third query of afqmc-full with
// -garble pinyin, Recall@1 0.0496 from the best 5, 0.0794 from 20, 0.0923
// from 100.)
func (g *generation) transliterate(text string, qa *analysis, cands []*candidate) (string, bool) {
	qs := qa.qsounds
	if !slices.ContainsFunc(qs, func(s querySound) bool { return s.Han == 0 }) || len(cands) == 0 {
		return text, false
	}
	sp := newSpeller(cands)
	return sp.spell(text, qs, g.expansions(qs))
}
