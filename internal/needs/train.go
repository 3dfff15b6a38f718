package needs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// ErrNoCases is returned by [Builder.Train] without a training case.
var ErrNoCases = errors.New("needs: no training cases")

// Evidence is one cause active at a moment: a past event's cause and its
// age; or, with a shared Cause ([Crowd], [Kind]), how much more than usual
// About is wanted now.
type Evidence struct {
	Cause int32   // id from [Builder.Cause] or [Model.Cause], or [Crowd] or [Kind]
	Age   float64 // seconds since the event, ≥ 0 (ignored for Crowd and Kind)
	Value float64 // strength, > 0; 1 for a plain occurrence
	// About is the target this cause is itself about (a past ask of that
	// question), or -1. It feeds the re-ask kernel every target shares.
	About int32
}

// Crowd is the Cause of evidence about what everyone is asking now: its
// Value is the excess of target About's share of everyone's recent asks
// over its usual share (a rate in the units of the base rates, which sum
// to about 1 for the AtAsks objective), and it raises About through one
// weight that every target shares — the crowd kernel — so a surge of a
// question the log never saw surge is still read. The Process objective
// does not fit it (its exposure over time is not recorded): its weight is
// then 0.
const Crowd int32 = -2

// Kind is the Cause of evidence about the kind of user: its Value is the
// excess of About's probability under the user's inferred kind (their
// earlier asks and events, through a mixture model outside this package)
// over its usual share; like Crowd, one weight every target shares, which
// Process does not fit.
const Kind int32 = -3

// shared is how many shared kernels there are (Crowd, Kind), and
// sharedSlot the slot of one past the re-ask kernel's lags: nb + slot.
const shared = 2

func sharedSlot(cause int32) (int, bool) {
	if cause == Crowd || cause == Kind {
		return int(-2 - cause), true
	}
	return 0, false
}

// basis places an age between two centres of the time basis.
type basis struct {
	u     []float64 // centres in log(1+age/scale)
	scale float64   // seconds
	last  float64   // the last centre, seconds
	full  []float64 // by centre: its integral over all ages
}

func newBasis(lags []time.Duration, scale time.Duration) basis {
	b := basis{scale: scale.Seconds(), last: lags[len(lags)-1].Seconds()}
	for _, l := range lags {
		b.u = append(b.u, math.Log1p(l.Seconds()/b.scale))
	}
	full := make([]float64, len(b.u))
	for j := range full {
		full[j] = b.integral(j, math.Inf(1))
	}
	b.full = full
	return b
}

// at returns the centre j at or below age and the weight w of centre j;
// centre j+1, when w < 1, gets 1-w. ok is false at or past the last
// centre, and for an age that is not a number.
func (b *basis) at(age float64) (j int, w float64, ok bool) {
	u := math.Log1p(max(age, 0) / b.scale)
	n := len(b.u)
	if !(u < b.u[n-1]) {
		return 0, 0, false
	}
	j, found := slices.BinarySearch(b.u, u)
	if found {
		return j, 1, true
	}
	j-- // b.u[j] < u < b.u[j+1]
	return j, (b.u[j+1] - u) / (b.u[j+1] - b.u[j]), true
}

// integral returns ∫ from 0 to span of centre j's weight over time (in
// seconds): the exposure one occurrence observed for span seconds gives
// centre j. With u = log(1 + t/scale), t = scale(eᵘ − 1) and dt =
// scale·eᵘ du, and the weight is linear in u on each side of the centre,
// so each side integrates in closed form: ∫(α+βu)eᵘdu = eᵘ(α+βu−β).
func (b *basis) integral(j int, span float64) float64 {
	if !(span > 0) {
		return 0
	}
	if b.full != nil && span >= b.last {
		return b.full[j] // the kernel ends before the span does
	}
	umax := math.Log1p(span / b.scale)
	piece := func(lo, hi, alpha, beta float64) float64 {
		hi = min(hi, umax)
		if hi <= lo {
			return 0
		}
		f := func(u float64) float64 { return math.Exp(u) * (alpha + beta*u - beta) }
		return b.scale * (f(hi) - f(lo))
	}
	u := b.u
	total := 0.0
	if j > 0 { // rising side: (u − u[j−1]) / (u[j] − u[j−1])
		d := u[j] - u[j-1]
		total += piece(u[j-1], u[j], -u[j-1]/d, 1/d)
	}
	if j+1 < len(u) { // falling side: (u[j+1] − u) / (u[j+1] − u[j])
		d := u[j+1] - u[j]
		total += piece(u[j], u[j+1], u[j+1]/d, -1/d)
	}
	return total
}

// keys interns strings as dense ids, in the order of their first use.
type keys struct {
	list []string
	ids  map[string]int32
}

// id returns key's id, adding it if new (added).
func (k *keys) id(key string) (id int32, added bool) {
	if id, ok := k.ids[key]; ok {
		return id, false
	}
	if k.ids == nil {
		k.ids = map[string]int32{}
	}
	id = int32(len(k.list))
	k.list = append(k.list, key)
	k.ids[key] = id
	return id, true
}

// idBytes is id for a key in a byte slice, copied only when new.
func (k *keys) idBytes(key []byte) (int32, bool) {
	if id, ok := k.ids[string(key)]; ok {
		return id, false
	}
	return k.id(string(key))
}

// Builder collects the causes, contexts, targets and training cases of a
// model. It is not safe for concurrent use.
type Builder struct {
	opts    Options
	basis   basis
	causes  keys
	nrows   int32 // causes × lags
	targets keys
	ctxs    keys

	cases []bcase
	// Exposure, for the Process objective: of each row, of each lag of the
	// re-ask kernel, and the time observed.
	expo     []float64
	selfExpo [maxLags + shared]float64
	observed float64
	acts     []act   // every case's active rows, by case
	selfs    []sact  // every case's re-ask activations, by case
	ctxOf    []int32 // every case's context values, by case

	scr    map[int32]float64
	scrRow []int32
}

type bcase struct {
	target     int32
	from, to   int32 // acts[from:to]
	sfrom, sto int32 // selfs[sfrom:sto]
	cfrom, cto int32 // ctxOf[cfrom:cto]
}

// fcase is a case as the fit visits it.
type fcase struct {
	target     int32
	from, to   int32 // facts[from:to]
	sfrom, sto int32 // selfs[sfrom:sto]
}

// fact is one of a case's activations in a fit: the row, the slot of
// (row, case target) or -1, the activation.
type fact struct {
	row, slot int32
	x         float32
}

// act is one active row of a case and its activation.
type act struct {
	row int32
	x   float32
}

// sact is a case's re-ask activation at one centre: of every past ask
// (each raises its own question), and of those about the case's target.
type sact struct {
	j        int32
	all, hit float32
}

// NewBuilder returns an empty builder; invalid options are an error
// wrapping [ErrOptions].
func NewBuilder(opts Options) (*Builder, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts.Lags = slices.Clone(opts.Lags)
	return &Builder{opts: opts, basis: newBasis(opts.Lags, opts.LagScale), scr: map[int32]float64{}}, nil
}

// Cause returns the id of a cause key, adding it on first use. A cause has
// a weight per target and lag.
func (b *Builder) Cause(key string) int32 { return b.newCause(b.causes.id(key)) }

// newCause gives a cause just added its rows.
func (b *Builder) newCause(id int32, added bool) int32 {
	if added {
		b.nrows += int32(len(b.basis.u))
		b.expo = append(b.expo, make([]float64, len(b.basis.u))...)
	}
	return id
}

// AddOccurrence records, for the Process objective, that cause occurred and
// was observed for span seconds after (to the end of the user's log): its
// exposure, whether an ask followed or not. about ≥ 0 marks an ask of that
// target, which also exposes the re-ask kernel.
func (b *Builder) AddOccurrence(cause int32, span float64, about int32) {
	if cause < 0 || int(cause) >= len(b.causes.list) || !(span > 0) || math.IsInf(span, 0) {
		return
	}
	r0 := int(cause) * len(b.basis.u)
	for j := range b.basis.u {
		x := b.basis.integral(j, span)
		b.expo[r0+j] += x
		if about >= 0 {
			b.selfExpo[j] += x
		}
	}
}

// AddExposure records, for the Process objective, that cause was in force
// (at age 0, as a moment's clock is) for seconds: the exposure of its
// first lag.
func (b *Builder) AddExposure(cause int32, seconds float64) {
	if cause < 0 || int(cause) >= len(b.causes.list) || !(seconds > 0) || math.IsInf(seconds, 0) {
		return
	}
	b.expo[int(cause)*len(b.basis.u)] += seconds
}

// AddTime records, for the Process objective, that a user was observed for
// seconds: the exposure of the base rates.
func (b *Builder) AddTime(seconds float64) {
	if seconds > 0 && !math.IsInf(seconds, 0) {
		b.observed += seconds
	}
}

// CauseBytes is [Builder.Cause] for a key in a byte slice, which it
// copies only when the key is new.
func (b *Builder) CauseBytes(key []byte) int32 { return b.newCause(b.causes.idBytes(key)) }

// Target returns the id of a target key, adding it on first use.
func (b *Builder) Target(key string) int32 {
	id, _ := b.targets.id(key)
	return id
}

// Context returns the id of a context value, adding it on first use.
// Context values describe the moment of a case rather than cause it — where
// the help center was opened from — and act as likelihood factors: a
// target's rate is multiplied by P(v | target)/P(v) for each value v of the
// moment, as counted over the cases.
func (b *Builder) Context(key string) int32 {
	id, _ := b.ctxs.id(key)
	return id
}

// ContextBytes is [Builder.Context] for a key in a byte slice, which it
// copies only when the key is new.
func (b *Builder) ContextBytes(key []byte) int32 {
	id, _ := b.ctxs.idBytes(key)
	return id
}

// Cases returns how many cases were added.
func (b *Builder) Cases() int { return len(b.cases) }

// AddCase adds one training case: target was chosen while ev was the
// evidence and ctx (ids from [Builder.Context]) the context. The global
// base rates are part of every case and need not be given. Evidence with
// an unknown cause, a value that is not positive and finite, or an age at
// or past the last lag is ignored, as are unknown context ids.
func (b *Builder) AddCase(target int32, ev []Evidence, ctx []int32) {
	if target < 0 || int(target) >= len(b.targets.list) {
		return
	}
	clear(b.scr)
	b.scrRow = b.scrRow[:0]
	add := func(row int32, x float64) {
		if _, ok := b.scr[row]; !ok {
			b.scrRow = append(b.scrRow, row)
		}
		b.scr[row] += x
	}
	var selfAll, selfHit [maxLags + shared]float64
	nb := len(b.basis.u)
	for _, e := range ev {
		if k, ok := sharedSlot(e.Cause); ok {
			if e.About >= 0 && int(e.About) < len(b.targets.list) && e.Value > 0 && !math.IsInf(e.Value, 0) {
				selfAll[nb+k] += e.Value
				if e.About == target {
					selfHit[nb+k] += e.Value
				}
			}
			continue
		}
		if e.Cause < 0 || int(e.Cause) >= len(b.causes.list) || !(e.Value > 0) || math.IsInf(e.Value, 0) {
			continue
		}
		j, w, ok := b.basis.at(e.Age)
		if !ok {
			continue
		}
		r := e.Cause*int32(len(b.basis.u)) + int32(j)
		add(r, w*e.Value)
		if w < 1 {
			add(r+1, (1-w)*e.Value)
		}
		if e.About >= 0 && int(e.About) < len(b.targets.list) {
			hit := 0.0
			if e.About == target {
				hit = 1
			}
			selfAll[j] += w * e.Value
			selfHit[j] += hit * w * e.Value
			if w < 1 {
				selfAll[j+1] += (1 - w) * e.Value
				selfHit[j+1] += hit * (1 - w) * e.Value
			}
		}
	}
	c := bcase{target: target, from: int32(len(b.acts)), sfrom: int32(len(b.selfs)), cfrom: int32(len(b.ctxOf))}
	slices.Sort(b.scrRow)
	b.acts = reserve(b.acts, len(b.scrRow))
	b.selfs = reserve(b.selfs, nb+shared)
	for _, r := range b.scrRow {
		b.acts = append(b.acts, act{row: r, x: float32(b.scr[r])})
	}
	for j := range nb + shared {
		if selfAll[j] > 0 {
			b.selfs = append(b.selfs, sact{j: int32(j), all: float32(selfAll[j]), hit: float32(selfHit[j])})
		}
	}
	for _, v := range ctx {
		if v >= 0 && int(v) < len(b.ctxs.list) && !slices.Contains(b.ctxOf[c.cfrom:], v) {
			b.ctxOf = append(b.ctxOf, v)
		}
	}
	c.to, c.sto, c.cto = int32(len(b.acts)), int32(len(b.selfs)), int32(len(b.ctxOf))
	b.cases = append(b.cases, c)
}

// reserve returns s with room for n more elements, doubling its capacity
// when it must grow: the builder's arrays reach tens of millions of
// elements, and append's gentler growth for large slices copies them
// several times over.
func reserve[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	t := make([]T, len(s), max(2*cap(s), len(s)+n, 1024))
	copy(t, s)
	return t
}

// kernel is one (cause, target) pair's weights: a slot per lag, -1 where
// the pair never co-occurs.
type kernel struct {
	target int32
	slots  []int32
}

// fit is the state of one training run.
type fit struct {
	b       *Builder
	opts    Options // the builder's, with the fit's objective and iterations
	slotRow []int32 // slot → row
	slotTgt []int32 // slot → target
	order   []int32 // the cases by target, the order the E step visits them
	cases   []fcase // the cases in that order
	facts   []fact  // their activations the fit uses, in that order
	selfs   []sact  // their re-ask activations, in that order
	kernels []kernel
	theta   []float64 // by slot
	base    []float64 // by target
	count   []float64 // by target: its cases
	self    []float64 // by lag, and the crowd weight last
	rowSum  []float64 // by row: Σ of the row's weights
	full    []float64 // by lag: the exposure of one occurrence observed for good
}

// Train fits the model to the cases: a base rate for every target, and for
// every cause how strongly it raises each target as a function of its age;
// then the context factors. The probability
// of a target at a moment is its share of the rates of the evidence then,
// times its context factors. The fit maximises the likelihood of each
// case's target among all targets by expectation–maximisation: every case's
// target is split among the causes active then (and the base rate) in
// proportion to what each contributes, and every weight becomes the credit
// it earned over its exposure (see [Options.Shrink], [Options.Sparsity],
// [Options.Smooth]). It checks ctx between iterations.
func (b *Builder) Train(ctx context.Context) (*Model, error) {
	return b.Fit(ctx, b.opts.Objective, b.opts.Iterations)
}

// Fit is [Builder.Train] for another objective or number of iterations than
// the builder's options say: the same cases fitted several ways. Invalid
// values are an error wrapping [ErrOptions].
func (b *Builder) Fit(ctx context.Context, objective Objective, iterations int) (*Model, error) {
	o := b.opts
	o.Objective, o.Iterations = objective, iterations
	if err := o.validate(); err != nil {
		return nil, err
	}
	if len(b.cases) == 0 {
		return nil, ErrNoCases
	}
	if o.Objective == Process && !(b.observed > 0) {
		return nil, fmt.Errorf("%w: the Process objective needs the time each user was observed (AddTime)", ErrOptions)
	}
	f := b.newFit(o)
	ll, err := f.run(ctx)
	if err != nil {
		return nil, err
	}
	return f.model(ll), nil
}

// newFit assigns a slot to every (row, target) pair that co-occurs in a case
// and sets the starting weights. Rows active in fewer than MinSupport cases
// get none, nor do (cause, target) pairs that co-occur in no more cases
// than Sparsity: a case hands out one unit of credit, so their credit can
// never pass the threshold.
func (b *Builder) newFit(o Options) *fit {
	f := &fit{b: b, opts: o}
	actSlot := make([]int32, len(b.acts)) // act → slot of (row, case target), -1 if none
	nb := int32(len(b.basis.u))
	support := make([]int32, b.nrows)
	for _, a := range b.acts {
		support[a.row]++
	}
	pairs := map[uint64]int32{} // cause<<32 | target → cases
	var last []int32
	for ci := range b.cases {
		c := &b.cases[ci]
		last = last[:0]
		for k := c.from; k < c.to; k++ {
			cause := b.acts[k].row / nb
			if !slices.Contains(last, cause) {
				last = append(last, cause)
				pairs[uint64(cause)<<32|uint64(c.target)]++
			}
		}
	}
	slotOf := make([]map[int32]int32, b.nrows)
	for ci := range b.cases {
		c := &b.cases[ci]
		for k := c.from; k < c.to; k++ {
			r := b.acts[k].row
			if int(support[r]) < o.MinSupport || float64(pairs[uint64(r/nb)<<32|uint64(c.target)]) <= o.Sparsity {
				actSlot[k] = -1
				continue
			}
			m := slotOf[r]
			if m == nil {
				m = map[int32]int32{}
				slotOf[r] = m
			}
			s, ok := m[c.target]
			if !ok {
				s = int32(len(f.slotRow))
				m[c.target] = s
				f.slotRow = append(f.slotRow, r)
				f.slotTgt = append(f.slotTgt, c.target)
			}
			actSlot[k] = s
		}
	}
	// Number the slots target-major and visit the cases by target: a case's
	// activations all have its target, so their weights then lie together
	// in memory.
	perm := make([]int32, len(f.slotRow))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		if c := cmp.Compare(f.slotTgt[a], f.slotTgt[b]); c != 0 {
			return c
		}
		return cmp.Compare(f.slotRow[a], f.slotRow[b])
	})
	newID := make([]int32, len(perm))
	slotRow, slotTgt := make([]int32, len(perm)), make([]int32, len(perm))
	for i, old := range perm {
		newID[old] = int32(i)
		slotRow[i], slotTgt[i] = f.slotRow[old], f.slotTgt[old]
	}
	f.slotRow, f.slotTgt = slotRow, slotTgt
	for k, s := range actSlot {
		if s >= 0 {
			actSlot[k] = newID[s]
		}
	}
	for _, m := range slotOf {
		for t, s := range m {
			m[t] = newID[s]
		}
	}
	f.order = make([]int32, len(b.cases))
	for i := range f.order {
		f.order[i] = int32(i)
	}
	slices.SortStableFunc(f.order, func(a, c int32) int { return cmp.Compare(b.cases[a].target, b.cases[c].target) })
	// The fit's activations, in the order the E step visits the cases: those
	// of rows with any weight (the others add nothing to any rate), with
	// their slot; and the cases' re-ask activations.
	f.cases = make([]fcase, len(f.order))
	f.facts = make([]fact, 0, len(b.acts))
	f.selfs = make([]sact, 0, len(b.selfs))
	for i, ci := range f.order {
		c := &b.cases[ci]
		fc := fcase{target: c.target, from: int32(len(f.facts)), sfrom: int32(len(f.selfs))}
		for k := c.from; k < c.to; k++ {
			if r := b.acts[k].row; slotOf[r] != nil {
				f.facts = append(f.facts, fact{row: r, slot: actSlot[k], x: b.acts[k].x})
			}
		}
		f.selfs = append(f.selfs, b.selfs[c.sfrom:c.sto]...)
		fc.to, fc.sto = int32(len(f.facts)), int32(len(f.selfs))
		f.cases[i] = fc
	}
	// Kernels, in cause then target order.
	var tgts []int32
	for c := range b.causes.list {
		r0, n := int32(c)*nb, nb
		tgts = tgts[:0]
		for j := int32(0); j < n; j++ {
			for t := range slotOf[r0+j] {
				if !slices.Contains(tgts, t) {
					tgts = append(tgts, t)
				}
			}
		}
		slices.Sort(tgts)
		for _, t := range tgts {
			k := kernel{target: t, slots: make([]int32, n)}
			for j := int32(0); j < n; j++ {
				k.slots[j] = -1
				if s, ok := slotOf[r0+j][t]; ok {
					k.slots[j] = s
				}
			}
			f.kernels = append(f.kernels, k)
		}
	}
	f.theta = make([]float64, len(f.slotRow))
	for i := range f.theta {
		f.theta[i] = 0.1
	}
	f.base = make([]float64, len(b.targets.list))
	f.count = make([]float64, len(b.targets.list))
	for _, c := range b.cases {
		f.count[c.target]++
	}
	for t := range f.base {
		f.base[t] = (f.count[t] + 0.5) / float64(len(b.cases))
	}
	f.self = make([]float64, nb+shared)
	for j := range f.self {
		f.self[j] = 0.1
	}
	f.rowSum = make([]float64, b.nrows)
	f.full = b.basis.full
	if o.Objective == Process {
		f.startProcess()
	} else {
		f.startAtAsks()
	}
	return f
}

// startProcess sets starting rates in units of the Process objective: each
// base rate its frequency over the time observed, each weight as if half
// the cases its pair co-occurs in were its own.
func (f *fit) startProcess() {
	b := f.b
	nb := len(b.basis.u)
	time := max(b.observed, 1)
	for t := range f.base {
		f.base[t] = max(f.count[t], 0.5) / time
	}
	cooc := make([]float64, len(f.theta))
	for _, a := range f.facts {
		if a.slot >= 0 {
			cooc[a.slot] += float64(a.x)
		}
	}
	for s, r := range f.slotRow {
		f.theta[s] = 0.5 * cooc[s] / (b.expo[r] + f.full[int(r)%nb])
	}
	var hits [maxLags + shared]float64
	for _, sa := range b.selfs {
		hits[sa.j] += float64(sa.hit)
	}
	for j := range f.self[:nb] {
		f.self[j] = 0.5 * hits[j] / (b.selfExpo[j] + f.full[j])
	}
	clear(f.self[nb:]) // the shared kernels: not fitted (see Crowd)
}

// startAtAsks sets starting weights in units of the AtAsks objective (the
// mean summed rate about 1): each weight as if half the cases its pair
// co-occurs in were its own, over the cases its row is active in. A flat
// start would split a case's credit evenly over every cause active then:
// on long histories hundreds of them, so a follow-up seen dozens of times
// earns about one case of credit in the first iteration and the Sparsity
// threshold drops it before it could earn more.
func (f *fit) startAtAsks() {
	b := f.b
	act := make([]float64, b.nrows)
	for _, a := range b.acts {
		act[a.row] += float64(a.x)
	}
	cooc := make([]float64, len(f.theta))
	for _, a := range f.facts {
		if a.slot >= 0 {
			cooc[a.slot] += float64(a.x)
		}
	}
	for s, r := range f.slotRow {
		f.theta[s] = 0.5 * cooc[s] / (act[r] + f.opts.Shrink)
	}
	var hits, all [maxLags + shared]float64
	for _, sa := range b.selfs {
		hits[sa.j] += float64(sa.hit)
		all[sa.j] += float64(sa.all)
	}
	for j := range f.self {
		f.self[j] = 0.5 * hits[j] / (all[j] + f.opts.Shrink)
	}
}

// acc accumulates one worker's share of an iteration.
type acc struct {
	num, den         []float64 // by slot (Σ x/λ over the cases of its target), by row (Σ x/Λ)
	baseNum          []float64
	selfNum, selfDen []float64
	baseDen          float64
	ll, tot          float64
}

func (a *acc) reset() {
	clear(a.num)
	clear(a.den)
	clear(a.baseNum)
	clear(a.selfNum)
	clear(a.selfDen)
	a.baseDen, a.ll, a.tot = 0, 0, 0
}

func (a *acc) add(x *acc) {
	for i := range a.num {
		a.num[i] += x.num[i]
	}
	for i := range a.den {
		a.den[i] += x.den[i]
	}
	for i := range a.baseNum {
		a.baseNum[i] += x.baseNum[i]
	}
	for i := range a.selfNum {
		a.selfNum[i] += x.selfNum[i]
		a.selfDen[i] += x.selfDen[i]
	}
	a.baseDen += x.baseDen
	a.ll += x.ll
	a.tot += x.tot
}

// pass runs the E step over the cases order[lo:hi] into a. The normaliser Λ (the
// sum of every target's rate) is needed by the AtAsks objective, and by
// either for the log-likelihood, which is wanted at the last iteration.
func (f *fit) pass(a *acc, lo, hi int, baseSum float64, withTotal bool) {
	a.reset()
	for i := lo; i < hi; i++ {
		c := &f.cases[i]
		acts := f.facts[c.from:c.to]
		selfs := f.selfs[c.sfrom:c.sto]
		lam, tot := f.base[c.target], baseSum
		if withTotal {
			for _, x := range acts {
				if x.slot >= 0 {
					lam += float64(x.x) * f.theta[x.slot]
				}
				tot += float64(x.x) * f.rowSum[x.row]
			}
		} else {
			for _, x := range acts {
				if x.slot >= 0 {
					lam += float64(x.x) * f.theta[x.slot]
				}
			}
		}
		for _, sa := range selfs {
			lam += float64(sa.hit) * f.self[sa.j]
			tot += float64(sa.all) * f.self[sa.j]
		}
		il := 1 / lam
		a.baseNum[c.target] += il
		for _, x := range acts {
			if x.slot >= 0 {
				a.num[x.slot] += float64(x.x) * il
			}
		}
		for _, sa := range selfs {
			a.selfNum[sa.j] += float64(sa.hit) * il
		}
		if !withTotal {
			continue
		}
		a.ll += math.Log(lam / tot)
		a.tot += tot
		it := 1 / tot
		a.baseDen += it
		for _, x := range acts {
			if x.slot >= 0 {
				a.den[x.row] += float64(x.x) * it
			}
		}
		for _, sa := range selfs {
			a.selfDen[sa.j] += float64(sa.all) * it
		}
	}
}

// run iterates the fit and returns the mean log-likelihood of the cases
// under the last weights.
func (f *fit) run(ctx context.Context) (float64, error) {
	b, o := f.b, f.opts
	workers := min(o.Workers, max(1, len(b.cases)/4096))
	accs := make([]acc, workers)
	for w := range accs {
		accs[w] = acc{num: make([]float64, len(f.slotRow)), den: make([]float64, b.nrows),
			baseNum: make([]float64, len(b.targets.list)), selfNum: make([]float64, len(f.self)), selfDen: make([]float64, len(f.self))}
	}
	n := float64(len(b.cases))
	var ll float64
	for it := 0; it < o.Iterations; it++ {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("needs: train: %w", err)
		}
		clear(f.rowSum)
		for s, r := range f.slotRow {
			f.rowSum[r] += f.theta[s]
		}
		baseSum := 0.0
		for _, x := range f.base {
			baseSum += x
		}
		withTotal := o.Objective == AtAsks || it == o.Iterations-1
		var wg sync.WaitGroup
		per := (len(b.cases) + workers - 1) / workers
		for w := range workers {
			lo, hi := w*per, min(len(b.cases), (w+1)*per)
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.pass(&accs[w], lo, hi, baseSum, withTotal)
			}()
		}
		wg.Wait()
		a := &accs[0]
		for w := 1; w < workers; w++ {
			a.add(&accs[w])
		}
		ll = a.ll / n
		for s := range f.theta {
			a.num[s] *= f.theta[s] // the slot's credit
		}
		f.threshold(a.num)
		if o.Objective == Process {
			f.mstepProcess(a)
		} else {
			f.mstepAtAsks(a)
		}
		f.smooth()
	}
	return ll, nil
}

// mstepAtAsks sets the weights for the AtAsks objective: each weight is
// its credit over its exposure at the cases' moments (Σ x/Λ). The
// likelihood does not depend on the weights' scale; the mean summed rate is
// kept at 1 so that Shrink and Sparsity are in cases.
func (f *fit) mstepAtAsks(a *acc) {
	o, n := f.opts, float64(len(f.b.cases))
	scale := n / a.tot
	for t := range f.base {
		f.base[t] = (f.base[t]*a.baseNum[t] + o.BasePrior*f.count[t]) / (a.baseDen + o.BasePrior*n) * scale
	}
	for s, r := range f.slotRow {
		f.theta[s] = a.num[s] / (a.den[r] + o.Shrink) * scale
	}
	for j := range f.self {
		f.self[j] = max(0, f.self[j]*a.selfNum[j]-o.Sparsity) / (a.selfDen[j] + o.Shrink) * scale
	}
}

// mstepProcess sets the weights for the Process objective: each weight is
// its credit over its exposure in time, every occurrence counted; Shrink
// occurrences of pseudo-exposure; a base rate is its credit over the time
// observed, with a Gamma prior (BasePrior) toward its frequency.
func (f *fit) mstepProcess(a *acc) {
	b, o := f.b, f.opts
	nb := len(b.basis.u)
	for t := range f.base {
		f.base[t] = (f.base[t]*a.baseNum[t] + o.BasePrior*f.count[t]) / (b.observed * (1 + o.BasePrior))
	}
	for s, r := range f.slotRow {
		f.theta[s] = a.num[s] / (b.expo[r] + o.Shrink*f.full[int(r)%nb])
	}
	for j := range f.self[:nb] {
		f.self[j] = max(0, f.self[j]*a.selfNum[j]-o.Sparsity) / (b.selfExpo[j] + o.Shrink*f.full[j])
	}
}

// threshold lowers the credit of every kernel by Options.Sparsity in total,
// in proportion over its lags, and to zero if it has less; kernels left
// with no credit are dropped, their weights staying zero for good.
func (f *fit) threshold(credit []float64) {
	sp := f.opts.Sparsity
	live := f.kernels[:0]
	for _, k := range f.kernels {
		tot := 0.0
		for _, s := range k.slots {
			if s >= 0 {
				tot += credit[s]
			}
		}
		keep := 0.0
		if tot > sp {
			keep = (tot - sp) / tot
		}
		for _, s := range k.slots {
			if s >= 0 {
				credit[s] *= keep
			}
		}
		if keep > 0 {
			live = append(live, k)
		}
	}
	clear(f.kernels[len(live):])
	f.kernels = live
}

// smooth passes Options.Smooth of every event kernel weight to its
// neighbouring lags (the part that would go to a lag the pair never
// co-occurs at stays).
func (f *fit) smooth() {
	share := f.opts.Smooth
	if share == 0 {
		return
	}
	var tmp [maxLags]float64
	for _, k := range f.kernels {
		n := len(k.slots)
		for j, s := range k.slots {
			tmp[j] = 0
			if s >= 0 {
				tmp[j] = f.theta[s]
			}
		}
		for j, s := range k.slots {
			if s < 0 {
				continue
			}
			x := (1 - share) * tmp[j]
			for _, nb := range [2]int{j - 1, j + 1} {
				if nb >= 0 && nb < n && k.slots[nb] >= 0 {
					x += share / 2 * tmp[nb]
				} else {
					x += share / 2 * tmp[j]
				}
			}
			f.theta[s] = x
		}
	}
}

// model returns the trained model.
func (f *fit) model(ll float64) *Model {
	b := f.b
	m := &Model{
		opts:    f.opts,
		basis:   b.basis,
		causes:  slices.Clone(b.causes.list),
		targets: slices.Clone(b.targets.list),
		ctxs:    slices.Clone(b.ctxs.list),
		base:    f.base,
		self:    f.self[:len(b.basis.u)],
		shared:  f.self[len(b.basis.u):],
		rows:    make([][]Weight, b.nrows),
		logLik:  ll,
		cases:   len(b.cases),
	}
	for s, r := range f.slotRow {
		if w := f.theta[s]; w > minWeight {
			m.rows[r] = append(m.rows[r], Weight{Target: f.slotTgt[s], W: w})
		}
	}
	// Context counts.
	m.ctxCount = make([]float64, len(b.ctxs.list))
	m.tgtCount = make([]float64, len(b.targets.list))
	m.ctxRows = make([][]Weight, len(b.ctxs.list))
	pair := map[[2]int32]float64{}
	for _, c := range b.cases {
		m.tgtCount[c.target]++
		for _, v := range b.ctxOf[c.cfrom:c.cto] {
			m.ctxCount[v]++
			pair[[2]int32{v, c.target}]++
		}
	}
	for k, n := range pair {
		m.ctxRows[k[0]] = append(m.ctxRows[k[0]], Weight{Target: k[1], W: n})
	}
	m.finish()
	return m
}

// minWeight drops weights too small to matter from a trained model.
const minWeight = 1e-9
