package kb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
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
		l.scores = scores
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
			}
			l.gold = -2
		}
		st := statsOf(l.scores)
		tops = append(tops, BestHit{Confidence: cal.confidence(l.scores[0], true, &st), Answerable: l.gold != -2, Right: l.gold == 0})
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

// TestRankerFileKeepsCalibration: the default ranker carries a
// calibration, which survives a write and read; a damaged calibration is
// refused with an error that names it.
func TestRankerFileKeepsCalibration(t *testing.T) {
	def, err := DefaultRanker()
	if err != nil {
		t.Fatal(err)
	}
	cal, ok := def.Calibration()
	if !ok {
		t.Fatal("the default ranker has no calibration")
	}
	var b bytes.Buffer
	if _, err := def.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRanker(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.Calibration(); got != cal {
		t.Errorf("calibration after a round trip %+v, want %+v", got, cal)
	}
	plain := &Ranker{w: def.w, mean: def.mean, scale: def.scale}
	if _, ok := plain.Calibration(); ok {
		t.Error("a ranker without calibration reports one")
	}
	if got, _ := plain.WithCalibration(cal).Calibration(); got != cal {
		t.Error("WithCalibration did not set it")
	}
	for _, tc := range []struct{ name, json string }{
		{"unknown feature", `{"features":["bias","nope"],"weights":[1,2],"answer_threshold":0.1}`},
		{"count mismatch", `{"features":["bias"],"weights":[1,2],"answer_threshold":0.1}`},
		{"threshold", `{"features":["bias"],"weights":[1],"answer_threshold":1.5}`},
	} {
		f := rankerFile{Features: featureNames[:], Mean: def.mean[:], Scale: def.scale[:], Weights: def.w[:]}
		body := fmt.Sprintf(`{"features":%s,"mean":%s,"scale":%s,"weights":%s,"calibration":%s}`,
			jsonOf(f.Features), jsonOf(f.Mean), jsonOf(f.Scale), jsonOf(f.Weights), tc.json) + "\n"
		_, err := ReadRanker(bytes.NewReader(sealRanker([]byte(body))))
		if err == nil || !strings.Contains(err.Error(), "calibration") {
			t.Errorf("%s: error %v, want one naming the calibration", tc.name, err)
		}
	}
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// BenchmarkConfidence is what calibration adds to a search: the scores'
// statistics over 100 candidates and the confidences of 10 hits.
func BenchmarkConfidence(b *testing.B) {
	def, err := DefaultRanker()
	if err != nil {
		b.Fatal(err)
	}
	cal := def.calib
	scores := synthLists(1, 3)[0].scores
	for len(scores) < 100 {
		scores = append(scores, scores[len(scores)-1]-0.1)
	}
	b.ReportAllocs()
	sum := 0.0
	for b.Loop() {
		st := statsOf(scores[:100])
		for k := range 10 {
			sum += cal.confidence(scores[k], k == 0, &st)
		}
	}
	if sum < 0 {
		b.Fatal(sum)
	}
}

// TestCalibratorDegenerateLists: lists in which the expected entry never
// appears, or always comes first, or that are empty, still give a finite
// calibration (or an error), never NaN weights a ranker file would refuse.
func TestCalibratorDegenerateLists(t *testing.T) {
	for name, lists := range map[string][]calibList{
		"never found":  {{scores: []float64{3, 2, 1}, gold: -1, id: "a"}, {scores: []float64{5, 1}, gold: -1, id: "b"}},
		"always first": {{scores: []float64{9, 2, 1}, gold: 0, id: "a"}, {scores: []float64{8, 1}, gold: 0, id: "b"}},
		"empty lists":  {{gold: -1, id: "a"}, {gold: -1, id: "b"}},
	} {
		cal, _, err := (&Calibrator{lists: lists}).Fit(CalibrateConfig{Unanswerable: -1})
		if err != nil {
			continue // refused: fine
		}
		for k, w := range cal.w {
			if !finite(w) {
				t.Errorf("%s: weight %s = %v", name, calibNames[k], w)
			}
		}
		var b bytes.Buffer
		r := (&Ranker{}).WithCalibration(cal)
		if _, err := r.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRanker(&b); err != nil && strings.Contains(err.Error(), "calibration") {
			t.Errorf("%s: the written calibration is refused: %v", name, err)
		}
	}
}
