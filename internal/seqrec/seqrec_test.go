package seqrec

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// seq builds a sequence of tokens one minute apart.
func seq(tokens ...string) []Step {
	out := make([]Step, len(tokens))
	for i, t := range tokens {
		out[i] = Step{Token: t, Time: int64(1000 + 60*i)}
	}
	return out
}

func isAsk(t string) bool { return strings.HasPrefix(t, "ask:") }

// ranking returns item tokens by descending score, ties by token.
func ranking(m *Model, history []Step, now int64) []string {
	scores := m.Scores(history, now, nil)
	items := make([]string, len(scores))
	for i := range scores {
		items[i] = m.Item(i)
	}
	sort.SliceStable(items, func(a, b int) bool {
		ia, _ := m.ItemIndex(items[a])
		ib, _ := m.ItemIndex(items[b])
		if scores[ia] != scores[ib] {
			return scores[ia] > scores[ib]
		}
		return items[a] < items[b]
	})
	return items
}

func TestTinyRanking(t *testing.T) {
	// A failed transfer is followed by "why did it fail" twice and by
	// "how long does it take" once; a successful one by "how long".
	// "limits" is asked once, with no event before it.
	train := [][]Step{
		seq("ev:transfer.fail", "ask:why-failed"),
		seq("ev:transfer.fail", "ask:why-failed"),
		seq("ev:transfer.fail", "ask:how-long"),
		seq("ev:transfer.ok", "ask:how-long"),
		seq("ask:limits"),
	}
	o := DefaultOptions()
	o.IsTarget = isAsk
	o.SecondOrder = 0
	m, err := Train(train, o)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		history []Step
		want    []string
	}{
		// Evidence first, then popularity (how-long 2, why-failed 2, limits 1; ties by token).
		{"after failure", seq("ev:transfer.fail"), []string{"ask:why-failed", "ask:how-long", "ask:limits"}},
		{"after success", seq("ev:transfer.ok"), []string{"ask:how-long", "ask:why-failed", "ask:limits"}},
		{"no history", nil, []string{"ask:how-long", "ask:why-failed", "ask:limits"}},
		{"unknown token", seq("ev:new"), []string{"ask:how-long", "ask:why-failed", "ask:limits"}},
		// The most recent step weighs most: ok (recent) beats fail (older).
		{"recency", seq("ev:transfer.fail", "ev:transfer.ok"), []string{"ask:how-long", "ask:why-failed", "ask:limits"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ranking(m, tc.history, 2000)); diff != "" {
				t.Errorf("ranking (-want +got):\n%s", diff)
			}
		})
	}

	// Explain names the failure, not the unrelated success, for why-failed.
	h := seq("ev:transfer.fail", "ev:transfer.ok")
	ex := m.Explain(h, 2000, "ask:why-failed")
	if len(ex) != 1 || ex[0].StepIndex != 0 || !(ex[0].Weight > 0) {
		t.Errorf("Explain(why-failed) = %+v, want only step 0", ex)
	}
	// Contributions sum to score minus prior.
	sc := map[string]float64{}
	top := m.Top(h, 2000, 10, nil)
	for _, x := range top {
		sc[x.Item] = x.Score
	}
	if diff := cmp.Diff([]string{"ask:how-long", "ask:why-failed"}, []string{top[0].Item, top[1].Item}); len(top) != 2 || diff != "" {
		t.Errorf("Top = %v, want how-long then why-failed", top)
	}
	for _, item := range []string{"ask:why-failed", "ask:how-long"} {
		sum := 0.0
		for _, c := range m.Explain(h, 2000, item) {
			sum += c.Weight
		}
		if got, want := sum, sc[item]-m.Prior(item); math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: contributions sum to %v, score-prior = %v", item, got, want)
		}
	}
	if ex := m.Explain(h, 2000, "ask:unknown"); ex != nil {
		t.Errorf("Explain(unknown) = %v, want nil", ex)
	}
}

func TestSecondOrder(t *testing.T) {
	// A→B and B→C were seen, never A→C. After A, B is first-order evidence
	// (weight 1) and C and F are reached through B (weight γ·1·mass(B)^-½ =
	// 1/√2 with γ = 1, mass(B) = 2); D and E, more popular, have only
	// popularity.
	train := [][]Step{seq("A", "B"), seq("B", "C"), seq("B", "F"), seq("D", "E"), seq("D", "E")}
	o := DefaultOptions()
	o.Backward = 0
	o.SecondOrder = 1
	m, err := Train(train, o)
	if err != nil {
		t.Fatal(err)
	}
	got := ranking(m, seq("A"), 2000)
	if diff := cmp.Diff([]string{"B", "C", "F"}, got[:3]); diff != "" {
		t.Errorf("top 3 (-want +got):\n%s", diff)
	}
	ex := m.Explain(seq("A"), 2000, "C")
	if len(ex) != 1 || ex[0].StepIndex != 0 {
		t.Errorf("Explain(C) = %+v, want step 0", ex)
	}
	if s := m.Scores(seq("A"), 2000, nil); true {
		b, _ := m.ItemIndex("B")
		c, _ := m.ItemIndex("C")
		if got, want := s[c]-m.Prior("C"), 1/math.Sqrt2; math.Abs(got-want) > 1e-12 {
			t.Errorf("second-order evidence for C = %v, want %v", got, want)
		}
		if got, want := s[b]-m.Prior("B"), 1.0; math.Abs(got-want) > 1e-12 {
			t.Errorf("first-order evidence for B = %v, want %v", got, want)
		}
	}
	o.SecondOrder = 0
	m0, err := Train(train, o)
	if err != nil {
		t.Fatal(err)
	}
	s := m0.Scores(seq("A"), 2000, nil)
	c, _ := m0.ItemIndex("C")
	if s[c] != m0.Prior("C") {
		t.Errorf("without second order C scores %v, want its prior %v", s[c], m0.Prior("C"))
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		field string
		mod   func(*Options)
	}{
		{"Window", func(o *Options) { o.Window = 0 }},
		{"PairPower", func(o *Options) { o.PairPower = -1 }},
		{"Backward", func(o *Options) { o.Backward = math.NaN() }},
		{"HistoryPower", func(o *Options) { o.HistoryPower = math.Inf(1) }},
		{"HalfLife", func(o *Options) { o.HalfLife = -5 }},
		{"MaxHistory", func(o *Options) { o.MaxHistory = 0 }},
		{"SourceNorm", func(o *Options) { o.SourceNorm = -0.1 }},
		{"TargetNorm", func(o *Options) { o.TargetNorm = -0.1 }},
		{"PopWeight", func(o *Options) { o.PopWeight = -1 }},
		{"MaxNeighbors", func(o *Options) { o.MaxNeighbors = -1 }},
		{"SecondOrder", func(o *Options) { o.SecondOrder = -1 }},
		{"SecondNorm", func(o *Options) { o.SecondNorm = -1 }},
		{"SecondFanout", func(o *Options) { o.SecondFanout = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			o := DefaultOptions()
			tc.mod(&o)
			_, err := Train([][]Step{seq("a", "b")}, o)
			if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("Train error = %v, want ErrOptions naming %s", err, tc.field)
			}
		})
	}
	if _, err := Train([][]Step{seq("a", "b")}, Options{}); !errors.Is(err, ErrOptions) {
		t.Errorf("zero Options: error = %v, want ErrOptions (start from DefaultOptions)", err)
	}
	if _, err := Train([][]Step{seq("a", "")}, DefaultOptions()); err == nil || !strings.Contains(err.Error(), "sequence 0 step 1") {
		t.Errorf("empty token: error = %v, want one naming sequence 0 step 1", err)
	}
}

// synthetic returns n random sequences over a Zipf-distributed vocabulary of
// asks and events, seeded.
func synthetic(seed uint64, users, steps, items int) [][]Step {
	rng := rand.New(rand.NewPCG(seed, 7))
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(items-1))
	out := make([][]Step, users)
	for u := range out {
		n := 2 + rng.IntN(steps)
		s := make([]Step, n)
		prev := zipf.Uint64()
		for i := range s {
			x := zipf.Uint64()
			if rng.IntN(2) == 0 {
				x = (prev + 1 + uint64(rng.IntN(3))) % uint64(items) // sequential structure
			}
			prev = x
			tok := fmt.Sprintf("ask:Q%d", x)
			if rng.IntN(4) == 0 {
				tok = fmt.Sprintf("ev:e%d", x%20)
			}
			s[i] = Step{Token: tok, Time: int64(1_600_000_000 + 60*i)}
		}
		out[u] = s
	}
	return out
}

func modelBytes(t testing.TB, m *Model) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterminism(t *testing.T) {
	data := synthetic(1, 300, 15, 200)
	o := DefaultOptions()
	o.IsTarget = isAsk
	o.HalfLife = 3600
	m1, err := Train(data, o)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := Train(data, o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(modelBytes(t, m1), modelBytes(t, m2)) {
		t.Error("two trainings on the same input wrote different bytes")
	}
	h := data[0]
	if diff := cmp.Diff(m1.Scores(h, 1_600_010_000, nil), m2.Scores(h, 1_600_010_000, nil)); diff != "" {
		t.Errorf("scores differ (-m1 +m2):\n%s", diff)
	}
}

func TestObserveMatchesTrain(t *testing.T) {
	// Observing target after h must score like training with h+target.
	data := synthetic(2, 200, 12, 100)
	o := DefaultOptions()
	o.HalfLife = 1800
	h := seq("ask:Q1", "ev:e3", "ask:Q2", "ask:Q5")
	target, at := "ask:Q-new", int64(1000+60*len(h))

	m, err := Train(append(data, h), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Observe(h, target, at); err != nil {
		t.Fatal(err)
	}
	full := append(append([]Step(nil), h...), Step{target, at})
	want, err := Train(append(data, full), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, hist := range [][]Step{h, seq("ask:Q2"), seq("ask:Q-new"), data[3]} {
		got, exp := map[string]float64{}, map[string]float64{}
		for _, x := range m.Top(hist, 5000, 1000, nil) {
			got[x.Item] = x.Score
		}
		for _, x := range want.Top(hist, 5000, 1000, nil) {
			exp[x.Item] = x.Score
		}
		if diff := cmp.Diff(exp, got, cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(x)) })); diff != "" {
			t.Errorf("history %v: Observe vs Train (-train +observe):\n%s", hist, diff)
		}
	}
	if err := m.Observe(h, "", at); err == nil {
		t.Error("Observe with empty target: want error")
	}
}

func TestPersistRoundTrip(t *testing.T) {
	o := DefaultOptions()
	o.IsTarget = isAsk
	m, err := Train(synthetic(3, 200, 10, 80), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Observe(seq("ask:Q1"), "ask:Q-observed", 5000); err != nil {
		t.Fatal(err)
	}
	b := modelBytes(t, m)
	r, err := UnmarshalBinary(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, modelBytes(t, r)) {
		t.Error("read model writes different bytes")
	}
	if diff := cmp.Diff(m.Options(), r.Options(), cmp.Comparer(func(x, y func(string) bool) bool { return x == nil && y == nil })); diff != "" {
		t.Errorf("options (-written +read):\n%s", diff)
	}
	h := seq("ask:Q1", "ev:e2", "ask:Q3")
	if diff := cmp.Diff(m.Scores(h, 5000, nil), r.Scores(h, 5000, nil)); diff != "" {
		t.Errorf("scores (-written +read):\n%s", diff)
	}
}

func TestUnmarshalCorrupt(t *testing.T) {
	o := DefaultOptions()
	m, err := Train([][]Step{seq("a", "b", "c"), seq("b", "d")}, o)
	if err != nil {
		t.Fatal(err)
	}
	b := modelBytes(t, m)
	for n := 0; n < len(b); n++ {
		if _, err := UnmarshalBinary(b[:n]); !errors.Is(err, ErrFormat) {
			t.Fatalf("truncated to %d of %d bytes: error = %v, want ErrFormat", n, len(b), err)
		}
	}
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x20
		if _, err := UnmarshalBinary(c); !errors.Is(err, ErrFormat) {
			t.Fatalf("byte %d flipped: error = %v, want ErrFormat", i, err)
		}
	}
	if _, err := UnmarshalBinary(append(bytes.Clone(b), 0)); !errors.Is(err, ErrFormat) {
		t.Errorf("trailing byte: error = %v, want ErrFormat", err)
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	m, err := Train([][]Step{seq("a", "b", "c"), seq("b", "d")}, DefaultOptions())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(modelBytes(f, m))
	f.Add([]byte(magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalBinary(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		// A model that reads must score and round-trip.
		m.Scores(seq("a", "b"), 2000, nil)
		if _, err := UnmarshalBinary(modelBytes(t, m)); err != nil {
			t.Fatalf("re-read: %v", err)
		}
	})
}

func TestConcurrentScoreObserve(t *testing.T) {
	data := synthetic(4, 200, 10, 100)
	o := DefaultOptions()
	o.IsTarget = isAsk
	m, err := Train(data, o)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []float64
			for i := range 200 {
				h := data[(g*200+i)%len(data)]
				buf = m.Scores(h, 1_600_100_000, buf)
				m.Top(h, 1_600_100_000, 20, nil)
				m.Explain(h, 1_600_100_000, "ask:Q3")
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 200 {
			h := data[i%len(data)]
			if err := m.Observe(h, fmt.Sprintf("ask:new%d", i%30), 1_600_100_000); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	if _, ok := m.ItemIndex("ask:new29"); !ok {
		t.Error("observed item missing")
	}
}

// benchModel trains a model over 10k questions and returns it with a
// 200-step history.
func benchModel(b *testing.B) (*Model, []Step) {
	data := synthetic(5, 20000, 30, 10000)
	o := DefaultOptions()
	o.IsTarget = isAsk
	m, err := Train(data, o)
	if err != nil {
		b.Fatal(err)
	}
	var h []Step
	for _, s := range data {
		h = append(h, s...)
		if len(h) >= 200 {
			break
		}
	}
	return m, h[:200]
}

func BenchmarkScore(b *testing.B) {
	m, h := benchModel(b)
	now := h[len(h)-1].Time + 60
	b.Run("top20", func(b *testing.B) {
		b.ReportAllocs()
		var dst []Scored
		for b.Loop() {
			dst = m.Top(h, now, 20, dst[:0])
		}
	})
	b.Run("dense", func(b *testing.B) {
		b.ReportAllocs()
		var dst []float64
		for b.Loop() {
			dst = m.Scores(h, now, dst)
		}
	})
	b.Run("explain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Explain(h, now, "ask:Q5")
		}
	})
}

// TestExplainItems checks the batched explanation against the scores it
// explains: for each item, contributions sum to score minus prior, steps are
// distinct and in range, and the batch equals a direct one-item computation
// (explainRef), whatever else (unknown items, duplicates) is in the batch.
func TestExplainItems(t *testing.T) {
	data := synthetic(3, 400, 30, 300)
	o := DefaultOptions()
	o.IsTarget = isAsk
	o.SecondFanout = 20 // many items reached only through the second step
	m, err := Train(data, o)
	if err != nil {
		t.Fatal(err)
	}
	h := data[0]
	for _, s := range data[1:] {
		if len(h) >= 80 {
			break
		}
		h = append(h, s...)
	}
	now := h[len(h)-1].Time + 60
	top := m.Top(h, now, 30, nil)
	if len(top) < 30 {
		t.Fatalf("Top returned %d items, want 30", len(top))
	}
	items := []string{"ask:unknown"}
	for _, x := range top {
		items = append(items, x.Item)
	}
	items = append(items, top[0].Item) // a duplicate
	got := m.ExplainItems(h, now, items)
	if len(got) != len(items) {
		t.Fatalf("ExplainItems returned %d lists for %d items", len(got), len(items))
	}
	if got[0] != nil {
		t.Errorf("unknown item: %v, want nil", got[0])
	}
	for k, item := range items[1:] {
		k++
		sum := 0.0
		seen := map[int]bool{}
		for _, c := range got[k] {
			if c.StepIndex < 0 || c.StepIndex >= len(h) || seen[c.StepIndex] {
				t.Errorf("%s: bad or repeated step %d", item, c.StepIndex)
			}
			seen[c.StepIndex] = true
			sum += c.Weight
		}
		score := top[min(k-1, len(top)-1)].Score
		if k == len(items)-1 {
			score = top[0].Score
		}
		if want := score - m.Prior(item); math.Abs(sum-want) > 1e-9*max(1, want) {
			t.Errorf("%s: contributions sum to %v, score-prior = %v", item, sum, want)
		}
		one := explainRef(m, h, now, item)
		if diff := cmp.Diff(one, got[k], cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("%s: ExplainItems differs from the one-item reference (-ref +batch):\n%s", item, diff)
		}
		if diff := cmp.Diff(got[k], m.Explain(h, now, item)); diff != "" {
			t.Errorf("%s: Explain differs from ExplainItems (-batch +one):\n%s", item, diff)
		}
	}
}

func BenchmarkExplainItems(b *testing.B) {
	m, h := benchModel(b)
	now := h[len(h)-1].Time + 60
	var items []string
	for _, x := range m.Top(h, now, 10, nil) {
		items = append(items, x.Item)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.ExplainItems(h, now, items)
	}
}

// explainRef is the direct one-item explanation ExplainItems batches: for
// each step, its pair weight to the item plus, through each fan-out item,
// its pair weight to that item times what that item passes on.
func explainRef(m *Model, history []Step, now int64, item string) []Contribution {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.itemIdx[item]
	if !ok {
		return nil
	}
	s := m.getScratch()
	defer m.putScratch(s)
	m.accumulate(history, now, s) // fills s.hops with the fan-out items
	// Each hop item c passes on γ·mass(c)^-SecondNorm·A[c][b] per unit of its
	// first-order evidence; the step's share is its own A[t][c] part.
	type via struct {
		item int32
		per  float64
	}
	var vias []via
	for _, h := range s.hops {
		if h.w == 0 {
			continue
		}
		ct := m.itemTok[h.item]
		if w := edgeWeight(m.rows[ct], b); w > 0 {
			per := m.params.SecondOrder * math.Pow(m.mass[ct], -m.params.SecondNorm) * w
			vias = append(vias, via{h.item, per})
		}
	}
	var out []Contribution
	lo := max(0, len(history)-m.params.MaxHistory)
	for i := len(history) - 1; i >= lo; i-- {
		t, ok := m.tokenIdx[history[i].Token]
		if !ok || m.srcFac[t] == 0 {
			continue
		}
		pw := edgeWeight(m.rows[t], b)
		for _, v := range vias {
			pw += edgeWeight(m.rows[t], v.item) * v.per
		}
		if pw == 0 {
			continue
		}
		w := m.historyWeight(len(history)-i, now-history[i].Time) * m.srcFac[t] * pw * m.tgtFac[b]
		if w > 0 {
			out = append(out, Contribution{StepIndex: i, Weight: w})
		}
	}
	slices.SortStableFunc(out, func(x, y Contribution) int {
		switch {
		case x.Weight > y.Weight:
			return -1
		case x.Weight < y.Weight:
			return 1
		}
		return y.StepIndex - x.StepIndex
	})
	return out
}

// TestAppendEvidence checks the sparse scores against the dense ones: the
// items with evidence score as in Scores, every other item scores its prior,
// and MaxPrior bounds the priors.
func TestAppendEvidence(t *testing.T) {
	data := synthetic(4, 300, 30, 400)
	o := DefaultOptions()
	o.IsTarget = isAsk
	m, err := Train(data, o)
	if err != nil {
		t.Fatal(err)
	}
	h := data[1]
	now := h[len(h)-1].Time + 60
	dense := m.Scores(h, now, nil)
	ev := m.AppendEvidence(h, now, nil)
	if len(ev) == 0 || len(ev) >= len(dense) {
		t.Fatalf("%d items with evidence of %d, want some but not all", len(ev), len(dense))
	}
	has := make([]bool, len(dense))
	for _, x := range ev {
		if has[x.Item] {
			t.Errorf("item %d listed twice", x.Item)
		}
		has[x.Item] = true
		if x.Score != dense[x.Item] || !(x.Score > m.PriorOf(x.Item)) {
			t.Errorf("item %d: sparse %v, dense %v, prior %v", x.Item, x.Score, dense[x.Item], m.PriorOf(x.Item))
		}
	}
	maxPrior := 0.0
	for i, d := range dense {
		p := m.PriorOf(i)
		maxPrior = max(maxPrior, p)
		if !has[i] && d != p {
			t.Errorf("item %d without evidence: dense %v, prior %v", i, d, p)
		}
		if p != m.Prior(m.Item(i)) {
			t.Errorf("item %d: PriorOf %v, Prior %v", i, p, m.Prior(m.Item(i)))
		}
	}
	if maxPrior != m.MaxPrior() {
		t.Errorf("MaxPrior = %v, want %v", m.MaxPrior(), maxPrior)
	}
}
