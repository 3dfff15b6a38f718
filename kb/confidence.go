package kb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/duxin-ai/duxin/kb/internal/rank"
)

// Calibration maps a ranker's scores to confidences and carries the
// threshold below which a best hit is no answer. A ranker has one when it
// was calibrated ([Ranker.WithCalibration]); the default ranker has one.
// A hit's confidence is a logistic function of where its ranker score
// stands among the scores of every candidate of the search: its score, its
// gap to the best, how much the other candidates weigh against it, its
// softmax share, how many candidates there were, whether it is the first
// hit and, for the first, its margin over the second. The weights are
// fitted by a [Calibrator] on held-out queries, some of whose entries are
// treated as removed, so that a confidence is the probability that the hit
// answers the query, also when the knowledge base has no answer.
type Calibration struct {
	c rank.Calibration
}

// AnswerThreshold is the confidence below which a search's best hit is
// no answer: where, on the queries it was fitted on, as many answerable
// queries are answered as unanswerable ones refused.
func (c Calibration) AnswerThreshold() float64 { return c.c.Threshold }

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
	scores  []float64    // every candidate's, best first
	matches []rank.Match // every candidate's, in the same order
	gold    int          // the expected entry's position; -1 if not a candidate
	id      string       // the expected entry; "" when the knowledge base has none
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
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kb: calibrate: %w", err)
		}
		l := calibList{gold: -1, id: ex.ID}
		err := ix.search(ctx, ex.Query, "", nil, n, func(g *generation, qa *analysis, cands []*candidate) {
			cands = cands[:min(len(cands), n)]
			qm := g.queryMatch(qa)
			l.scores, l.matches = make([]float64, len(cands)), make([]rank.Match, len(cands))
			for k, c := range cands {
				l.scores[k] = c.score
				l.matches[k] = rank.Cover(qm, &qa.Analysis, &c.e.texts[c.text].Analysis)
				if c.e.faq.ID == ex.ID {
					l.gold = k
				}
			}
		})
		if err != nil {
			return fmt.Errorf("kb: calibrate: %w", err)
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
	// Base, when not nil, keeps that calibration's weights of the score
	// features and its answer threshold, and fits only the weights of the
	// domain features (how much of the query the index holds and the hit
	// covers, and its script): what teaches a calibration fitted on
	// in-domain queries, or read from an older ranker file, what questions
	// of other domains look like without refitting it on the queries it
	// was fitted on.
	Base *Calibration
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

// Fit fits the calibration: a logistic regression of "this hit answers
// the query" on the hit's features, over the first 20 hits of every list,
// by Newton's method; then the answer threshold.
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
	if len(c.lists) < MinCalibrationQueries {
		return Calibration{}, CalibrationReport{Queries: len(c.lists)}, &tooFewError{fmt.Sprintf("kb: calibrate: too few queries to calibrate: %d, %d needed", len(c.lists), MinCalibrationQueries)}
	}
	lists := make([]rank.ScoredList, len(c.lists))
	for i, l := range c.lists {
		if l.id == "" || cfg.Unanswerable > 0 && removedForCalibration(l.id, cfg.Unanswerable) {
			if l.gold >= 0 {
				l.scores = slices.Delete(slices.Clone(l.scores), l.gold, l.gold+1)
				l.matches = slices.Delete(slices.Clone(l.matches), l.gold, l.gold+1)
			}
			l.gold = -2 // unanswerable
		}
		lists[i] = rank.ScoredList{Scores: l.scores, Matches: l.matches, Gold: l.gold}
	}
	var cal rank.Calibration
	var err error
	if cfg.Base != nil {
		cal, err = rank.FitDomain(lists, cfg.L2, cfg.Base.c)
	} else {
		cal, err = rank.FitCalibration(lists, cfg.L2)
	}
	if err != nil {
		return Calibration{}, CalibrationReport{}, fmt.Errorf("kb: calibrate: %w", err)
	}
	tops := make([]BestHit, len(lists))
	for i, l := range lists {
		t := BestHit{Answerable: l.Gold != -2, Right: l.Gold == 0}
		if len(l.Scores) > 0 {
			st := rank.StatsOf(l.Scores)
			t.Confidence = cal.Confidence(l.Scores[0], true, &st, &l.Matches[0])
		}
		tops[i] = t
	}
	if cfg.Base == nil {
		cal.Threshold = balancedThreshold(tops)
	}
	rep := calibReport(tops, cal.Threshold)
	return Calibration{cal}, rep, nil
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

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
