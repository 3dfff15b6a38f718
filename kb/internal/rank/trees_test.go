package rank

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCompiledTrees checks that the compiled trees score exactly as the
// trees they come from, including at the thresholds themselves.
func TestCompiledTrees(t *testing.T) {
	t.Parallel()
	r := defaultModel(t)
	if len(r.trees) == 0 || !r.perfectOK {
		t.Fatalf("default model: %d trees, compiled %v", len(r.trees), r.perfectOK)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var thresholds []float64
	for _, tr := range r.trees {
		for i, f := range tr.feat {
			if f >= 0 {
				thresholds = append(thresholds, tr.thr[i])
			}
		}
	}
	for n := range 2000 {
		var z [numFeatures]float64
		for i := range z {
			if n%2 == 0 {
				z[i] = rng.NormFloat64() * 2
			} else if n%7 == 0 && i%5 == 0 {
				z[i] = math.NaN()
			} else {
				z[i] = thresholds[rng.IntN(len(thresholds))]
			}
		}
		want := 0.0
		for i := range r.trees {
			want += r.trees[i].eval(&z)
		}
		if got := r.treeScore(&z); math.Abs(got-want) > 1e-9 {
			t.Fatalf("vector %d: compiled trees give %v, trees %v", n, got, want)
		}
	}
}

// TestScoreBatch checks that scoring many vectors at once gives exactly
// what scoring them one by one gives.
func TestScoreBatch(t *testing.T) {
	t.Parallel()
	r := defaultModel(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 150} {
		b := r.getBatch()
		for range n {
			var x [numFeatures]float64
			for i := range x {
				x[i] = r.mean[i] + rng.NormFloat64()*r.scale[i]
			}
			b.xs = append(b.xs, x)
		}
		got := r.scoreBatch(b)
		if len(got) != n {
			t.Fatalf("%d vectors: %d scores", n, len(got))
		}
		for j := range b.xs {
			if want := r.score(&b.xs[j]); got[j] != want {
				t.Fatalf("%d vectors: vector %d scores %v in a batch, %v alone", n, j, got[j], want)
			}
		}
		r.putBatch(b)
	}
}

// BenchmarkScoreBatch scores a batch of 110 feature vectors (about one
// 10k-entry search's candidate texts) with the default model.
func BenchmarkScoreBatch(b *testing.B) {
	r := defaultModel(b)
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([][numFeatures]float64, 110)
	for j := range xs {
		for i := range xs[j] {
			xs[j][i] = r.mean[i] + rng.NormFloat64()*r.scale[i]
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		bt := r.getBatch()
		bt.xs = append(bt.xs, xs...)
		r.scoreBatch(bt)
		r.putBatch(bt)
	}
}
