package rank

import (
	"math/rand/v2"
	"testing"
)

// TestFitDomain: fitting the domain features over a calibration keeps its
// score weights and threshold, gives no domain feature a positive weight
// (one that would raise a confidence because the query lacks something),
// and brings the confidence of queries the knowledge base does not speak
// to — scored as high as answerable ones, but with their terms unknown to
// the index — under the threshold.
func TestFitDomain(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 9))
	var lists []ScoredList
	for i := range 2000 {
		scores := make([]float64, 30)
		for j := range scores {
			scores[j] = rng.NormFloat64()
		}
		scores[0] = 5 + rng.NormFloat64()
		matches := make([]Match, len(scores))
		gold := 0
		if i%2 == 1 { // another domain's question: nothing answers it
			gold = -1
			for j := range matches {
				matches[j] = Match{OOVChars: 0.6 + 0.4*rng.Float64(), OOVWords: 1, UncoveredChars: 0.8, UncoveredWords: 1, NoHan: i%4 == 1}
			}
		} else {
			// in-domain: the right hit covers the query, others less
			for j := 1; j < len(matches); j++ {
				matches[j] = Match{UncoveredChars: 0.5 * rng.Float64(), UncoveredWords: rng.Float64()}
			}
		}
		lists = append(lists, ScoredList{Scores: scores, Matches: matches, Gold: gold})
	}
	base := Calibration{Threshold: 0.3}
	base.w[0], base.w[1], base.w[6] = -3, 0.8, 0.5
	cal, err := FitDomain(lists, 1e-5, base)
	if err != nil {
		t.Fatal(err)
	}
	if cal.Threshold != base.Threshold {
		t.Errorf("threshold %v, want the base's %v", cal.Threshold, base.Threshold)
	}
	for k := range scoreFeatures {
		if cal.w[k] != base.w[k] {
			t.Errorf("score weight %s %v, want the base's %v", calibNames[k], cal.w[k], base.w[k])
		}
	}
	for k := scoreFeatures; k < calibFeatures; k++ {
		if cal.w[k] > 0 {
			t.Errorf("domain weight %s = %v > 0", calibNames[k], cal.w[k])
		}
	}
	count := func(c *Calibration) (refused, kept int) {
		for _, l := range lists {
			st := StatsOf(l.Scores)
			conf := c.Confidence(l.Scores[0], true, &st, &l.Matches[0])
			if l.Gold < 0 && conf < c.Threshold {
				refused++
			}
			if l.Gold == 0 && conf >= c.Threshold {
				kept++
			}
		}
		return refused, kept
	}
	baseRefused, baseKept := count(&base)
	refused, kept := count(&cal)
	if refused < 950 || kept < baseKept-10 {
		t.Errorf("%d of 1000 other-domain queries refused (%d without the domain features), %d of 1000 answerable ones answered (%d without); want at least 950 refused and no fewer answered",
			refused, baseRefused, kept, baseKept)
	}
}

// TestOldCalibrationIgnoresDomain: a calibration read from a file
// written before the domain features existed gives every hit the
// confidence it gave before, whatever its Match.
func TestOldCalibrationIgnoresDomain(t *testing.T) {
	t.Parallel()
	f := calibFile{Features: calibNames[:scoreFeatures], Weights: []float64{-2, 0.3, 0.2, -0.8, 0.4, 0.1, 0.03, 0.06}, Threshold: 0.1}
	cal, err := f.calibration()
	if err != nil {
		t.Fatal(err)
	}
	st := StatsOf([]float64{9, 3, 1})
	plain := cal.Confidence(9, true, &st, &Match{})
	if got := cal.Confidence(9, true, &st, &Match{OOVChars: 1, OOVWords: 1, UncoveredChars: 1, UncoveredWords: 1, NoHan: true}); got != plain {
		t.Errorf("confidence %v with a foreign query, want %v as without", got, plain)
	}
}

// TestQueryMatchCover: the shares are of the query's distinct terms;
// Latin-only text has no Han.
func TestQueryMatchCover(t *testing.T) {
	t.Parallel()
	st := NewStats()
	text := &Analysis{WordSet: []string{"花呗", "还款"}, Uni: []string{"呗", "花", "还", "款"}, Runes: []rune("花呗还款")}
	tx := NewText(text, nil)
	st.Add(&tx, 1)
	st.Refresh()
	q := &Analysis{WordSet: []string{"天气", "花呗"}, Uni: []string{"呗", "天", "气", "花"}, Runes: []rune("天气花呗")}
	m := Cover(QueryMatch(q, &st), q, text)
	if want := (Match{OOVChars: 0.5, OOVWords: 0.5, UncoveredChars: 0.5, UncoveredWords: 0.5}); m != want {
		t.Errorf("match %+v, want %+v", m, want)
	}
	en := &Analysis{WordSet: []string{"hello"}, Uni: []string{"e", "h", "l", "o"}, Runes: []rune("hello")}
	if m := QueryMatch(en, &st); !m.NoHan || m.OOVWords != 1 {
		t.Errorf("hello: %+v, want no Han and every word unknown", m)
	}
}
