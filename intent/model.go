package intent

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/duxin-ai/duxin/tokenize"
)

// Model is a trained intent classifier, made by [Train] or [ReadModel]. It
// is immutable and safe for concurrent use.
type Model struct {
	labels    []string
	oos       int // index of the out-of-scope label, -1 when there is none
	oosLabel  string
	features  featureConfig
	keys      []uint64 // feature hashes, ascending; keys[i] is feature i
	vocab     map[uint64]int32
	idf       []float32
	w         []float32 // len(keys) × len(labels), feature-major
	bias      []float32
	temp      float64
	threshold float64
	gap       float64
	topK      int
	tokID     string
	tok       tokenize.Tokenizer

	pool sync.Pool // *scratch
}

type scratch struct {
	ext    extractor
	vec    vector
	scores []float64
	order  []int
}

func (m *Model) init() {
	m.pool.New = func() any {
		return &scratch{scores: make([]float64, len(m.labels)), order: make([]int, len(m.labels))}
	}
}

// Labels returns the labels the model knows, sorted, including the
// out-of-scope label when the training data had it.
func (m *Model) Labels() []string { return slices.Clone(m.labels) }

// Temperature returns the temperature fitted to calibrate confidences
// (1 when training skipped calibration).
func (m *Model) Temperature() float64 { return m.temp }

// Threshold returns the confidence below which a prediction is
// [LowConfidence], and MinGap the smallest top-1/top-2 gap for a match.
func (m *Model) Threshold() float64 { return m.threshold }

// MinGap returns the smallest top-1 minus top-2 confidence for a match.
func (m *Model) MinGap() float64 { return m.gap }

// OutOfScopeLabel returns the out-of-scope label the model was trained
// with, and whether the training data had examples with it.
func (m *Model) OutOfScopeLabel() (string, bool) { return m.oosLabel, m.oos >= 0 }

// TokenizerIdentity returns the identity of the tokenizer the model was
// trained with ([tokenize.IdentityOf]; "" when it reported none).
func (m *Model) TokenizerIdentity() string { return m.tokID }

// Classify tokenizes text, scores every label and returns the top
// predictions with calibrated confidences and the outcome: [Matched] when the
// best label is in scope, at least as confident as the threshold and ahead of
// the runner-up by at least the minimum gap; [OutOfScope], [LowConfidence] or
// [Ambiguous] otherwise. Text with no feature the model has seen (empty
// text, an unknown script) is LowConfidence, with the model's prior as
// predictions. The only error is ctx's, wrapped.
func (m *Model) Classify(ctx context.Context, text string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("intent: classify: %w", err)
	}
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	m.probabilities(s, text)
	return m.result(s), nil
}

// probabilities fills s.scores with the calibrated probability of each label.
func (m *Model) probabilities(s *scratch, text string) {
	raw := s.ext.extract(&m.features, m.tok, text)
	s.vec = weigh(&m.features, m.vocab, m.idf, raw, s.vec)
	l := linear{w: m.w, bias: m.bias, labels: len(m.labels)}
	l.scores(s.vec, s.scores)
	if m.temp != 1 {
		for j := range s.scores {
			s.scores[j] /= m.temp
		}
	}
	softmax(s.scores)
}

func (m *Model) result(s *scratch) Result {
	k := min(m.topK, len(m.labels))
	// Partial selection of the top k, ties by label (labels are sorted, so
	// by index).
	order := s.order[:0]
	for j := range m.labels {
		order = append(order, j)
	}
	better := func(a, b int) int {
		if c := cmp.Compare(s.scores[b], s.scores[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	for i := 0; i < k; i++ {
		best := i
		for j := i + 1; j < len(order); j++ {
			if better(order[j], order[best]) < 0 {
				best = j
			}
		}
		order[i], order[best] = order[best], order[i]
	}
	r := Result{Predictions: make([]Prediction, k)}
	for i := 0; i < k; i++ {
		r.Predictions[i] = Prediction{Label: m.labels[order[i]], Confidence: clamp01(s.scores[order[i]])}
	}
	top := r.Predictions[0].Confidence
	r.Gap = top
	if len(order) > 1 {
		r.Gap = top - s.scores[order[1]]
	}
	switch {
	case len(s.vec.idx) == 0:
		r.Outcome = LowConfidence // nothing the model knows: the prior
	case order[0] == m.oos:
		r.Outcome = OutOfScope
	case top < m.threshold:
		r.Outcome = LowConfidence
	case r.Gap < m.gap:
		r.Outcome = Ambiguous
	default:
		r.Outcome = Matched
		r.Intent = r.Predictions[0].Label
	}
	return r
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return min(v, 1)
}
