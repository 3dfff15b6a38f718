package recommend

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/duxin-ai/duxin/internal/modelfile"
	"github.com/duxin-ai/duxin/internal/needs"
	"github.com/duxin-ai/duxin/internal/seqrec"
)

// The model file is a [modelfile] envelope of kind "recommend" (a header
// line with the format version, payload length and CRC-32C) around the
// payload, JSON. The need model and the sequence model are embedded in
// their own binary forms. A model's ID is the hex SHA-256 of its payload.
var fileFormat = modelfile.Format{Kind: "recommend", Version: 2, Limit: 1 << 32}

// Files written by duxin v0.1.0 have their own envelope instead: magic,
// format version (uint32), payload length (uint64), SHA-256 of the
// payload, payload; integers big-endian. The payload is the same.
const (
	legacyMagic   = "DUXINREC"
	legacyVersion = 2 // the only version v0.1.0 reads or writes
	legacyMax     = 1 << 32
)

type modelFile struct {
	Weights  Weights            `json:"weights"`
	HalfLife float64            `json:"half_life"`
	Pop      map[string]float64 `json:"pop"`
	Trend    map[string]float64 `json:"trend"`
	Schema   schema             `json:"schema"`
	Clock    *clockFile         `json:"clock,omitempty"` // none: the need model reads no clock
	Kinds    *kindsFile         `json:"kinds,omitempty"` // none: no kinds of user
	Needs    []byte             `json:"needs,omitempty"`
	Seq      []byte             `json:"seq"`
	Info     ModelInfo          `json:"info"` // without ID
}

// payload returns the model's file payload.
func (m *Model) payload() ([]byte, error) {
	seq, err := m.seq.MarshalBinary()
	if err != nil {
		return nil, err
	}
	info := m.info
	info.ID = ""
	f := modelFile{Weights: m.weights, HalfLife: m.halfLife, Pop: m.pop, Trend: m.trend, Schema: m.schema,
		Clock: m.clock.file(m.info.TrainedAt), Kinds: m.kinds.file(), Seq: seq, Info: info}
	if m.needs != nil {
		b, err := m.needs.MarshalBinary()
		if err != nil {
			return nil, err
		}
		f.Needs = b
	}
	return json.Marshal(&f)
}

// contentID returns the model's ID: the hex SHA-256 of its payload.
func (m *Model) contentID() (string, error) {
	p, err := m.payload()
	if err != nil {
		return "", fmt.Errorf("recommend: model id: %w", err)
	}
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:]), nil
}

// WriteTo writes the model in a versioned, checksummed binary format that
// [ReadModel] reads. It implements io.WriterTo.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	payload, err := m.payload()
	if err != nil {
		return 0, fmt.Errorf("recommend: write model: %w", err)
	}
	n, err := fileFormat.Write(w, payload)
	if err != nil {
		return n, fmt.Errorf("recommend: %w", err)
	}
	return n, nil
}

// ReadModel reads a model written by [Model.WriteTo], or by duxin v0.1.0.
// Anything else — another kind of file or format version, a truncated
// file, a checksum mismatch, bad values — is an error wrapping
// [ErrModelFormat]; it never panics.
func ReadModel(r io.Reader) (*Model, error) {
	head, r, err := modelfile.Sniff(r, len(legacyMagic))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	var payload []byte
	if string(head) == legacyMagic {
		payload, err = readLegacy(r)
	} else if _, payload, err = fileFormat.Read(r); err != nil {
		err = modelfile.Wrap("recommend: ", ErrModelFormat, err)
	}
	if err != nil {
		return nil, err
	}
	var f modelFile
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	seq, err := seqrec.UnmarshalBinary(f.Seq)
	if err != nil {
		return nil, fmt.Errorf("%w: sequence model: %v", ErrModelFormat, err)
	}
	m := &Model{weights: f.Weights, schema: f.Schema, seq: seq, halfLife: f.HalfLife, pop: f.Pop, trend: f.Trend, info: f.Info}
	if m.clock, err = clockOf(f.Clock); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	ks, err := kindsOf(f.Kinds)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelFormat, err)
	}
	if f.Needs != nil {
		if m.needs, err = needs.UnmarshalBinary(f.Needs); err != nil {
			return nil, fmt.Errorf("%w: need model: %v", ErrModelFormat, err)
		}
	}
	if m.pop == nil {
		m.pop = map[string]float64{}
	}
	if m.trend == nil {
		m.trend = map[string]float64{}
	}
	if m.schema == nil {
		m.schema = schema{}
	}
	m.rank()
	m.setKinds(ks)
	sum := sha256.Sum256(payload)
	m.info.ID = hex.EncodeToString(sum[:])
	return m, nil
}

// readLegacy reads the payload of a file written by duxin v0.1.0.
func readLegacy(r io.Reader) ([]byte, error) {
	hdr := make([]byte, len(legacyMagic)+4+8+sha256.Size)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrModelFormat, err)
	}
	p := hdr[len(legacyMagic):]
	if v := binary.BigEndian.Uint32(p); v != legacyVersion {
		return nil, fmt.Errorf("%w: version %d, want %d (retrain with this version)", ErrModelFormat, v, legacyVersion)
	}
	size := binary.BigEndian.Uint64(p[4:])
	if size > legacyMax {
		return nil, fmt.Errorf("%w: payload of %d bytes", ErrModelFormat, size)
	}
	var want [sha256.Size]byte
	copy(want[:], p[12:])
	payload, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrModelFormat, err)
	}
	if uint64(len(payload)) != size {
		return nil, fmt.Errorf("%w: payload truncated at %d of %d bytes", ErrModelFormat, len(payload), size)
	}
	if sha256.Sum256(payload) != want {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrModelFormat)
	}
	return payload, nil
}

func (f *modelFile) check() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	for i, x := range f.Weights.vec() {
		if !finite(x) {
			return fmt.Errorf("%w: weight %d is %v", ErrModelFormat, i, x)
		}
	}
	if !(f.HalfLife > 0) || !finite(f.HalfLife) {
		return fmt.Errorf("%w: half-life %v", ErrModelFormat, f.HalfLife)
	}
	for q, c := range f.Pop {
		if !(c > 0) || !finite(c) || q == "" {
			return fmt.Errorf("%w: popularity of %q is %v", ErrModelFormat, q, c)
		}
	}
	for q, l := range f.Trend {
		if !finite(l) || q == "" {
			return fmt.Errorf("%w: trend of %q is %v", ErrModelFormat, q, l)
		}
	}
	for k, a := range f.Schema {
		if a.Kind > attrNumeric {
			return fmt.Errorf("%w: attribute %q has kind %d", ErrModelFormat, k, a.Kind)
		}
		for i, c := range a.Cuts {
			if !finite(c) || i > 0 && c <= a.Cuts[i-1] {
				return fmt.Errorf("%w: attribute %q has cut points %v", ErrModelFormat, k, a.Cuts)
			}
		}
	}
	if f.Info.TrainedAt.After(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) || f.Info.Events < 0 || f.Info.Users < 0 ||
		f.Info.Asks < 0 || f.Info.Questions < 0 || f.Info.Cases < 0 || f.Info.SampledUsers < 0 || f.Info.SampledEvents < 0 {
		return fmt.Errorf("%w: info %+v", ErrModelFormat, f.Info)
	}
	return nil
}
