package rank

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/duxin-ai/duxin/internal/modelfile"
)

// The ranker file is duxin's model-file envelope (internal/modelfile) of
// kind kb-ranker around the model as JSON:
//
//	duxin-model kb-ranker 2 <bytes of JSON> <CRC-32C, hex>
//	{ ... }
//
// The JSON stays readable and diffable; the header makes a truncated,
// edited or appended file an error instead of another model. Files
// written before the envelope (v0.1.0, and the rankers built into kb) have
// a header of their own, which Read still reads:
//
//	duxin-kb-ranker 2 <bytes of JSON> <SHA-256 of the JSON, hex>
const (
	legacyMagic   = "duxin-kb-ranker"
	legacyVersion = 2
	maxFile       = 1 << 30
)

// fileFormat is the envelope of ranker files; version 2 is the JSON of
// modelFile, as in the legacy files.
var fileFormat = modelfile.Format{Kind: "kb-ranker", Version: 2, Limit: maxFile}

// modelFile is a Model's JSON form. Features are named, so a file keeps
// working when kb adds features (missing ones get weight 0).
type modelFile struct {
	Note       string        `json:"note,omitempty"`
	Features   []string      `json:"features"`
	Mean       []float64     `json:"mean"`
	Scale      []float64     `json:"scale"`
	Weights    []float64     `json:"weights"`
	Hidden     [][]float64   `json:"hidden,omitempty"`
	HiddenBias []float64     `json:"hidden_bias,omitempty"`
	Out        []float64     `json:"out,omitempty"`
	Trees      []treeFile    `json:"trees,omitempty"`
	Assoc      *assocFile    `json:"assoc,omitempty"`
	Contrast   *contrastFile `json:"contrast,omitempty"`
	Calib      *calibFile    `json:"calibration,omitempty"`
}

// Read reads a model written by WriteTo. A file that is not one — no
// header or another version, a length or checksum that does not match,
// data after the model — is an error, as is a file trained on the
// association or contrast features that lacks the model computing them
// (see the features' names in the error).
func Read(rd io.Reader) (*Model, error) {
	head, rd, err := modelfile.Sniff(rd, len(legacyMagic)+1)
	if err != nil {
		return nil, err
	}
	var body []byte
	if string(head) == legacyMagic+" " {
		body, err = readLegacy(rd)
	} else {
		body, err = readEnvelope(rd)
	}
	if err != nil {
		return nil, err
	}
	return decode(body)
}

// readEnvelope reads the JSON of a file in the model-file envelope.
func readEnvelope(rd io.Reader) ([]byte, error) {
	br := bufio.NewReader(rd)
	_, body, err := fileFormat.Read(br)
	if err != nil {
		return nil, modelfile.Wrap("", nil, err)
	}
	if extra, _ := br.Peek(1); len(extra) > 0 {
		return nil, errors.New("data after the ranker")
	}
	return body, nil
}

// ReadBytes is Read of a file held in memory, with the same results and
// errors. A file written before the envelope (as the built-in rankers
// are) is decoded where it lies instead of being copied first.
func ReadBytes(b []byte) (*Model, error) {
	if !bytes.HasPrefix(b, []byte(legacyMagic+" ")) {
		return Read(bytes.NewReader(b))
	}
	line, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return nil, fmt.Errorf("header: %w", io.EOF)
	}
	size, sum, err := parseLegacyHeader(string(line) + "\n")
	if err != nil {
		return nil, err
	}
	if int64(len(rest)) < size {
		return nil, fmt.Errorf("truncated: %d of %d bytes", len(rest), size)
	}
	body := rest[:size]
	if int64(len(rest)) > size {
		return nil, errors.New("data after the ranker")
	}
	if err := checkLegacySum(body, sum); err != nil {
		return nil, err
	}
	return decode(body)
}

// readLegacy reads the JSON of a file written before the envelope.
func readLegacy(rd io.Reader) ([]byte, error) {
	br := bufio.NewReader(rd)
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	size, sum, err := parseLegacyHeader(line)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(br, size))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) != size {
		return nil, fmt.Errorf("truncated: %d of %d bytes", len(body), size)
	}
	if extra, _ := br.Peek(1); len(extra) > 0 {
		return nil, errors.New("data after the ranker")
	}
	if err := checkLegacySum(body, sum); err != nil {
		return nil, err
	}
	return body, nil
}

// parseLegacyHeader reads the header line (with its newline) of a file
// written before the envelope: the JSON's size and SHA-256.
func parseLegacyHeader(line string) (size int64, sum string, err error) {
	var magic string
	var version int
	if n, _ := fmt.Sscanf(line, "%s %d %d %s\n", &magic, &version, &size, &sum); n != 4 || magic != legacyMagic {
		return 0, "", fmt.Errorf("not a ranker file (the first line is not %q)", legacyMagic+" <version> <bytes> <sha256>")
	}
	if version != legacyVersion {
		return 0, "", fmt.Errorf("version %d, want %d (retrain with this version of kb)", version, legacyVersion)
	}
	if size < 0 || size > maxFile {
		return 0, "", fmt.Errorf("header says %d bytes", size)
	}
	return size, sum, nil
}

// checkLegacySum checks the JSON of a file written before the envelope
// against the SHA-256 its header names.
func checkLegacySum(body []byte, sum string) error {
	if got := sha256.Sum256(body); hex.EncodeToString(got[:]) != sum {
		return errors.New("checksum mismatch (the file was changed)")
	}
	return nil
}

// decode makes a model of a ranker file's JSON.
func decode(body []byte) (*Model, error) {
	var err error
	var f modelFile
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the ranker")
	}
	n := len(f.Features)
	if len(f.Mean) != n || len(f.Scale) != n || len(f.Weights) != n {
		return nil, fmt.Errorf("%d features but %d means, %d scales, %d weights",
			n, len(f.Mean), len(f.Scale), len(f.Weights))
	}
	if len(f.Hidden) != len(f.HiddenBias) || len(f.Hidden) != len(f.Out) {
		return nil, fmt.Errorf("%d hidden units but %d biases, %d output weights",
			len(f.Hidden), len(f.HiddenBias), len(f.Out))
	}
	m := newModel(f.Note)
	m.hbias, m.out = f.HiddenBias, f.Out
	m.hidden = make([][numFeatures]float64, len(f.Hidden))
	for i, name := range f.Features {
		j := slices.Index(featureNames[:], name)
		if j < 0 {
			return nil, fmt.Errorf("unknown feature %q", name)
		}
		m.mean[j], m.scale[j], m.w[j] = f.Mean[i], f.Scale[i], f.Weights[i]
		for h := range f.Hidden {
			if len(f.Hidden[h]) != n {
				return nil, fmt.Errorf("hidden unit %d has %d weights, want %d", h, len(f.Hidden[h]), n)
			}
			m.hidden[h][j] = f.Hidden[h][i]
		}
	}
	for i, tf := range f.Trees {
		t, err := treeFromFile(tf)
		if err != nil {
			return nil, fmt.Errorf("tree %d: %w", i, err)
		}
		m.trees = append(m.trees, t)
	}
	if f.Assoc != nil {
		if m.assoc, err = assocFromFile(f.Assoc); err != nil {
			return nil, err
		}
	}
	if f.Contrast != nil {
		if m.contrast, err = contrastFromFile(f.Contrast); err != nil {
			return nil, err
		}
	}
	if f.Calib != nil {
		c, err := f.Calib.calibration()
		if err != nil {
			return nil, err
		}
		m.calib = &c
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	if err := m.checkModels(); err != nil {
		return nil, err
	}
	m.compile()
	return m, nil
}

// WriteTo writes m in the format Read reads: the model-file envelope
// around the JSON.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	f := modelFile{Note: m.note, Features: featureNames[:], HiddenBias: m.hbias, Out: m.out}
	f.Mean, f.Scale, f.Weights = m.mean[:], m.scale[:], m.w[:]
	for h := range m.hidden {
		f.Hidden = append(f.Hidden, m.hidden[h][:])
	}
	for i := range m.trees {
		f.Trees = append(f.Trees, m.trees[i].file())
	}
	if m.assoc != nil {
		f.Assoc = m.assoc.file()
	}
	if m.contrast != nil {
		f.Contrast = m.contrast.file()
	}
	if m.calib != nil {
		f.Calib = m.calib.file()
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return 0, err
	}
	b = append(b, '\n')
	return fileFormat.Write(w, b)
}
