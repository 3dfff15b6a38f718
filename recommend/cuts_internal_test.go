package recommend

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRoundIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b float64
		want float64
		exp  int
	}{
		{"threshold in a narrow gap", 49873.2, 50012.5, 50000, 4},
		{"upper value itself", 1999.99, 2000, 2000, 3},
		{"several round numbers: nearest the middle", 12000, 95000, 50000, 4},
		{"decimals", 0.1231, 0.1239, 0.1235, -4},
		{"negative", -5, -3, -4, 0},
		{"zero inside", -3, 2, 0, 1},
		{"neighbouring integers", 7, 8, 8, 0},
		{"ids", 2088102622621909, 2088102622621990, 2088102622621950, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, exp := roundIn(tc.a, tc.b)
			if got != tc.want || exp != tc.exp {
				t.Errorf("roundIn(%v, %v) = %v, 1e%d; want %v, 1e%d", tc.a, tc.b, got, exp, tc.want, tc.exp)
			}
		})
	}
	// Neighbouring floats hold no decimal between them: the upper one.
	if got, exp := roundIn(1, math.Nextafter(1, 2)); got != math.Nextafter(1, 2) || exp != math.MinInt {
		t.Errorf("roundIn(1, 1+ulp) = %v, %d", got, exp)
	}
}

// samplesOf draws n values log-uniform in [lo, hi) (two decimals) with
// the outcome out(x, r).
func samplesOf(n int, seed uint64, lo, hi float64, out func(x float64, r *rand.Rand) int32) []cutSample {
	r := rand.New(rand.NewPCG(seed, 1))
	s := make([]cutSample, n)
	for i := range s {
		x := math.Round(lo*math.Pow(hi/lo, r.Float64())*100) / 100
		s[i] = cutSample{x: x, qs: [cutAsks]int32{out(x, r)}}
	}
	return s
}

// noisy returns question q with probability p, else one of four others or
// none.
func noisy(r *rand.Rand, q int32, p float64) int32 {
	if r.Float64() < p {
		return q
	}
	if r.Float64() < 0.6 {
		return 0
	}
	return 10 + r.Int32N(4)
}

func TestChooseCuts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		samples []cutSample
		maxCuts int
		want    []float64
		within  float64 // relative error allowed; none: exact
	}{
		{"a threshold", samplesOf(6000, 1, 100, 200000, func(x float64, r *rand.Rand) int32 {
			if x >= 50000 {
				return noisy(r, 1, 0.5)
			}
			return noisy(r, 2, 0.2)
		}), 3, []float64{50000}, 0},
		{"a band: two cuts", samplesOf(6000, 2, 1, 100, func(x float64, r *rand.Rand) int32 {
			if 30 <= x && x < 60 {
				return noisy(r, 1, 0.4)
			}
			return noisy(r, 1, 0.05)
		}), 3, []float64{30, 60}, 0.01}, // 60.1: the samples just above 60 happen to say so
		{"four levels, three cuts at most", samplesOf(8000, 3, 1, 10000, func(x float64, r *rand.Rand) int32 {
			return noisy(r, 1+int32(math.Floor(math.Log10(x))), 0.6)
		}), 3, []float64{10, 100, 1000}, 0},
		{"four levels, one cut allowed", samplesOf(8000, 3, 1, 10000, func(x float64, r *rand.Rand) int32 {
			return noisy(r, 1+int32(math.Floor(math.Log10(x))), 0.6)
		}), 1, []float64{100}, 0},
		{"noise", samplesOf(8000, 4, 1, 1e6, func(x float64, r *rand.Rand) int32 { return noisy(r, 1, 0.1) }), 3, nil, 0},
		{"one outcome", samplesOf(1000, 5, 1, 1e6, func(float64, *rand.Rand) int32 { return 0 }), 3, nil, 0},
		{"too few", samplesOf(60, 6, 1, 100, func(x float64, r *rand.Rand) int32 { return int32(x) / 50 }), 3, nil, 0},
		{"no cut asked for", samplesOf(1000, 7, 1, 100, func(x float64, r *rand.Rand) int32 { return int32(x) / 50 }), 0, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, chooseCuts(tc.samples, tc.maxCuts), cmpopts.EquateApprox(tc.within, 0)); diff != "" {
				t.Errorf("cuts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChooseCutsOrder: the cuts do not depend on the order of the samples.
func TestChooseCutsOrder(t *testing.T) {
	s := samplesOf(5000, 8, 1, 1000, func(x float64, r *rand.Rand) int32 {
		return noisy(r, 1+int32(x/300), 0.3)
	})
	want := chooseCuts(slices.Clone(s), 3)
	if len(want) == 0 {
		t.Fatal("no cuts")
	}
	r := rand.New(rand.NewPCG(9, 9))
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	if got := chooseCuts(s, 3); !slices.Equal(got, want) {
		t.Errorf("shuffled samples give %v, want %v", got, want)
	}
}

// TestReservoir: at most cutSamples values are kept, the same ones for
// the same seed and input, a uniform sample of them.
func TestReservoir(t *testing.T) {
	fill := func(seed uint64) *reservoir {
		r := newReservoir(seed, "transfer.success|amount")
		for i := range 100 * cutSamples {
			r.add(cutSample{x: float64(i)})
		}
		return r
	}
	a, b := fill(1), fill(1)
	if len(a.s) != cutSamples || a.seen != 100*cutSamples {
		t.Fatalf("kept %d of %d", len(a.s), a.seen)
	}
	if !slices.Equal(a.s, b.s) {
		t.Error("the same seed gives another sample")
	}
	if slices.Equal(a.s, fill(2).s) {
		t.Error("another seed gives the same sample")
	}
	// The mean of a uniform sample of 0..N-1 is N/2 within a few
	// standard errors (N/√12/√n).
	mean := 0.0
	for _, c := range a.s {
		mean += c.x
	}
	mean /= float64(len(a.s))
	n := float64(100 * cutSamples)
	if se := n / math.Sqrt(12*cutSamples); math.Abs(mean-n/2) > 4*se {
		t.Errorf("sample mean %.0f, want %.0f ± %.0f", mean, n/2, 4*se)
	}
}

func BenchmarkChooseCuts(b *testing.B) {
	s := samplesOf(cutSamples, 1, 100, 200000, func(x float64, r *rand.Rand) int32 {
		if x >= 50000 {
			return noisy(r, 1, 0.3)
		}
		return noisy(r, 2+r.Int32N(30), 0.5)
	})
	b.ReportAllocs()
	for b.Loop() {
		chooseCuts(slices.Clone(s), numericBuckets-1)
	}
}
