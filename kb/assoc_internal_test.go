package kb

import (
	"math"
	"testing"
)

// naiveAssocFeatures computes the association features of text terms t
// for query terms q from their definition, pair by pair, with the
// table's string maps: the reference for assocQuery's numbered, hashed
// computation.
func naiveAssocFeatures(a *assoc, q, t []string) [numAssocFeatures]float64 {
	var x [numAssocFeatures]float64
	if len(q) > maxAssocWords {
		q = q[:maxAssocWords]
	}
	if len(q) == 0 || len(t) == 0 {
		return x
	}
	// p(dst, src) is P(dst | src) as the features see it: byDst holds the
	// (capped) links into dst; a word without links stands for itself.
	fwdP := func(qw, u string) float64 { // P(query word | text word)
		for _, l := range a.byDst[qw] {
			if l.word == u {
				return l.p
			}
		}
		if _, known := a.bySrc[qw]; !known && qw == u {
			return 1
		}
		return 0
	}
	revP := func(u, qw string) float64 { // P(text word | query word)
		links, known := a.bySrc[qw]
		for _, l := range links {
			if l.word == u {
				return l.p
			}
		}
		if !known && qw == u {
			return 1
		}
		return 0
	}
	has := func(set []string, w string) bool {
		for _, s := range set {
			if s == w {
				return true
			}
		}
		return false
	}
	var fwdLL, fwdCov, fwdW, diffCov, diffW float64
	for _, qw := range q {
		sum, best := 0.0, 0.0
		for _, u := range t {
			p := fwdP(qw, u)
			sum += p
			best = max(best, p)
		}
		st := a.termStat(qw)
		if p := sum / float64(len(t)); p > 0 {
			fwdLL += math.Log1p(p / st.bg)
		}
		fwdCov += st.w * min(best, 1)
		fwdW += st.w
		if !has(t, qw) {
			diffCov += st.w * min(best, 1)
			diffW += st.w
		}
	}
	var revLL, revCov, revW, rdiffCov, rdiffW float64
	for _, u := range t {
		pu, bu := 0.0, 0.0
		for _, qw := range q {
			p := revP(u, qw)
			pu += p
			bu = max(bu, p)
		}
		st := a.termStat(u)
		if pu > 0 {
			revLL += math.Log1p(pu / float64(len(q)) / st.bg)
		}
		revCov += st.w * bu
		revW += st.w
		if !has(q, u) {
			rdiffCov += st.w * bu
			rdiffW += st.w
		}
	}
	x[0], x[1] = fwdLL/float64(len(q)), revLL/float64(len(t))
	x[2], x[3] = fwdCov/fwdW, revCov/revW
	x[4], x[5] = 1, 1
	if diffW > 0 {
		x[4] = diffCov / diffW
	}
	if rdiffW > 0 {
		x[5] = rdiffCov / rdiffW
	}
	return x
}

// TestAssocFeaturesMatchDefinition checks the features search computes
// (query links hashed by term number, indexed texts' terms numbered when
// they were indexed) against naiveAssocFeatures, for the default ranker's
// word, character and bigram tables over the sample KB: every query is one
// sample text, scored against every other text, plus queries with words
// the tables do not know.
func TestAssocFeaturesMatchDefinition(t *testing.T) {
	ix, _, texts := sampleTexts(t)
	a := ix.rank.assoc
	if a == nil || a.sub[subChars] == nil || a.sub[subGrams] == nil {
		t.Fatal("default ranker without association tables")
	}
	for _, tx := range texts {
		if tx.aid == nil || tx.aid.a != a {
			t.Fatalf("text %q: terms not numbered in the index's table", string(tx.runes))
		}
	}
	queries := []string{"zqxw花呗还不上了怎么办啊zqxw", "余额宝转出到银行卡要多久", "qwertyuiop"}
	for i := 0; i < len(texts); i += 7 {
		queries = append(queries, string(texts[i].runes))
	}
	checked := 0
	for _, qs := range queries {
		qa := ix.an.analyze(qs)
		aq := a.getQuery(qa.wordSet)
		for j := 0; j < len(texts); j += 3 {
			tx := texts[j]
			var got [numFeatures]float64
			aq.textFeatures(got[:], &qa, tx)
			for k, c := range []struct {
				tab  *assoc
				q, t []string
				at   int
			}{
				{a, qa.wordSet, tx.wordSet, firstAssocFeature},
				{a.sub[subChars], qa.uni, tx.uni, firstCharAssocFeature},
				{a.sub[subGrams], qa.grams, tx.grams, firstGramAssocFeature},
			} {
				want := naiveAssocFeatures(c.tab, c.q, c.t)
				for f := range numAssocFeatures {
					if d := math.Abs(got[c.at+f] - want[f]); !(d <= 1e-9*max(1, math.Abs(want[f]))) {
						t.Fatalf("query %q, text %q, table %d: feature %s = %v, want %v",
							qs, string(tx.runes), k, featureNames[c.at+f], got[c.at+f], want[f])
					}
				}
				checked++
			}
		}
		a.putQuery(aq)
	}
	if checked < 1000 {
		t.Fatalf("only %d comparisons", checked)
	}
}

// features is featuresIDs with t's terms looked up (for tests that give
// texts as word lists).
func (q *assocQuery) features(x []float64, t []string) {
	q.featuresIDs(x, t, q.a.lookupIDs(make([]int32, 0, len(t)), t))
}
