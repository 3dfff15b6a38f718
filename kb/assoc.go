package kb

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// sub, when set, holds the same kind of table over characters (the
	// analysis' uni sets) and over character bigrams (grams): they link
	// parts of words the word table has not seen together, and are robust
	// to segmentation and typos (付款不岀 ~ 付款不出).
	sub [numSubTables]*assoc
	// maxDst, when positive, bounds byDst's lists to their most probable
	// links: a common character is the target of many characters' links,
	// and preparing a query walks every one (see subMaxDst).
	maxDst int
	// pool holds assocQuery values for reuse by searches.
	pool sync.Pool
	// stat caches bg and weight of every word in freq (finish builds it):
	// scoring a candidate text asks for them once per text word.
	stat    map[string]termStat
	unknown termStat // bg and weight of a word not in freq
}

type termStat struct{ bg, w float64 }

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
	// subMaxDst is the sub-tables' maxDst.
	subMaxDst = 32
)

// numAssocFeatures is the number of features a table adds (see
// assocQuery.features); the word table and the character table add as
// many each.
const numAssocFeatures = 6

// The sub-tables of a word table: over characters and over character
// bigrams.
const (
	subChars = iota
	subGrams
	numSubTables
)

// subTableNames name the sub-tables in the JSON form.
var subTableNames = [numSubTables]string{"chars", "grams"}

// assocPair is one paraphrase pair, as the word table (words) and the
// sub-tables (sub) learn from it.
type assocPair struct {
	words [2][]string
	sub   [numSubTables][2][]string
}

// learnAssocPairs learns a word table, with its sub-tables, from pairs.
func learnAssocPairs(ctx context.Context, pairs []assocPair) (*assoc, error) {
	w := make([][2][]string, len(pairs))
	for i, p := range pairs {
		w[i] = p.words
	}
	a, err := learnAssoc(ctx, w)
	if err != nil {
		return nil, err
	}
	for k := range numSubTables {
		for i, p := range pairs {
			w[i] = p.sub[k]
		}
		if a.sub[k], err = learnAssocMax(ctx, w, subMaxDst); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// learnAssoc estimates a table from pairs of word sets (each pair two
// paraphrases) with assocIters rounds of EM. It is deterministic.
func learnAssoc(ctx context.Context, pairs [][2][]string) (*assoc, error) {
	return learnAssocMax(ctx, pairs, 0)
}

// learnAssocMax is learnAssoc for a table with the given maxDst.
func learnAssocMax(ctx context.Context, pairs [][2][]string, maxDst int) (*assoc, error) {
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
	a := &assoc{bySrc: map[string][]assocLink{}, byDst: map[string][]assocLink{}, freq: freq, total: total, maxDst: maxDst}
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

// finish sorts and prunes bySrc, builds byDst from it, and caches each
// word's background statistics.
func (a *assoc) finish() {
	a.stat = make(map[string]termStat, len(a.freq))
	for w, n := range a.freq {
		a.stat[w] = a.computeStat(n)
	}
	a.unknown = a.computeStat(0)
	a.byDst = map[string][]assocLink{}
	for s, links := range a.bySrc {
		slices.SortFunc(links, byProb)
		if len(links) > assocMaxLinks {
			links = links[:assocMaxLinks]
		}
		a.bySrc[s] = links
		for _, l := range links {
			a.byDst[l.word] = append(a.byDst[l.word], assocLink{s, l.p})
		}
	}
	for d, links := range a.byDst {
		if a.maxDst > 0 && len(links) > a.maxDst {
			slices.SortFunc(links, byProb)
			links = links[:a.maxDst]
		}
		slices.SortFunc(links, func(x, y assocLink) int { return strings.Compare(x.word, y.word) })
		a.byDst[d] = links
	}
}

// byProb orders links by decreasing probability, then by word.
func byProb(x, y assocLink) int {
	if x.p != y.p {
		if x.p > y.p {
			return -1
		}
		return 1
	}
	return strings.Compare(x.word, y.word)
}

// bg is the background probability of word w.
func (a *assoc) bg(w string) float64 { return a.termStat(w).bg }

// weight is the IDF-like weight of w under the background model.
func (a *assoc) weight(w string) float64 { return a.termStat(w).w }

// termStat returns w's background probability and weight.
func (a *assoc) termStat(w string) termStat {
	if a.stat == nil { // not finished: compute
		return a.computeStat(a.freq[w])
	}
	if s, ok := a.stat[w]; ok {
		return s
	}
	return a.unknown
}

func (a *assoc) computeStat(n int) termStat {
	bg := (float64(n) + 0.5) / (float64(a.total) + 1)
	return termStat{bg, -math.Log(bg)}
}

// assocQuery is a query prepared for scoring texts with an assoc: for each
// text word, the query words it translates to (forward) and the query
// words that translate to it (reverse). Search takes one from the table's
// pool (getQuery) and returns it (putQuery), so that a search allocates
// nothing for it.
type assocQuery struct {
	a     *assoc
	words []string
	bg    []float64 // background probability of each query word
	wt    []float64 // weight of each query word
	// fwd[v] is the span of links listing (i, P(q_i | v)); rev[u] the span
	// listing (i, P(u | q_i)).
	fwd, rev map[string]linkSpan
	links    []qLink
	// sq[k] is the query's terms prepared for sub-table a.sub[k], by the
	// first subFeatures call after prepare (sqReady[k]).
	sq      [numSubTables]*assocQuery
	sqReady [numSubTables]bool
}

type qLink struct {
	i int
	p float64
}

type linkSpan struct{ start, end int32 }

// maxAssocWords bounds the query words (or characters) the features look
// at.
const maxAssocWords = 64

// query prepares words for scoring; the result is not pooled.
func (a *assoc) query(words []string) *assocQuery {
	q := &assocQuery{fwd: map[string]linkSpan{}, rev: map[string]linkSpan{}}
	q.prepare(a, words)
	return q
}

// getQuery is query with a pooled assocQuery; give it back with putQuery.
func (a *assoc) getQuery(words []string) *assocQuery {
	q, _ := a.pool.Get().(*assocQuery)
	if q == nil {
		q = &assocQuery{fwd: map[string]linkSpan{}, rev: map[string]linkSpan{}}
	}
	q.prepare(a, words)
	return q
}

func (a *assoc) putQuery(q *assocQuery) {
	q.words = nil
	a.pool.Put(q)
}

// each calls f with the forward links (fwd true) or the reverse links of
// query word i, w the word itself. An unknown word stands for itself.
func (a *assoc) each(w string, i int, f func(word string, fwd bool, l qLink)) {
	src, known := a.bySrc[w]
	if !known {
		f(w, false, qLink{i, 1})
	}
	for _, l := range src {
		f(l.word, false, qLink{i, l.p})
	}
	for _, l := range a.byDst[w] {
		f(l.word, true, qLink{i, l.p})
	}
	if !known {
		f(w, true, qLink{i, 1})
	}
}

// prepare fills q for words: two passes over the links, one counting the
// links of each text word and one placing them, so that each text word's
// links are one span of q.links.
func (q *assocQuery) prepare(a *assoc, words []string) {
	if len(words) > maxAssocWords {
		words = words[:maxAssocWords]
	}
	q.a, q.words = a, words
	q.sqReady = [numSubTables]bool{}
	q.bg, q.wt = q.bg[:0], q.wt[:0]
	clear(q.fwd)
	clear(q.rev)
	n := int32(0)
	count := func(word string, fwd bool, _ qLink) {
		m := q.rev
		if fwd {
			m = q.fwd
		}
		sp := m[word]
		sp.end++
		m[word] = sp
		n++
	}
	for i, w := range words {
		q.bg = append(q.bg, a.bg(w))
		q.wt = append(q.wt, a.weight(w))
		a.each(w, i, count)
	}
	// Turn counts into spans: start = end = offset; placing moves end.
	off := int32(0)
	for _, m := range []map[string]linkSpan{q.fwd, q.rev} {
		for k, sp := range m {
			m[k] = linkSpan{off, off}
			off += sp.end
		}
	}
	q.links = slices.Grow(q.links[:0], int(n))[:n]
	place := func(word string, fwd bool, l qLink) {
		m := q.rev
		if fwd {
			m = q.fwd
		}
		sp := m[word]
		q.links[sp.end] = l
		sp.end++
		m[word] = sp
	}
	for i, w := range words {
		a.each(w, i, place)
	}
}

func (q *assocQuery) fwdLinks(u string) []qLink {
	sp, ok := q.fwd[u]
	if !ok {
		return nil
	}
	return q.links[sp.start:sp.end]
}

func (q *assocQuery) revLinks(u string) []qLink {
	sp, ok := q.rev[u]
	if !ok {
		return nil
	}
	return q.links[sp.start:sp.end]
}

// subFeatures writes sub-table k's association features of a text with
// terms tt (its uni or grams set) into x, for a query with terms qt (of
// the query q was prepared for); zeros without that table.
func (q *assocQuery) subFeatures(k int, x []float64, qt, tt []string) {
	sa := q.a.sub[k]
	if sa == nil {
		clear(x[:numAssocFeatures])
		return
	}
	if !q.sqReady[k] {
		if q.sq[k] == nil {
			q.sq[k] = &assocQuery{fwd: map[string]linkSpan{}, rev: map[string]linkSpan{}}
		}
		q.sq[k].prepare(sa, qt)
		q.sqReady[k] = true
	}
	q.sq[k].features(x, tt)
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
	var rdiffCov, rdiffW float64
	for _, u := range t {
		for _, l := range q.fwdLinks(u) {
			sum[l.i] += l.p
			best[l.i] = max(best[l.i], l.p)
		}
		// Reverse: how well the query explains text word u.
		pu, bu := 0.0, 0.0
		for _, l := range q.revLinks(u) {
			pu += l.p
			bu = max(bu, l.p)
		}
		pu /= float64(nq)
		st := q.a.termStat(u)
		if pu > 0 { // log1p(0) adds nothing
			revLL += math.Log1p(pu / st.bg)
		}
		w := st.w
		revCov += w * bu
		revW += w
		// The same coverage over the text words the query lacks only.
		if _, shared := slices.BinarySearch(q.words, u); !shared {
			rdiffCov += w * bu
			rdiffW += w
		}
	}
	var fwdLL, fwdCov, fwdW float64
	// The same coverage over the words the two sides do not share only:
	// how well the table bridges what overlap features count as missing.
	var diffCov, diffW float64
	for i := range nq {
		if p := sum[i] / float64(len(t)); p > 0 {
			fwdLL += math.Log1p(p / q.bg[i])
		}
		fwdCov += q.wt[i] * min(best[i], 1)
		fwdW += q.wt[i]
		if _, shared := slices.BinarySearch(t, q.words[i]); !shared {
			diffCov += q.wt[i] * min(best[i], 1)
			diffW += q.wt[i]
		}
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
	// Chars and Grams are the character and bigram tables, if any.
	Chars *assocFile `json:"chars,omitempty"`
	Grams *assocFile `json:"grams,omitempty"`
}

// subs points to f's sub-table fields, in sub-table order.
func (f *assocFile) subs() [numSubTables]**assocFile {
	return [numSubTables]**assocFile{&f.Chars, &f.Grams}
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
	for k, sub := range f.subs() {
		if a.sub[k] != nil {
			*sub = a.sub[k].file()
		}
	}
	return f
}

func assocFromFile(f *assocFile) (*assoc, error) {
	return assocFromFileMax(f, 0)
}

// assocFromFileMax is assocFromFile for a table with the given maxDst.
func assocFromFileMax(f *assocFile, maxDst int) (*assoc, error) {
	a := &assoc{bySrc: map[string][]assocLink{}, freq: make(map[string]int, len(f.Words)), total: f.Total, maxDst: maxDst}
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
	for k, sub := range f.subs() {
		if *sub == nil {
			continue
		}
		s, err := assocFromFileMax(*sub, subMaxDst)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", subTableNames[k], err)
		}
		a.sub[k] = s
	}
	a.finish()
	return a, nil
}
