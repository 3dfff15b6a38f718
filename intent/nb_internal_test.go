package intent

import (
	"context"
	"math"
	"testing"
)

// TestFitNB checks naive Bayes weights against the formula on a toy set: two
// labels, three features.
func TestFitNB(t *testing.T) {
	xs := []vector{
		{idx: []int32{0, 1}, val: []float32{0.6, 0.8}},
		{idx: []int32{0}, val: []float32{1}},
		{idx: []int32{2}, val: []float32{1}},
	}
	ys := []int32{0, 0, 1}
	l, err := fitNB(context.Background(), xs, ys, []int{0, 1, 2}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	const a = nbSmoothing
	mass := []float64{2.4, 1}
	sums := [3][2]float64{{1.6, 0}, {0.8, 0}, {0, 1}}
	for f := range 3 {
		for c := range 2 {
			want := math.Log(a+sums[f][c]) - math.Log(3*a+mass[c])
			if got := float64(l.w[f*2+c]); math.Abs(got-want) > 1e-5 {
				t.Errorf("w[feature %d, label %d] = %v, want %v", f, c, got, want)
			}
		}
	}
	for c, n := range []float64{2, 1} {
		want := math.Log((n + 1) / 5)
		if got := float64(l.bias[c]); math.Abs(got-want) > 1e-6 {
			t.Errorf("bias[%d] = %v, want %v", c, got, want)
		}
	}
	scores := make([]float64, 2)
	l.scores(vector{idx: []int32{2}, val: []float32{1}}, scores)
	if scores[1] <= scores[0] {
		t.Errorf("feature 2 alone scores %v, want label 1 ahead", scores)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fitNB(ctx, xs, ys, []int{0, 1, 2}, 3, 2); err == nil {
		t.Error("fitNB with a cancelled context: no error")
	}
}
