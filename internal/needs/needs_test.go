package needs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBasisWeights(t *testing.T) {
	o := DefaultOptions()
	b := newBasis(o.Lags, o.LagScale)
	for _, age := range []float64{0, 1, 30, 59, 60, 61, 299, 3600, 7200, 86400, 29 * 86400, 45 * 86400, 89 * 86400} {
		j, w, ok := b.at(age)
		if !ok || w <= 0 || w > 1 || j < 0 || j >= len(b.u) || w < 1 && j+1 >= len(b.u) {
			t.Errorf("at(%v) = %d, %v, %v", age, j, w, ok)
		}
	}
	for _, age := range []float64{90 * 86400, 1e12, math.Inf(1), math.NaN()} {
		if _, _, ok := b.at(age); ok {
			t.Errorf("at(%v) ok, want past the last lag", age)
		}
	}
	// A lag centre gets all the weight.
	if j, w, _ := b.at(2 * 3600); j != 5 || w != 1 {
		t.Errorf("at(2h) = %d, %v, want centre 5 with weight 1", j, w)
	}
}

// TestBasisIntegral checks the closed form of a centre's exposure against a
// numeric integral of its weight over time.
func TestBasisIntegral(t *testing.T) {
	o := DefaultOptions()
	b := newBasis(o.Lags, o.LagScale)
	for _, span := range []float64{30, 600, 5000, 86400, 40 * 86400} {
		for j := range b.u {
			// Midpoint rule on a grid dense at small ages: in log time.
			const steps = 200000
			num := 0.0
			lo, hi := math.Log1p(0), math.Log1p(span)
			for i := range steps {
				u0 := lo + (hi-lo)*float64(i)/steps
				u1 := lo + (hi-lo)*float64(i+1)/steps
				a0, a1 := math.Expm1(u0), math.Expm1(u1)
				age := (a0 + a1) / 2
				if k, w, ok := b.at(age); ok {
					switch {
					case k == j:
						num += w * (a1 - a0)
					case k+1 == j:
						num += (1 - w) * (a1 - a0)
					}
				}
			}
			got := b.integral(j, span)
			if math.Abs(got-num) > 1e-3*max(num, 1) {
				t.Errorf("integral(%d, %v) = %v, numeric %v", j, span, got, num)
			}
		}
	}
	if b.integral(3, 0) != 0 || b.integral(3, -5) != 0 {
		t.Error("an empty span has exposure")
	}
}

// world builds cases in which cause "soon" raises target S within minutes,
// cause "late" raises target L about two hours on, and cause "noise"
// raises nothing; base targets B0..B3 are asked any time. It also records
// the exposure of every occurrence and the time observed.
func world(t *testing.T, o Options, n int) *Builder {
	t.Helper()
	b, err := NewBuilder(o)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	soon, late, noise := b.Cause("soon"), b.Cause("late"), b.Cause("noise")
	tS, tL := b.Target("S"), b.Target("L")
	var base []int32
	for _, k := range []string{"B0", "B1", "B2", "B3"} {
		base = append(base, b.Target(k))
	}
	ctxA := b.Context("from=a")
	for range n {
		// One user, observed for two days: each cause at its own time.
		at := [3]float64{r.Float64() * 86400, r.Float64() * 86400, r.Float64() * 86400}
		b.AddTime(2 * 86400)
		for k, c := range []int32{soon, late, noise} {
			b.AddOccurrence(c, 2*86400-at[k], -1)
		}
		ev := func(t float64) []Evidence {
			var out []Evidence
			for k, c := range []int32{soon, late, noise} {
				if t >= at[k] {
					out = append(out, Evidence{Cause: c, Age: t - at[k], Value: 1, About: -1})
				}
			}
			return out
		}
		if r.Float64() < 0.7 {
			b.AddCase(tS, ev(at[0]+60+r.Float64()*300), nil)
		}
		if r.Float64() < 0.7 {
			b.AddCase(tL, ev(at[1]+6000+r.Float64()*2400), []int32{ctxA})
		}
		for range 2 {
			b.AddCase(base[r.IntN(len(base))], ev(r.Float64()*2*86400), nil)
		}
	}
	return b
}

func TestTrainRecoversKernels(t *testing.T) {
	for _, obj := range []Objective{AtAsks, Process} {
		o := DefaultOptions()
		o.Objective = obj
		m, err := world(t, o, 2000).Train(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		soon, _ := m.Cause("soon")
		late, _ := m.Cause("late")
		noise, _ := m.Cause("noise")
		tS, _ := m.Target("S")
		tL, _ := m.Target("L")
		ks, kl := m.Kernel(soon, tS), m.Kernel(late, tL)
		peak := func(k []float64) int {
			best := 0
			for j := range k {
				if k[j] > k[best] {
					best = j
				}
			}
			return best
		}
		// soon peaks at 1m or 5m, late at 45m or 2h (lags 1, 2 and 4, 5).
		if p := peak(ks); p < 1 || p > 2 {
			t.Errorf("%v: soon→S peaks at lag %d: %v", obj, p, ks)
		}
		if p := peak(kl); p < 4 || p > 5 {
			t.Errorf("%v: late→L peaks at lag %d: %v", obj, p, kl)
		}
		// Given all three causes 3 minutes old, S is the most likely; two
		// hours on, L.
		rates := make([]float64, m.NumTargets())
		at := func(age float64) []Evidence {
			return []Evidence{{Cause: soon, Age: age, Value: 1, About: -1}, {Cause: late, Age: age, Value: 1, About: -1},
				{Cause: noise, Age: age, Value: 1, About: -1}}
		}
		m.Rates(at(180), rates)
		if rates[tS] <= 3*rates[tL] {
			t.Errorf("%v: at 3m rates S %v, L %v", obj, rates[tS], rates[tL])
		}
		m.Rates(at(7200), rates)
		if rates[tL] <= 3*rates[tS] {
			t.Errorf("%v: at 2h rates S %v, L %v", obj, rates[tS], rates[tL])
		}
		// noise explains little of anything.
		for tg := range int32(m.NumTargets()) {
			for _, x := range m.Kernel(noise, tg) {
				if x > 0.2*max(m.Kernel(soon, tS)[peak(ks)], 1e-300) {
					t.Errorf("%v: noise→%s kernel %v", obj, m.TargetKey(tg), m.Kernel(noise, tg))
					break
				}
			}
		}
		if m.Cases() == 0 || math.IsNaN(m.LogLik()) {
			t.Errorf("%v: cases %d, loglik %v", obj, m.Cases(), m.LogLik())
		}
	}
}

func TestContextFactors(t *testing.T) {
	m, err := world(t, DefaultOptions(), 500).Train(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, ok := m.Context("from=a")
	if !ok {
		t.Fatal("context value unknown")
	}
	tL, _ := m.Target("L")
	tS, _ := m.Target("S")
	// Every L case has the context, no other does: L's odds rise, S's
	// fall, and the rates follow.
	if fL, fS := m.ContextFactor(v, tL), m.ContextFactor(v, tS); fL <= 1.5 || fS >= 0.5 {
		t.Errorf("factors L %v, S %v", fL, fS)
	}
	rates := make([]float64, m.NumTargets())
	before := m.Rates(nil, rates)
	r0 := slicesClone(rates)
	after := m.ApplyContext([]int32{v, v, -1, 99}, rates) // duplicates and unknowns ignored
	for tg := range rates {
		if want := r0[tg] * m.ContextFactor(v, int32(tg)); math.Abs(rates[tg]-want) > 1e-12*want {
			t.Errorf("target %d: rate %v, want %v", tg, rates[tg], want)
		}
	}
	if before <= 0 || after <= 0 {
		t.Errorf("totals %v, %v", before, after)
	}
	if f := m.ContextFactor(-1, tL); f != 1 {
		t.Errorf("unknown context factor %v", f)
	}
}

func slicesClone(x []float64) []float64 { return append([]float64(nil), x...) }

func TestRoundTrip(t *testing.T) {
	m, err := world(t, DefaultOptions(), 300).Train(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m2, err := UnmarshalBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	data2, _ := m2.MarshalBinary()
	if !bytes.Equal(data, data2) {
		t.Error("a model read back writes different bytes")
	}
	soon, _ := m.Cause("soon")
	ev := []Evidence{{Cause: soon, Age: 200, Value: 1, About: 1}}
	a, b := make([]float64, m.NumTargets()), make([]float64, m2.NumTargets())
	if m.Rates(ev, a) != m2.Rates(ev, b) {
		t.Error("rates differ after the round trip")
	}
	// Every truncation and many flips fail cleanly.
	for n := range len(data) {
		if _, err := UnmarshalBinary(data[:n]); !errors.Is(err, ErrFormat) {
			t.Fatalf("truncated at %d: err %v", n, err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		c := bytes.Clone(data)
		c[r.IntN(len(c))] ^= byte(1 << r.IntN(8))
		if m3, err := UnmarshalBinary(c); err == nil {
			m3.Rates(ev, make([]float64, m3.NumTargets())) // must not panic
		} else if !errors.Is(err, ErrFormat) {
			t.Fatalf("error %v does not wrap ErrFormat", err)
		}
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	b, err := NewBuilder(DefaultOptions())
	if err != nil {
		f.Fatal(err)
	}
	c := b.Cause("c")
	tg := b.Target("t")
	b.Target("u")
	b.AddOccurrence(c, 1000, -1)
	b.AddTime(1000)
	for range 5 {
		b.AddCase(tg, []Evidence{{Cause: c, Age: 60, Value: 1, About: -1}}, nil)
	}
	m, err := b.Train(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	data, _ := m.MarshalBinary()
	f.Add(data)
	f.Add([]byte(magic))
	f.Add([]byte(magicCrowd))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalBinary(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		rates := make([]float64, m.NumTargets())
		m.Rates([]Evidence{{Cause: 0, Age: 100, Value: 1, About: 0}}, rates)
		m.ApplyContext([]int32{0}, rates)
	})
}

func TestOptionsValidate(t *testing.T) {
	bad := []func(*Options){
		func(o *Options) { o.Objective = 0 },
		func(o *Options) { o.Lags = []time.Duration{time.Minute, time.Hour} },
		func(o *Options) { o.Lags = []time.Duration{0, time.Hour, time.Minute} },
		func(o *Options) { o.Lags = make([]time.Duration, 65) },
		func(o *Options) { o.LagScale = time.Millisecond },
		func(o *Options) { o.Iterations = 0 },
		func(o *Options) { o.Shrink = math.NaN() },
		func(o *Options) { o.Sparsity = -1 },
		func(o *Options) { o.Smooth = 1 },
		func(o *Options) { o.BasePrior = math.Inf(1) },
		func(o *Options) { o.MinSupport = 0 },
		func(o *Options) { o.ContextPrior = 0 },
		func(o *Options) { o.Workers = 0 },
	}
	for i, f := range bad {
		o := DefaultOptions()
		f(&o)
		if _, err := NewBuilder(o); !errors.Is(err, ErrOptions) {
			t.Errorf("case %d: err %v, want ErrOptions", i, err)
		}
	}
	o := DefaultOptions()
	o.Sparsity, o.Smooth, o.Shrink, o.BasePrior = 0, 0, 0, 0 // zero means zero
	if _, err := NewBuilder(o); err != nil {
		t.Errorf("zero regularisation: %v", err)
	}
}

func TestTrainErrors(t *testing.T) {
	b, err := NewBuilder(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Train(context.Background()); !errors.Is(err, ErrNoCases) {
		t.Errorf("no cases: %v", err)
	}
	// Process without the time observed has no exposure to divide by.
	b.AddCase(b.Target("T"), nil, nil)
	if _, err := b.Fit(context.Background(), Process, 5); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "AddTime") {
		t.Errorf("Process without AddTime: %v", err)
	}
	if _, err := b.Fit(context.Background(), AtAsks, 5); err != nil {
		t.Errorf("AtAsks without AddTime: %v", err)
	}
	b = world(t, DefaultOptions(), 50)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Train(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Bad evidence and targets are ignored, not stored.
	n := b.Cases()
	b.AddCase(-1, nil, nil)
	b.AddCase(99, nil, nil)
	b.AddCase(0, []Evidence{{Cause: 99, Value: 1}, {Cause: 0, Value: math.NaN()}, {Cause: 0, Value: 1, Age: math.Inf(1)}}, []int32{-4})
	if b.Cases() != n+1 {
		t.Errorf("cases %d, want %d", b.Cases(), n+1)
	}
}

// TestFollowUpInLongHistories pins the fit on users with long histories: a
// follow-up seen only a few dozen times (question A, then F about twenty
// minutes later) among a hundred unrelated causes active at every case must
// survive the first iterations, when its credit is still spread over all of
// them, and rank F first once A was asked.
func TestFollowUpInLongHistories(t *testing.T) {
	b, base := atAsksBuilder(t, 40)
	r := rand.New(rand.NewPCG(3, 4))
	var noise []int32
	for i := range 100 {
		noise = append(noise, b.Cause(fmt.Sprintf("page%d", i)))
	}
	a, tF := b.Cause("ask:A"), b.Target("F")
	const users = 1500
	for u := range users {
		var hist []Evidence
		for _, c := range noise {
			hist = append(hist, Evidence{Cause: c, Age: r.Float64() * 20 * 86400, Value: 1, About: -1})
		}
		for range 3 {
			b.AddCase(base[r.IntN(len(base))], hist, nil)
		}
		if u%50 < 2 { // 60 users ask A, and F twenty minutes on
			ev := append(slices.Clone(hist), Evidence{Cause: a, Age: 1200 + r.Float64()*300, Value: 1, About: -1})
			b.AddCase(tF, ev, nil)
		}
	}
	m, err := b.Train(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := m.Cause("ask:A")
	k := m.Kernel(ca, tF)
	if slices.Max(k) == 0 {
		t.Fatalf("the follow-up A→F was dropped: kernel %v", k)
	}
	rates := make([]float64, m.NumTargets())
	var ev []Evidence
	for _, c := range noise {
		ev = append(ev, Evidence{Cause: c, Age: r.Float64() * 20 * 86400, Value: 1, About: -1})
	}
	m.Rates(append(ev, Evidence{Cause: ca, Age: 1300, Value: 1, About: -1}), rates)
	wantFirst(t, m, rates, tF, "twenty minutes after A")
}

// atAsksBuilder returns a builder for the at-ask objective with n base
// targets B0, B1, ….
func atAsksBuilder(t *testing.T, n int) (*Builder, []int32) {
	t.Helper()
	o := DefaultOptions()
	o.Objective = AtAsks
	b, err := NewBuilder(o)
	if err != nil {
		t.Fatal(err)
	}
	var base []int32
	for i := range n {
		base = append(base, b.Target(fmt.Sprintf("B%d", i)))
	}
	return b, base
}

// wantFirst reports every target whose rate is not below want's.
func wantFirst(t *testing.T, m *Model, rates []float64, want int32, when string) {
	t.Helper()
	for tg, x := range rates {
		if int32(tg) != want && !(x < rates[want]) {
			t.Errorf("%s, %s (%v) is as likely as %s (%v)", when, m.TargetKey(int32(tg)), x, m.TargetKey(want), rates[want])
		}
	}
}

// TestNeedAMonthOn: a cause whose need peaks five to seven weeks after it
// (a statement that falls due) is learned there, and ranks its target
// first at six weeks.
func TestNeedAMonthOn(t *testing.T) {
	b, base := atAsksBuilder(t, 5)
	r := rand.New(rand.NewPCG(5, 6))
	due, noise := b.Cause("statement"), b.Cause("noise")
	tM := b.Target("M")
	for range 2000 {
		ev := func(age float64) []Evidence {
			return []Evidence{{Cause: due, Age: age, Value: 1, About: -1}, {Cause: noise, Age: age * r.Float64(), Value: 1, About: -1}}
		}
		// M is rarer than any base question, and only ever asked five to
		// seven weeks after a statement.
		if r.Float64() < 0.15 {
			b.AddCase(tM, ev((35+r.Float64()*14)*86400), nil)
		}
		b.AddCase(base[r.IntN(len(base))], ev(r.Float64()*80*86400), nil)
	}
	m, err := b.Train(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rates := make([]float64, m.NumTargets())
	for _, days := range []float64{40, 45} {
		m.Rates([]Evidence{{Cause: due, Age: days * 86400, Value: 1, About: -1}}, rates)
		wantFirst(t, m, rates, tM, fmt.Sprint(days, " days after the statement"))
	}
	m.Rates(nil, rates)
	if slices.Max(rates) == rates[tM] {
		t.Errorf("without a statement M is the most likely: %v", rates)
	}
}

// TestCrowdKernel: when everyone is asking one question more than usual
// (crowd evidence of its excess share), the chosen target follows; the
// shared crowd weight is learned from surges of some questions and read
// for a surge of one that never surged in training; the weight survives a
// round trip, and a model without it writes the format it always did.
func TestCrowdKernel(t *testing.T) {
	b, base := atAsksBuilder(t, 8)
	r := rand.New(rand.NewPCG(7, 8))
	const excess = 0.5 // the surging question's share is 0.5 above its usual
	for range 6000 {
		surge := int32(-1)
		if r.Float64() < 0.3 {
			surge = base[r.IntN(4)] // only the first four ever surge
		}
		// λ = 1/8 for every target, + excess for the surging one.
		pick := base[r.IntN(len(base))]
		if surge >= 0 && r.Float64() < excess/(1+excess) {
			pick = surge
		}
		var ev []Evidence
		if surge >= 0 {
			ev = append(ev, Evidence{Cause: Crowd, About: surge, Value: excess})
		}
		b.AddCase(pick, ev, nil)
	}
	m, err := b.Train(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.CrowdWeight() <= 0 {
		t.Fatalf("crowd weight %v, want it learned", m.CrowdWeight())
	}
	rates := make([]float64, m.NumTargets())
	never := base[6]
	total := m.Rates([]Evidence{{Cause: Crowd, About: never, Value: excess}}, rates)
	if p, want := rates[never]/total, (1.0/8+excess)/(1+excess); math.Abs(p-want) > 0.05 {
		t.Errorf("P(a surging question never seen surge) = %.3f, want %.3f", p, want)
	}
	wantFirst(t, m, rates, never, "while it surges")
	total = m.Rates(nil, rates)
	if p := rates[never] / total; math.Abs(p-1.0/8) > 0.03 {
		t.Errorf("P(it) without a surge = %.3f, want 1/8", p)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.CrowdWeight() != m.CrowdWeight() || string(data[:len(magic)]) != magicCrowd {
		t.Errorf("read back crowd weight %v (magic %q), wrote %v", back.CrowdWeight(), data[:len(magic)], m.CrowdWeight())
	}
	// Process does not fit it.
	b.AddTime(1e6)
	pm, err := b.Fit(context.Background(), Process, 10)
	if err != nil {
		t.Fatal(err)
	}
	if pm.CrowdWeight() != 0 {
		t.Errorf("Process crowd weight %v, want 0", pm.CrowdWeight())
	}
	if data, _ := pm.MarshalBinary(); string(data[:len(magic)]) != magic {
		t.Errorf("a model without a crowd weight is written as %q, want %q", data[:len(magic)], magic)
	}
}
