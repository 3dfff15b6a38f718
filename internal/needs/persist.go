package needs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// ErrFormat wraps every failure to read a model: bad magic, unknown
// version, truncated or inconsistent data.
var ErrFormat = errors.New("needs: invalid model data")

// The serialized model is
//
//	magic "DXNEEDS1" | body
//	magic "DXNEEDS2" | body | n | n shared weights (Crowd, Kind)
//
// where the body holds the options, the cause, target and context keys,
// the base rates, the re-ask kernel, every row's sparse weights, the
// context counts, and the fit's log-likelihood and case count. Integers
// are uvarints, floats IEEE-754 bits as uint64 little-endian. A model
// whose shared weights are all 0 is written in the first form, which
// models before the shared kernels were: they read back as they were. The caller
// (the recommend model file) checksums it. Equal models give equal bytes.
const (
	magic      = "DXNEEDS1"
	magicCrowd = "DXNEEDS2"
)

// MarshalBinary encodes the model; see [UnmarshalBinary].
func (m *Model) MarshalBinary() ([]byte, error) {
	var e encoder
	withShared := slices.ContainsFunc(m.shared, func(x float64) bool { return x != 0 })
	if withShared {
		e.buf.WriteString(magicCrowd)
	} else {
		e.buf.WriteString(magic)
	}
	o := &m.opts
	e.uv(uint64(o.Objective))
	e.uv(uint64(len(o.Lags)))
	for _, l := range o.Lags {
		e.uv(uint64(l))
	}
	e.uv(uint64(o.LagScale))
	e.uv(uint64(o.Iterations))
	e.f64(o.Shrink)
	e.f64(o.Sparsity)
	e.f64(o.Smooth)
	e.f64(o.BasePrior)
	e.uv(uint64(o.MinSupport))
	e.f64(o.ContextPrior)
	e.uv(uint64(o.Workers))
	for _, keys := range [][]string{m.causes, m.targets, m.ctxs} {
		e.uv(uint64(len(keys)))
		for _, k := range keys {
			e.str(k)
		}
	}
	e.f64s(m.base)
	e.f64s(m.self)
	for _, row := range m.rows {
		e.weights(row)
	}
	e.f64s(m.ctxCount)
	e.f64s(m.tgtCount)
	for _, row := range m.ctxRows {
		e.weights(row)
	}
	e.f64(m.logLik)
	e.uv(uint64(m.cases))
	if withShared {
		e.uv(uint64(len(m.shared)))
		e.f64s(m.shared)
	}
	return e.buf.Bytes(), nil
}

type encoder struct{ buf bytes.Buffer }

func (e *encoder) uv(x uint64) { e.buf.Write(binary.AppendUvarint(nil, x)) }
func (e *encoder) f64s(xs []float64) {
	for _, x := range xs {
		e.f64(x)
	}
}

func (e *encoder) f64(x float64) {
	e.buf.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(x)))
}
func (e *encoder) str(s string) {
	e.uv(uint64(len(s)))
	e.buf.WriteString(s)
}

func (e *encoder) weights(row []Weight) {
	e.uv(uint64(len(row)))
	prev := int32(-1)
	for _, w := range row {
		e.uv(uint64(w.Target - prev)) // ascending targets as gaps ≥ 1
		prev = w.Target
		e.f64(w.W)
	}
}

// UnmarshalBinary decodes a model written by [Model.MarshalBinary]. Any
// other input gives an error wrapping [ErrFormat], never a panic or a
// partial model.
func UnmarshalBinary(data []byte) (*Model, error) {
	d := decoder{b: data}
	if len(data) < len(magic) || string(data[:len(magic)]) != magic && string(data[:len(magic)]) != magicCrowd {
		return nil, fmt.Errorf("%w: not a need model", ErrFormat)
	}
	withCrowd := string(data[:len(magic)]) == magicCrowd
	d.b = data[len(magic):]
	var o Options
	o.Objective = Objective(min(d.u63(), math.MaxInt32))
	o.Lags = make([]time.Duration, d.count(1, maxLags))
	for i := range o.Lags {
		o.Lags[i] = time.Duration(d.u63())
	}
	o.LagScale = time.Duration(d.u63())
	o.Iterations = int(d.u63())
	o.Shrink = d.f64()
	o.Sparsity = d.f64()
	o.Smooth = d.f64()
	o.BasePrior = d.f64()
	o.MinSupport = int(d.u63())
	o.ContextPrior = d.f64()
	o.Workers = int(d.u63())
	if d.err != nil {
		return nil, d.err
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	m := &Model{opts: o, basis: newBasis(o.Lags, o.LagScale)}
	keys := func() []string {
		out := make([]string, d.count(1, math.MaxInt32))
		seen := make(map[string]bool, len(out))
		for i := range out {
			out[i] = d.str()
			if seen[out[i]] && d.err == nil {
				d.err = fmt.Errorf("%w: duplicate key %q", ErrFormat, out[i])
			}
			seen[out[i]] = true
		}
		return out
	}
	m.causes, m.targets, m.ctxs = keys(), keys(), keys()
	nt := len(m.targets)
	floats := func(n int) []float64 {
		if d.err == nil && n > len(d.b)/8 {
			d.fail(fmt.Sprintf("%d floats in %d bytes", n, len(d.b)))
		}
		if d.err != nil {
			return nil
		}
		out := make([]float64, n)
		for i := range out {
			out[i] = d.f64nonneg()
		}
		return out
	}
	if d.err != nil {
		return nil, d.err
	}
	m.base = floats(nt)
	m.self = floats(len(o.Lags))
	nrows := len(m.causes) * len(o.Lags)
	if d.err == nil && nrows > len(d.b) { // every row takes at least one byte
		d.err = fmt.Errorf("%w: %d rows in %d bytes", ErrFormat, nrows, len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	m.rows = make([][]Weight, nrows)
	for r := range m.rows {
		m.rows[r] = d.weights(nt)
	}
	m.ctxCount = floats(len(m.ctxs))
	m.tgtCount = floats(nt)
	m.ctxRows = make([][]Weight, len(m.ctxs))
	for v := range m.ctxRows {
		m.ctxRows[v] = d.weights(nt)
	}
	m.logLik = d.f64()
	m.cases = int(d.u63())
	m.shared = make([]float64, shared)
	if withCrowd {
		n := d.count(8, shared)
		for k := range n {
			m.shared[k] = d.f64nonneg()
		}
	}
	switch {
	case d.err != nil:
		return nil, d.err
	case len(d.b) != 0:
		return nil, fmt.Errorf("%w: %d bytes after the model", ErrFormat, len(d.b))
	case m.cases < 1 || math.IsNaN(m.logLik) || math.IsInf(m.logLik, 0):
		return nil, fmt.Errorf("%w: cases %d, log-likelihood %v", ErrFormat, m.cases, m.logLik)
	}
	m.finish()
	return m, nil
}

// decoder reads the body; the first error sticks and later reads return
// zeros.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrFormat, what)
	}
}

func (d *decoder) uv() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("truncated or overlong integer")
		return 0
	}
	d.b = d.b[n:]
	return x
}

// u63 reads an integer that must fit an int64.
func (d *decoder) u63() int64 {
	x := d.uv()
	if x > math.MaxInt64 {
		d.fail("integer out of range")
		return 0
	}
	return int64(x)
}

// count reads a count of items that take at least size bytes each and
// must not exceed limit.
func (d *decoder) count(size, limit int) int {
	x := d.uv()
	if d.err == nil && (x > uint64(limit) || x > uint64(len(d.b)/size)) {
		d.fail(fmt.Sprintf("count %d exceeds the data", x))
		return 0
	}
	return int(x)
}

func (d *decoder) f64() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail("truncated float")
		return 0
	}
	x := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return x
}

// f64nonneg reads a finite float ≥ 0.
func (d *decoder) f64nonneg() float64 {
	x := d.f64()
	if !(x >= 0) || math.IsInf(x, 0) {
		d.fail(fmt.Sprintf("weight %v", x))
		return 0
	}
	return x
}

func (d *decoder) str() string {
	n := d.count(1, math.MaxInt32)
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// weights reads a sparse row over nt targets.
func (d *decoder) weights(nt int) []Weight {
	n := d.count(9, nt) // a gap byte and a float each
	if n == 0 {
		return nil
	}
	row := make([]Weight, n)
	t := int64(-1)
	for i := range row {
		gap := d.u63()
		if gap < 1 || t+gap >= int64(nt) {
			d.fail("weight target out of order or range")
			return nil
		}
		t += gap
		row[i] = Weight{Target: int32(t), W: d.f64nonneg()}
	}
	return row
}
