package intent

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"

	"github.com/duxin-ai/duxin/internal/modelfile"
	"github.com/duxin-ai/duxin/tokenize"
)

// The model file is a [modelfile] envelope of kind "intent": a header line
// (format version, payload length, CRC-32C) and the payload, which holds
// the tokenizer identity, labels, feature configuration, decision
// settings, vocabulary (feature hashes and IDF) and weights; integers are
// uvarints or little-endian.
//
// Version 2 added the cross-word n-gram flag to the feature configuration,
// version 3 the Latin n-gram range; older payloads are refused (retrain).
var fileFormat = modelfile.Format{Kind: "intent", Version: 3}

// Files written by duxin v0.1.0 have their own envelope instead: magic
// (8 bytes), format version (uint32), payload length (uint64), payload,
// CRC-32C of everything before it (uint32); integers little-endian. The
// payload is the same.
const (
	legacyMagic      = "DXINTENT"
	legacyVersion    = 3 // the only version v0.1.0 reads or writes
	legacyHeaderSize = 8 + 4 + 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the model in its binary file format. The output depends
// only on the model, so training twice with the same seed writes the same
// bytes. It implements io.WriterTo.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var p encoder
	p.str(m.tokID)
	p.uvarint(uint64(len(m.labels)))
	for _, l := range m.labels {
		p.str(l)
	}
	p.uvarint(uint64(m.oos + 1))
	p.str(m.oosLabel)
	p.bool(m.features.WordBigrams)
	p.bool(m.features.CrossWord)
	p.uvarint(uint64(m.features.CharMin))
	p.uvarint(uint64(m.features.CharMax))
	p.uvarint(uint64(m.features.LatinMin))
	p.uvarint(uint64(m.features.LatinMax))
	p.f64(m.features.CharWeight)
	p.f64(m.temp)
	p.f64(m.threshold)
	p.f64(m.gap)
	p.uvarint(uint64(m.topK))
	p.uvarint(uint64(len(m.keys)))
	for _, k := range m.keys {
		p.b = binary.LittleEndian.AppendUint64(p.b, k)
	}
	for _, v := range m.idf {
		p.f32(v)
	}
	for _, v := range m.w {
		p.f32(v)
	}
	for _, v := range m.bias {
		p.f32(v)
	}
	n, err := fileFormat.Write(w, p.b)
	if err != nil {
		return n, fmt.Errorf("intent: %w", err)
	}
	return n, nil
}

// ReadModel reads a model written by [Model.WriteTo], or by duxin v0.1.0.
// tok must have the identity ([tokenize.IdentityOf]) of the tokenizer the
// model was trained with, else the error wraps [ErrIncompatible]; a file
// that is truncated, damaged or not an intent model gives an error
// wrapping [ErrCorrupt], one from an unknown format version [ErrVersion].
// ReadModel reads exactly one model from r and does not need the training
// data.
func ReadModel(r io.Reader, tok tokenize.Tokenizer) (*Model, error) {
	if tok == nil {
		return nil, fmt.Errorf("%w: nil tokenizer", ErrBadOption)
	}
	head, r, err := modelfile.Sniff(r, len(legacyMagic))
	if err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	var payload []byte
	if string(head) == legacyMagic {
		payload, err = readLegacy(r)
	} else {
		_, payload, err = fileFormat.Read(r)
		switch {
		case errors.Is(err, modelfile.ErrVersion):
			err = modelfile.Wrap("intent: ", ErrVersion, err)
		case errors.Is(err, modelfile.ErrInvalid):
			err = modelfile.Wrap("intent: ", ErrCorrupt, err)
		case err != nil:
			err = fmt.Errorf("intent: %w", err)
		}
	}
	if err != nil {
		return nil, err
	}
	m, err := decodeModel(payload)
	if err != nil {
		return nil, err
	}
	if id := tokenize.IdentityOf(tok); id != m.tokID {
		return nil, fmt.Errorf("%w: model trained with tokenizer %q, loaded with %q", ErrIncompatible, m.tokID, id)
	}
	m.tok = tok
	m.init()
	return m, nil
}

// readLegacy reads the payload of a file written by duxin v0.1.0.
func readLegacy(r io.Reader) ([]byte, error) {
	head := make([]byte, legacyHeaderSize)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, readErr(err)
	}
	if v := binary.LittleEndian.Uint32(head[8:]); v != legacyVersion {
		return nil, fmt.Errorf("%w: version %d, want %d (retrain the model with this version of the package)", ErrVersion, v, legacyVersion)
	}
	size := binary.LittleEndian.Uint64(head[12:])
	if size > 1<<40 {
		return nil, fmt.Errorf("%w: payload length %d", ErrCorrupt, size)
	}
	// Read what is there rather than allocate what the header claims.
	rest, err := io.ReadAll(io.LimitReader(r, int64(size)+4))
	if err != nil {
		return nil, readErr(err)
	}
	if uint64(len(rest)) != size+4 {
		return nil, fmt.Errorf("%w: truncated: %d of %d bytes", ErrCorrupt, legacyHeaderSize+len(rest), legacyHeaderSize+size+4)
	}
	sum := crc32.Update(crc32.Checksum(head, castagnoli), castagnoli, rest[:size])
	if binary.LittleEndian.Uint32(rest[size:]) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return rest[:size], nil
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	return fmt.Errorf("intent: read model: %w", err)
}

func decodeModel(b []byte) (*Model, error) {
	d := decoder{b: b}
	m := &Model{}
	m.tokID = d.str()
	nl := d.count(1)
	m.labels = make([]string, 0, nl)
	for range nl {
		m.labels = append(m.labels, d.str())
	}
	m.oos = int(d.uvarint(uint64(nl))) - 1
	m.oosLabel = d.str()
	m.features.WordBigrams = d.flag()
	m.features.CrossWord = d.flag()
	m.features.CharMin = int(d.uvarint(8))
	m.features.CharMax = int(d.uvarint(8))
	m.features.LatinMin = int(d.uvarint(8))
	m.features.LatinMax = int(d.uvarint(8))
	m.features.CharWeight = d.f64()
	m.temp = d.f64()
	m.threshold = d.f64()
	m.gap = d.f64()
	m.topK = int(d.uvarint(1 << 20))
	nf := d.count(8 + 4 + 4*max(nl, 1))
	m.keys = make([]uint64, nf)
	for i := range m.keys {
		m.keys[i] = d.u64()
	}
	m.idf = d.f32s(nf)
	m.w = d.f32s(nf * nl)
	m.bias = d.f32s(nl)
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the model", ErrCorrupt, len(d.b))
	}
	// Invariants Train guarantees; a file that breaks them is corrupt even
	// with a good checksum.
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrCorrupt, what) }
	switch {
	case nl == 0:
		return nil, bad("no labels")
	case !slices.IsSorted(m.labels) || slices.Contains(m.labels, ""):
		return nil, bad("labels not sorted or empty")
	case m.oos >= 0 && m.labels[m.oos] != m.oosLabel:
		return nil, bad("out-of-scope label mismatch")
	case m.features.CharMin > m.features.CharMax, m.features.LatinMin > m.features.LatinMax:
		return nil, bad("character n-gram range")
	case !(m.features.CharWeight >= 0 && m.features.CharWeight <= 1):
		return nil, bad("character weight")
	case !(m.temp > 0) || math.IsInf(m.temp, 0):
		return nil, bad("temperature")
	case !(m.threshold >= 0 && m.threshold <= 1), !(m.gap >= 0 && m.gap <= 1):
		return nil, bad("threshold or gap")
	case m.topK < 1:
		return nil, bad("top k")
	}
	for i := 1; i < len(m.labels); i++ {
		if m.labels[i] == m.labels[i-1] {
			return nil, bad("duplicate label")
		}
	}
	m.vocab = make(map[uint64]int32, nf)
	for i, k := range m.keys {
		if i > 0 && k <= m.keys[i-1] {
			return nil, bad("feature keys not ascending")
		}
		m.vocab[k] = int32(i)
	}
	for _, vs := range [][]float32{m.idf, m.w, m.bias} {
		for _, v := range vs {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, bad("weight not finite")
			}
		}
	}
	return m, nil
}

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) f64(v float64)    { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *encoder) f32(v float32)    { e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v)) }

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// decoder reads the payload; after the first error every read returns zero
// values and err keeps that error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	d.b = nil
}

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.fail("unexpected end of payload")
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) uvarint(limit uint64) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > limit {
		d.fail("bad integer")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length whose items take at least itemSize bytes each, so it
// cannot claim more items than the payload holds.
func (d *decoder) count(itemSize int) int {
	return int(d.uvarint(uint64(len(d.b) / itemSize)))
}

func (d *decoder) str() string { return string(d.take(int(d.uvarint(uint64(len(d.b)))))) }

// flag reads a byte that must be 0 or 1.
func (d *decoder) flag() bool { return d.byte1() == 1 }

func (d *decoder) byte1() byte {
	b := d.take(1)
	if b == nil {
		return 0
	}
	if b[0] > 1 {
		d.fail("bad flag")
	}
	return b[0]
}

func (d *decoder) u64() uint64 {
	b := d.take(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (d *decoder) f64() float64 { return math.Float64frombits(d.u64()) }

func (d *decoder) f32s(n int) []float32 {
	b := d.take(4 * n)
	if b == nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
