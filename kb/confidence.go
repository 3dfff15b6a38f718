package kb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
)

// A hit's confidence is a logistic function of where its ranker score
// stands among the scores of every candidate of the search: its score, its
// gap to the best, how much the other candidates weigh against it (the
// log-sum-exp of all scores minus its own), its softmax share, how many
// candidates there were (few: the query shares little with the knowledge
// base), whether it is the first hit and, for the first,
// its margin over the second. The weights are fitted (Calibrator) on
// held-out queries, some of whose entries are treated as removed, so that
// a confidence is the probability that the hit answers the query, also
// when the knowledge base has no answer.
const calibFeatures = 8

var calibNames = [calibFeatures]string{"bias", "score_upto_20", "gap_to_best", "lse_minus_score", "softmax", "log_candidates", "first", "first_margin"}

// Calibration maps a ranker's scores to confidences and carries the
// threshold below which a best hit is no answer. A ranker has one when it
// was calibrated ([Ranker.WithCalibration]); the default ranker has one.
type Calibration struct {
	w         [calibFeatures]float64
	threshold float64
}

// AnswerThreshold is the confidence below which a search's best hit is
// no answer: where, on the queries it was fitted on, as many answerable
// queries are answered as unanswerable ones refused.
func (c Calibration) AnswerThreshold() float64 { return c.threshold }

// calibFile is a Calibration's JSON form in the ranker file.
type calibFile struct {
	Features  []string  `json:"features"`
	Weights   []float64 `json:"weights"`
	Threshold float64   `json:"answer_threshold"`
}

func (c *Calibration) file() *calibFile {
	return &calibFile{Features: calibNames[:], Weights: c.w[:], Threshold: c.threshold}
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
	c.threshold = f.Threshold
	return c, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// scoreStats are what the features need of one search's scores.
type scoreStats struct {
	top, second, lse float64
	n                int
}

func statsOf(scores []float64) scoreStats {
	st := scoreStats{top: math.Inf(-1), second: math.Inf(-1), n: len(scores)}
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

// calibVector is the features of a hit of score s, first or not, in a
// search whose scores have st.
func calibVector(x *[calibFeatures]float64, s float64, first bool, st *scoreStats) {
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
}

// confidence is the probability that a hit of score s answers the query.
func (c *Calibration) confidence(s float64, first bool, st *scoreStats) float64 {
	var x [calibFeatures]float64
	calibVector(&x, s, first, st)
	z := 0.0
	for k := range x {
		z += c.w[k] * x[k]
	}
	return sigmoid(z)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Calibrator fits a [Calibration] for a ranker from labelled queries that
// the ranker was not trained on: it searches each with an index that ranks
// with that ranker, keeps the scores of every candidate and where the
// expected entry is, and treats a share of the queries as unanswerable by
// leaving their entry out of the list (as if it were removed from the
// knowledge base). Several indexes help, as for [Trainer]: split the
// queries' knowledge base into ones the size of those searched later,
// since how many entries compete changes the confidences. A Calibrator is
// not safe for concurrent use.
type Calibrator struct {
	lists []calibList
}

type calibList struct {
	scores []float64 // every candidate's, best first
	gold   int       // the expected entry's position; -1 if not a candidate
	id     string    // the expected entry; "" when the knowledge base has none
}

// NewCalibrator returns an empty Calibrator.
func NewCalibrator() *Calibrator { return &Calibrator{} }

// Add searches each example in ix (which must rank with the ranker to
// calibrate) and keeps its candidates' scores. An example with an empty ID
// is a query the knowledge base has no answer for (another domain's
// question, say): calibrating on some keeps confidences low where nothing
// in the knowledge base is close.
func (c *Calibrator) Add(ctx context.Context, ix *Index, examples []Labeled) error {
	if ix.Ranker() == nil {
		return errors.New("kb: calibrate: the index has no ranker")
	}
	n := ix.opts.candidates
	for _, ex := range examples {
		hits, err := ix.Search(ctx, Query{Text: ex.Query, Limit: n, MinConfidence: -1})
		if err != nil {
			return fmt.Errorf("kb: calibrate: %w", err)
		}
		l := calibList{gold: -1, id: ex.ID, scores: make([]float64, len(hits))}
		for k, h := range hits {
			l.scores[k] = h.Score
			if h.FAQ.ID == ex.ID {
				l.gold = k
			}
		}
		c.lists = append(c.lists, l)
	}
	return nil
}

// CalibrateConfig sets Calibrator.Fit's parameters; zero values take the
// defaults, negative ones ask for none.
type CalibrateConfig struct {
	// Unanswerable is the share of the queries' entries treated as
	// removed, chosen by a hash of the entry id (default 0.2; negative:
	// none).
	Unanswerable float64
	// L2 is the weight decay of the logistic fit (default 1e-3; negative:
	// none).
	L2 float64
}

// CalibrationReport says how a calibration fits the lists it was fitted on.
type CalibrationReport struct {
	Queries, Unanswerable int
	// ECE is the expected calibration error of the best hit's confidence
	// (10 equal bins).
	ECE float64
	// At the answer threshold: the share of answerable queries answered,
	// of unanswerable ones refused, and of answers that were right.
	Threshold, AnswerCoverage, RefuseRecall, AnswerPrecision float64
}

// calibTop is how many of a list's hits the fit learns from: the others'
// confidences are tiny and many.
const calibTop = 20

// Fit fits the calibration: a logistic regression of "this hit answers
// the query" on the hit's features, over the first calibTop hits of every
// list, by Newton's method; then the answer threshold.
func (c *Calibrator) Fit(cfg CalibrateConfig) (Calibration, CalibrationReport, error) {
	if cfg.Unanswerable == 0 {
		cfg.Unanswerable = 0.2
	}
	switch {
	case cfg.L2 == 0:
		cfg.L2 = 1e-3
	case cfg.L2 < 0:
		cfg.L2 = 0
	}
	if cfg.Unanswerable > 0.9 || !finite(cfg.Unanswerable) || !finite(cfg.L2) {
		return Calibration{}, CalibrationReport{}, fmt.Errorf("kb: calibrate: Unanswerable %v (want at most 0.9), L2 %v (want a number)", cfg.Unanswerable, cfg.L2)
	}
	if len(c.lists) == 0 {
		return Calibration{}, CalibrationReport{}, errors.New("kb: calibrate: no queries")
	}
	lists := make([]calibList, len(c.lists))
	for i, l := range c.lists {
		if l.id == "" || cfg.Unanswerable > 0 && removedForCalibration(l.id, cfg.Unanswerable) {
			if l.gold >= 0 {
				l.scores = slices.Delete(slices.Clone(l.scores), l.gold, l.gold+1)
			}
			l.gold = -2 // unanswerable
		}
		lists[i] = l
	}
	var xs [][calibFeatures]float64
	var ys []float64
	for _, l := range lists {
		st := statsOf(l.scores)
		for k := range min(len(l.scores), calibTop) {
			var x [calibFeatures]float64
			calibVector(&x, l.scores[k], k == 0, &st)
			xs = append(xs, x)
			y := 0.0
			if k == l.gold {
				y = 1
			}
			ys = append(ys, y)
		}
	}
	if len(xs) == 0 {
		return Calibration{}, CalibrationReport{}, errors.New("kb: calibrate: no candidates in any list")
	}
	var cal Calibration
	cal.w = fitLogistic(xs, ys, cfg.L2)
	for k, w := range cal.w {
		if !finite(w) {
			return Calibration{}, CalibrationReport{}, fmt.Errorf("kb: calibrate: the fit diverged (weight of %s is %v)", calibNames[k], w)
		}
	}
	tops := make([]BestHit, len(lists))
	for i, l := range lists {
		t := BestHit{Answerable: l.gold != -2, Right: l.gold == 0}
		if len(l.scores) > 0 {
			st := statsOf(l.scores)
			t.Confidence = cal.confidence(l.scores[0], true, &st)
		}
		tops[i] = t
	}
	cal.threshold = balancedThreshold(tops)
	rep := calibReport(tops, cal.threshold)
	return cal, rep, nil
}

// removedForCalibration reports whether the entry id is among the share
// frac treated as removed.
func removedForCalibration(id string, frac float64) bool {
	h := fnv.New32a()
	h.Write([]byte("unanswerable:" + id))
	return float64(h.Sum32()%10000) < frac*10000
}

// BestHit is the best hit of one evaluation query, for ConfidenceReport.
type BestHit struct {
	// Confidence is the hit's (0 for a query with no hit).
	Confidence float64
	// Answerable: the knowledge base holds the query's entry. Right: the
	// hit is that entry.
	Answerable, Right bool
}

// ConfidenceReport measures confidences on evaluation queries: the
// expected calibration error of the best hits' confidences (10 equal
// bins) and, at threshold, the share of answerable queries answered (best
// hit at least threshold confident), of unanswerable ones refused, and of
// answers that were right.
func ConfidenceReport(best []BestHit, threshold float64) CalibrationReport {
	return calibReport(best, threshold)
}

// balancedThreshold is the confidence at which the share of answerable
// queries answered is closest to the share of unanswerable ones refused
// (0 when there is no unanswerable query: answer everything).
func balancedThreshold(tops []BestHit) float64 {
	best, bestT := math.Inf(1), 0.0
	for t := 0.005; t < 1; t += 0.005 {
		r := calibReport(tops, t)
		if r.Unanswerable == 0 {
			return 0
		}
		if d := math.Abs(r.AnswerCoverage - r.RefuseRecall); d < best {
			best, bestT = d, t
		}
	}
	return math.Round(bestT*1000) / 1000
}

func calibReport(tops []BestHit, t float64) CalibrationReport {
	r := CalibrationReport{Queries: len(tops), Threshold: t}
	var answerable, answeredAnswerable, refused, answered, right float64
	var bins [10]struct{ n, conf, right float64 }
	for _, h := range tops {
		b := &bins[min(max(int(h.Confidence*10), 0), 9)]
		b.n++
		b.conf += h.Confidence
		if h.Right {
			b.right++
		}
		if h.Answerable {
			answerable++
		} else {
			r.Unanswerable++
		}
		if h.Confidence >= t {
			answered++
			if h.Answerable {
				answeredAnswerable++
			}
			if h.Right {
				right++
			}
		} else if !h.Answerable {
			refused++
		}
	}
	for _, b := range bins {
		if b.n > 0 {
			r.ECE += b.n / float64(len(tops)) * math.Abs(b.conf/b.n-b.right/b.n)
		}
	}
	if answerable > 0 {
		r.AnswerCoverage = answeredAnswerable / answerable
	}
	if r.Unanswerable > 0 {
		r.RefuseRecall = refused / float64(r.Unanswerable)
	}
	if answered > 0 {
		r.AnswerPrecision = right / answered
	}
	return r
}

// fitLogistic fits weights by Newton's method with an L2 penalty (not on
// the bias).
func fitLogistic(xs [][calibFeatures]float64, ys []float64, l2 float64) [calibFeatures]float64 {
	const d = calibFeatures
	var w [d]float64
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
