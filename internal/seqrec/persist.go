package seqrec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// The serialized model is
//
//	magic "DXSEQREC" | version uint32 LE | body | CRC-32 (IEEE) of all before, uint32 LE
//
// where the body holds the params, the token vocabulary, the items (as token
// ids) with their popularity, and each token's sorted pair row. Integers
// are uvarints, floats IEEE-754 bits as uint64 LE. Derived factors are
// recomputed on read.
//
// A sequence model is never a file of its own: the recommend model file
// embeds these bytes, and its model ID is a hash of a payload that holds
// them, so they keep their own magic, version and checksum exactly as
// duxin v0.1.0 wrote them (the recommend file's envelope checks the whole).
const (
	magic         = "DXSEQREC"
	formatVersion = 1
)

// MarshalBinary encodes the model (see [UnmarshalBinary]). The output
// depends only on the model's content, so equal models give equal bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	m.mu.RLock()
	var e encoder
	e.buf.WriteString(magic)
	e.u32(formatVersion)
	p := m.params
	e.uv(uint64(p.Window))
	e.f64(p.PairPower)
	e.f64(p.Backward)
	e.f64(p.HistoryPower)
	e.uv(uint64(p.HalfLife))
	e.uv(uint64(p.MaxHistory))
	e.f64(p.SourceNorm)
	e.f64(p.TargetNorm)
	e.f64(p.PopWeight)
	e.uv(uint64(p.MaxNeighbors))
	e.f64(p.SecondOrder)
	e.f64(p.SecondNorm)
	e.uv(uint64(p.SecondFanout))
	e.uv(uint64(len(m.tokens)))
	for _, t := range m.tokens {
		e.uv(uint64(len(t)))
		e.buf.WriteString(t)
	}
	e.uv(uint64(len(m.items)))
	for b := range m.items {
		e.uv(uint64(m.itemTok[b]))
		e.f64(m.pop[b])
	}
	for _, row := range m.rows {
		e.uv(uint64(len(row)))
		for _, ed := range row {
			e.uv(uint64(ed.item))
			e.f64(ed.w)
		}
	}
	m.mu.RUnlock()
	e.u32(crc32.ChecksumIEEE(e.buf.Bytes()))
	return e.buf.Bytes(), nil
}

type encoder struct {
	buf     bytes.Buffer
	scratch [binary.MaxVarintLen64]byte
}

func (e *encoder) uv(x uint64) { e.buf.Write(binary.AppendUvarint(e.scratch[:0], x)) }
func (e *encoder) u32(x uint32) {
	e.buf.Write(binary.LittleEndian.AppendUint32(e.scratch[:0], x))
}
func (e *encoder) f64(x float64) {
	e.buf.Write(binary.LittleEndian.AppendUint64(e.scratch[:0], math.Float64bits(x)))
}

// UnmarshalBinary decodes a model encoded by [Model.MarshalBinary]. Any
// truncation, corruption (checksum mismatch), unknown version or
// inconsistent content is an error wrapping [ErrFormat]; it never returns a
// partly read model.
func UnmarshalBinary(data []byte) (*Model, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	if len(data) < len(magic)+8 {
		return nil, bad("%d bytes, too short", len(data))
	}
	if string(data[:len(magic)]) != magic {
		return nil, bad("bad magic %q", data[:len(magic)])
	}
	if v := binary.LittleEndian.Uint32(data[len(magic):]); v != formatVersion {
		return nil, bad("version %d, want %d", v, formatVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if got := crc32.ChecksumIEEE(body); got != sum {
		return nil, bad("checksum %08x, want %08x (corrupt or truncated)", got, sum)
	}
	d := decoder{b: body[len(magic)+4:]}
	var p params
	p.Window = d.int()
	p.PairPower = d.f64()
	p.Backward = d.f64()
	p.HistoryPower = d.f64()
	p.HalfLife = d.i64()
	p.MaxHistory = d.int()
	p.SourceNorm = d.f64()
	p.TargetNorm = d.f64()
	p.PopWeight = d.f64()
	p.MaxNeighbors = d.int()
	p.SecondOrder = d.f64()
	p.SecondNorm = d.f64()
	p.SecondFanout = d.int()
	if d.err != nil {
		return nil, bad("params: %v", d.err)
	}
	opts := p.options()
	if err := opts.validate(); err != nil {
		return nil, bad("params: %v", err)
	}

	nTok := d.count(1)
	tokens := make([]string, 0, nTok)
	seen := make(map[string]bool, nTok)
	for range nTok {
		t := d.str()
		if d.err != nil {
			return nil, bad("token %d: %v", len(tokens), d.err)
		}
		if t == "" || seen[t] {
			return nil, bad("token %d: empty or duplicate", len(tokens))
		}
		seen[t] = true
		tokens = append(tokens, t)
	}
	nItems := d.count(9)
	itemTok := make([]int32, nItems)
	pop := make([]float64, nItems)
	items := make([]string, nItems)
	isItem := make(map[int]bool, nItems)
	for b := range nItems {
		t := d.int()
		pop[b] = d.f64()
		if d.err != nil {
			return nil, bad("item %d: %v", b, d.err)
		}
		if t >= len(tokens) || isItem[t] || !(pop[b] >= 0) || math.IsInf(pop[b], 0) {
			return nil, bad("item %d: bad token id %d or popularity %v", b, t, pop[b])
		}
		isItem[t] = true
		itemTok[b] = int32(t)
		items[b] = tokens[t]
	}
	m := newModel(p, tokens, items)
	copy(m.itemTok, itemTok)
	copy(m.pop, pop)
	for t := range tokens {
		n := d.count(9)
		if d.err != nil {
			return nil, bad("row %d: %v", t, d.err)
		}
		if n == 0 {
			continue
		}
		row := make([]edge, n)
		for k := range row {
			b := d.int()
			w := d.f64()
			if d.err != nil {
				return nil, bad("row %d: %v", t, d.err)
			}
			if b >= nItems || (k > 0 && int32(b) <= row[k-1].item) || !(w > 0) || math.IsInf(w, 0) {
				return nil, bad("row %d entry %d: item %d weight %v out of order or range", t, k, b, w)
			}
			row[k] = edge{int32(b), w}
		}
		m.rows[t] = row
	}
	if len(d.b) != 0 {
		return nil, bad("%d trailing bytes", len(d.b))
	}
	m.refresh()
	return m, nil
}

// decoder reads the body; the first failure sticks in err and later reads
// return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uv() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = io.ErrUnexpectedEOF
		return 0
	}
	d.b = d.b[n:]
	return x
}

// int reads a uvarint that must fit an int32.
func (d *decoder) int() int {
	x := d.uv()
	if x > math.MaxInt32 {
		d.err = fmt.Errorf("integer %d out of range", x)
		return 0
	}
	return int(x)
}

// i64 reads a uvarint that must fit an int64.
func (d *decoder) i64() int64 {
	x := d.uv()
	if x > math.MaxInt64 {
		d.err = fmt.Errorf("integer %d out of range", x)
		return 0
	}
	return int64(x)
}

// count reads a length whose elements take at least min bytes each, so a
// corrupt length cannot make us allocate more than the input could hold.
func (d *decoder) count(min int) int {
	n := d.int()
	if d.err == nil && n > len(d.b)/min {
		d.err = fmt.Errorf("count %d exceeds remaining %d bytes", n, len(d.b))
		return 0
	}
	return n
}

func (d *decoder) f64() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = io.ErrUnexpectedEOF
		return 0
	}
	x := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return x
}

func (d *decoder) str() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
