package rank

import (
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFeatureHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b             string
		lev, lcseq, lcss int
	}{
		{"花呗还款", "花呗提前还款", 2, 4, 2},
		{"", "借呗", 2, 0, 0},
		{"abc", "abc", 0, 3, 3},
	}
	for _, tc := range tests {
		a, b := []rune(tc.a), []rune(tc.b)
		lcss, _ := lcsSubstrAt(a, b)
		got := []int{levenshtein(a, b), lcsSeq(a, b), lcss}
		if diff := cmp.Diff([]int{tc.lev, tc.lcseq, tc.lcss}, got); diff != "" {
			t.Errorf("%q vs %q (-want +got):\n%s", tc.a, tc.b, diff)
		}
	}
	for s, want := range map[string]bool{"花呗不能用了": true, "花呗是不是能用": false, "借呗还款失败": true, "怎么还款": false} {
		if got := negated(s); got != want {
			t.Errorf("negated(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestScoreParallel checks that the scores Score computes on two
// goroutines are those of one serial pass: features in order, one batch
// (and, under -race, that the features and the model only read the query
// while they run). It fails too if scoreBatch stops scoring each vector on
// its own, which the split relies on. The candidates are the sample
// knowledge base's entries sharing a word with the query, with the shared
// words as their first-stage scores.
func TestScoreParallel(t *testing.T) {
	t.Parallel()
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one processor: Score never splits")
	}
	tok, m, sample := fixtures(t)
	if m.assoc == nil || m.contrast == nil {
		t.Fatal("the default model has no association table or contrast model: this test would not cover their features")
	}
	split := 0
	for i := 0; i < len(sample.entries); i += 5 {
		entry := sample.entries[i]
		if len(entry) < 2 {
			continue
		}
		qa, _ := analyze(tok, string(entry[1].a.Runes))
		var cands []*Candidate
		top := 0.0
		for _, e := range sample.entries {
			c := &Candidate{Texts: e, BM25: make([]float64, len(e)), Rank: len(cands)}
			for k := range e {
				c.BM25[k] = float64(shared(qa.WordSet, e[k].a.WordSet))
				top = max(top, c.BM25[k])
			}
			if hit := c.BM25[0] > 0 || len(e) > 1 && c.BM25[1] > 0; hit && len(cands) < 100 {
				cands = append(cands, c)
			}
		}
		if len(cands) == 0 {
			continue
		}
		q := NewQuery(&qa, m)
		q.Prepare(&sample.stats)
		b := &scoreBatch{}
		for _, c := range cands {
			for k := range c.Texts {
				var x [numFeatures]float64
				q.features(&x, &c.Texts[k], k, c.BM25[k]/top, c.Rank, &sample.stats)
				b.xs = append(b.xs, x)
			}
		}
		want := m.scoreBatch(b)
		if len(want) >= parallelTexts {
			split++
		}
		got := m.Score(q, cands, top, &sample.stats)
		q.Release()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("query %q: scores (-serial +parallel):\n%s", string(qa.Runes), diff)
		}
	}
	if split == 0 {
		t.Fatal("no query had enough candidate texts to split the work")
	}
}
