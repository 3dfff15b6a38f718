package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"

	"github.com/duxin-ai/duxin/internal/pinyin"
	"github.com/duxin-ai/duxin/internal/textnorm"
)

// garbleFlags are the -garble flags retrieval and intent share: they
// garble the test queries the way phones do, to measure what that costs.
type garbleFlags struct {
	mode *string
	rate *float64
	seed *uint64
}

func addGarbleFlags(fs *flag.FlagSet) garbleFlags {
	return garbleFlags{
		mode: fs.String("garble", "none", "garble the test queries: none; homophone (swap -garble-rate of their Chinese characters for another character of the same sound, drawn by frequency from the characters of the data set, as speech recognition and pinyin input methods do); pinyin (each query as toneless pinyin without spaces, huabeizenmehuan; digits and Latin kept, the rest dropped)"),
		rate: fs.Float64("garble-rate", 0.1, "with -garble homophone: the chance of each Chinese character to be swapped"),
		seed: fs.Uint64("garble-seed", 1, "with -garble homophone: the seed of the swaps (each query's draws depend on the seed and its text only)"),
	}
}

// garbleInfo is what the JSON line says of the garbling: the settings,
// and the share of the test queries' Chinese characters actually swapped.
type garbleInfo struct {
	Garble       string   `json:"garble"`
	GarbleRate   *float64 `json:"garble_rate,omitempty"`
	GarbleSeed   *uint64  `json:"garble_seed,omitempty"`
	GarbledShare *float64 `json:"garbled_share,omitempty"`
	Garbled      int      `json:"garbled_queries"`
}

// garbler garbles texts as its flags say.
type garbler struct {
	mode string
	rate float64
	seed uint64
	// bySound lists, for each first reading, the characters of the data
	// having it, with their counts (the draw's weights), in a fixed order.
	bySound map[string][]weighted
	// han and swapped count the Chinese characters seen and swapped.
	han, swapped, garbled int
}

type weighted struct {
	r rune
	n int
}

// newGarbler checks the flags and returns a garbler whose homophones are
// drawn from the characters of corpus.
func (f garbleFlags) newGarbler(corpus func(yield func(string) bool)) (*garbler, error) {
	g := &garbler{mode: *f.mode, rate: *f.rate, seed: *f.seed}
	switch g.mode {
	case "none", "pinyin":
	case "homophone":
		if !(g.rate >= 0 && g.rate <= 1) {
			return nil, fmt.Errorf("-garble-rate %v, want in [0, 1]", g.rate)
		}
		counts := map[rune]int{}
		for text := range corpus {
			for _, r := range textnorm.FoldString(text) {
				if pinyin.Readings(r) != nil {
					counts[r]++
				}
			}
		}
		g.bySound = map[string][]weighted{}
		for r, n := range counts {
			s := pinyin.Readings(r)[0]
			g.bySound[s] = append(g.bySound[s], weighted{r, n})
		}
		for _, ws := range g.bySound {
			slices.SortFunc(ws, func(a, b weighted) int { return int(a.r - b.r) })
		}
	default:
		return nil, fmt.Errorf("-garble %q, want none, homophone or pinyin", g.mode)
	}
	return g, nil
}

// garble returns text garbled.
func (g *garbler) garble(text string) string {
	var out string
	switch g.mode {
	case "homophone":
		out = g.homophones(text)
	case "pinyin":
		out = toPinyin(text)
	default:
		return text
	}
	if out != text {
		g.garbled++
	}
	return out
}

// homophones swaps each Chinese character of text, with chance rate, for
// another character of the data with its first reading, drawn by count.
// The draws depend on the seed and text alone.
func (g *garbler) homophones(text string) string {
	h := fnv.New64a()
	h.Write([]byte(text))
	rng := rand.New(rand.NewPCG(g.seed, h.Sum64()))
	var b strings.Builder
	for _, r := range textnorm.FoldString(text) {
		rs := pinyin.Readings(r)
		if rs == nil {
			b.WriteRune(r)
			continue
		}
		g.han++
		if rng.Float64() >= g.rate {
			b.WriteRune(r)
			continue
		}
		total := 0
		for _, w := range g.bySound[rs[0]] {
			if w.r != r {
				total += w.n
			}
		}
		if total == 0 {
			b.WriteRune(r) // no other character of the data sounds so
			continue
		}
		k := rng.IntN(total)
		for _, w := range g.bySound[rs[0]] {
			if w.r == r {
				continue
			}
			if k -= w.n; k < 0 {
				b.WriteRune(w.r)
				g.swapped++
				break
			}
		}
	}
	return b.String()
}

// toPinyin writes text as toneless pinyin without spaces: each Chinese
// character as its first reading, letters lower-cased and digits kept,
// everything else dropped.
func toPinyin(text string) string {
	var b strings.Builder
	for _, r := range textnorm.FoldString(text) {
		if rs := pinyin.Readings(r); rs != nil {
			b.WriteString(rs[0])
		} else if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// info returns the garbling's part of the JSON line.
func (g *garbler) info() garbleInfo {
	in := garbleInfo{Garble: g.mode, Garbled: g.garbled}
	if g.mode == "homophone" {
		rate, seed := g.rate, g.seed
		share := 0.0
		if g.han > 0 {
			share = round(float64(g.swapped)/float64(g.han), 4)
		}
		in.GarbleRate, in.GarbleSeed, in.GarbledShare = &rate, &seed, &share
	}
	return in
}
