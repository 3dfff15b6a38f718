package rank

import (
	"slices"
	"unicode"
)

// Match is what the confidence of a hit knows of how the query stands to
// the knowledge base beyond the ranker's score: whether the index holds
// the query's terms at all, how much of the query the hit's text covers,
// and whether the query is written in Han characters. A query from
// another domain (今天天气怎么样), Latin gibberish (asdfgh) or English
// (hello) can reach a high ranker score through one shared character or
// a learned association; these say that nothing relevant was found. The
// zero Match is a query whose every term the index and the hit hold.
type Match struct {
	// OOVChars and OOVWords are the shares of the query's distinct
	// characters and words that no indexed text holds.
	OOVChars, OOVWords float64
	// UncoveredChars and UncoveredWords are the shares of the query's
	// distinct characters and words that the hit's text lacks.
	UncoveredChars, UncoveredWords float64
	// NoHan is set for a query without a Han character (Latin letters,
	// digits).
	NoHan bool
}

// QueryMatch is the part of Match that depends on the query alone: its
// share of terms the index holds and its script, for the counts of st
// (which the caller holds still). Cover completes it for one hit.
func QueryMatch(q *Analysis, st *Stats) Match {
	var m Match
	m.OOVChars = unknownShare(q.Uni, st.chars)
	m.OOVWords = unknownShare(q.WordSet, st.words)
	m.NoHan = !slices.ContainsFunc(q.Runes, func(r rune) bool { return unicode.Is(unicode.Han, r) })
	return m
}

// unknownShare is the share of terms (distinct) that m does not count.
func unknownShare(terms []string, m map[string]*termCount) float64 {
	if len(terms) == 0 {
		return 0
	}
	n := 0
	for _, t := range terms {
		if c := m[t]; c == nil || c.n <= 0 {
			n++
		}
	}
	return float64(n) / float64(len(terms))
}

// Cover returns qm (QueryMatch of q) completed with how much of q the
// text of a hit covers.
func Cover(qm Match, q, text *Analysis) Match {
	qm.UncoveredChars = 1 - sharedShare(q.Uni, text.Uni)
	qm.UncoveredWords = 1 - sharedShare(q.WordSet, text.WordSet)
	return qm
}

// sharedShare is the share of the sorted set a that the sorted set b
// holds (1 for an empty a).
func sharedShare(a, b []string) float64 {
	if len(a) == 0 {
		return 1
	}
	n, j := 0, 0
	for _, t := range a {
		for j < len(b) && b[j] < t {
			j++
		}
		if j < len(b) && b[j] == t {
			n++
		}
	}
	return float64(n) / float64(len(a))
}
