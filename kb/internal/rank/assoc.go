package rank

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// freq is each word's count over the training texts, total their sum:
	// the background model the translation likelihood is compared with.
	freq  map[string]int
	total int
	// sub, when set, holds the same kind of table over characters (the
	// Analysis' Uni sets) and over character bigrams (Grams): they link
	// parts of words the word table has not seen together, and are robust
	// to segmentation and typos (付款不岀 ~ 付款不出).
	sub [numSubTables]*assoc
	// maxDst, when positive, bounds byDst's lists to their most probable
	// links: a common character is the target of many characters' links,
	// and preparing a query walks every one (see subMaxDst).
	maxDst  int
	unknown termStat // bg and weight of a word not in freq
	// ids numbers every word the table knows (freq's and the links'), in
	// sorted order, and idStat and idSrc are each word's bg and weight
	// and bySrc by number; idDst[a] lists, for the query side, the words
	// b with P(a | b) kept, by number, at most maxDst of them when maxDst
	// is positive (finish builds them). Indexed texts carry their terms'
	// numbers (termIDs), so that scoring a text reads slices, not maps.
	ids    map[string]int32
	idStat []termStat
	idSrc  [][]idLink
	idDst  [][]idLink
}

type idLink struct {
	id int32
	p  float64
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
	// assocDigits is the number of significant digits a probability
	// keeps.
	assocDigits = 3
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

// Pair is one paraphrase pair (a labeled query and the question of its
// entry), as the word table (words) and the sub-tables (sub) learn from it.
type Pair struct {
	words [2][]string
	sub   [numSubTables][2][]string
}

// NewPair returns the pair of query q and text t.
func NewPair(q, t *Analysis) Pair {
	return Pair{
		words: [2][]string{q.WordSet, t.WordSet},
		sub:   [numSubTables][2][]string{subChars: {q.Uni, t.Uni}, subGrams: {q.Grams, t.Grams}},
	}
}

// learnAssocPairs learns a word table, with its sub-tables, from pairs.
func learnAssocPairs(ctx context.Context, pairs []Pair) (*assoc, error) {
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
			return nil, fmt.Errorf("learn associations: %w", err)
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
	a := &assoc{bySrc: map[string][]assocLink{}, freq: freq, total: total, maxDst: maxDst}
	for k, p := range t {
		s, d := int32(uint32(k>>32)), int32(uint32(k))
		if s == null || p < assocMinP {
			continue
		}
		// Rounded as the JSON form keeps it, so that a written table
		// scores as the learned one did.
		a.bySrc[words[s]] = append(a.bySrc[words[s]], assocLink{words[d], roundSig(p, assocDigits)})
	}
	a.finish()
	return a, nil
}

// finish sorts and prunes bySrc, and numbers the words with their
// background statistics and links (number).
func (a *assoc) finish() {
	a.unknown = a.computeStat(0)
	for s, links := range a.bySrc {
		slices.SortFunc(links, byProb)
		if len(links) > assocMaxLinks {
			a.bySrc[s] = links[:assocMaxLinks]
		}
	}
	a.number()
}

// number builds ids, idStat, idSrc and idDst, numbering the words in
// sorted order: freq's words, the sources' and the words links name.
// Numbers compare as their words do, so idDst's lists are built in order
// of their source's number, each cut to the maxDst most probable (by
// byProb's order) when longer.
func (a *assoc) number() {
	// The words links name are words of the texts learned from, so in
	// freq, unless a file says otherwise: number without looking at them
	// first.
	words := make([]string, 0, len(a.freq))
	for w := range a.freq {
		words = append(words, w)
	}
	for s := range a.bySrc {
		if _, ok := a.freq[s]; !ok {
			words = append(words, s)
		}
	}
	if a.numberWords(words) {
		return
	}
	set := make(map[string]struct{}, len(words))
	for _, w := range words {
		set[w] = struct{}{}
	}
	for _, links := range a.bySrc {
		for _, l := range links {
			set[l.word] = struct{}{}
		}
	}
	words = words[:0]
	for w := range set {
		words = append(words, w)
	}
	a.numberWords(words)
}

// numberWords is number with words, which it sorts, as every word there
// is. It reports false, leaving the numbering unfinished, when a link
// names a word not in words.
func (a *assoc) numberWords(words []string) bool {
	nlinks := 0
	for _, links := range a.bySrc {
		nlinks += len(links)
	}
	slices.Sort(words)
	a.ids = make(map[string]int32, len(words))
	for i, w := range words {
		a.ids[w] = int32(i)
	}
	a.idStat = make([]termStat, len(words))
	a.idSrc = make([][]idLink, len(words))
	a.idDst = make([][]idLink, len(words))
	srcLinks := make([]idLink, nlinks)
	ndst := make([]int32, len(words))
	for i, w := range words {
		a.idStat[i] = a.computeStat(a.freq[w])
		links := a.bySrc[w]
		if len(links) == 0 {
			continue
		}
		out := srcLinks[:len(links):len(links)]
		srcLinks = srcLinks[len(links):]
		for j, l := range links {
			d, ok := a.ids[l.word]
			if !ok {
				return false
			}
			out[j] = idLink{d, l.p}
			ndst[d]++
		}
		a.idSrc[i] = out
	}
	dstLinks := make([]idLink, nlinks)
	for d, n := range ndst {
		if n > 0 {
			a.idDst[d] = dstLinks[:0:n]
			dstLinks = dstLinks[n:]
		}
	}
	for s, links := range a.idSrc {
		for _, l := range links {
			a.idDst[l.id] = append(a.idDst[l.id], idLink{int32(s), l.p})
		}
	}
	if a.maxDst <= 0 {
		return true
	}
	for d, links := range a.idDst {
		if len(links) > a.maxDst {
			slices.SortFunc(links, idByProb)
			links = links[:a.maxDst]
			slices.SortFunc(links, func(x, y idLink) int { return cmp.Compare(x.id, y.id) })
			a.idDst[d] = links
		}
	}
	return true
}

// appendFields appends the fields of s to dst as strings.Fields splits
// it: around each run of white space (unicode.IsSpace).
func appendFields(dst []string, s string) []string {
	start := -1 // of the current field
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if unicode.IsSpace(r) {
			if start >= 0 {
				dst = append(dst, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += n
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// idByProb is byProb for numbered links.
func idByProb(x, y idLink) int {
	if x.p != y.p {
		if x.p > y.p {
			return -1
		}
		return 1
	}
	return cmp.Compare(x.id, y.id)
}

// termIDs are a text's terms numbered in one table (words) and in its
// sub-tables (sub), -1 for a term the table does not know.
type termIDs struct {
	a     *assoc
	words []int32
	sub   [numSubTables][]int32
}

// textIDs numbers t's terms in a and its sub-tables.
func (a *assoc) textIDs(t *Analysis) *termIDs {
	buf := make([]int32, 0, len(t.WordSet)+len(t.Uni)+len(t.Grams))
	ids := &termIDs{a: a}
	buf = a.lookupIDs(buf, t.WordSet)
	ids.words = buf[:len(t.WordSet):len(t.WordSet)]
	for k, terms := range subTerms(t) {
		n := len(buf)
		buf = a.sub[k].lookupIDs(buf, terms)
		ids.sub[k] = buf[n:len(buf):len(buf)]
	}
	return ids
}

// lookupIDs appends the number of each of terms to dst (-1 when unknown,
// and for every term when a is nil).
func (a *assoc) lookupIDs(dst []int32, terms []string) []int32 {
	for _, w := range terms {
		id := int32(-1)
		if a != nil {
			if i, ok := a.ids[w]; ok {
				id = i
			}
		}
		dst = append(dst, id)
	}
	return dst
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

// termStat returns w's background probability and weight.
func (a *assoc) termStat(w string) termStat {
	if a.ids == nil { // not finished: compute
		return a.computeStat(a.freq[w])
	}
	if id, ok := a.ids[w]; ok {
		return a.idStat[id]
	}
	return a.unknown
}

func (a *assoc) computeStat(n int) termStat {
	bg := (float64(n) + 0.5) / (float64(a.total) + 1)
	return termStat{bg, -math.Log(bg)}
}

// subTerms are t's terms as the sub-tables see them.
func subTerms(t *Analysis) [numSubTables][]string {
	return [numSubTables][]string{subChars: t.Uni, subGrams: t.Grams}
}

// assocQuery is a query prepared for scoring texts with an assoc: for each
// text term, the query words it translates to (forward) and the query
// words that translate to it (reverse). The links are kept by the text
// term's number in a small open-addressing table (slots), which texts'
// numbered terms (termIDs) look up. A Query keeps one from search to
// search, so that a search allocates nothing for it.
type assocQuery struct {
	a     *assoc
	words []string
	ids   []int32   // each query word's number, -1 when a does not know it
	unk   []int32   // the indexes of the query words a does not know
	bg    []float64 // background probability of each query word
	wt    []float64 // weight of each query word
	slots []qSlot   // a power of two long, at most half full
	shift uint8     // 32 - log2(len(slots))
	links []qLink
	// sq[k] is the query's terms prepared for sub-table a.sub[k], when
	// there is one (prepareAll).
	sq [numSubTables]*assocQuery
}

// qSlot holds the links of one text term: fwd spans the links (i, P(q_i |
// term)), rev the links (i, P(term | q_i)), in q.links. word is the index
// of the query word that is this term, -1 when none.
type qSlot struct {
	key      int32 // the term's number + 1; 0 marks an empty slot
	word     int32
	fwd, rev linkSpan
}

type qLink struct {
	i int
	p float64
}

type linkSpan struct{ start, end int32 }

// maxAssocWords bounds the query words (or characters) the features look
// at.
const maxAssocWords = 64

// query prepares the terms of qa for scoring with a and its sub-tables.
func (a *assoc) query(qa *Analysis) *assocQuery {
	q := &assocQuery{}
	q.prepareAll(a, qa)
	return q
}

// prepareAll prepares q for qa's words in a and for its characters and
// bigrams in a's sub-tables.
func (q *assocQuery) prepareAll(a *assoc, qa *Analysis) {
	q.prepare(a, qa.WordSet)
	for k, terms := range subTerms(qa) {
		if a.sub[k] == nil {
			continue
		}
		if q.sq[k] == nil {
			q.sq[k] = &assocQuery{}
		}
		q.sq[k].prepare(a.sub[k], terms)
	}
}

// unknownStat is the termStat of a word a has not numbered.
func (a *assoc) unknownStat(w string) termStat {
	if a.ids == nil { // not finished
		return a.computeStat(a.freq[w])
	}
	return a.unknown
}

// find returns the slot of the term numbered id, nil when no query word
// links to it.
func (q *assocQuery) find(id int32) *qSlot {
	if s := q.probe(id); s.key != 0 {
		return s
	}
	return nil
}

// slot is find that adds the slot when missing.
func (q *assocQuery) slot(id int32) *qSlot {
	s := q.probe(id)
	if s.key == 0 {
		s.key, s.word = id+1, -1
	}
	return s
}

// probe returns the slot holding id or, when none does, the empty slot
// where it would go.
func (q *assocQuery) probe(id int32) *qSlot {
	mask := uint32(len(q.slots) - 1)
	for h := homeSlot(uint32(id), q.shift); ; h = (h + 1) & mask {
		if s := &q.slots[h]; s.key == id+1 || s.key == 0 {
			return s
		}
	}
}

// each calls f with the forward links (fwd true) or the reverse links of
// query word i, numbered id; a word the table has no links from stands
// for itself.
func (a *assoc) each(id int32, i int, f func(id int32, fwd bool, l qLink)) {
	src := a.idSrc[id]
	if len(src) == 0 {
		f(id, false, qLink{i, 1})
	}
	for _, l := range src {
		f(l.id, false, qLink{i, l.p})
	}
	for _, l := range a.idDst[id] {
		f(l.id, true, qLink{i, l.p})
	}
	if len(src) == 0 {
		f(id, true, qLink{i, 1})
	}
}

// prepare fills q for words: two passes over the links, one counting the
// links of each text term and one placing them, so that each term's
// forward and reverse links are two spans of q.links. A query word the
// table does not know links only to itself; it is kept in unk instead.
func (q *assocQuery) prepare(a *assoc, words []string) {
	if len(words) > maxAssocWords {
		words = words[:maxAssocWords]
	}
	q.a, q.words = a, words
	q.bg, q.wt, q.ids, q.unk = q.bg[:0], q.wt[:0], q.ids[:0], q.unk[:0]
	keys := 0 // at least the number of distinct terms linked to
	for i, w := range words {
		id, ok := a.ids[w]
		st := a.unknownStat(w)
		if ok {
			st = a.idStat[id]
			keys += 1 + len(a.idSrc[id]) + len(a.idDst[id])
		} else {
			id = -1
			q.unk = append(q.unk, int32(i))
		}
		q.ids = append(q.ids, id)
		q.bg = append(q.bg, st.bg)
		q.wt = append(q.wt, st.w)
	}
	q.slots, q.shift = hashSlots(q.slots, keys)
	n := int32(0)
	count := func(id int32, fwd bool, _ qLink) {
		s := q.slot(id)
		if fwd {
			s.fwd.end++
		} else {
			s.rev.end++
		}
		n++
	}
	for i, id := range q.ids {
		if id >= 0 {
			q.slot(id).word = int32(i)
			a.each(id, i, count)
		}
	}
	// Turn counts into spans: start = end = offset; placing moves end.
	off := int32(0)
	for j := range q.slots {
		s := &q.slots[j]
		if s.key == 0 {
			continue
		}
		nf, nr := s.fwd.end, s.rev.end
		s.fwd = linkSpan{off, off}
		s.rev = linkSpan{off + nf, off + nf}
		off += nf + nr
	}
	q.links = slices.Grow(q.links[:0], int(n))[:n]
	place := func(id int32, fwd bool, l qLink) {
		s := q.find(id)
		sp := &s.rev
		if fwd {
			sp = &s.fwd
		}
		q.links[sp.end] = l
		sp.end++
	}
	for i, id := range q.ids {
		if id >= 0 {
			a.each(id, i, place)
		}
	}
}

// textFeatures writes the association features of text t, from the word
// table and its sub-tables, into x[firstAssocFeature:]; q was prepared by
// prepareAll. t's numbered terms are used when they were numbered in q's
// table (indexed texts), otherwise looked up.
func (q *assocQuery) textFeatures(x []float64, t *Text) {
	ids := t.aid
	if ids == nil || ids.a != q.a {
		ids = q.a.textIDs(t.a)
	}
	q.featuresIDs(x[firstAssocFeature:], t.a.WordSet, ids.words)
	q.subFeatures(subChars, x[firstCharAssocFeature:], t.a.Uni, ids.sub[subChars])
	q.subFeatures(subGrams, x[firstGramAssocFeature:], t.a.Grams, ids.sub[subGrams])
}

// subFeatures writes sub-table k's association features of a text with
// terms tt (its Uni or Grams set, numbered tid in that table, or looked up
// when tid is nil) into x; zeros without that table.
func (q *assocQuery) subFeatures(k int, x []float64, tt []string, tid []int32) {
	sa := q.a.sub[k]
	if sa == nil {
		clear(x[:numAssocFeatures])
		return
	}
	if tid == nil {
		tid = sa.lookupIDs(make([]int32, 0, len(tt)), tt)
	}
	q.sq[k].featuresIDs(x, tt, tid)
}

// featuresIDs writes the association features of text words t, numbered
// tid, into x: forward and reverse translation log-likelihood ratios
// against the background (mean over words, IBM Model 1 with uniform
// alignment) and forward and reverse weighted coverage by the best-aligned
// word.
func (q *assocQuery) featuresIDs(x []float64, t []string, tid []int32) {
	nq := len(q.words)
	if nq == 0 || len(t) == 0 {
		clear(x[:numAssocFeatures])
		return
	}
	a := q.a
	var sum, best [maxAssocWords]float64
	var inText [maxAssocWords]bool
	var revLL, revCov, revW float64
	var rdiffCov, rdiffW float64
	for j, u := range t {
		var fl, rl []qLink
		var st termStat
		var self [1]qLink
		shared := false
		if id := tid[j]; id >= 0 {
			st = a.idStat[id]
			if s := q.find(id); s != nil {
				fl, rl = q.links[s.fwd.start:s.fwd.end], q.links[s.rev.start:s.rev.end]
				if s.word >= 0 {
					shared, inText[s.word] = true, true
				}
			}
		} else {
			st = a.unknownStat(u)
			for _, i := range q.unk {
				if q.words[i] == u {
					self[0] = qLink{int(i), 1}
					fl, rl = self[:], self[:]
					shared, inText[i] = true, true
					break
				}
			}
		}
		for _, l := range fl {
			sum[l.i] += l.p
			best[l.i] = max(best[l.i], l.p)
		}
		// Reverse: how well the query explains text word u.
		pu, bu := 0.0, 0.0
		for _, l := range rl {
			pu += l.p
			bu = max(bu, l.p)
		}
		pu /= float64(nq)
		if pu > 0 { // log1p(0) adds nothing
			revLL += math.Log1p(pu / st.bg)
		}
		w := st.w
		revCov += w * bu
		revW += w
		// The same coverage over the text words the query lacks only.
		if !shared {
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
		if !inText[i] {
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
			b.WriteString(strconv.FormatFloat(l.p, 'g', assocDigits, 64))
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
	a := &assoc{bySrc: make(map[string][]assocLink, len(f.Words)), freq: make(map[string]int, len(f.Words)), total: f.Total, maxDst: maxDst}
	var fields []string // one line's, reused
	for w, line := range f.Words {
		fields = appendFields(fields[:0], line)
		if len(fields)%2 != 1 {
			return nil, fmt.Errorf("associations of %q: odd number of fields", w)
		}
		n, err := strconv.Atoi(fields[0])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("associations of %q: bad count %q", w, fields[0])
		}
		a.freq[w] = n
		if len(fields) == 1 {
			continue
		}
		links := make([]assocLink, 0, len(fields)/2)
		for i := 1; i < len(fields); i += 2 {
			p, err := strconv.ParseFloat(fields[i+1], 64)
			if err != nil || !(p > 0 && p <= 1) {
				return nil, fmt.Errorf("associations of %q: bad probability %q", w, fields[i+1])
			}
			links = append(links, assocLink{fields[i], p})
		}
		a.bySrc[w] = links
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
