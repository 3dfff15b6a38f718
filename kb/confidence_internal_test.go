package kb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/kb/internal/rank"
)

// synthLists draws candidate lists as a search would give them: the
// expected entry, when it is a candidate, scores higher than the others
// on average, by a margin that varies from query to query.
func synthLists(n int, seed uint64) []calibList {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]calibList, n)
	for i := range out {
		k := 20 + rng.IntN(81)
		scores := make([]float64, k)
		for j := range scores {
			scores[j] = rng.NormFloat64() * 2
		}
		l := calibList{id: fmt.Sprintf("e%d", i), gold: -1}
		candidate := rng.Float64() < 0.8 // else the first stage missed it
		if candidate {
			scores[0] = rng.NormFloat64()*1.5 + 6*rng.Float64() + 2
		}
		// best first, remembering where the expected entry went
		g := scores[0]
		sortDesc(scores)
		if candidate {
			for j, s := range scores {
				if s == g {
					l.gold = j
					break
				}
			}
		}
		l.scores, l.matches = scores, make([]rank.Match, len(scores))
		out[i] = l
	}
	return out
}

func sortDesc(s []float64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] > s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestCalibratorFitsHeldOutLists: a calibration fitted on one sample of
// lists is calibrated on another sample from the same searches (low ECE),
// its threshold balances answering and refusing there too, and it is
// better calibrated than a constant guess.
func TestCalibratorFitsHeldOutLists(t *testing.T) {
	t.Parallel()
	c := &Calibrator{lists: synthLists(3000, 1)}
	cal, rep, err := c.Fit(CalibrateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Queries != 3000 || rep.Unanswerable < 400 || rep.Unanswerable > 800 {
		t.Errorf("report %+v: want 3000 queries, about a fifth unanswerable", rep)
	}
	if !(cal.AnswerThreshold() > 0 && cal.AnswerThreshold() < 1) {
		t.Fatalf("threshold %v", cal.AnswerThreshold())
	}
	held := &Calibrator{lists: synthLists(3000, 2)}
	tops := make([]BestHit, 0, 3000)
	for _, l := range held.lists {
		if removedForCalibration(l.id, 0.2) {
			if l.gold >= 0 {
				l.scores = append(l.scores[:l.gold:l.gold], l.scores[l.gold+1:]...)
				l.matches = append(l.matches[:l.gold:l.gold], l.matches[l.gold+1:]...)
			}
			l.gold = -2
		}
		st := rank.StatsOf(l.scores)
		tops = append(tops, BestHit{Confidence: cal.c.Confidence(l.scores[0], true, &st, &l.matches[0]), Answerable: l.gold != -2, Right: l.gold == 0})
	}
	got := calibReport(tops, cal.AnswerThreshold())
	if got.ECE > 0.05 {
		t.Errorf("held-out ECE %.4f, want <= 0.05", got.ECE)
	}
	if math.Abs(got.AnswerCoverage-got.RefuseRecall) > 0.1 {
		t.Errorf("held-out coverage %.3f and refusal %.3f at the threshold, want within 0.1", got.AnswerCoverage, got.RefuseRecall)
	}
	// A constant confidence equal to the rate of right first hits has an
	// ECE of 0 on average but no resolution; the fitted one must separate:
	// right first hits get higher confidences than wrong ones.
	var right, wrong, nr, nw float64
	for _, h := range tops {
		if h.Right {
			right += h.Confidence
			nr++
		} else {
			wrong += h.Confidence
			nw++
		}
	}
	if right/nr < wrong/nw+0.2 {
		t.Errorf("mean confidence of right first hits %.3f, of wrong ones %.3f: no resolution", right/nr, wrong/nw)
	}
	if _, _, err := (&Calibrator{}).Fit(CalibrateConfig{}); err == nil {
		t.Error("Fit of nothing succeeded")
	}
	if _, _, err := c.Fit(CalibrateConfig{Unanswerable: 0.95}); err == nil {
		t.Error("Unanswerable 0.95 accepted")
	}
}

// TestTooFewToCalibrate: a calibration on fewer than
// MinCalibrationQueries queries, by TrainRanker or by a Calibrator, is an
// error that says how many there were and how many are needed, never a
// ranker silently left uncalibrated; a negative CalibrationShare still
// trains one on purpose.
func TestTooFewToCalibrate(t *testing.T) {
	t.Parallel()
	ix, faqs := sharedSample(t)
	var ex []Labeled
	for _, f := range faqs[:20] {
		for _, s := range f.Similar {
			ex = append(ex, Labeled{Query: s, ID: f.ID})
		}
	}
	ex = ex[:41]
	ctx := context.Background()
	r, rep, err := TrainRanker(ctx, ix, ex, TrainConfig{Epochs: 1})
	if !errors.Is(err, ErrTooFewToCalibrate) || r != nil {
		t.Fatalf("41 examples: ranker %v, error %v; want ErrTooFewToCalibrate", r != nil, err)
	}
	if rep.CalibrationQueries >= MinCalibrationQueries || rep.Examples != 41 {
		t.Errorf("report %+v: want the held-out count and 41 examples", rep)
	}
	msg := err.Error()
	for _, want := range []string{fmt.Sprintf("%d of the 41 examples", rep.CalibrationQueries), "20 needed", "about 100 examples", "CalibrationShare negative"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Count(msg, "kb:") != 1 {
		t.Errorf("error %q: doubled prefix", msg)
	}
	if _, rep, err := TrainRanker(ctx, ix, ex, TrainConfig{Epochs: 1, CalibrationShare: -1}); err != nil || rep.Calibrated {
		t.Errorf("CalibrationShare -1: %+v, %v; want an uncalibrated ranker", rep, err)
	}
	c := &Calibrator{lists: synthLists(MinCalibrationQueries-1, 3)}
	if _, _, err := c.Fit(CalibrateConfig{}); !errors.Is(err, ErrTooFewToCalibrate) || !strings.Contains(err.Error(), "19, 20 needed") {
		t.Errorf("Fit of 19 queries: %v; want ErrTooFewToCalibrate naming 19 and 20", err)
	}
}
