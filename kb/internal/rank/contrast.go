package rank

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// contrast is a learned word-contrast model. It scores a (query, text)
// pair by a weight for each word the two share, a weight for each word
// only the query has and one for each word only the text has. The weights are
// learned discriminatively from the training lists: the expected text
// against the first stage's other candidates, softmax over each list. The
// association tables learn from paraphrases which words stand for each
// other; this learns which differences flip a question (花呗 and 借呗,
// 开通 and 关闭) and which words hardly matter (怎么, 吗), from the hard
// negatives the first stage finds. Words seen in fewer than
// contrastMinLists training lists share the weights of word 0, the
// unknown word, so that what a rare word is worth is learned too. A
// contrast is immutable once built.
type contrast struct {
	ids map[string]int32
	// uni holds each word's weights, by id: shared, query only, text
	// only.
	uni [][3]float64
}

// The parts of a contrast score.
const (
	ctShared = iota
	ctQuery
	ctText
)

// numContrastFeatures is the number of features a contrast model adds.
const numContrastFeatures = 3

// Training parameters of a contrast model.
const (
	contrastMinLists = 3    // lists a word must occur in to have own weights
	contrastEpochs   = 4    // passes over the lists
	contrastRate     = 0.05 // AdaGrad learning rate
	contrastL2       = 3e-3 // weight decay (1e-4: validation R@1 lower)
)

// id returns w's id, 0 (the unknown word) when c does not know it.
func (c *contrast) id(w string) int32 { return c.ids[w] }

// wordIDs appends the ids of words to dst.
func (c *contrast) wordIDs(dst []int32, words []string) []int32 {
	for _, w := range words {
		dst = append(dst, c.id(w))
	}
	return dst
}

// textFeatures writes the contrast features of text t to
// x[firstContrastFeature:], for a query with words qw (ids qid). match,
// when not nil, says for each of t's words the index in qw of the same
// word, -1 for none (what the word overlap computes); nil computes it.
// The sums run in the sorted order of the words, whichever way match
// came, so that training and search compute the same values.
func (c *contrast) textFeatures(x []float64, qw []string, qid []int32, t *Text, match []int32) {
	var buf [64]int32
	if match == nil {
		match = matchWords(buf[:0], qw, t.a.WordSet)
	}
	tid := t.ctIDs
	if t.ctOf != c {
		tid = nil
	}
	var found [8]uint64 // query words found in t, a bit each
	in := found[:]
	if len(qw) > 64*len(found) {
		in = make([]uint64, (len(qw)+63)/64)
	}
	var part [3]float64
	for j, m := range match {
		if m >= 0 {
			part[ctShared] += c.uni[qid[m]][ctShared]
			in[m/64] |= 1 << (m % 64)
			continue
		}
		var id int32
		if tid != nil {
			id = tid[j]
		} else {
			id = c.id(t.a.WordSet[j])
		}
		part[ctText] += c.uni[id][ctText]
	}
	for i, id := range qid {
		if in[i/64]&(1<<(i%64)) == 0 {
			part[ctQuery] += c.uni[id][ctQuery]
		}
	}
	x[firstContrastFeature] = part[ctShared] + part[ctQuery] + part[ctText]
	x[firstContrastFeature+1] = part[ctShared]
	x[firstContrastFeature+2] = part[ctQuery] + part[ctText]
}

// matchWords appends to dst, for each word of the sorted set tw, the index
// of the same word in the sorted set qw, -1 when qw lacks it.
func matchWords(dst []int32, qw, tw []string) []int32 {
	i := 0
	for _, w := range tw {
		for i < len(qw) && qw[i] < w {
			i++
		}
		if i < len(qw) && qw[i] == w {
			dst = append(dst, int32(i))
		} else {
			dst = append(dst, -1)
		}
	}
	return dst
}

// contrastItems is the training form of lists: for each text of each
// list, the indexes of the parameters its score sums.
type contrastItems struct {
	lists []int // index into the List slice
	// params[off[k]:off[k+1]] are the parameters of the k-th text, the
	// texts of list i being texts[i]:texts[i+1] of all.
	params []int32
	off    []int
	texts  []int
}

// learnContrast learns a contrast model from lists[i] for each i in use
// (their indexes); nil when use is empty.
func learnContrast(ctx context.Context, lists []List, use []int, seed uint64) (*contrast, error) {
	if len(use) == 0 {
		return nil, nil
	}
	// Vocabulary: words in at least contrastMinLists lists; id 0 is the
	// unknown word.
	seen := map[string]int{}
	last := map[string]int{}
	for n, li := range use {
		l := &lists[li]
		mark := func(ws []string) {
			for _, w := range ws {
				if p, ok := last[w]; !ok || p != n+1 {
					last[w] = n + 1
					seen[w]++
				}
			}
		}
		mark(l.q.WordSet)
		for _, t := range l.texts {
			mark(t.a.WordSet)
		}
	}
	words := make([]string, 0, len(seen))
	for w, n := range seen {
		if n >= contrastMinLists {
			words = append(words, w)
		}
	}
	slices.Sort(words)
	c := &contrast{ids: make(map[string]int32, len(words)), uni: make([][3]float64, len(words)+1)}
	for i, w := range words {
		c.ids[w] = int32(i + 1)
	}
	nParams := 3 * len(c.uni)
	// Items.
	var it contrastItems
	for _, li := range use {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("learn contrast: %w", err)
		}
		l := &lists[li]
		it.lists = append(it.lists, li)
		it.texts = append(it.texts, len(it.off))
		for _, t := range l.texts {
			it.off = append(it.off, len(it.params))
			it.params = c.itemParams(it.params, l.q.WordSet, t.a.WordSet)
		}
	}
	it.texts = append(it.texts, len(it.off))
	it.off = append(it.off, len(it.params))
	// AdaGrad on the softmax cross-entropy of each list's expected text.
	w := make([]float64, nParams)
	g2 := make([]float64, nParams)
	grad := make([]float64, nParams)
	var touched []int32
	var scores []float64
	order := make([]int, len(it.lists))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x63746173))
	for range contrastEpochs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("learn contrast: %w", err)
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			l := &lists[it.lists[n]]
			first, end := it.texts[n], it.texts[n+1]
			scores = scores[:0]
			for k := first; k < end; k++ {
				s := 0.0
				for _, p := range it.params[it.off[k]:it.off[k+1]] {
					s += w[p]
				}
				scores = append(scores, s)
			}
			mx := slices.Max(scores)
			z := 0.0
			for _, s := range scores {
				z += math.Exp(s - mx)
			}
			touched = touched[:0]
			for k := first; k < end; k++ {
				d := math.Exp(scores[k-first]-mx) / z
				if k-first == l.pos {
					d--
				}
				for _, p := range it.params[it.off[k]:it.off[k+1]] {
					if grad[p] == 0 {
						touched = append(touched, p)
					}
					grad[p] += d
					if grad[p] == 0 {
						grad[p] = math.SmallestNonzeroFloat64
					}
				}
			}
			for _, p := range touched {
				gi := grad[p] + contrastL2*w[p]
				grad[p] = 0
				g2[p] += gi * gi
				w[p] -= contrastRate * gi / (math.Sqrt(g2[p]) + 1e-8)
			}
		}
	}
	for i := range c.uni {
		c.uni[i] = [3]float64{roundSig(w[3*i], 5), roundSig(w[3*i+1], 5), roundSig(w[3*i+2], 5)}
	}
	return c, nil
}

// itemParams appends the parameters of a (query, text) pair with
// word sets qw and tw.
func (c *contrast) itemParams(dst []int32, qw, tw []string) []int32 {
	i, j := 0, 0
	for i < len(qw) || j < len(tw) {
		switch {
		case j == len(tw) || (i < len(qw) && qw[i] < tw[j]):
			dst = append(dst, 3*c.id(qw[i])+ctQuery)
			i++
		case i == len(qw) || tw[j] < qw[i]:
			dst = append(dst, 3*c.id(tw[j])+ctText)
			j++
		default:
			dst = append(dst, 3*c.id(qw[i])+ctShared)
			i++
			j++
		}
	}
	return dst
}

// fillContrast computes l's contrast features with c.
func (l *List) fillContrast(c *contrast) {
	qid := c.wordIDs(nil, l.q.WordSet)
	for j, t := range l.texts {
		c.textFeatures(l.x[j][:], l.q.WordSet, qid, t, nil)
	}
}

// crossFitContrast fills the contrast features of lists, each from a model
// learned on the lists of the other folds, and returns the model learned
// on all lists. A list's fold is a hash of its query's words, so that
// copies of a list (a domain mix added several times, a question asked
// twice) share a fold: a model that had seen the very list would make the
// features look better in training than they are.
func crossFitContrast(ctx context.Context, lists []List, k int, seed uint64) (*contrast, error) {
	learn := func(skip int) (*contrast, error) {
		var use []int
		for i := range lists {
			if skip < 0 || foldOf(lists[i].q.WordSet, k) != skip {
				use = append(use, i)
			}
		}
		return learnContrast(ctx, lists, use, seed)
	}
	fold := func(i int) int { return foldOf(lists[i].q.WordSet, k) }
	fill := func(i int, c *contrast) { lists[i].fillContrast(c) }
	return crossFit(k, len(lists), fold, learn, fill)
}

// contrastFile is a contrast model's JSON form: the weights of the
// unknown word and of each known word (shared, query only, text only).
type contrastFile struct {
	Unknown []float64            `json:"unknown"`
	Words   map[string][]float64 `json:"words"`
}

func (c *contrast) file() *contrastFile {
	f := &contrastFile{Unknown: c.uni[0][:], Words: make(map[string][]float64, len(c.ids))}
	for w, id := range c.ids {
		f.Words[w] = c.uni[id][:]
	}
	return f
}

// contrastFromFile checks f and builds its model; errors name the word.
func contrastFromFile(f *contrastFile) (*contrast, error) {
	weights := func(what string, ws []float64) ([3]float64, error) {
		var u [3]float64
		if len(ws) != len(u) {
			return u, fmt.Errorf("contrast: %s: %d weights, want %d", what, len(ws), len(u))
		}
		for i, v := range ws {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return u, fmt.Errorf("contrast: %s: bad weight %v", what, v)
			}
			u[i] = v
		}
		return u, nil
	}
	words := make([]string, 0, len(f.Words))
	for w := range f.Words {
		if w == "" {
			return nil, errors.New("contrast: a word is empty")
		}
		words = append(words, w)
	}
	slices.Sort(words)
	c := &contrast{ids: make(map[string]int32, len(words)), uni: make([][3]float64, 1, len(words)+1)}
	var err error
	if c.uni[0], err = weights("unknown", f.Unknown); err != nil {
		return nil, err
	}
	for _, w := range words {
		u, err := weights(fmt.Sprintf("word %q", w), f.Words[w])
		if err != nil {
			return nil, err
		}
		c.ids[w] = int32(len(c.uni))
		c.uni = append(c.uni, u)
	}
	return c, nil
}
