package rank

// Query is a query prepared for comparing with texts: everything the
// features need of the query alone, computed once. NewQuery prepares what
// depends on the query and the model (its characters for the bit-parallel
// distances, its links in the association tables, its word ids in the
// contrast model); scoring prepares, once for the counts of the Stats it
// is given, its term IDFs (Prepare). A Query is used by one search at a
// time; while a search scores, its goroutines only read it.
type Query struct {
	a *Analysis
	m *Model // nil: the features of the models are 0
	textInfo
	// rm holds the query's characters for the bit-parallel edit distance
	// and subsequence (when it is short enough).
	rm runeMasks
	// as is the query prepared for m's association table (nil without
	// one), ctIDs its words' ids in m's contrast model.
	as    *assocQuery
	ctIDs []int32
	// The query's words, characters and bigrams prepared for overlap
	// with the texts counted in the Stats of version ver (0: none yet).
	ver        uint64
	ow, ou, og queryTerms
	// runeIDF is the IDF of each of the query's runes, runeIDFSum their
	// sum (lcs_idf), prepared with the others.
	runeIDF    []float64
	runeIDFSum float64
}

// NewQuery prepares a for scoring texts with m (nil: without a model, the
// features of its tables 0, as training computes them before it has any),
// all but its term IDFs, which depend on the Stats the texts are counted
// in (Prepare). Give the query back with Release once its search is done.
func NewQuery(a *Analysis, m *Model) *Query {
	var q *Query
	if m != nil {
		q, _ = m.queries.Get().(*Query)
	}
	if q == nil {
		q = &Query{}
	}
	q.a, q.m, q.textInfo, q.ver = a, m, newTextInfo(a), 0
	q.rm.prepare(a.Runes)
	q.ctIDs = q.ctIDs[:0]
	if m == nil || m.assoc == nil {
		q.as = nil
	} else {
		if q.as == nil {
			q.as = &assocQuery{}
		}
		q.as.prepareAll(m.assoc, a)
	}
	if m != nil && m.contrast != nil {
		q.ctIDs = m.contrast.wordIDs(q.ctIDs, a.WordSet)
	}
	return q
}

// Release gives q back for reuse; q must not be used afterwards.
func (q *Query) Release() {
	m := q.m
	q.a, q.m = nil, nil
	if q.as != nil {
		q.as.words = nil
	}
	if m != nil {
		m.queries.Put(q)
	}
}

// Prepare prepares q's term IDFs for the counts of st, unless it is
// prepared for them already (st has not changed since). The caller holds
// st still (the index's read lock). Score and NewList call it; a search
// may call it earlier, while it has nothing else to do.
func (q *Query) Prepare(st *Stats) {
	if q.ver == st.version {
		return
	}
	q.ver = st.version
	n := max(st.texts, 1)
	q.ow.prepare(q.a.WordSet, st.words, n)
	q.ou.prepare(q.a.Uni, st.chars, n)
	q.og.prepare(q.a.Grams, st.grams, n)
	q.runeIDF = runeIDFs(q.runeIDF[:0], q.a.Runes, q.a.Uni, q.ou.idf)
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
