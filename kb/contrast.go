package kb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// contrast is a learned word-contrast model. It scores a (query, text)
// pair by a weight for each word the two share, a weight for each word
// only the query has, one for each word only the text has, and a weight
// for each pair of a query-only and a text-only word. The weights are
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
	// pairs maps pairKey(query-only id, text-only id) to its weight.
	pairs map[uint64]float64
}

// The parts of a contrast score.
const (
	ctShared = iota
	ctQuery
	ctText
)

// numContrastFeatures is the number of features a contrast model adds.
const numContrastFeatures = 4

// Training parameters of a contrast model.
const (
	contrastMinLists = 3    // lists a word must occur in to have own weights
	contrastMinPairs = 3    // (list, text) occurrences a pair needs
	contrastEpochs   = 4    // passes over the lists
	contrastRate     = 0.05 // AdaGrad learning rate
	contrastL2       = 1e-4
)

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// id returns w's id, 0 (the unknown word) when c does not know it.
func (c *contrast) id(w string) int32 { return c.ids[w] }

// queryIDs appends the ids of the query's words to dst.
func (c *contrast) queryIDs(dst []int32, words []string) []int32 {
	for _, w := range words {
		dst = append(dst, c.id(w))
	}
	return dst
}

// textFeatures writes the contrast features of a text with words tw to
// x[firstContrastFeature:]: for a query with words qw (ids qid).
func (c *contrast) textFeatures(x []float64, qw []string, qid []int32, tw []string) {
	var part [3]float64
	var pair float64
	var qbuf, tbuf [32]int32
	qonly, tonly := qbuf[:0], tbuf[:0]
	i, j := 0, 0
	for i < len(qw) || j < len(tw) {
		switch {
		case j == len(tw) || (i < len(qw) && qw[i] < tw[j]):
			id := qid[i]
			part[ctQuery] += c.uni[id][ctQuery]
			if id != 0 {
				qonly = append(qonly, id)
			}
			i++
		case i == len(qw) || tw[j] < qw[i]:
			id := c.id(tw[j])
			part[ctText] += c.uni[id][ctText]
			if id != 0 {
				tonly = append(tonly, id)
			}
			j++
		default:
			part[ctShared] += c.uni[qid[i]][ctShared]
			i++
			j++
		}
	}
	if len(c.pairs) > 0 {
		for _, a := range qonly {
			for _, b := range tonly {
				pair += c.pairs[pairKey(a, b)]
			}
		}
	}
	x[firstContrastFeature] = part[ctShared] + part[ctQuery] + part[ctText] + pair
	x[firstContrastFeature+1] = part[ctShared]
	x[firstContrastFeature+2] = part[ctQuery] + part[ctText]
	x[firstContrastFeature+3] = pair
}

// contrastItems is the training form of lists: for each text of each
// list, the indexes of the parameters its score sums.
type contrastItems struct {
	lists []int // index into the trainList slice
	// params[off[k]:off[k+1]] are the parameters of the k-th text, the
	// texts of list i being texts[i]:texts[i+1] of all.
	params []int32
	off    []int
	texts  []int
}

// learnContrast learns a contrast model from lists[i] for each i in use,
// with or without pair weights.
func learnContrast(ctx context.Context, lists []trainList, use []int, pairs bool, l2 float64, seed uint64) (*contrast, error) {
	if len(use) == 0 {
		return nil, errors.New("kb: learn contrast: no lists")
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
		mark(l.q.wordSet)
		for _, t := range l.texts {
			mark(t.wordSet)
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
	// Pair vocabulary.
	pairIndex := map[uint64]int32{}
	if pairs {
		count := map[uint64]int32{}
		var qo, to []int32
		for _, li := range use {
			l := &lists[li]
			for _, t := range l.texts {
				qo, to = c.diff(qo[:0], to[:0], l.q.wordSet, t.wordSet)
				for _, a := range qo {
					for _, b := range to {
						count[pairKey(a, b)]++
					}
				}
			}
		}
		keys := make([]uint64, 0)
		for k, n := range count {
			if n >= contrastMinPairs {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for i, k := range keys {
			pairIndex[k] = int32(3*len(c.uni) + i)
		}
	}
	nParams := 3*len(c.uni) + len(pairIndex)
	// Items.
	var it contrastItems
	var qo, to []int32
	for _, li := range use {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("kb: learn contrast: %w", err)
		}
		l := &lists[li]
		it.lists = append(it.lists, li)
		it.texts = append(it.texts, len(it.off))
		for _, t := range l.texts {
			it.off = append(it.off, len(it.params))
			it.params = c.itemParams(it.params, l.q.wordSet, t.wordSet)
			if len(pairIndex) > 0 {
				qo, to = c.diff(qo[:0], to[:0], l.q.wordSet, t.wordSet)
				for _, a := range qo {
					for _, b := range to {
						if p, ok := pairIndex[pairKey(a, b)]; ok {
							it.params = append(it.params, p)
						}
					}
				}
			}
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
			return nil, fmt.Errorf("kb: learn contrast: %w", err)
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
				gi := grad[p] + l2*w[p]
				grad[p] = 0
				g2[p] += gi * gi
				w[p] -= contrastRate * gi / (math.Sqrt(g2[p]) + 1e-8)
			}
		}
	}
	for i := range c.uni {
		c.uni[i] = [3]float64{roundWeight(w[3*i]), roundWeight(w[3*i+1]), roundWeight(w[3*i+2])}
	}
	if len(pairIndex) > 0 {
		c.pairs = make(map[uint64]float64, len(pairIndex))
		for k, p := range pairIndex {
			if v := roundWeight(w[p]); v != 0 {
				c.pairs[k] = v
			}
		}
	}
	return c, nil
}

// itemParams appends the unary parameters of a (query, text) pair with
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

// diff appends the known ids of the words only in qw to qo and of those
// only in tw to to.
func (c *contrast) diff(qo, to []int32, qw, tw []string) ([]int32, []int32) {
	i, j := 0, 0
	for i < len(qw) || j < len(tw) {
		switch {
		case j == len(tw) || (i < len(qw) && qw[i] < tw[j]):
			if id := c.id(qw[i]); id != 0 {
				qo = append(qo, id)
			}
			i++
		case i == len(qw) || tw[j] < qw[i]:
			if id := c.id(tw[j]); id != 0 {
				to = append(to, id)
			}
			j++
		default:
			i++
			j++
		}
	}
	return qo, to
}

// fillContrast computes l's contrast features with c.
func (l *trainList) fillContrast(c *contrast) {
	qid := c.queryIDs(nil, l.q.wordSet)
	for j, t := range l.texts {
		c.textFeatures(l.x[j][:], l.q.wordSet, qid, t.wordSet)
	}
}

// crossFitContrast fills the contrast features of lists, each from a model
// learned on the lists of the other folds, and returns the model learned
// on all lists. A list's fold is a hash of its query's words, so that
// copies of a list (a domain mix added several times, a question asked
// twice) share a fold: a model that had seen the very list would make the
// features look better in training than they are.
func crossFitContrast(ctx context.Context, lists []trainList, k int, cfg TrainConfig) (*contrast, error) {
	l2 := contrastL2
	if cfg.contrastL2 > 0 {
		l2 = cfg.contrastL2
	}
	all := make([]int, len(lists))
	for i := range all {
		all[i] = i
	}
	if k > 1 {
		for f := range k {
			var use []int
			for i := range lists {
				if foldOf(lists[i].q.wordSet, k) != f {
					use = append(use, i)
				}
			}
			c, err := learnContrast(ctx, lists, use, cfg.contrastPairs, l2, cfg.Seed)
			if err != nil {
				return nil, err
			}
			for i := range lists {
				if foldOf(lists[i].q.wordSet, k) == f {
					lists[i].fillContrast(c)
				}
			}
		}
	}
	c, err := learnContrast(ctx, lists, all, cfg.contrastPairs, l2, cfg.Seed)
	if err != nil {
		return nil, err
	}
	if k <= 1 {
		for i := range lists {
			lists[i].fillContrast(c)
		}
	}
	return c, nil
}

// contrastFile is a contrast model's JSON form: the weights of the
// unknown word and of each known word (shared, query only, text only), and
// the pair weights keyed "query word\ttext word".
type contrastFile struct {
	Unknown [3]float64            `json:"unknown"`
	Words   map[string][3]float64 `json:"words"`
	Pairs   map[string]float64    `json:"pairs,omitempty"`
}

func (c *contrast) file() *contrastFile {
	f := &contrastFile{Unknown: c.uni[0], Words: make(map[string][3]float64, len(c.ids))}
	names := make([]string, len(c.uni))
	for w, id := range c.ids {
		f.Words[w] = c.uni[id]
		names[id] = w
	}
	if len(c.pairs) > 0 {
		f.Pairs = make(map[string]float64, len(c.pairs))
		for k, v := range c.pairs {
			f.Pairs[names[k>>32]+"\t"+names[uint32(k)]] = v
		}
	}
	return f
}

func contrastFromFile(f *contrastFile) (*contrast, error) {
	words := make([]string, 0, len(f.Words))
	for w := range f.Words {
		if w == "" {
			return nil, errors.New("contrast: empty word")
		}
		words = append(words, w)
	}
	slices.Sort(words)
	c := &contrast{ids: make(map[string]int32, len(words)), uni: make([][3]float64, 1, len(words)+1)}
	c.uni[0] = f.Unknown
	for _, w := range words {
		c.ids[w] = int32(len(c.uni))
		c.uni = append(c.uni, f.Words[w])
	}
	if len(f.Pairs) > 0 {
		c.pairs = make(map[uint64]float64, len(f.Pairs))
		for k, v := range f.Pairs {
			a, b, ok := strings.Cut(k, "\t")
			ia, ib := c.ids[a], c.ids[b]
			if !ok || ia == 0 || ib == 0 {
				return nil, fmt.Errorf("contrast: pair %q: not two known words", k)
			}
			c.pairs[pairKey(ia, ib)] = v
		}
	}
	for _, u := range c.uni {
		for _, v := range u {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("contrast: bad weight")
			}
		}
	}
	return c, nil
}

// roundWeight rounds w to 5 significant digits: what the JSON form keeps
// short, applied when learning so that a written model scores as the
// learned one did.
func roundWeight(w float64) float64 {
	if w == 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return w
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(w, 'g', 5, 64), 64)
	return v
}

// foldOf is the fold of k of an example whose query has the words ws.
func foldOf(ws []string, k int) int {
	h := fnv.New32a()
	for _, w := range ws {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return int(h.Sum32() % uint32(k))
}
