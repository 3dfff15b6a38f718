package rank

import "math"

// Stats counts, over every indexed text, how many texts hold each term: the
// document frequencies behind the features' IDF weights, which the index's
// first stage reads too. Each count is a shared termCount that the texts
// holding the term point to (Text.wordDF and friends, set by Add), so the
// features read a text's frequencies without looking its terms up. Stats
// are not safe for concurrent use: the index changes them under its write
// lock and scores under its read lock.
type Stats struct {
	texts int
	// version changes with every Refresh: what a query prepared from the
	// counts is stale when it differs.
	version uint64
	nextID  int32 // the id of the next termCount
	words   map[string]*termCount
	chars   map[string]*termCount
	grams   map[string]*termCount
}

// termCount is one term's document frequency n, and the term's idf for
// the number of texts as of the last Refresh.
type termCount struct {
	n   int
	idf float64
	id  int32 // unique among the counts of one Stats
}

// NewStats returns empty statistics.
func NewStats() Stats {
	// version starts at 1: a query prepared for no stats has version 0.
	return Stats{version: 1, words: map[string]*termCount{}, chars: map[string]*termCount{}, grams: map[string]*termCount{}}
}

// Texts is the number of texts counted.
func (s *Stats) Texts() int { return s.texts }

// WordDF is the number of texts holding word w.
func (s *Stats) WordDF(w string) int { return df(s.words, w) }

// GramDF is the number of texts holding character bigram g.
func (s *Stats) GramDF(g string) int { return df(s.grams, g) }

// Vocabulary is the number of distinct words and bigrams the counted
// texts hold.
func (s *Stats) Vocabulary() (words, grams int) { return len(s.words), len(s.grams) }

// df is the number of texts holding term t in m.
func df(m map[string]*termCount, t string) int {
	if c := m[t]; c != nil {
		return c.n
	}
	return 0
}

// Add counts t once (sign 1) or removes it (sign -1). Adding points t at
// its terms' counts. A removed text keeps its pointers; a count that drops
// to 0 leaves the map, so a removed text a search still holds reads 0 for
// a term no live text has, as a lookup would (unless a later Add brings
// the term back with a new count). Call Refresh when done.
func (s *Stats) Add(t *Text, sign int) {
	s.texts += sign
	nw, nu, ng := len(t.a.WordSet), len(t.a.Uni), len(t.a.Grams)
	if cap(t.wordDF) < nw || cap(t.uniDF) < nu || cap(t.gramDF) < ng {
		// The first Add of t: one allocation for the three.
		refs := make([]*termCount, nw+nu+ng)
		t.wordDF, t.uniDF, t.gramDF = refs[:0:nw], refs[nw:nw:nw+nu], refs[nw+nu:nw+nu:nw+nu+ng]
	}
	t.wordDF = s.bump(s.words, t.a.WordSet, sign, t.wordDF[:0])
	t.uniDF = s.bump(s.chars, t.a.Uni, sign, t.uniDF[:0])
	t.gramDF = s.bump(s.grams, t.a.Grams, sign, t.gramDF[:0])
}

func (s *Stats) bump(m map[string]*termCount, terms []string, sign int, refs []*termCount) []*termCount {
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

// Refresh sets every count's idf for the current number of texts. Who
// adds or removes texts calls it when done, before searches read the
// counts again.
func (s *Stats) Refresh() {
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
