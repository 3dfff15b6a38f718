package intent

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/pinyin"
	"github.com/duxin-ai/duxin/internal/textnorm"
	"github.com/duxin-ai/duxin/tokenize"
)

// Feature kinds: the first byte hashed into every feature key, so a word and
// a character n-gram with the same text never collide.
const (
	kindWord   byte = 'w'
	kindBigram byte = 'b'
	kindChar   byte = 'c'
	kindSound  byte = 's'
)

// featureConfig says which features are extracted from an utterance. It is
// persisted with the model: a loaded model extracts exactly what it was
// trained on.
type featureConfig struct {
	WordBigrams bool // pairs of consecutive tokens
	CharMin     int  // shortest character n-gram, in runes; 0 turns them off
	CharMax     int  // longest character n-gram, in runes
	CharWeight  float64
	// LatinMin and LatinMax, when LatinMax > 0, are the n-gram range for
	// n-grams without a Han character (Latin words, digits); CharMin and
	// CharMax then apply to n-grams with one.
	LatinMin, LatinMax int
	// CrossWord takes character n-grams over the whole utterance (words
	// joined by one space) instead of within each word.
	CrossWord bool
}

// rawFeature is a hashed feature key with its count in one utterance.
type rawFeature struct {
	key   uint64
	count float32
	char  bool
}

// fnv-1a, 64 bit.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func hashRunes(h uint64, rs []rune) uint64 {
	var buf [4]byte
	for _, r := range rs {
		n := utf8.EncodeRune(buf[:], r)
		for i := 0; i < n; i++ {
			h = (h ^ uint64(buf[i])) * fnvPrime
		}
	}
	return h
}

// extractor holds scratch buffers for one extraction; it is not safe for
// concurrent use (models keep a pool of them).
type extractor struct {
	runes []rune
	han   []int32 // han[i]: Han runes among runes[:i]
	keys  []rawFeature
}

// extract appends the hashed features of text, with counts, sorted by key
// and merged, to e.keys and returns them.
func (e *extractor) extract(cfg *featureConfig, tok tokenize.Tokenizer, text string) []rawFeature {
	e.keys = e.keys[:0]
	toks := tok.Tokenize(text)
	for i, t := range toks {
		h := hashString(hashByte(fnvOffset, kindWord), t.Text)
		e.keys = append(e.keys, rawFeature{key: h, count: 1})
		if cfg.WordBigrams && i > 0 {
			h := hashString(hashByte(fnvOffset, kindBigram), toks[i-1].Text)
			h = hashString(hashByte(h, 0), t.Text)
			e.keys = append(e.keys, rawFeature{key: h, count: 1})
		}
	}
	if cfg.CharMin > 0 {
		e.charGrams(cfg, text)
		e.soundGrams(text)
	}
	slices.SortFunc(e.keys, func(a, b rawFeature) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	out := e.keys[:0]
	for _, f := range e.keys {
		if n := len(out); n > 0 && out[n-1].key == f.key {
			out[n-1].count += f.count
			continue
		}
		out = append(out, f)
	}
	e.keys = out
	return out
}

// charGrams appends the character n-grams of each word of the folded text.
// A word is a maximal run of letters and digits (a run of Han characters is
// one word); it is padded with a space on each side so n-grams at its edges
// differ from those inside it.
func (e *extractor) charGrams(cfg *featureConfig, text string) {
	text = textnorm.FoldString(text)
	rs := e.runes[:0]
	rs = append(rs, ' ')
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			rs = append(rs, unicode.ToLower(r))
		case rs[len(rs)-1] != ' ':
			rs = append(rs, ' ')
		}
	}
	if rs[len(rs)-1] != ' ' {
		rs = append(rs, ' ')
	}
	e.runes = rs
	lo, hi := cfg.CharMin, cfg.CharMax
	llo, lhi := cfg.latinRange()
	e.han = append(e.han[:0], 0)
	for _, r := range rs {
		n := e.han[len(e.han)-1]
		if unicode.Is(unicode.Han, r) {
			n++
		}
		e.han = append(e.han, n)
	}
	start := 0
	for i := 1; i < len(rs); i++ {
		if rs[i] != ' ' || (cfg.CrossWord && i != len(rs)-1) {
			continue
		}
		word, off := rs[start:i+1], start // ' ' w o r d ' '
		start = i
		for n := min(lo, llo); n <= max(hi, lhi); n++ {
			for j := 0; j+n <= len(word); j++ {
				g := word[j : j+n]
				if n == 1 && g[0] == ' ' {
					continue
				}
				if han := e.han[off+j+n] > e.han[off+j]; han && (n < lo || n > hi) || !han && (n < llo || n > lhi) {
					continue
				}
				h := hashRunes(hashByte(fnvOffset, kindChar), g)
				e.keys = append(e.keys, rawFeature{key: h, count: 1, char: true})
			}
		}
	}
}

// soundGrams appends the sound features of text, which come with the
// character n-grams: the toneless pinyin of each Chinese character and of
// each two neighbouring ones, every reading of a heteronym (还 is hai,
// huan and fu), and the same of typed pinyin (huabei), so that a
// homophone typo (花被) or an utterance typed in pinyin shares features
// with the characters meant (see internal/pinyin). They count as
// character features. A model trained before them does not know their
// keys and so ignores them (weigh drops keys outside the vocabulary).
func (e *extractor) soundGrams(text string) {
	var prev []string
	pinyin.Each(text, func(s pinyin.Sound, first bool) {
		for _, r := range s.Readings {
			h := hashString(hashByte(fnvOffset, kindSound), r)
			e.keys = append(e.keys, rawFeature{key: h, count: 1, char: true})
		}
		if !first {
			for _, a := range prev {
				for _, b := range s.Readings {
					h := hashString(hashByte(fnvOffset, kindSound), a)
					h = hashString(hashByte(h, '-'), b)
					e.keys = append(e.keys, rawFeature{key: h, count: 1, char: true})
				}
			}
		}
		prev = s.Readings
	})
}

// latinRange returns the n-gram range for n-grams without a Han character.
func (c *featureConfig) latinRange() (int, int) {
	if c.LatinMax > 0 {
		return c.LatinMin, c.LatinMax
	}
	return c.CharMin, c.CharMax
}

// vector is a sparse feature vector: indexes into the model's vocabulary
// with their weights, in the (deterministic) order of the feature keys.
type vector struct {
	idx []int32
	val []float32
}

// weigh turns raw features into a TF-IDF vector over the vocabulary: each
// count becomes 1+ln(count) and is multiplied by the feature's IDF; the word
// and character parts are each scaled to unit L2 norm and then mixed
// (squared norms 1-CharWeight and CharWeight), so the vector has norm 1.
// Features missing from the vocabulary are dropped.
func weigh(cfg *featureConfig, vocab map[uint64]int32, idf []float32, raw []rawFeature, dst vector) vector {
	dst.idx, dst.val = dst.idx[:0], dst.val[:0]
	var wordSS, charSS float64
	for _, f := range raw {
		i, ok := vocab[f.key]
		if !ok {
			continue
		}
		v := float64(idf[i]) * (1 + math.Log(float64(f.count)))
		if f.char {
			charSS += v * v
		} else {
			wordSS += v * v
		}
	}
	ws, cs := 0.0, 0.0
	cw := cfg.CharWeight
	switch {
	case wordSS > 0 && charSS > 0:
		ws, cs = math.Sqrt(1-cw)/math.Sqrt(wordSS), math.Sqrt(cw)/math.Sqrt(charSS)
	case wordSS > 0:
		ws = 1 / math.Sqrt(wordSS)
	case charSS > 0:
		cs = 1 / math.Sqrt(charSS)
	}
	for _, f := range raw {
		i, ok := vocab[f.key]
		if !ok {
			continue
		}
		v := float64(idf[i]) * (1 + math.Log(float64(f.count)))
		if f.char {
			v *= cs
		} else {
			v *= ws
		}
		dst.idx = append(dst.idx, i)
		dst.val = append(dst.val, float32(v))
	}
	return dst
}

// foldKey normalises an utterance for duplicate and conflict detection:
// folded width and script, lowercase, single spaces, trimmed.
func foldKey(text string) string {
	return strings.Join(strings.Fields(strings.ToLower(textnorm.FoldString(text))), " ")
}
