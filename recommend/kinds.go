package recommend

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/duxin-ai/duxin/internal/needs"
)

// The kind of user: a mixture model over users' logs, each of kindCount
// kinds a distribution over words — the questions a user asks ("a:q") and
// the types of their events ("e:type", counted kindEventWeight each, so
// that the many events of an active user do not outvote their asks). A
// user's earlier words give a posterior over the kinds, and that a
// probability for each question; its excess over the question's usual
// share is Kind evidence of the need model ([needs.Kind]), which learns
// one weight for it. A user with no history gets the prior: no excess.
const (
	kindCount       = 8
	kindIterations  = 40
	kindEventWeight = 0.2
	kindSmooth      = 0.1 // pseudo-count per word and kind
	kindMinExcess   = 0.002
	maxKinds        = 64 // in a model file
	// kindMinUsers is the fewest users the mixture is trained on: on
	// simulated logs of 300 users it overfits (full HR@10 0.625 without,
	// 0.610 with, mean of four seeds); at 2,000 it is neutral (0.786
	// either way); on helpcenter-live's 8,000 it adds 0.003 (tune half).
	kindMinUsers = 1000
)

// kinds is a trained mixture of users.
type kinds struct {
	words    map[string]int32 // word → id
	logPrior []float64        // by kind
	logPhi   []float64        // word × kind: log P(word | kind)
	asks     []int32          // the ask words, by question index
	askQ     []string         // their questions
	askP     []float64        // question × kind: P(question | kind, an ask)
}

// kindWord returns e's word and weight, ok false for an event that is no
// evidence of the kind (a visit, a state).
func kindWord(kr *keyer, e *Event) ([]byte, float64, bool) {
	switch {
	case e.Type == TypeAsk:
		kr.key = append(append(kr.key[:0], "a:"...), e.Question...)
		return kr.key, 1, true
	case e.Type == TypeOpen || isState(e.Type):
		return nil, 0, false
	}
	kr.key = append(append(kr.key[:0], "e:"...), e.Type...)
	return kr.key, kindEventWeight, true
}

// trainKinds fits the mixture to users' logs by EM from responsibilities
// drawn with seed; nil for fewer than kindMinUsers users.
func trainKinds(users [][]Event, seed uint64) *kinds {
	if len(users) < kindMinUsers {
		return nil
	}
	k := &kinds{words: map[string]int32{}}
	type wc struct {
		w int32
		n float64
	}
	docs := make([][]wc, len(users))
	var kr keyer
	for ui, u := range users {
		idx := map[int32]int{}
		for i := range u {
			key, x, ok := kindWord(&kr, &u[i])
			if !ok {
				continue
			}
			id, seen := k.words[string(key)]
			if !seen {
				id = int32(len(k.words))
				k.words[string(key)] = id
			}
			if j, ok := idx[id]; ok {
				docs[ui][j].n += x
			} else {
				idx[id] = len(docs[ui])
				docs[ui] = append(docs[ui], wc{id, x})
			}
		}
	}
	nw, K := len(k.words), kindCount
	r := rand.New(rand.NewPCG(seed, 0x6b696e64))
	resp := make([]float64, len(users)*K)
	for i := range resp {
		resp[i] = 0.5 + r.Float64()
	}
	phi := make([]float64, nw*K)
	prior := make([]float64, K)
	for it := 0; it <= kindIterations; it++ {
		// M step.
		for i := range phi {
			phi[i] = kindSmooth
		}
		clear(prior)
		for ui, d := range docs {
			rz := resp[ui*K : (ui+1)*K]
			s := 0.0
			for _, x := range rz {
				s += x
			}
			for z := range K {
				rz[z] /= s
				prior[z] += rz[z]
			}
			for _, c := range d {
				for z := range K {
					phi[int(c.w)*K+z] += rz[z] * c.n
				}
			}
		}
		tot := make([]float64, K)
		for w := range nw {
			for z := range K {
				tot[z] += phi[w*K+z]
			}
		}
		for w := range nw {
			for z := range K {
				phi[w*K+z] = math.Log(phi[w*K+z] / tot[z])
			}
		}
		for z := range K {
			prior[z] = math.Log(prior[z] / float64(len(users)))
		}
		if it == kindIterations {
			break
		}
		// E step.
		for ui, d := range docs {
			rz := resp[ui*K : (ui+1)*K]
			copy(rz, prior)
			for _, c := range d {
				for z := range K {
					rz[z] += c.n * phi[int(c.w)*K+z]
				}
			}
			softmax(rz)
		}
	}
	words := make([]string, nw)
	for key, id := range k.words {
		words[id] = key
	}
	return newKinds(words, prior, phi)
}

// newKinds returns the mixture of words with log priors and log P(word |
// kind) (word × kind), its ask distributions derived.
func newKinds(words []string, logPrior, logPhi []float64) *kinds {
	K := len(logPrior)
	k := &kinds{words: make(map[string]int32, len(words)), logPrior: logPrior, logPhi: logPhi}
	for id, key := range words {
		k.words[key] = int32(id)
		if q, ok := strings.CutPrefix(key, "a:"); ok {
			k.asks = append(k.asks, int32(id))
			k.askQ = append(k.askQ, q)
		}
	}
	nq := len(k.asks)
	k.askP = make([]float64, nq*K)
	for z := range K {
		s := 0.0
		for qi, w := range k.asks {
			x := math.Exp(logPhi[int(w)*K+z])
			k.askP[qi*K+z] = x
			s += x
		}
		for qi := range nq {
			k.askP[qi*K+z] /= s
		}
	}
	return k
}

// kindsFile is the mixture in a model file.
type kindsFile struct {
	Words []string  `json:"words"`
	Prior []float64 `json:"log_prior"` // by kind
	Phi   []float64 `json:"log_phi"`   // word × kind
}

func (k *kinds) file() *kindsFile {
	if k == nil {
		return nil
	}
	words := make([]string, len(k.words))
	for key, id := range k.words {
		words[id] = key
	}
	return &kindsFile{Words: words, Prior: k.logPrior, Phi: k.logPhi}
}

// kindsOf checks a model file's mixture and returns it (nil: none).
func kindsOf(f *kindsFile) (*kinds, error) {
	if f == nil {
		return nil, nil
	}
	K := len(f.Prior)
	if K < 1 || K > maxKinds || len(f.Phi) != K*len(f.Words) {
		return nil, fmt.Errorf("kinds of user: %d kinds, %d words, %d weights", K, len(f.Words), len(f.Phi))
	}
	seen := make(map[string]bool, len(f.Words))
	for _, w := range f.Words {
		if seen[w] || w == "" {
			return nil, fmt.Errorf("kinds of user: word %q twice or empty", w)
		}
		seen[w] = true
	}
	for _, x := range append(slices.Clone(f.Prior), f.Phi...) {
		if !(x <= 0) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("kinds of user: log-probability %v", x)
		}
	}
	return newKinds(f.Words, f.Prior, f.Phi), nil
}

// softmax turns log weights into probabilities, in place.
func softmax(x []float64) {
	m := slices.Max(x)
	s := 0.0
	for i := range x {
		x[i] = math.Exp(x[i] - m)
		s += x[i]
	}
	for i := range x {
		x[i] /= s
	}
}

// posterior sets post (len kindCount) to P(kind | hist); ok is false when
// hist holds no word the model knows (the prior holds: no evidence).
func (k *kinds) posterior(kr *keyer, hist []Event, post []float64) bool {
	copy(post, k.logPrior)
	any := false
	for i := range hist {
		key, x, ok := kindWord(kr, &hist[i])
		if !ok {
			continue
		}
		w, known := k.words[string(key)]
		if !known {
			continue
		}
		any = true
		k.addWord(post, w, x)
	}
	return finishPosterior(post, any)
}

// addWord adds x occurrences of word w to the log-posterior post.
func (k *kinds) addWord(post []float64, w int32, x float64) {
	for z := range post {
		post[z] += x * k.logPhi[int(w)*len(post)+z]
	}
}

// finishPosterior turns the log-posterior post into probabilities when any word
// was added, and reports whether one was.
func finishPosterior(post []float64, any bool) bool {
	if !any {
		return false
	}
	softmax(post)
	return true
}

// kindsView is a mixture aligned with a need model and usual shares: by
// ask question, its need-model target (-1: unknown) and usual share; and
// the questions that can give evidence at all — those whose probability
// under some kind passes their usual share by kindMinExcess (a posterior
// mixes the kinds, so no user's probability is higher) — which on a
// catalog of 20,000 questions are a few hundred.
type kindsView struct {
	k     *kinds
	tgt   []int32
	share []float64
	cand  []int32 // question indices
}

// view aligns k with the need model behind sink and the usual shares.
func (k *kinds) view(share func(string) float64, sink causeSink) *kindsView {
	if k == nil {
		return nil
	}
	v := &kindsView{k: k, tgt: make([]int32, len(k.askQ)), share: make([]float64, len(k.askQ))}
	for qi, q := range k.askQ {
		v.tgt[qi] = -1
		if t, ok := sink.target(q); ok {
			v.tgt[qi] = t
		}
		v.share[qi] = share(q)
		if v.tgt[qi] >= 0 && slices.Max(k.askP[qi*len(k.logPrior):(qi+1)*len(k.logPrior)])-v.share[qi] >= kindMinExcess {
			v.cand = append(v.cand, int32(qi))
		}
	}
	return v
}

// evidence appends the Kind evidence of a user whose kinds' posterior is
// post: each question whose probability under it passes its usual share
// by kindMinExcess or more, by the excess; in target order.
func (v *kindsView) evidence(dst []needs.Evidence, post []float64) []needs.Evidence {
	n := len(dst)
	k, K := v.k, len(post)
	for _, qi := range v.cand {
		t := v.tgt[qi]
		p := 0.0
		for z, x := range k.askP[int(qi)*K : int(qi+1)*K] {
			p += post[z] * x
		}
		if x := p - v.share[qi]; x >= kindMinExcess {
			dst = append(dst, needs.Evidence{Cause: needs.Kind, About: t, Value: x})
		}
	}
	slices.SortFunc(dst[n:], func(a, b needs.Evidence) int { return cmp.Compare(a.About, b.About) })
	return dst
}
