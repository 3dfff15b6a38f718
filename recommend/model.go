package recommend

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
)

// Weights are the coefficients of the scoring features; a suggestion's score
// is the weighted sum of its features, each in [0, 1]:
//
//   - Trigger: the knowledge base's trigger rules matched by the user's
//     recent events, by rule weight, decaying linearly to half at the end
//     of the rule's window (several matches combine as a noisy-or).
//   - Sequence: the learned sequence model's score from the user's recent
//     events and asks, relative to the best-scoring question.
//   - Popular: how often the question was asked (log scale, relative to
//     the most asked).
//   - Trending: asks decayed with a half-life (relative to the top).
//   - History: the user asked this question before (decaying over a week).
//   - Related: the knowledge base lists it as related to a question the
//     user recently asked.
//   - Search: it matched a search the user recently typed.
type Weights struct {
	Trigger  float64 `json:"trigger"`
	Sequence float64 `json:"sequence"`
	Popular  float64 `json:"popular"`
	Trending float64 `json:"trending"`
	History  float64 `json:"history"`
	Related  float64 `json:"related"`
	Search   float64 `json:"search"`
}

// DefaultWeights are used before any training: the cold-start trust in
// operations staff's triggers and in searches, some popularity.
func DefaultWeights() Weights {
	return Weights{Trigger: 1, Sequence: 1, Popular: 0.2, Trending: 0.1, History: 0.1, Related: 0.3, Search: 0.8}
}

const nFeat = 7

const (
	fTrigger = iota
	fSequence
	fPopular
	fTrending
	fHistory
	fRelated
	fSearch
)

type feat [nFeat]float64

func (w Weights) vec() feat {
	return feat{w.Trigger, w.Sequence, w.Popular, w.Trending, w.History, w.Related, w.Search}
}

func weightsOf(v feat) Weights {
	return Weights{v[0], v[1], v[2], v[3], v[4], v[5], v[6]}
}

func (f *feat) dot(w *feat) float64 {
	s := 0.0
	for i := range f {
		s += f[i] * w[i]
	}
	return s
}

// topK is how many of the most asked and most trending questions a model
// keeps ranked, as candidates and for filling short lists.
const topK = 64

// Model is what [Train] learns from a behavior log: the sequence model, ask
// counts and trends, and the feature weights. An [Engine] keeps learning
// into the Model it was given (asks passed to [Engine.Record]), so a Model
// written later includes that. A Model is safe for concurrent use.
type Model struct {
	mu      sync.RWMutex
	weights Weights
	seq     *seqrec.Model

	halfLife float64            // trending half-life, seconds
	pop      map[string]float64 // question → ask count
	popTop   []string           // most asked first, ties by id
	trend    map[string]float64 // question → log2(decayed count) + t/halfLife
	trendTop []string
	maxPop   float64
	asks     int64
	version  uint64 // bumped by every count
}

func newModel(w Weights, seq *seqrec.Model, halfLife time.Duration) *Model {
	return &Model{weights: w, seq: seq, halfLife: halfLife.Seconds(),
		pop: map[string]float64{}, trend: map[string]float64{}}
}

// Weights returns the model's feature weights.
func (m *Model) Weights() Weights {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.weights
}

// Asks returns how many ask events the model has learned from.
func (m *Model) Asks() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.asks
}

// count adds one ask of q at t to popularity and trending. Caller holds mu.
func (m *Model) count(q string, t time.Time) {
	m.asks++
	m.version++
	m.pop[q]++
	m.maxPop = max(m.maxPop, m.pop[q])
	m.popTop = bump(m.popTop, m.pop, q)
	ts := float64(t.Unix()) / m.halfLife
	if l, ok := m.trend[q]; ok {
		// log2(2^l + 2^ts) without overflow.
		hi, lo := max(l, ts), min(l, ts)
		m.trend[q] = hi + math.Log2(1+math.Exp2(lo-hi))
	} else {
		m.trend[q] = ts
	}
	m.trendTop = bump(m.trendTop, m.trend, q)
}

// bump keeps top, the topK keys of score in descending order (ties by
// key), after score[q] grew.
func bump(top []string, score map[string]float64, q string) []string {
	before := func(a, b string) bool {
		if score[a] != score[b] {
			return score[a] > score[b]
		}
		return a < b
	}
	i := slices.Index(top, q)
	if i < 0 {
		if len(top) == topK && !before(q, top[len(top)-1]) {
			return top
		}
		if len(top) < topK {
			top = append(top, q)
		} else {
			top[len(top)-1] = q
		}
		i = len(top) - 1
	}
	for i > 0 && before(top[i], top[i-1]) {
		top[i], top[i-1] = top[i-1], top[i]
		i--
	}
	return top
}

// popularity and trending features of q. Caller holds mu (read).
func (m *Model) popFeature(q string) float64 {
	c := m.pop[q]
	if c == 0 || m.maxPop == 0 {
		return 0
	}
	return math.Log1p(c) / math.Log1p(m.maxPop)
}

func (m *Model) trendFeature(q string) float64 {
	l, ok := m.trend[q]
	if !ok || len(m.trendTop) == 0 {
		return 0
	}
	return math.Exp2(l - m.trend[m.trendTop[0]])
}

// Event tokens for the sequence model: asks are seqrec.AskPrefix+question;
// other events give a coarse token "ev:type" and, when they carry
// categorical attributes, a specific one "ev:type|k=v,k=v" (sorted keys),
// which follows the coarse token so it counts as the more recent step.
const evPrefix = "ev:"

// freeAttrs are attributes too specific to learn from (amounts, free text).
var freeAttrs = map[string]bool{"amount": true, "query": true, "text": true}

// appendSteps appends e's tokens to dst and returns it.
func appendSteps(dst []seqrec.Step, e *Event) []seqrec.Step {
	t := e.Time.Unix()
	switch e.Type {
	case TypeAsk:
		return append(dst, seqrec.Step{Token: seqrec.AskPrefix + e.Question, Time: t})
	case TypeSearch:
		return append(dst, seqrec.Step{Token: evPrefix + TypeSearch, Time: t})
	}
	dst = append(dst, seqrec.Step{Token: evPrefix + e.Type, Time: t})
	if fine := fineToken(e); fine != "" {
		dst = append(dst, seqrec.Step{Token: fine, Time: t})
	}
	return dst
}

func fineToken(e *Event) string {
	if len(e.Attrs) == 0 {
		return ""
	}
	keys := make([]string, 0, len(e.Attrs))
	for k := range e.Attrs {
		if !freeAttrs[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(evPrefix)
	b.WriteString(e.Type)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('|')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(e.Attrs[k])
	}
	return b.String()
}
