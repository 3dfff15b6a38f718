// Package evaluate holds the quality measurements that benchmarks/eval and
// the duxin command share, so that both print the same figures from the
// same code: intent accuracy, out-of-scope recall, macro F1 and calibration
// with a per-intent report and confusion matrix; knowledge-base Recall@k,
// MRR and answer figures; and the recommender's hit rates, leave-last-out
// (Recommend) or in an online replay of the log from a cut (Replay).
//
// Unlike the other internal packages it drives the public ones (kb, intent,
// recommend); only commands and benchmarks import it (internal/depcheck
// checks).
package evaluate

import (
	"cmp"
	"math"
)

// Round rounds v to the given number of decimal digits, for readable JSON.
func Round(v float64, digits int) float64 {
	m := math.Pow(10, float64(digits))
	return math.Round(v*m) / m
}

// Percentile returns the q-quantile of sorted values by the nearest-rank
// method (q = 0.99 is the value 99% of the values are at or below); zero for
// no values.
func Percentile[T cmp.Ordered](sorted []T, q float64) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
