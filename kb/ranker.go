package kb

import (
	"errors"
	"fmt"
	"io"

	"github.com/duxin-ai/duxin/kb/internal/rank"
)

// Ranker is the second stage of [Index.Search]: a model that scores one
// text of a candidate entry from features comparing it with the query
// (first-stage BM25, word and character overlap weighted by IDF, edit
// distance, common substrings, length ratio, negation and domain key-term
// mismatches, question kind, a learned word-association table, with
// character and character-bigram tables beside it, that matches colloquial
// paraphrases such as 提额 and 提升 and typos such as 预期 for 逾期, and a
// learned word-contrast model that knows which differing words matter).
// Its model is a linear or one-hidden-layer part plus optional
// gradient-boosted trees.
// A Ranker is immutable and safe for concurrent use. [DefaultRanker] is
// the one kb ships; [TrainRanker] fits one, associations included, to your
// own queries; [ReadRanker] reads one. The zero Ranker has no model, and
// indexes refuse it.
type Ranker struct {
	m *rank.Model // the machinery, in kb/internal/rank
}

// check reports why an index cannot rank with r.
func (r *Ranker) check() error {
	if r.m == nil {
		return errors.New("kb: ranker: the zero Ranker has no model (use DefaultRanker, ReadRanker or TrainRanker)")
	}
	if err := r.m.Check(); err != nil {
		return fmt.Errorf("kb: ranker: %w", err)
	}
	return nil
}

// model is r's model, nil for a nil r.
func (r *Ranker) model() *rank.Model {
	if r == nil {
		return nil
	}
	return r.m
}

// DefaultRanker returns the ranker kb uses unless told otherwise (see
// [WithRanker]). Built with -tags duxin_sample_ranker, it is the ranker
// learned from the bundled sample knowledge base alone
// (rerank_sample.ranker), and the AFQMC-trained file is not in the
// binary: for users whose terms rule out AFQMC-derived tables
// (docs/provenance.md compares the two). Otherwise its weights were learned on questions of Ant Financial's
// AFQMC corpus mixed with half of the bundled sample KB's similar questions;
// the note in rerank_default.ranker records how (see [Ranker.Note]).
func DefaultRanker() (*Ranker, error) {
	r, err := readRankerBytes(defaultRankerFile)
	if err != nil {
		return nil, fmt.Errorf("kb: default ranker: %w", err)
	}
	return r, nil
}

// ReadRanker reads a ranker written by [Ranker.WriteTo]. A file that is not
// one — no header or another version, a length or checksum that does not
// match, data after the ranker — is an error, as is a file trained on the
// association or contrast features that lacks the model computing them
// (see the features' names in the error).
//
// The file is duxin's model-file envelope around the ranker as JSON:
//
//	duxin-model kb-ranker 2 <bytes of JSON> <CRC-32C, hex>
//	{ ... }
//
// The JSON stays readable and diffable; the header makes a truncated,
// edited or appended file an error instead of another model. Files written
// by v0.1.0, whose header line is "duxin-kb-ranker 2 <bytes> <SHA-256>"
// (as the built-in rankers are), still load.
func ReadRanker(rd io.Reader) (*Ranker, error) {
	m, err := rank.Read(rd)
	if err != nil {
		return nil, fmt.Errorf("kb: read ranker: %w", err)
	}
	return &Ranker{m}, nil
}

// readRankerBytes is ReadRanker of a file in memory, which it decodes
// without copying it first.
func readRankerBytes(b []byte) (*Ranker, error) {
	m, err := rank.ReadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("kb: read ranker: %w", err)
	}
	return &Ranker{m}, nil
}

// WriteTo writes r in the ranker file format [ReadRanker] reads: the
// model-file envelope (kind, format version, length and checksum) around
// the JSON.
func (r *Ranker) WriteTo(w io.Writer) (int64, error) {
	if r.m == nil {
		return 0, errors.New("kb: write ranker: the zero Ranker has no model")
	}
	n, err := r.m.WriteTo(w)
	if err != nil {
		err = fmt.Errorf("kb: write ranker: %w", err)
	}
	return n, err
}

// Note returns the free text stored with the ranker (how it was trained).
func (r *Ranker) Note() string {
	if r.m == nil {
		return ""
	}
	return r.m.Note()
}

// Calibration returns the ranker's calibration, if it has one.
func (r *Ranker) Calibration() (Calibration, bool) {
	if r.m == nil {
		return Calibration{}, false
	}
	c, ok := r.m.Calibration()
	return Calibration{c}, ok
}

// WithCalibration returns a copy of r that computes confidences with c
// (fitted by a [Calibrator]); r is unchanged.
func (r *Ranker) WithCalibration(c Calibration) *Ranker {
	return &Ranker{r.m.WithCalibration(c.c)}
}
