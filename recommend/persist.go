package recommend

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/duxin-ai/duxin/internal/needs"
	"github.com/duxin-ai/duxin/internal/seqrec"
)

// The model file: magic, format version, payload length, SHA-256 of the
// payload, payload (JSON). The need model and the sequence model are
// embedded in their own binary forms. A model's ID is the hex SHA-256 of
// its payload.
const (
	modelMagic   = "DUXINREC"
	modelVersion = 2
	maxPayload   = 1 << 32
)

type modelFile struct {
	Weights  Weights            `json:"weights"`
	HalfLife float64            `json:"half_life"`
	Pop      map[string]float64 `json:"pop"`
	Trend    map[string]float64 `json:"trend"`
	Schema   schema             `json:"schema"`
	Needs    []byte             `json:"needs,omitempty"`
	Seq      []byte             `json:"seq"`
	Info     ModelInfo          `json:"info"` // without ID
}

// payload returns the model's file payload.
func (m *Model) payload() ([]byte, error) {
	var seq bytes.Buffer
	if _, err := m.seq.WriteTo(&seq); err != nil {
		return nil, err
	}
	info := m.info
	info.ID = ""
	f := modelFile{Weights: m.weights, HalfLife: m.halfLife, Pop: m.pop, Trend: m.trend, Schema: m.schema,
		Seq: seq.Bytes(), Info: info}
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
	var hdr bytes.Buffer
	hdr.WriteString(modelMagic)
	binary.Write(&hdr, binary.BigEndian, uint32(modelVersion))
	binary.Write(&hdr, binary.BigEndian, uint64(len(payload)))
	sum := sha256.Sum256(payload)
	hdr.Write(sum[:])
	n, err := w.Write(hdr.Bytes())
	if err != nil {
		return int64(n), fmt.Errorf("recommend: write model: %w", err)
	}
	n2, err := w.Write(payload)
	if err != nil {
		return int64(n + n2), fmt.Errorf("recommend: write model: %w", err)
	}
	return int64(n + n2), nil
}

// ReadModel reads a model written by [Model.WriteTo]. Anything else — wrong
// magic or version, a truncated file, a checksum mismatch, bad values — is
// an error wrapping [ErrModelFormat]; it never panics.
func ReadModel(r io.Reader) (*Model, error) {
	br := bufio.NewReader(r)
	hdr := make([]byte, len(modelMagic)+4+8+sha256.Size)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrModelFormat, err)
	}
	if string(hdr[:len(modelMagic)]) != modelMagic {
		return nil, fmt.Errorf("%w: not a recommend model", ErrModelFormat)
	}
	p := hdr[len(modelMagic):]
	if v := binary.BigEndian.Uint32(p); v != modelVersion {
		return nil, fmt.Errorf("%w: version %d, want %d (retrain with this version)", ErrModelFormat, v, modelVersion)
	}
	size := binary.BigEndian.Uint64(p[4:])
	if size > maxPayload {
		return nil, fmt.Errorf("%w: payload of %d bytes", ErrModelFormat, size)
	}
	var want [sha256.Size]byte
	copy(want[:], p[12:])
	payload, err := io.ReadAll(io.LimitReader(br, int64(size)))
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrModelFormat, err)
	}
	if uint64(len(payload)) != size {
		return nil, fmt.Errorf("%w: payload truncated at %d of %d bytes", ErrModelFormat, len(payload), size)
	}
	if sha256.Sum256(payload) != want {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrModelFormat)
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
	seq, err := seqrec.ReadModel(bytes.NewReader(f.Seq))
	if err != nil {
		return nil, fmt.Errorf("%w: sequence model: %v", ErrModelFormat, err)
	}
	m := &Model{weights: f.Weights, schema: f.Schema, seq: seq, halfLife: f.HalfLife, pop: f.Pop, trend: f.Trend, info: f.Info}
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
	sum := sha256.Sum256(payload)
	m.info.ID = hex.EncodeToString(sum[:])
	return m, nil
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
		f.Info.Asks < 0 || f.Info.Questions < 0 || f.Info.Cases < 0 {
		return fmt.Errorf("%w: info %+v", ErrModelFormat, f.Info)
	}
	return nil
}
