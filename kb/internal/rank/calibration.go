package rank

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// A hit's confidence is a logistic function of where its ranker score
// stands among the scores of every candidate of the search: its score, its
// gap to the best, how much the other candidates weigh against it (the
// log-sum-exp of all scores minus its own), its softmax share, how many
// candidates there were (few: the query shares little with the knowledge
// base), whether it is the first hit and, for the first,
// its margin over the second; and, from the hit's Match, the shares of
// the query's characters and words the index does not hold and the hit
// does not cover, and whether the query has no Han character (the domain
// features, which tell "nothing relevant" from a weak paraphrase). The
// weights are fitted (FitCalibration) on held-out queries, some of whose
// entries are treated as removed, and questions of other domains, so that
// a confidence is the probability that the hit answers the query, also
// when the knowledge base has no answer. A calibration read from a file
// written before the domain features existed has weight 0 for them and
// computes the confidences it always did.
const calibFeatures = 13

// scoreFeatures is the number of features of the score alone: the ones
// before the domain features.
const scoreFeatures = 8

var calibNames = [calibFeatures]string{"bias", "score_upto_20", "gap_to_best", "lse_minus_score", "softmax", "log_candidates", "first", "first_margin",
	"query_oov_chars", "query_oov_words", "uncovered_chars", "uncovered_words", "no_han"}

// Calibration maps a model's scores to confidences and carries the
// threshold below which a best hit is no answer.
type Calibration struct {
	w [calibFeatures]float64
	// Threshold is the confidence below which a search's best hit is no
	// answer.
	Threshold float64
}

// calibFile is a Calibration's JSON form in the ranker file.
type calibFile struct {
	Features  []string  `json:"features"`
	Weights   []float64 `json:"weights"`
	Threshold float64   `json:"answer_threshold"`
}

func (c *Calibration) file() *calibFile {
	return &calibFile{Features: calibNames[:], Weights: c.w[:], Threshold: c.Threshold}
}

func (f *calibFile) calibration() (Calibration, error) {
	var c Calibration
	if len(f.Features) != len(f.Weights) {
		return c, fmt.Errorf("calibration: %d features, %d weights", len(f.Features), len(f.Weights))
	}
	for i, name := range f.Features {
		k := slices.Index(calibNames[:], name)
		if k < 0 {
			return c, fmt.Errorf("calibration: unknown feature %q", name)
		}
		if !finite(f.Weights[i]) {
			return c, fmt.Errorf("calibration: weight of %q is %v", name, f.Weights[i])
		}
		c.w[k] = f.Weights[i]
	}
	if !(f.Threshold >= 0 && f.Threshold <= 1) {
		return c, fmt.Errorf("calibration: answer_threshold %v, want in [0, 1]", f.Threshold)
	}
	c.Threshold = f.Threshold
	return c, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// ScoreStats are what the confidences need of one search's scores.
type ScoreStats struct {
	top, second, lse float64
	n                int
}

// StatsOf returns the statistics of a search's candidate scores.
func StatsOf(scores []float64) ScoreStats {
	st := ScoreStats{top: math.Inf(-1), second: math.Inf(-1), n: len(scores)}
	for _, s := range scores {
		if s > st.top {
			st.top, st.second = s, st.top
		} else if s > st.second {
			st.second = s
		}
	}
	if st.n == 0 {
		return st
	}
	z := 0.0
	for _, s := range scores {
		z += math.Exp(s - st.top)
	}
	st.lse = st.top + math.Log(z)
	return st
}

// calibVector is the features of a hit of score s, first or not, with
// match m, in a search whose scores have st.
func calibVector(x *[calibFeatures]float64, s float64, first bool, st *ScoreStats, m *Match) {
	x[0] = 1
	x[1] = math.Min(s, 20) // an exact match's +100 says no more than 20 does
	x[2] = math.Min(st.top-s, 10)
	x[3] = math.Min(st.lse-s, 20)
	x[4] = math.Exp(s - st.lse)
	x[5] = math.Log1p(float64(st.n)) / math.Log(101) // 1 at the usual 100 candidates
	x[6], x[7] = 0, 0
	if first {
		x[6] = 1
		x[7] = 10
		if st.n > 1 {
			x[7] = math.Min(s-st.second, 10)
		}
	}
	x[8], x[9], x[10], x[11] = m.OOVChars, m.OOVWords, m.UncoveredChars, m.UncoveredWords
	x[12] = 0
	if m.NoHan {
		x[12] = 1
	}
}

// Confidence is the probability that a hit of score s, first or not,
// with match m, answers the query of a search whose scores have st.
func (c *Calibration) Confidence(s float64, first bool, st *ScoreStats, m *Match) float64 {
	var x [calibFeatures]float64
	calibVector(&x, s, first, st, m)
	z := 0.0
	for k := range x {
		z += c.w[k] * x[k]
	}
	return sigmoid(z)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// ScoredList is one calibration query: the scores of its search's
// candidates, best first, their matches (Cover), and the position of the
// one that answers it, -1 for none.
type ScoredList struct {
	Scores  []float64
	Matches []Match
	Gold    int
}

// calibTop is how many of a list's hits the fit learns from: the others'
// confidences are tiny and many.
const calibTop = 20

// FitCalibration fits a calibration's weights to lists (its Threshold is
// left 0): a logistic regression of "this hit answers the query" on the
// hit's features, over the first calibTop hits of every list, by Newton's
// method with weight decay l2 (not on the bias).
func FitCalibration(lists []ScoredList, l2 float64) (Calibration, error) {
	return fitCalibration(lists, l2, nil)
}

// FitDomain fits only the domain features' weights to lists, keeping
// base's score weights (bias included) and its Threshold: what extends a
// calibration fitted before the domain features existed, or on scores of
// queries no longer at hand, to questions of other domains.
func FitDomain(lists []ScoredList, l2 float64, base Calibration) (Calibration, error) {
	cal, err := fitCalibration(lists, l2, &base)
	cal.Threshold = base.Threshold
	return cal, err
}

func fitCalibration(lists []ScoredList, l2 float64, base *Calibration) (Calibration, error) {
	var xs [][calibFeatures]float64
	var ys []float64
	for _, l := range lists {
		if len(l.Matches) != len(l.Scores) {
			return Calibration{}, fmt.Errorf("a list of %d scores has %d matches", len(l.Scores), len(l.Matches))
		}
		st := StatsOf(l.Scores)
		for k := range min(len(l.Scores), calibTop) {
			var x [calibFeatures]float64
			calibVector(&x, l.Scores[k], k == 0, &st, &l.Matches[k])
			xs = append(xs, x)
			y := 0.0
			if k == l.Gold {
				y = 1
			}
			ys = append(ys, y)
		}
	}
	if len(xs) == 0 {
		return Calibration{}, errors.New("no candidates in any list")
	}
	var cal Calibration
	var free [calibFeatures]bool
	for k := range free {
		free[k] = true
	}
	if base != nil {
		// The score features keep base's weights.
		copy(cal.w[:scoreFeatures], base.w[:scoreFeatures])
		for k := range scoreFeatures {
			free[k] = false
		}
	}
	// Each domain feature measures what the query lacks, so more of it
	// can only lower a confidence: one whose fitted weight comes out
	// positive (it stands in for another it is correlated with) is held
	// at 0 and the others refitted.
	for range calibFeatures - scoreFeatures + 1 {
		w := fitLogistic(xs, ys, l2, cal.w, free)
		positive := false
		for k := scoreFeatures; k < calibFeatures; k++ {
			if free[k] && w[k] > 0 {
				free[k], positive = false, true
			}
		}
		if !positive {
			cal.w = w
			break
		}
	}
	for k, w := range cal.w {
		if !finite(w) {
			return Calibration{}, fmt.Errorf("the fit diverged (weight of %s is %v)", calibNames[k], w)
		}
	}
	return cal, nil
}

// fitLogistic fits the weights marked free by Newton's method with an L2
// penalty (not on the bias), starting from w, whose other weights it
// keeps.
func fitLogistic(xs [][calibFeatures]float64, ys []float64, l2 float64, w [calibFeatures]float64, free [calibFeatures]bool) [calibFeatures]float64 {
	const d = calibFeatures
	n := float64(len(xs))
	for range 50 {
		var g [d]float64
		var h [d][d]float64
		for i, x := range xs {
			z := 0.0
			for k := range d {
				z += w[k] * x[k]
			}
			p := sigmoid(z)
			e, v := p-ys[i], math.Max(p*(1-p), 1e-9)
			for a := range d {
				g[a] += e * x[a] / n
				for b := range d {
					h[a][b] += v * x[a] * x[b] / n
				}
			}
		}
		for a := 1; a < d; a++ {
			g[a] += l2 * w[a]
			h[a][a] += l2
		}
		for a := range d {
			h[a][a] += 1e-9
		}
		for a := range d {
			if !free[a] {
				g[a] = 0
				for b := range d {
					h[a][b], h[b][a] = 0, 0
				}
				h[a][a] = 1
			}
		}
		step, ok := solve(h, g)
		if !ok {
			break
		}
		max := 0.0
		for k := range d {
			w[k] -= step[k]
			max = math.Max(max, math.Abs(step[k]))
		}
		if max < 1e-8 {
			break
		}
	}
	return w
}

// solve solves h x = g by Gaussian elimination with partial pivoting.
func solve(h [calibFeatures][calibFeatures]float64, g [calibFeatures]float64) ([calibFeatures]float64, bool) {
	const d = calibFeatures
	for c := range d {
		p := c
		for r := c + 1; r < d; r++ {
			if math.Abs(h[r][c]) > math.Abs(h[p][c]) {
				p = r
			}
		}
		if math.Abs(h[p][c]) < 1e-15 {
			return g, false
		}
		h[c], h[p] = h[p], h[c]
		g[c], g[p] = g[p], g[c]
		for r := c + 1; r < d; r++ {
			f := h[r][c] / h[c][c]
			for k := c; k < d; k++ {
				h[r][k] -= f * h[c][k]
			}
			g[r] -= f * g[c]
		}
	}
	var x [d]float64
	for r := d - 1; r >= 0; r-- {
		s := g[r]
		for k := r + 1; k < d; k++ {
			s -= h[r][k] * x[k]
		}
		x[r] = s / h[r][r]
	}
	return x, true
}
