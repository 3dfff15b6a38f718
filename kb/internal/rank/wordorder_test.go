package rank

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/tokenize"
)

// TestWordOrderMatchesDefinition compares wordOrder, which works on the
// word-set matches overlap finds and each text's first positions, with a
// direct computation over the two token lists, for every sample text as
// the query against every third indexed text, plus queries that repeat
// words and share more than maxOrderWords words.
func TestWordOrderMatchesDefinition(t *testing.T) {
	t.Parallel()
	tok, _, sample := fixtures(t)
	texts := sample.texts
	long := ""
	for _, tx := range texts[:40] {
		long += string(tx.a.Runes)
	}
	queries := []string{"花呗 花呗 还款 还款 花呗 怎么 还款", long}
	for i := 0; i < len(texts); i += 5 {
		queries = append(queries, string(texts[i].a.Runes))
	}
	checked, differ := 0, 0
	for _, qs := range queries {
		qa, qtoks := analyze(tok, qs)
		q := NewQuery(&qa, nil)
		q.Prepare(&sample.stats)
		for j := 0; j < len(texts); j += 3 {
			tx := texts[j]
			match := make([]int32, len(tx.wordDF))
			overlap(&q.ow, tx.wordDF, match)
			got := wordOrder(qa.WordFirst, tx.a.WordFirst, match)
			want := naiveWordOrder(qtoks, sample.tokens[j])
			if got != want {
				t.Fatalf("query %q, text %q: wordOrder %v, want %v", qs, string(tx.a.Runes), got, want)
			}
			if want != 1 {
				differ++
			}
			checked++
		}
	}
	if checked < 1000 || differ < 50 {
		t.Fatalf("only %d comparisons, %d with an order below 1", checked, differ)
	}
}

// naiveWordOrder is the share of the pairs of words both token lists hold
// whose first occurrences come in the same order on both sides; 1 when
// fewer than two words are shared.
func naiveWordOrder(a, b []tokenize.Token) float64 {
	var posA, posB [16]int
	n := 0
	for i, t := range a {
		if n == len(posA) {
			break
		}
		seen := false
		for _, u := range a[:i] {
			if u.Text == t.Text {
				seen = true
				break
			}
		}
		if seen {
			continue
		}
		for j, u := range b {
			if u.Text == t.Text {
				posA[n], posB[n] = i, j
				n++
				break
			}
		}
	}
	if n < 2 {
		return 1
	}
	same, pairs := 0, 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			pairs++
			if (posA[i] < posA[j]) == (posB[i] < posB[j]) {
				same++
			}
		}
	}
	return float64(same) / float64(pairs)
}

// TestWordOrderManyShared checks wordOrder against the direct computation
// on random texts of 20 to 79 words from a 30-word vocabulary, which share
// more than maxOrderWords words and repeat some.
func TestWordOrderManyShared(t *testing.T) {
	t.Parallel()
	tok, _, _ := fixtures(t)
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := make([]string, 30)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%c%c", 'a'+i/26, 'a'+i%26)
	}
	text := func() string {
		words := make([]string, 20+rng.IntN(60))
		for i := range words {
			words[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(words, " ")
	}
	over := 0
	for range 300 {
		qa, qtoks := analyze(tok, text())
		ta, ttoks := analyze(tok, text())
		match := make([]int32, len(ta.WordSet))
		shared := 0
		for j, w := range ta.WordSet {
			i, ok := slices.BinarySearch(qa.WordSet, w)
			match[j] = -1
			if ok {
				match[j] = int32(i)
				shared++
			}
		}
		if shared > maxOrderWords {
			over++
		}
		if got, want := wordOrder(qa.WordFirst, ta.WordFirst, match), naiveWordOrder(qtoks, ttoks); got != want {
			t.Fatalf("%v vs %v: wordOrder %v, want %v", qa.WordSet, ta.WordSet, got, want)
		}
	}
	if over < 20 {
		t.Fatalf("only %d cases share more than %d words", over, maxOrderWords)
	}
}
