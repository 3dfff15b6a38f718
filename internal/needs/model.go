package needs

import (
	"cmp"
	"slices"
	"time"
)

// Weight is one target's weight in a row of the model.
type Weight struct {
	Target int32
	W      float64
}

// Model is a trained need model. It is immutable and safe for concurrent
// use.
type Model struct {
	opts    Options
	basis   basis
	causes  []string
	targets []string
	ctxs    []string
	base    []float64  // by target
	self    []float64  // re-ask kernel, by lag
	shared  []float64  // the shared kernels' weights: Crowd, Kind
	rows    [][]Weight // by row (cause × lags + lag), sorted by target

	// Context counts: cases with each value, of each target, and of each
	// (value, target) pair as sparse rows by value.
	ctxCount []float64
	tgtCount []float64
	ctxRows  [][]Weight

	logLik float64
	cases  int

	// Derived by finish.
	byCause  map[string]int32
	byTarget map[string]int32
	byCtx    map[string]int32
	baseSum  float64
	rowSum   []float64
}

// finish sorts the rows and builds the derived indexes.
func (m *Model) finish() {
	m.byCause = make(map[string]int32, len(m.causes))
	for i, c := range m.causes {
		m.byCause[c] = int32(i)
	}
	m.byTarget = make(map[string]int32, len(m.targets))
	for i, t := range m.targets {
		m.byTarget[t] = int32(i)
	}
	m.byCtx = make(map[string]int32, len(m.ctxs))
	for i, c := range m.ctxs {
		m.byCtx[c] = int32(i)
	}
	byTarget := func(a, b Weight) int { return cmp.Compare(a.Target, b.Target) }
	m.rowSum = make([]float64, len(m.rows))
	for r, row := range m.rows {
		slices.SortFunc(row, byTarget)
		for _, w := range row {
			m.rowSum[r] += w.W
		}
	}
	for _, row := range m.ctxRows {
		slices.SortFunc(row, byTarget)
	}
	m.baseSum = 0
	for _, x := range m.base {
		m.baseSum += x
	}
}

// Cause returns the id of a cause key and whether the model knows it.
func (m *Model) Cause(key string) (int32, bool) {
	id, ok := m.byCause[key]
	return id, ok
}

// CauseBytes is [Model.Cause] for a key in a byte slice; it does not
// allocate.
func (m *Model) CauseBytes(key []byte) (int32, bool) {
	id, ok := m.byCause[string(key)]
	return id, ok
}

// CauseKey returns the key of cause id.
func (m *Model) CauseKey(id int32) string { return m.causes[id] }

// Target returns the id of a target key and whether the model knows it.
func (m *Model) Target(key string) (int32, bool) {
	id, ok := m.byTarget[key]
	return id, ok
}

// TargetKey returns the key of target id.
func (m *Model) TargetKey(id int32) string { return m.targets[id] }

// NumTargets returns how many targets the model knows.
func (m *Model) NumTargets() int { return len(m.targets) }

// Context returns the id of a context value and whether the model knows
// it.
func (m *Model) Context(key string) (int32, bool) {
	id, ok := m.byCtx[key]
	return id, ok
}

// MaxAge returns the age from which an event cause no longer counts.
func (m *Model) MaxAge() time.Duration { return m.opts.Lags[len(m.opts.Lags)-1] }

// LogLik returns the mean log-likelihood of the training cases' targets at
// the end of the fit, and Cases how many cases there were.
func (m *Model) LogLik() float64 { return m.logLik }

// Cases returns how many training cases the model was fitted on.
func (m *Model) Cases() int { return m.cases }

// Rates sets dst[t] (len(dst) ≥ NumTargets) to target t's rate under the
// evidence ev, and returns the sum over all targets: dst[t]/total is the
// probability of target t before context. Unknown causes are ignored.
func (m *Model) Rates(ev []Evidence, dst []float64) (total float64) {
	return m.rates(ev, nil, dst)
}

// Located is where the age of a piece of evidence falls on the model's
// time basis (see [Model.Locate]).
type Located struct {
	j  int
	w  float64
	ok bool
}

// Locate sets dst (resized to len(ev)) to where the age of each piece of
// ev falls on the time basis, for [Model.RatesLocated] and
// [Model.AttributeLocated] over the same evidence, so that the two do not
// each take a logarithm per age.
func (m *Model) Locate(ev []Evidence, dst []Located) []Located {
	dst = slices.Grow(dst[:0], len(ev))[:len(ev)]
	var loc ageLoc
	for i, e := range ev {
		j, w, ok := loc.at(&m.basis, e.Age)
		dst[i] = Located{j, w, ok}
	}
	return dst
}

// RatesLocated is [Model.Rates] with the evidence located by
// [Model.Locate].
func (m *Model) RatesLocated(ev []Evidence, at []Located, dst []float64) (total float64) {
	return m.rates(ev, at, dst[:len(m.targets)])
}

// rates is Rates, with ev located by at when it is not nil.
func (m *Model) rates(ev []Evidence, at []Located, dst []float64) (total float64) {
	dst = dst[:len(m.targets)]
	copy(dst, m.base)
	total = m.baseSum
	var loc ageLoc
	for i, e := range ev {
		total += m.addEvidence(e, dst, m.locate(&loc, at, i, e.Age))
	}
	return total
}

// locate returns where age (that of ev[i]) falls on the time basis: from
// at when it is not nil, else through loc.
func (m *Model) locate(loc *ageLoc, at []Located, i int, age float64) Located {
	if at != nil {
		return at[i]
	}
	j, w, ok := loc.at(&m.basis, age)
	return Located{j, w, ok}
}

// ApplyContext multiplies the rates in dst (from [Model.Rates]) by the
// factor of each distinct context value in ctx and returns their new sum.
// Unknown context values are ignored.
func (m *Model) ApplyContext(ctx []int32, dst []float64) (total float64) {
	dst = dst[:len(m.targets)]
	for i, v := range ctx {
		if v < 0 || int(v) >= len(m.ctxs) || slices.Contains(ctx[:i], v) {
			continue
		}
		m.applyContext(v, dst)
	}
	for _, x := range dst {
		total += x
	}
	return total
}

// ContextFactor returns the factor by which context value v multiplies
// target t's rate: P(v | t)/P(v), smoothed toward 1 with ContextPrior
// cases; 1 for an unknown value or target.
func (m *Model) ContextFactor(v, t int32) float64 {
	if v < 0 || int(v) >= len(m.ctxs) || t < 0 || int(t) >= len(m.targets) {
		return 1
	}
	pv := m.ctxCount[v] / float64(m.cases)
	if pv <= 0 {
		return 1
	}
	row := m.ctxRows[v]
	n := 0.0
	if k, ok := slices.BinarySearchFunc(row, t, func(w Weight, t int32) int { return cmp.Compare(w.Target, t) }); ok {
		n = row[k].W
	}
	a := m.opts.ContextPrior
	return (n + a*pv) / ((m.tgtCount[t] + a) * pv)
}

// ContextBytes is [Model.Context] for a key in a byte slice; it does not
// allocate.
func (m *Model) ContextBytes(key []byte) (int32, bool) {
	id, ok := m.byCtx[string(key)]
	return id, ok
}

// ContextKey returns the key of context value v.
func (m *Model) ContextKey(v int32) string { return m.ctxs[v] }

// applyContext multiplies every target's rate by the factor of context
// value v.
func (m *Model) applyContext(v int32, dst []float64) {
	pv := m.ctxCount[v] / float64(m.cases)
	if pv <= 0 {
		return
	}
	a := m.opts.ContextPrior
	row := m.ctxRows[v]
	k := 0
	for t := range dst {
		n := 0.0
		if k < len(row) && row[k].Target == int32(t) {
			n = row[k].W
			k++
		}
		dst[t] *= (n + a*pv) / ((m.tgtCount[t] + a) * pv)
	}
}

// addEvidence adds one piece of evidence's rates to dst and returns their
// sum.
func (m *Model) addEvidence(e Evidence, dst []float64, l Located) float64 {
	if k, ok := sharedSlot(e.Cause); ok {
		if e.About < 0 || int(e.About) >= len(m.targets) || !(e.Value > 0) {
			return 0
		}
		x := m.shared[k] * e.Value
		dst[e.About] += x
		return x
	}
	if e.Cause < 0 || int(e.Cause) >= len(m.causes) || !(e.Value > 0) {
		return 0
	}
	j, w, ok := l.j, l.w, l.ok
	if !ok {
		return 0
	}
	// The rows of the two centres around the age, by their weights.
	r := e.Cause*int32(len(m.basis.u)) + int32(j)
	x := w * e.Value
	for _, c := range m.rows[r] {
		dst[c.Target] += x * c.W
	}
	total := 0.0
	total += x * m.rowSum[r]
	if w < 1 {
		x := (1 - w) * e.Value
		for _, c := range m.rows[r+1] {
			dst[c.Target] += x * c.W
		}
		total += x * m.rowSum[r+1]
	}
	if e.About >= 0 && int(e.About) < len(m.targets) {
		s := w * m.self[j]
		if w < 1 {
			s += (1 - w) * m.self[j+1]
		}
		dst[e.About] += s * e.Value
		total += s * e.Value
	}
	return total
}

// Attribute sets out[k][i] to what evidence ev[i] adds to the rate of
// targets[k] before context, in one pass over the evidence: for explaining a list of targets. out must hold
// len(targets) slices of len(ev) values.
func (m *Model) Attribute(ev []Evidence, targets []int32, out [][]float64) {
	m.attribute(ev, nil, targets, out)
}

// AttributeLocated is [Model.Attribute] with the evidence located by
// [Model.Locate].
func (m *Model) AttributeLocated(ev []Evidence, at []Located, targets []int32, out [][]float64) {
	m.attribute(ev, at, targets, out)
}

// attribute is Attribute, with ev located by at when it is not nil.
func (m *Model) attribute(ev []Evidence, at []Located, targets []int32, out [][]float64) {
	if len(targets) == 0 {
		return
	}
	var orderBuf [16]int
	var sortedBuf [16]int32
	order := orderBuf[:0] // targets[order[i]] ascending
	for k := range targets {
		order = append(order, k)
		clear(out[k][:len(ev)])
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(targets[a], targets[b]) })
	sorted := sortedBuf[:0] // the targets, ascending
	for _, k := range order {
		sorted = append(sorted, targets[k])
	}
	// A row (ascending by target, each at most once) is short: each of its
	// targets that is one of the explained (a bit of is) is looked up
	// among them.
	var isBuf [64]uint64
	is := isBuf[:0]
	if n := (len(m.targets) + 63) / 64; n <= len(isBuf) {
		is = isBuf[:n]
	} else {
		is = make([]uint64, n)
	}
	inRange := true // every target is one of the model's: is tells them all
	for _, t := range sorted {
		if t >= 0 && int(t) < len(m.targets) {
			is[t/64] |= 1 << (t % 64)
		} else {
			inRange = false
		}
	}
	// about reports whether a piece about target t may add to the rate of
	// one of the targets.
	about := func(t int32) bool {
		if !inRange {
			return true
		}
		return t >= 0 && int(t) < len(m.targets) && is[t/64]&(1<<(t%64)) != 0
	}
	nb := int32(len(m.basis.u))
	// add adds x times row r's weights of the targets to evidence i.
	add := func(i int, r int32, x float64) {
		for _, w := range m.rows[r] {
			if is[w.Target/64]&(1<<(w.Target%64)) == 0 {
				continue
			}
			p, _ := slices.BinarySearch(sorted, w.Target)
			for ; p < len(sorted) && sorted[p] == w.Target; p++ {
				out[order[p]][i] += x * w.W
			}
		}
	}
	var loc ageLoc
	for i, e := range ev {
		if s, ok := sharedSlot(e.Cause); ok {
			if !about(e.About) {
				continue
			}
			for k, t := range targets {
				if t == e.About && e.Value > 0 {
					out[k][i] += m.shared[s] * e.Value
				}
			}
			continue
		}
		if e.Cause < 0 || int(e.Cause) >= len(m.causes) || !(e.Value > 0) {
			continue
		}
		l := m.locate(&loc, at, i, e.Age)
		j, w, ok := l.j, l.w, l.ok
		if !ok {
			continue
		}
		r := e.Cause*nb + int32(j)
		add(i, r, w*e.Value)
		if w < 1 {
			add(i, r+1, (1-w)*e.Value)
		}
		if e.About < 0 || !about(e.About) {
			continue
		}
		for k, t := range targets {
			if t == e.About {
				x := w * m.self[j]
				if w < 1 {
					x += (1 - w) * m.self[j+1]
				}
				out[k][i] += x * e.Value
			}
		}
	}
}

// ageLoc remembers the basis position of the last age located: the pieces
// of evidence of one event share its age.
type ageLoc struct {
	age float64
	j   int
	w   float64
	ok  bool
	set bool
}

func (l *ageLoc) at(b *basis, age float64) (int, float64, bool) {
	if !l.set || age != l.age {
		l.age, l.set = age, true
		l.j, l.w, l.ok = b.at(age)
	}
	return l.j, l.w, l.ok
}

// CrowdWeight returns the weight of the crowd kernel (see [Crowd]).
func (m *Model) CrowdWeight() float64 { return m.shared[0] }

// KindWeight returns the weight of the kind-of-user kernel (see [Kind]).
func (m *Model) KindWeight() float64 { return m.shared[1] }

// Base returns target t's global base rate.
func (m *Model) Base(t int32) float64 { return m.base[t] }

// Kernel returns cause c's weight for target t at each lag: the learned
// shape of the need over time.
func (m *Model) Kernel(c, t int32) []float64 {
	ev := make([]Evidence, len(m.opts.Lags))
	out := make([]float64, len(ev))
	for j, l := range m.opts.Lags {
		ev[j] = Evidence{Cause: c, Age: l.Seconds(), Value: 1, About: -1}
	}
	m.Attribute(ev, []int32{t}, [][]float64{out})
	return out
}
