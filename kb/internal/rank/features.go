package rank

import (
	"math"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// The rerank features, in the order of a feature vector. Every feature is
// a similarity or mismatch between the query and one text of a candidate
// entry; see Query.features for their definitions. The names are what a
// ranker's JSON refers to.
var featureNames = [...]string{
	"bm25",           // first-stage BM25 score of this text / the best score of the query
	"bm25_rank",      // 1 / (1 + the entry's first-stage rank)
	"word_cov_q",     // IDF-weighted share of the query's words found in the text
	"word_cov_t",     // IDF-weighted share of the text's words found in the query
	"word_jaccard",   // Jaccard similarity of the word sets
	"char_cov_q",     // IDF-weighted share of the query's characters found in the text
	"char_cov_t",     // the same from the text's side
	"gram_dice",      // Dice similarity of the character bigram sets
	"gram_cov_q",     // IDF-weighted share of the query's bigrams found in the text
	"gram_cov_t",     // the same from the text's side
	"edit_sim",       // 1 - Levenshtein distance / longer length (characters)
	"lcsubstr",       // longest common substring / shorter length
	"lcsubseq",       // longest common subsequence / longer length
	"len_ratio",      // shorter length / longer length
	"neg_mismatch",   // 1 when exactly one side is negated (不, 没, 未, 无法, ...)
	"key_mismatch",   // domain key terms on one side only (提前, 分期, 借呗, ...), /3, capped at 1
	"key_match",      // domain key terms on both sides, /3, capped at 1
	"qtype_mismatch", // both sides ask a different kind of question (why / how / when / can / how much)
	"qtype_match",    // both sides ask the same kind of question
	"miss_q",         // highest IDF among query words missing from the text / log(texts+1)
	"miss_t",         // highest IDF among text words missing from the query / log(texts+1)
	"exact",          // 1 when the folded texts are equal
	"is_question",    // 1 when the text is the entry's standard question
	"raw_jaccard",    // Jaccard similarity of the word sets before synonym mapping
	"raw_cov_q",      // share of the query's words (before synonym mapping) found in the text
	"assoc_fwd_ll",   // learned word associations: mean log-likelihood ratio of the query's words given the text's
	"assoc_rev_ll",   // the same of the text's words given the query's
	"assoc_fwd_cov",  // weighted share of the query's words, each counted by its best association in the text
	"assoc_rev_cov",  // the same from the text's side
	"assoc_diff_fwd", // assoc_fwd_cov over the query words missing from the text only (1 when none)
	"assoc_diff_rev", // assoc_rev_cov over the text words missing from the query only (1 when none)
	"cassoc_fwd_ll",  // the six assoc_* features again, from the learned character table
	"cassoc_rev_ll",
	"cassoc_fwd_cov",
	"cassoc_rev_cov",
	"cassoc_diff_fwd",
	"cassoc_diff_rev",
	"gassoc_fwd_ll", // and from the learned character-bigram table
	"gassoc_rev_ll",
	"gassoc_fwd_cov",
	"gassoc_rev_cov",
	"gassoc_diff_fwd",
	"gassoc_diff_rev",
	"lcs_idf",         // IDF-weighted share of the query's characters in the longest common substring
	"word_order",      // share of the pairs of shared words in the same order on both sides (1 below two)
	"contrast",        // learned word-contrast score (see contrast): the sum of the next two
	"contrast_shared", // its weights of the words both sides have
	"contrast_miss",   // its weights of the words one side only has
}

// The indexes of the first feature from the word-association table, from
// its character table and from its bigram table.
const (
	firstAssocFeature     = 25
	firstCharAssocFeature = firstAssocFeature + numAssocFeatures
	firstGramAssocFeature = firstCharAssocFeature + numAssocFeatures
	// firstShapeFeature is the first of the features after the tables':
	// lcs_idf and word_order.
	firstShapeFeature = firstGramAssocFeature + numAssocFeatures
	// firstContrastFeature is the first of the word-contrast model's.
	firstContrastFeature = firstShapeFeature + 2
)

const numFeatures = len(featureNames)

// features fills x with the features of text t (the k-th text of its
// entry) for q. bm25 is the text's first-stage score divided by the
// query's best score (0 when the first stage did not return the text), rank
// the entry's first-stage rank from 0. q's terms are prepared for st
// (Prepare), the Stats t is counted in.
func (q *Query) features(x *[numFeatures]float64, t *Text, k int, bm25 float64, rank int, st *Stats) {
	n := max(st.texts, 1)
	logN := math.Log(float64(n) + 1)
	qa, ta := q.a, t.a
	x[0] = bm25
	x[1] = 1 / (1 + float64(rank))
	var matchBuf [64]int32
	match := matchBuf[:0]
	if len(t.wordDF) > len(matchBuf) {
		match = make([]int32, 0, len(t.wordDF))
	}
	match = match[:len(t.wordDF)]
	w := overlap(&q.ow, t.wordDF, match)
	x[2], x[3], x[4] = w.covA, w.covB, w.jaccard()
	x[19], x[20] = w.missA/logN, w.missB/logN
	u := overlap(&q.ou, t.uniDF, nil)
	x[5], x[6] = u.covA, u.covB
	g := overlap(&q.og, t.gramDF, nil)
	x[7] = g.dice()
	x[8], x[9] = g.covA, g.covB
	lq, lt := len(qa.Runes), len(ta.Runes)
	mx, mn := max(lq, lt), min(lq, lt)
	if mx > 0 {
		var lev, lcs int
		if q.rm.ok {
			lev, lcs = q.rm.levenshtein(ta.Runes), q.rm.lcsSeq(ta.Runes)
		} else {
			lev, lcs = levenshtein(qa.Runes, ta.Runes), lcsSeq(qa.Runes, ta.Runes)
		}
		x[10] = 1 - float64(lev)/float64(mx)
		x[12] = float64(lcs) / float64(mx)
	}
	x[firstShapeFeature] = 0
	if mn > 0 {
		best, end := lcsSubstrAt(qa.Runes, ta.Runes)
		x[11] = float64(best) / float64(mn)
		x[13] = float64(mn) / float64(mx)
		if q.runeIDFSum > 0 {
			sum := 0.0
			for _, w := range q.runeIDF[end-best : end] {
				sum += w
			}
			x[firstShapeFeature] = sum / q.runeIDFSum
		}
	}
	x[firstShapeFeature+1] = wordOrder(qa.WordFirst, ta.WordFirst, match)
	ti := &t.info
	if q.neg != ti.neg {
		x[14] = 1
	}
	tk := ti.keys
	x[15] = math.Min(float64(popcount(q.keys^tk))/3, 1)
	x[16] = math.Min(float64(popcount(q.keys&tk))/3, 1)
	tq := ti.qtype
	if q.qtype != 0 && tq != 0 {
		if q.qtype != tq {
			x[17] = 1
		} else {
			x[18] = 1
		}
	}
	if q.norm == ti.norm {
		x[21] = 1
	}
	if k == 0 {
		x[22] = 1
	}
	x[23], x[24] = rawOverlap(qa.RawSet, ta.RawSet)
	if q.as != nil {
		q.as.textFeatures(x[:], t)
	} else {
		clear(x[firstAssocFeature:firstShapeFeature])
	}
	if q.m != nil && q.m.contrast != nil {
		m := match
		if len(t.wordDF) != len(ta.WordSet) {
			m = nil // not an indexed text: no overlap match
		}
		q.m.contrast.textFeatures(x[:], qa.WordSet, q.ctIDs, t, m)
	} else {
		clear(x[firstContrastFeature : firstContrastFeature+numContrastFeatures])
	}
}

// overlapStats compares a query's terms (a) with a text's (b): the
// IDF-weighted share of a's terms found in b and of b's found in a, the
// highest IDF among a's and b's terms missing from the other side, the
// sizes of a and b and how many terms they share.
type overlapStats struct {
	covA, covB, missA, missB float64
	na, nb, common           int
}

func (o overlapStats) jaccard() float64 {
	if u := o.na + o.nb - o.common; u > 0 {
		return float64(o.common) / float64(u)
	}
	return 0
}

func (o overlapStats) dice() float64 {
	if o.na+o.nb == 0 {
		return 0
	}
	return 2 * float64(o.common) / float64(o.na+o.nb)
}

// overlap compares query terms a with the terms of an indexed text, given
// by their counts b (Text.wordDF and friends; the text must be counted
// in the stats a was prepared with). Sums run in the order of a sorted
// merge of the two sets. When match is not nil (as long as b), match[j]
// is set to the index in a of b's j-th term, -1 when a lacks it.
func overlap(a *queryTerms, b []*termCount, match []int32) (o overlapStats) {
	var found [8]uint64 // a's terms found in b, a bit each
	in := found[:]
	if len(a.terms) > 64*len(found) {
		in = make([]uint64, (len(a.terms)+63)/64)
	}
	var wb, shared float64
	for j, c := range b {
		i := a.find(c)
		if match != nil {
			match[j] = int32(i)
		}
		if i < 0 {
			wb += c.idf
			o.missB = max(o.missB, c.idf)
			continue
		}
		w := a.idf[i]
		wb += w
		shared += w
		o.common++
		in[i/64] |= 1 << (i % 64)
	}
	for i, w := range a.idf {
		if in[i/64]&(1<<(i%64)) == 0 {
			o.missA = max(o.missA, w)
		}
	}
	if a.sumIDF > 0 {
		o.covA = shared / a.sumIDF
	}
	if wb > 0 {
		o.covB = shared / wb
	}
	o.na, o.nb = len(a.terms), len(b)
	return o
}

// shared counts the terms two sorted sets have in common.
func shared(a, b []string) int {
	i, j, n := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case b[j] < a[i]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

func levenshtein(a, b []rune) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	var buf [64]int
	row := buf[:0]
	if len(b)+1 > len(buf) {
		row = make([]int, 0, len(b)+1)
	}
	for j := 0; j <= len(b); j++ {
		row = append(row, j)
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			row[j] = min(row[j]+1, row[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(b)]
}

func lcsSeq(a, b []rune) int {
	var buf [64]int
	row := buf[:0]
	if len(b)+1 > len(buf) {
		row = make([]int, 0, len(b)+1)
	}
	row = row[:len(b)+1]
	clear(row)
	for i := 1; i <= len(a); i++ {
		prev := 0
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			if a[i-1] == b[j-1] {
				row[j] = prev + 1
			} else {
				row[j] = max(row[j], row[j-1])
			}
			prev = cur
		}
	}
	return row[len(b)]
}

// lcsSubstrAt returns the length of the longest common substring of a and
// b and where it ends in a (the first such substring found).
func lcsSubstrAt(a, b []rune) (best, end int) {
	for off := -len(b) + 1; off < len(a); off++ {
		run := 0
		for i := max(0, off); i < len(a) && i-off < len(b); i++ {
			if a[i] == b[i-off] {
				run++
				if run > best {
					best, end = run, i+1
				}
			} else {
				run = 0
			}
		}
	}
	return best, end
}

// runeIDFs appends to dst the IDF of each of runes, idfU holding the IDF
// of each character of uni, runes' sorted character set.
func runeIDFs(dst []float64, runes []rune, uni []string, idfU []float64) []float64 {
	var buf [utf8.UTFMax]byte
	for _, r := range runes {
		w := 0.0
		if i, ok := slices.BinarySearch(uni, string(buf[:utf8.EncodeRune(buf[:], r)])); ok {
			w = idfU[i]
		}
		dst = append(dst, w)
	}
	return dst
}

// maxOrderWords bounds the shared words wordOrder compares: the first
// ones in query order.
const maxOrderWords = 16

// wordOrder is the share of the pairs of words both texts hold whose first
// occurrences come in the same order on both sides (among the first
// maxOrderWords shared words in query order); 1 when fewer than two words
// are shared. qFirst and tFirst are the two texts' Analysis.WordFirst;
// match[j] is the index in the query's word set of the text's j-th word,
// -1 when the query lacks it (overlap fills it).
func wordOrder(qFirst, tFirst, match []int32) float64 {
	var buf [64][2]int32
	pos := buf[:0]
	for j, i := range match {
		if i >= 0 {
			pos = append(pos, [2]int32{qFirst[i], tFirst[j]})
		}
	}
	if len(pos) < 2 {
		return 1
	}
	slices.SortFunc(pos, func(x, y [2]int32) int { return int(x[0] - y[0]) })
	pos = pos[:min(len(pos), maxOrderWords)]
	same, pairs := 0, 0
	for i := range pos {
		for j := i + 1; j < len(pos); j++ {
			pairs++
			if (pos[i][0] < pos[j][0]) == (pos[i][1] < pos[j][1]) {
				same++
			}
		}
	}
	return float64(same) / float64(pairs)
}

func popcount(x uint64) int { return bits.OnesCount64(x) }

// rawOverlap returns the Jaccard similarity of two sorted sets and the share
// of a's terms found in b.
func rawOverlap(a, b []string) (jac, covA float64) {
	common := shared(a, b)
	if u := len(a) + len(b) - common; u > 0 {
		jac = float64(common) / float64(u)
	}
	if len(a) > 0 {
		covA = float64(common) / float64(len(a))
	}
	return jac, covA
}
