package kb

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// assoc is a learned word-association ("translation") table: P(a | b), the
// chance that a user who means the text holding word b writes word a. It is
// estimated IBM-Model-1 style from paraphrase pairs (labeled queries and
// the texts of the entries they ask for), both directions pooled, so it
// learns colloquial equivalents that overlap features miss (还钱 ~ 还款,
// 用不了 ~ 不能用). A word the table has never seen as a source translates
// to itself. An assoc is immutable once built.
type assoc struct {
	// bySrc[b] lists the words a with P(a | b) kept after pruning.
	bySrc map[string][]assocLink
	// byDst[a] lists the words b with P(a | b) kept, for the query side.
	byDst map[string][]assocLink
	// freq is each word's count over the training texts, total their sum:
	// the background model the translation likelihood is compared with.
	freq  map[string]int
	total int
}

type assocLink struct {
	word string
	p    float64
}

// Pruning of a learned table: links below assocMinP are dropped, and a
// source keeps at most assocMaxLinks links.
const (
	assocMinP     = 0.02
	assocMaxLinks = 24
	assocIters    = 8
)

// numAssocFeatures is the number of features the table adds (see
// assocFeatures).
const numAssocFeatures = 6

// learnAssoc estimates a table from pairs of word sets (each pair two
// paraphrases) with assocIters rounds of EM. It is deterministic.
func learnAssoc(ctx context.Context, pairs [][2][]string) (*assoc, error) {
	ids := map[string]int32{}
	var words []string
	id := func(w string) int32 {
		if i, ok := ids[w]; ok {
			return i
		}
		i := int32(len(words))
		ids[w] = i
		words = append(words, w)
		return i
	}
	const null = -1
	freq := map[string]int{}
	total := 0
	type sent []int32
	var src, dst []sent
	for _, p := range pairs {
		a, b := make(sent, 0, len(p[0])), make(sent, 0, len(p[1]))
		for _, w := range p[0] {
			a = append(a, id(w))
			freq[w]++
		}
		for _, w := range p[1] {
			b = append(b, id(w))
			freq[w]++
		}
		total += len(a) + len(b)
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		src = append(src, a, b)
		dst = append(dst, b, a)
	}
	key := func(s, d int32) uint64 { return uint64(uint32(s))<<32 | uint64(uint32(d)) }
	t := map[uint64]float64{}
	for i := range src {
		for _, d := range dst[i] {
			t[key(null, d)] = 1
			for _, s := range src[i] {
				t[key(s, d)] = 1
			}
		}
	}
	count := make(map[uint64]float64, len(t))
	totals := map[int32]float64{}
	for range assocIters {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("kb: learn associations: %w", err)
		}
		clear(count)
		clear(totals)
		for i := range src {
			for _, d := range dst[i] {
				z := t[key(null, d)]
				for _, s := range src[i] {
					z += t[key(s, d)]
				}
				c := t[key(null, d)] / z
				count[key(null, d)] += c
				totals[null] += c
				for _, s := range src[i] {
					c := t[key(s, d)] / z
					count[key(s, d)] += c
					totals[s] += c
				}
			}
		}
		for k, c := range count {
			t[k] = c / totals[int32(uint32(k>>32))]
		}
	}
	a := &assoc{bySrc: map[string][]assocLink{}, byDst: map[string][]assocLink{}, freq: freq, total: total}
	for k, p := range t {
		s, d := int32(uint32(k>>32)), int32(uint32(k))
		if s == null || p < assocMinP {
			continue
		}
		a.bySrc[words[s]] = append(a.bySrc[words[s]], assocLink{words[d], p})
	}
	a.finish()
	return a, nil
}

// finish sorts and prunes bySrc and builds byDst from it.
func (a *assoc) finish() {
	a.byDst = map[string][]assocLink{}
	for s, links := range a.bySrc {
		slices.SortFunc(links, func(x, y assocLink) int {
			if x.p != y.p {
				if x.p > y.p {
					return -1
				}
				return 1
			}
			return strings.Compare(x.word, y.word)
		})
		if len(links) > assocMaxLinks {
			links = links[:assocMaxLinks]
		}
		a.bySrc[s] = links
		for _, l := range links {
			a.byDst[l.word] = append(a.byDst[l.word], assocLink{s, l.p})
		}
	}
	for d, links := range a.byDst {
		slices.SortFunc(links, func(x, y assocLink) int { return strings.Compare(x.word, y.word) })
		a.byDst[d] = links
	}
}

// bg is the background probability of word w.
func (a *assoc) bg(w string) float64 {
	return (float64(a.freq[w]) + 0.5) / (float64(a.total) + 1)
}

// weight is the IDF-like weight of w under the background model.
func (a *assoc) weight(w string) float64 { return -math.Log(a.bg(w)) }

// assocQuery is a query prepared for scoring texts with an assoc: for each
// text word, the query words it translates to (forward) and the query
// words that translate to it (reverse).
type assocQuery struct {
	a     *assoc
	words []string
	bg    []float64 // background probability of each query word
	wt    []float64 // weight of each query word
	// fwd[v] lists (i, P(q_i | v)); rev[u] lists (i, P(u | q_i)).
	fwd, rev map[string][]qLink
}

type qLink struct {
	i int
	p float64
}

// maxAssocWords bounds the query words the features look at.
const maxAssocWords = 32

func (a *assoc) query(words []string) *assocQuery {
	if len(words) > maxAssocWords {
		words = words[:maxAssocWords]
	}
	q := &assocQuery{a: a, words: words, fwd: map[string][]qLink{}, rev: map[string][]qLink{}}
	q.bg = make([]float64, len(words))
	q.wt = make([]float64, len(words))
	for i, w := range words {
		q.bg[i] = a.bg(w)
		q.wt[i] = a.weight(w)
		if _, ok := a.bySrc[w]; !ok {
			q.rev[w] = append(q.rev[w], qLink{i, 1})
		} else {
			for _, l := range a.bySrc[w] {
				q.rev[l.word] = append(q.rev[l.word], qLink{i, l.p})
			}
		}
		for _, l := range a.byDst[w] {
			q.fwd[l.word] = append(q.fwd[l.word], qLink{i, l.p})
		}
		if _, ok := a.bySrc[w]; !ok {
			q.fwd[w] = append(q.fwd[w], qLink{i, 1}) // an unknown word stands for itself
		}
	}
	return q
}

// features writes the association features of text words t into x:
// forward and reverse translation log-likelihood ratios against the
// background (mean over words, IBM Model 1 with uniform alignment) and
// forward and reverse weighted coverage by the best-aligned word.
func (q *assocQuery) features(x []float64, t []string) {
	nq := len(q.words)
	if nq == 0 || len(t) == 0 {
		clear(x[:numAssocFeatures])
		return
	}
	var sum, best [maxAssocWords]float64
	var revLL, revCov, revW float64
	for _, u := range t {
		for _, l := range q.fwd[u] {
			sum[l.i] += l.p
			best[l.i] = max(best[l.i], l.p)
		}
		// Reverse: how well the query explains text word u.
		pu, bu := 0.0, 0.0
		for _, l := range q.rev[u] {
			pu += l.p
			bu = max(bu, l.p)
		}
		pu /= float64(nq)
		revLL += math.Log1p(pu / q.a.bg(u))
		w := q.a.weight(u)
		revCov += w * bu
		revW += w
	}
	var fwdLL, fwdCov, fwdW float64
	// The same coverage over the words the two sides do not share only:
	// how well the table bridges what overlap features count as missing.
	var diffCov, diffW float64
	for i := range nq {
		p := sum[i] / float64(len(t))
		fwdLL += math.Log1p(p / q.bg[i])
		fwdCov += q.wt[i] * min(best[i], 1)
		fwdW += q.wt[i]
		if _, shared := slices.BinarySearch(t, q.words[i]); !shared {
			diffCov += q.wt[i] * min(best[i], 1)
			diffW += q.wt[i]
		}
	}
	var rdiffCov, rdiffW float64
	for _, u := range t {
		if _, shared := slices.BinarySearch(q.words, u); shared {
			continue
		}
		bu := 0.0
		for _, l := range q.rev[u] {
			bu = max(bu, l.p)
		}
		w := q.a.weight(u)
		rdiffCov += w * bu
		rdiffW += w
	}
	x[0] = fwdLL / float64(nq)
	x[1] = revLL / float64(len(t))
	x[2] = fwdCov / fwdW
	x[3] = revCov / revW
	x[4], x[5] = 1, 1 // nothing unshared: nothing left to bridge
	if diffW > 0 {
		x[4] = diffCov / diffW
	}
	if rdiffW > 0 {
		x[5] = rdiffCov / rdiffW
	}
}

// The JSON form of an assoc: total, then per source word a line
// "count<TAB>word p word p ...".
type assocFile struct {
	Total int               `json:"total"`
	Words map[string]string `json:"words"`
}

func (a *assoc) file() *assocFile {
	f := &assocFile{Total: a.total, Words: make(map[string]string, len(a.freq))}
	for w, n := range a.freq {
		var b strings.Builder
		b.WriteString(strconv.Itoa(n))
		for _, l := range a.bySrc[w] {
			b.WriteByte(' ')
			b.WriteString(l.word)
			b.WriteByte(' ')
			b.WriteString(strconv.FormatFloat(l.p, 'g', 3, 64))
		}
		f.Words[w] = b.String()
	}
	return f
}

func assocFromFile(f *assocFile) (*assoc, error) {
	a := &assoc{bySrc: map[string][]assocLink{}, freq: make(map[string]int, len(f.Words)), total: f.Total}
	for w, line := range f.Words {
		fields := strings.Fields(line)
		if len(fields)%2 != 1 {
			return nil, fmt.Errorf("associations of %q: odd number of fields", w)
		}
		n, err := strconv.Atoi(fields[0])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("associations of %q: bad count %q", w, fields[0])
		}
		a.freq[w] = n
		for i := 1; i < len(fields); i += 2 {
			p, err := strconv.ParseFloat(fields[i+1], 64)
			if err != nil || !(p > 0 && p <= 1) {
				return nil, fmt.Errorf("associations of %q: bad probability %q", w, fields[i+1])
			}
			a.bySrc[w] = append(a.bySrc[w], assocLink{fields[i], p})
		}
	}
	if a.total <= 0 {
		return nil, fmt.Errorf("associations: total %d must be positive", a.total)
	}
	a.finish()
	return a, nil
}
