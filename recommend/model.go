package recommend

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/duxin-ai/duxin/internal/needs"
	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/internal/topk"
)

// Weights are the coefficients of the scoring features; a suggestion's score
// is the weighted sum of its features, each in [0, 1]:
//
//   - Trigger: the knowledge base's trigger rules matched by the user's
//     recent events, by rule weight, decaying linearly to half at the end
//     of the rule's window (several matches combine as a noisy-or).
//   - Learned: the learned need model's probability of the question given
//     the user's recent events, asks, profile and the visit's context,
//     relative to the most probable question.
//   - Sequence: the learned sequence model's score from the order of the
//     user's recent events and asks, relative to the best-scoring question.
//   - Popular: how often the question was asked (log scale, relative to
//     the most asked).
//   - Trending: asks decayed with a half-life (relative to the top).
//   - History: the user asked this question before (decaying over a week).
//   - Related: the knowledge base lists it as related to a question the
//     user recently asked.
//   - Search: it matched a search the user recently typed.
type Weights struct {
	Trigger  float64 `json:"trigger"`
	Learned  float64 `json:"learned"`
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
	return Weights{Trigger: 1, Learned: 1, Sequence: 1, Popular: 0.2, Trending: 0.1, History: 0.1, Related: 0.3, Search: 0.8}
}

const nFeat = 8

const (
	fTrigger = iota
	fLearned
	fSequence
	fPopular
	fTrending
	fHistory
	fRelated
	fSearch
)

type feat [nFeat]float64

func (w Weights) vec() feat {
	return feat{w.Trigger, w.Learned, w.Sequence, w.Popular, w.Trending, w.History, w.Related, w.Search}
}

func weightsOf(v feat) Weights {
	return Weights{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}
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

// Model is what [Train] learns from a behavior log: the need model (which
// events raise which questions, how strongly and for how long; what the
// visit's context and the user's profile say), the sequence model, ask
// counts and trends, and the feature weights. A Model is immutable and
// safe for concurrent use: an [Engine] reads the one it was given until
// [Engine.SetModel] swaps in another, and learns nothing online — a host
// retrains from its log on a schedule (see the package documentation).
type Model struct {
	weights Weights
	needs   *needs.Model // nil in an empty model
	schema  schema
	clock   *clock // nil: the need model reads no clock
	kinds   *kinds // nil: no kinds of user
	// kindsView is kinds aligned with needs and pop (see setKinds).
	kindsView *kindsView
	seq       *seqrec.Model
	halfLife  float64            // trending half-life, seconds
	pop       map[string]float64 // question → ask count
	popTop    []string           // most asked first, ties by id
	trend     map[string]float64 // question → log2(decayed count) + t/halfLife
	trendTop  []string
	maxPop    float64
	popTotal  float64 // Σ pop
	info      ModelInfo

	resolved resolvedCache // what the events requests meet give needs
}

// ModelInfo identifies a model and summarises what it was trained on.
type ModelInfo struct {
	// ID is the hex SHA-256 of the model's content (its file without the
	// header): equal models have equal IDs, and a file read back has the
	// ID of the model written.
	ID string `json:"id"`
	// TrainedAt is when [Train] built it (its clock; see
	// TrainOptions.Now); zero for an empty model.
	TrainedAt time.Time `json:"trained_at"`
	// Events, Users and Asks count the training log (Users estimated
	// from the sample when the log was sampled); Questions the distinct
	// questions asked in it; Cases the asks the need model was fitted on.
	Events    int `json:"events"`
	Users     int `json:"users"`
	Asks      int `json:"asks"`
	Questions int `json:"questions"`
	Cases     int `json:"cases"`
	// SampledUsers and SampledEvents are the users and events the models
	// learned from when the log outgrew TrainOptions.MemoryBudget (see
	// [TrainStream]); zero when every event was used.
	SampledUsers  int `json:"sampled_users,omitempty"`
	SampledEvents int `json:"sampled_events,omitempty"`
}

// Info returns the model's identity and training summary.
func (m *Model) Info() ModelInfo { return m.info }

// Weights returns the model's feature weights.
func (m *Model) Weights() Weights { return m.weights }

// Asks returns how many ask events the model learned from.
func (m *Model) Asks() int64 { return int64(m.info.Asks) }

// count adds one ask of q at t to the popularity and trending counts.
func (m *Model) count(q string, t time.Time) {
	m.pop[q]++
	m.maxPop = max(m.maxPop, m.pop[q])
	ts := float64(t.Unix()) / m.halfLife
	if l, ok := m.trend[q]; ok {
		// log2(2^l + 2^ts) without overflow.
		hi, lo := max(l, ts), min(l, ts)
		m.trend[q] = hi + math.Log2(1+math.Exp2(lo-hi))
	} else {
		m.trend[q] = ts
	}
}

// setKinds gives the model its kinds of user (nil: none), aligned with its
// need model and counts, which must be set.
func (m *Model) setKinds(k *kinds) {
	m.kinds, m.kindsView = k, nil
	if k != nil && m.needs != nil {
		m.kindsView = k.view(m.share, modelSink{m.needs})
	} else {
		m.kinds = nil
	}
}

// rank sets popTop and trendTop from the counts.
func (m *Model) rank() {
	m.popTop = topOf(m.pop)
	m.trendTop = topOf(m.trend)
	m.maxPop, m.popTotal = 0, 0
	for _, c := range m.pop {
		m.maxPop = max(m.maxPop, c)
		m.popTotal += c
	}
}

// topOf returns the topK keys of score with the highest values, best
// first, ties by key.
func topOf(score map[string]float64) []string {
	return topk.Select(slices.Collect(maps.Keys(score)), topK, func(a, b string) bool {
		if score[a] != score[b] {
			return score[a] > score[b]
		}
		return a < b
	})
}

// popFeature and trendFeature are the popularity and trending features of q.
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
// attributes the schema uses, a specific one "ev:type|k=v,k=v" (sorted
// keys), which follows the coarse token so it counts as the more recent
// step. Visits (TypeOpen) and states (profile.*) are not steps.
const evPrefix = "ev:"

// stepTokens calls emit with e's sequence tokens, built in kr's buffer
// (valid only during the call).
func (s schema) stepTokens(kr *keyer, e *Event, emit func(tok []byte)) {
	switch {
	case e.Type == TypeAsk:
		kr.key = append(append(kr.key[:0], seqrec.AskPrefix...), e.Question...)
		emit(kr.key)
		return
	case e.Type == TypeSearch:
		kr.key = append(append(kr.key[:0], evPrefix...), TypeSearch...)
		emit(kr.key)
		return
	case e.Type == TypeOpen || isState(e.Type):
		return
	}
	kr.key = append(append(kr.key[:0], evPrefix...), e.Type...)
	emit(kr.key)
	if len(e.Attrs) == 0 {
		return
	}
	kr.key = append(kr.key, '|')
	n := len(kr.key)
	for _, k := range kr.sortedNames(e.Attrs) {
		if len(kr.key) > n {
			kr.key = append(kr.key, ',')
		}
		var ok bool
		if kr.key, ok = s.appendAttrValue(kr.key, kr, e.Type, k, e.Attrs[k]); !ok && len(kr.key) > n && kr.key[len(kr.key)-1] == ',' {
			kr.key = kr.key[:len(kr.key)-1]
		}
	}
	if len(kr.key) > n {
		emit(kr.key)
	}
}

// appendSteps appends e's tokens to dst as new strings, for training.
func (s schema) appendSteps(dst []seqrec.Step, kr *keyer, e *Event) []seqrec.Step {
	t := e.Time.Unix()
	s.stepTokens(kr, e, func(tok []byte) { dst = append(dst, seqrec.Step{Token: string(tok), Time: t}) })
	return dst
}

// unknownToken stands for a step the sequence model does not know: it
// keeps the step's position and adds nothing.
const unknownToken = "ev:?"

// appendKnownSteps appends e's tokens to dst as the sequence model's own
// strings (unknown ones as unknownToken), for serving: no allocation.
func (s schema) appendKnownSteps(dst []seqrec.Step, kr *keyer, e *Event, m *seqrec.Model) []seqrec.Step {
	t := e.Time.Unix()
	s.stepTokens(kr, e, func(tok []byte) {
		str, ok := m.Token(tok)
		if !ok {
			str = unknownToken
		}
		dst = append(dst, seqrec.Step{Token: str, Time: t})
	})
	return dst
}
