package kb

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// termStats counts, over every indexed text, how many texts hold each term:
// the document frequencies behind the rerank features' IDF weights. Each
// count is a shared termCount that the texts holding the term point to
// (analysis.wordDF and friends, set by add), so the features read a text's
// frequencies without looking its terms up.
type termStats struct {
	texts int
	// version changes with every refreshIDF: what a search prepared from
	// the counts is stale when it differs.
	version uint64
	nextID  int32 // the id of the next termCount
	words   map[string]*termCount
	chars   map[string]*termCount
	grams   map[string]*termCount
}

// termCount is one term's document frequency n, and the term's idf for
// the number of texts as of the last refreshIDF.
type termCount struct {
	n   int
	idf float64
	id  int32 // unique among the counts of one termStats
}

func newTermStats() termStats {
	// version starts at 1: a query prepared for no stats has version 0.
	return termStats{version: 1, words: map[string]*termCount{}, chars: map[string]*termCount{}, grams: map[string]*termCount{}}
}

// df is the number of texts holding term t in m.
func df(m map[string]*termCount, t string) int {
	if c := m[t]; c != nil {
		return c.n
	}
	return 0
}

// add counts e's texts once (sign 1) or removes them (sign -1). Adding
// points e's texts at their terms' counts. A removed entry keeps its
// pointers; a count that drops to 0 leaves the map, so a removed text a
// search still holds reads 0 for a term no live text has, as a lookup
// would (unless a later add brings the term back with a new count).
func (s *termStats) add(e *entry, sign int) {
	for i := range e.texts {
		t := &e.texts[i]
		s.texts += sign
		t.wordDF = s.bump(s.words, t.wordSet, sign, t.wordDF[:0])
		t.uniDF = s.bump(s.chars, t.uni, sign, t.uniDF[:0])
		t.gramDF = s.bump(s.grams, t.grams, sign, t.gramDF[:0])
	}
}

func (s *termStats) bump(m map[string]*termCount, terms []string, sign int, refs []*termCount) []*termCount {
	for _, t := range terms {
		c := m[t]
		if c == nil {
			c = &termCount{id: s.nextID}
			s.nextID++
			m[t] = c
		}
		c.n += sign
		if c.n <= 0 {
			// No refresh reaches it any more: a search still holding a
			// removed text reads the idf of a term no text has.
			c.idf = idf(0, max(s.texts, 1))
			delete(m, t)
		}
		refs = append(refs, c)
	}
	return refs
}

// refreshIDF sets every count's idf for the current number of texts. Who
// adds or removes texts calls it when done, before searches read the
// counts again.
func (s *termStats) refreshIDF() {
	s.version++
	n := max(s.texts, 1)
	for _, m := range []map[string]*termCount{s.words, s.chars, s.grams} {
		for _, c := range m {
			c.idf = idf(c.n, n)
		}
	}
}

// idf is the BM25 inverse document frequency of a term held by df of n texts.
func idf(df, n int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// The rerank features, in the order of a feature vector. Every feature is
// a similarity or mismatch between the query and one text of a candidate
// entry; see featureVector for their definitions. The names are what a
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

// textInfo is what the features need of a text beyond its terms, computed
// once per text.
type textInfo struct {
	norm  string
	neg   bool
	qtype int
	keys  uint64
}

func newTextInfo(runes []rune) textInfo {
	norm := string(runes)
	return textInfo{norm: norm, neg: negated(norm), qtype: questionType(norm), keys: keyTerms(norm)}
}

// queryInfo is the analysed query the features compare texts with.
type queryInfo struct {
	a  *analysis
	as *assocQuery // nil without an association table
	// ct is the ranker's word-contrast model (nil without one), ctIDs the
	// query's word ids in it; setContrast sets both.
	ct    *contrast
	ctIDs []int32
	textInfo
	// The query's words, characters and bigrams prepared for overlap,
	// by the first featureVector call for the stats' current version
	// (ver; 0 before).
	ver        uint64
	ow, ou, og queryTerms
	// rm holds the query's characters for the bit-parallel edit distance
	// and subsequence (when it is short enough).
	rm runeMasks
	// runeIDF is the IDF of each of the query's runes, runeIDFSum their
	// sum (lcs_idf), computed with the others.
	runeIDF    []float64
	runeIDFSum float64
}

// prepareTerms prepares q's terms for st unless done already.
func (q *queryInfo) prepareTerms(st *termStats) {
	if q.ver == st.version {
		return
	}
	q.ver = st.version
	n := max(st.texts, 1)
	q.ow.prepare(q.a.wordSet, st.words, n)
	q.ou.prepare(q.a.uni, st.chars, n)
	q.og.prepare(q.a.grams, st.grams, n)
	q.runeIDF = runeIDFs(q.runeIDF[:0], q.a.runes, q.a.uni, q.ou.idf)
	q.runeIDFSum = 0
	for _, w := range q.runeIDF {
		q.runeIDFSum += w
	}
}

// queryTerms is one kind of a query's terms (words, characters or
// bigrams) prepared for overlap: each term's idf, their sum, and which of
// them an indexed text's term is, found by the id of the term's count
// (termCount.id) in a small open-addressing table.
type queryTerms struct {
	terms  []string
	idf    []float64
	sumIDF float64 // of idf, in term order
	slots  []qTermSlot
	shift  uint8 // 32 - log2(len(slots))
}

type qTermSlot struct {
	key int32 // the count's id + 1; 0 marks an empty slot
	i   int32 // index of the term in terms
}

// prepare prepares terms, whose counts are in m, for n texts.
func (q *queryTerms) prepare(terms []string, m map[string]*termCount, n int) {
	q.terms, q.idf, q.sumIDF = terms, q.idf[:0], 0
	q.slots, q.shift = hashSlots(q.slots, len(terms))
	mask := uint32(len(q.slots) - 1)
	for i, t := range terms {
		c := m[t]
		w := idf(0, n)
		if c != nil {
			w = c.idf
			h := homeSlot(uint32(c.id), q.shift)
			for q.slots[h].key != 0 {
				h = (h + 1) & mask
			}
			q.slots[h] = qTermSlot{c.id + 1, int32(i)}
		}
		q.idf = append(q.idf, w)
		q.sumIDF += w
	}
}

// find returns the index of the term whose count is c, -1 when none is.
func (q *queryTerms) find(c *termCount) int {
	mask := uint32(len(q.slots) - 1)
	for h := homeSlot(uint32(c.id), q.shift); ; h = (h + 1) & mask {
		s := q.slots[h]
		if s.key == c.id+1 {
			return int(s.i)
		}
		if s.key == 0 {
			return -1
		}
	}
}

func newQueryInfo(a *analysis) queryInfo {
	var q queryInfo
	q.reset(a)
	return q
}

// reset makes q the query info of a, keeping q's buffers for reuse.
func (q *queryInfo) reset(a *analysis) {
	q.a, q.as, q.textInfo, q.ver = a, nil, a.info, 0
	q.ct = nil
	q.rm.prepare(a.runes)
}

// setContrast makes c the contrast model q's features use, numbering the
// query's words in it.
func (q *queryInfo) setContrast(c *contrast) {
	if q.ct == c {
		return
	}
	q.ct, q.ctIDs = c, q.ctIDs[:0]
	if c != nil {
		q.ctIDs = c.wordIDs(q.ctIDs, q.a.wordSet)
	}
}

// featureVector fills x with the features of text t (the k-th text of its
// entry) for query q. bm25 is the text's first-stage score divided by the
// query's best score (0 when the first stage did not return the text), rank
// the entry's first-stage rank from 0.
func featureVector(x *[numFeatures]float64, q *queryInfo, t *analysis, k int, bm25 float64, rank int, st *termStats) {
	n := max(st.texts, 1)
	logN := math.Log(float64(n) + 1)
	qa := q.a
	q.prepareTerms(st)
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
	lq, lt := len(qa.runes), len(t.runes)
	mx, mn := max(lq, lt), min(lq, lt)
	if mx > 0 {
		var lev, lcs int
		if q.rm.ok {
			lev, lcs = q.rm.levenshtein(t.runes), q.rm.lcsSeq(t.runes)
		} else {
			lev, lcs = levenshtein(qa.runes, t.runes), lcsSeq(qa.runes, t.runes)
		}
		x[10] = 1 - float64(lev)/float64(mx)
		x[12] = float64(lcs) / float64(mx)
	}
	x[firstShapeFeature] = 0
	if mn > 0 {
		best, end := lcsSubstrAt(qa.runes, t.runes)
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
	x[firstShapeFeature+1] = wordOrder(qa.wordFirst, t.wordFirst, match)
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
	x[23], x[24] = rawOverlap(qa.rawSet, t.rawSet)
	if q.as != nil {
		q.as.textFeatures(x[:], qa, t)
	} else {
		clear(x[firstAssocFeature:firstShapeFeature])
	}
	if q.ct != nil {
		m := match
		if len(t.wordDF) != len(t.wordSet) {
			m = nil // not an indexed text: no overlap match
		}
		q.ct.textFeatures(x[:], qa.wordSet, q.ctIDs, t, m)
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
// by their counts b (analysis.wordDF and friends; the text must be counted
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
// are shared. qFirst and tFirst are the two texts' analysis.wordFirst;
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

// notNegation holds question forms that contain a negation character
// without negating anything (是不是 asks, it does not deny).
var notNegation = strings.NewReplacer(
	"是不是", "", "能不能", "", "可不可以", "", "会不会", "", "有没有", "", "要不要", "",
	"行不行", "", "对不对", "", "好不好", "", "用不用", "", "还不还", "", "不用谢", "", "不好意思", "",
)

// negated reports whether folded text denies something: 不, 没, 未, 无法, 别,
// 失败, 拒绝 outside the question forms in notNegation.
func negated(norm string) bool {
	if !strings.ContainsAny(norm, "不没未无别失拒") {
		return false
	}
	s := notNegation.Replace(norm)
	return strings.ContainsAny(s, "不没未别") || strings.Contains(s, "无法") ||
		strings.Contains(s, "失败") || strings.Contains(s, "拒绝")
}

// questionKinds lists, in order of precedence, the markers of the kind of
// question asked; questionType returns 1 + the index of the first kind found.
var questionKinds = [][]string{
	{"为什么", "为啥", "为何", "怎么回事", "咋回事", "原因", "怎么会", "怎么不", "怎么没", "怎么还"},
	{"多久", "什么时候", "啥时候", "几天", "何时", "多长时间", "几号", "哪天", "几点"},
	{"多少", "几多", "利息是", "费用"},
	{"怎么", "如何", "怎样", "咋", "方法", "步骤"},
	{"能不能", "可不可以", "能否", "可以", "能用", "能"},
	{"是什么", "什么意思", "啥意思", "什么是"},
}

func questionType(norm string) int {
	for i, kind := range questionKinds {
		for _, m := range kind {
			if strings.Contains(norm, m) {
				return i + 1
			}
		}
	}
	return 0
}

// keyTermList holds domain terms whose presence on one side only usually
// means a different question: products, actions and conditions of an
// Alipay-like wallet. Written for this project; at most 64 terms.
var keyTermList = []string{
	"花呗", "借呗", "余额宝", "余额", "银行卡", "信用卡", "储蓄卡", "支付宝",
	"提前", "分期", "逾期", "额度", "提额", "临时", "降低", "提升", "开通", "关闭",
	"取消", "退款", "还款", "自动", "利息", "手续费", "冻结", "账单", "最低", "延期",
	"充值", "提现", "转账", "红包", "优惠", "积分", "实名", "认证", "芝麻", "收钱码",
	"商家", "淘宝", "天猫", "美团", "话费", "借款", "贷款", "利率", "注销", "解绑",
	"绑定", "密码", "扣款", "到账", "收款", "付款", "违约", "征信", "代还", "免息",
	"推荐", "邀请", "关联", "换绑",
}

func keyTerms(norm string) uint64 {
	var m uint64
	for i, k := range keyTermList {
		if strings.Contains(norm, k) {
			m |= 1 << uint(i)
		}
	}
	return m
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
