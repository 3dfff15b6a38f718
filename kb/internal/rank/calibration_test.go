package rank

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestFileKeepsCalibration: the default model carries a calibration,
// which survives a write and read; a damaged calibration is refused with
// an error that names it.
func TestFileKeepsCalibration(t *testing.T) {
	t.Parallel()
	def := defaultModel(t)
	cal, ok := def.Calibration()
	if !ok {
		t.Fatal("the default model has no calibration")
	}
	back, err := Read(strings.NewReader(modelJSON(t, def)))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.Calibration(); got != cal {
		t.Errorf("calibration after a round trip %+v, want %+v", got, cal)
	}
	plain := newModel("")
	plain.w, plain.mean, plain.scale = def.w, def.mean, def.scale
	if _, ok := plain.Calibration(); ok {
		t.Error("a model without calibration reports one")
	}
	if got, _ := plain.WithCalibration(cal).Calibration(); got != cal {
		t.Error("WithCalibration did not set it")
	}
	for _, tc := range []struct{ name, json string }{
		{"unknown feature", `{"features":["bias","nope"],"weights":[1,2],"answer_threshold":0.1}`},
		{"count mismatch", `{"features":["bias"],"weights":[1,2],"answer_threshold":0.1}`},
		{"threshold", `{"features":["bias"],"weights":[1],"answer_threshold":1.5}`},
	} {
		body := fmt.Sprintf(`{"features":%s,"mean":%s,"scale":%s,"weights":%s,"calibration":%s}`,
			jsonOf(featureNames[:]), jsonOf(def.mean[:]), jsonOf(def.scale[:]), jsonOf(def.w[:]), tc.json) + "\n"
		_, err := Read(bytes.NewReader(seal([]byte(body))))
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

// TestFitCalibrationDegenerate: lists in which the expected entry never
// appears, or always comes first, or that are empty, still give a finite
// calibration (or an error), never NaN weights a ranker file would refuse.
func TestFitCalibrationDegenerate(t *testing.T) {
	t.Parallel()
	for name, lists := range map[string][]ScoredList{
		"never found":  {{Scores: []float64{3, 2, 1}, Matches: make([]Match, 3), Gold: -1}, {Scores: []float64{5, 1}, Matches: make([]Match, 2), Gold: -1}},
		"always first": {{Scores: []float64{9, 2, 1}, Matches: make([]Match, 3), Gold: 0}, {Scores: []float64{8, 1}, Matches: make([]Match, 2), Gold: 0}},
		"empty lists":  {{Gold: -1}, {Gold: -1}},
	} {
		cal, err := FitCalibration(lists, 1e-3)
		if err != nil {
			continue // refused: fine
		}
		for k, w := range cal.w {
			if !finite(w) {
				t.Errorf("%s: weight %s = %v", name, calibNames[k], w)
			}
		}
		js := modelJSON(t, newModel("").WithCalibration(cal))
		if _, err := Read(strings.NewReader(js)); err != nil && strings.Contains(err.Error(), "calibration") {
			t.Errorf("%s: the written calibration is refused: %v", name, err)
		}
	}
}

// BenchmarkConfidence is what calibration adds to a search: the scores'
// statistics over 100 candidates and the confidences of 10 hits.
func BenchmarkConfidence(b *testing.B) {
	cal, ok := defaultModel(b).Calibration()
	if !ok {
		b.Fatal("the default model has no calibration")
	}
	rng := rand.New(rand.NewPCG(3, 7))
	scores := make([]float64, 100)
	for j := range scores {
		scores[j] = rng.NormFloat64() * 2
	}
	scores[0] += 6
	slices.Sort(scores)
	slices.Reverse(scores)
	var m Match
	b.ReportAllocs()
	sum := 0.0
	for b.Loop() {
		st := StatsOf(scores)
		for k := range 10 {
			sum += cal.Confidence(scores[k], k == 0, &st, &m)
		}
	}
	if sum < 0 {
		b.Fatal(sum)
	}
}
