package recommend

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/duxin-ai/duxin/internal/seqrec"
)

// The model file: magic, format version, payload length, SHA-256 of the
// payload, payload (JSON). The sequence model is stored as the sequences it
// was trained on plus the asks it learned online, and rebuilt
// deterministically on read.
const (
	modelMagic   = "DUXINREC"
	modelVersion = 1
	maxPayload   = 1 << 32
)

type modelFile struct {
	Weights  Weights            `json:"weights"`
	HalfLife float64            `json:"half_life"`
	Pop      map[string]float64 `json:"pop"`
	Trend    map[string]float64 `json:"trend"`
	Asks     int64              `json:"asks"`
	Seq      []byte             `json:"seq"`
}

// WriteTo writes the model in a versioned, checksummed binary format that
// [ReadModel] reads. It includes what the model learned online. It
// implements io.WriterTo.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	// The write lock keeps Record from changing the sequence model and the
	// counts between the two snapshots.
	m.mu.Lock()
	var seq bytes.Buffer
	_, err := m.seq.WriteTo(&seq)
	f := modelFile{Weights: m.weights, HalfLife: m.halfLife, Pop: m.pop, Trend: m.trend, Asks: m.asks, Seq: seq.Bytes()}
	var payload []byte
	if err == nil {
		payload, err = json.Marshal(&f)
	}
	m.mu.Unlock()
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
		return nil, fmt.Errorf("%w: version %d, want %d", ErrModelFormat, v, modelVersion)
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
	m := &Model{weights: f.Weights, seq: seq, halfLife: f.HalfLife, pop: f.Pop, trend: f.Trend, asks: f.Asks}
	if m.pop == nil {
		m.pop = map[string]float64{}
	}
	if m.trend == nil {
		m.trend = map[string]float64{}
	}
	m.popTop = topOf(m.pop)
	m.trendTop = topOf(m.trend)
	for _, c := range m.pop {
		m.maxPop = max(m.maxPop, c)
	}
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
	return nil
}

func topOf(score map[string]float64) []string {
	keys := slices.Collect(mapsKeys(score))
	slices.SortFunc(keys, func(a, b string) int {
		if score[a] != score[b] {
			if score[a] > score[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys[:min(len(keys), topK)]
}
