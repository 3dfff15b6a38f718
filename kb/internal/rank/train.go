package rank

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// List is one training example: the features of its candidate texts
// (standardized during training) and which of them is the expected one,
// with what the models' features need: the query, the texts and the
// number of the example's Pair.
type List struct {
	x     [][numFeatures]float64
	pos   int
	q     *Analysis
	texts []*Text
	pair  int
}

// NewList returns the training list of a query prepared without a model
// (NewQuery(a, nil)) whose first-stage candidates are cands, the one at
// gold being the expected entry (-1: not a candidate), and whose best
// first-stage score is top; st are the Stats the texts are counted in
// (held still by the caller) and pair the number of the example's Pair.
// The expected entry contributes one text, the one the first stage liked
// best (the text the query paraphrases). Every text of the other entries is
// a negative, as a search scores an entry by its best text: a short similar
// question of a wrong entry must not outscore the right one. ok is false
// when the list cannot teach anything: no expected text, or nothing else.
func NewList(q *Query, cands []*Candidate, gold int, top float64, st *Stats, pair int) (l List, ok bool) {
	q.Prepare(st)
	l = List{pos: -1, q: q.a, pair: pair}
	for i, c := range cands {
		best := slices.Index(c.BM25, slices.Max(c.BM25))
		for k := range c.Texts {
			if i == gold {
				if k != best {
					continue
				}
				l.pos = len(l.x)
			}
			var x [numFeatures]float64
			q.features(&x, &c.Texts[k], k, c.BM25[k]/top, c.Rank, st)
			l.x = append(l.x, x)
			l.texts = append(l.texts, &c.Texts[k])
		}
	}
	return l, l.pos >= 0 && len(l.x) > 1
}

// TrainConfig sets Train's parameters, every one explicit (kb applies
// its defaults).
type TrainConfig struct {
	// Epochs is the number of passes of the linear or hidden-unit part
	// over the lists, L2 its weight decay, Hidden its number of hidden
	// units (0: linear), Seed the seed of the list order and the initial
	// weights.
	Epochs int
	L2     float64
	Hidden int
	Seed   uint64
	// Trees is the number of gradient-boosted trees fitted after, of
	// depth Depth, their leaves scaled by Shrinkage.
	Trees     int
	Depth     int
	Shrinkage float64
	// Associations and Contrast say whether to learn an association
	// table and a contrast model; their features are cross-fitted in
	// Folds folds.
	Associations, Contrast bool
	Folds                  int
	// Note is stored with the model.
	Note string
}

// Train learns a model from lists (which it does not change) and the
// pairs their examples name: first the association table and the
// contrast model, whose features in the lists are cross-fitted (each
// list's come from a model learned without its fold), then the linear or
// hidden-unit part (softmax cross-entropy of each list's expected text,
// Adam), then the trees. It returns the model and the mean loss over the
// lists; the model comes with an error when Check finds it meaningless.
func Train(ctx context.Context, lists []List, pairs []Pair, cfg TrainConfig) (*Model, float64, error) {
	if len(lists) == 0 {
		return nil, 0, errors.New("no example's entry is among its candidates")
	}
	own := make([]List, len(lists))
	for i, l := range lists {
		own[i] = List{x: slices.Clone(l.x), pos: l.pos, q: l.q, texts: l.texts, pair: l.pair}
	}
	lists = own
	m := newModel(cfg.Note)
	k := max(cfg.Folds, 1)
	if cfg.Associations {
		a, err := crossFitAssoc(ctx, lists, pairs, k)
		if err != nil {
			return nil, 0, err
		}
		m.assoc = a
	}
	if cfg.Contrast {
		c, err := crossFitContrast(ctx, lists, k, cfg.Seed)
		if err != nil {
			return nil, 0, err
		}
		m.contrast = c
	}
	standardize(m, lists)
	loss, err := fit(ctx, m, lists, cfg)
	if err != nil {
		return nil, 0, err
	}
	if cfg.Trees > 0 {
		if err := fitTrees(ctx, m, lists, cfg); err != nil {
			return nil, 0, err
		}
		loss = listLoss(m, lists)
	}
	m.compile()
	return m, loss, m.Check()
}

// crossFitAssoc fills the association features of lists, each from a table
// learned on the pairs of the other folds, and returns the table learned
// on all pairs.
func crossFitAssoc(ctx context.Context, lists []List, pairs []Pair, k int) (*assoc, error) {
	learn := func(skip int) (*assoc, error) {
		var use []Pair
		for _, p := range pairs {
			if skip < 0 || p.fold(k) != skip {
				use = append(use, p)
			}
		}
		return learnAssocPairs(ctx, use)
	}
	fold := func(i int) int { return pairs[lists[i].pair].fold(k) }
	fill := func(i int, a *assoc) { lists[i].fillAssoc(a) }
	return crossFit(k, len(lists), fold, learn, fill)
}

// fold is the fold of k of pair p: a hash of its query's words, so that
// copies of an example (a domain mix added several times, a question
// asked twice) share a fold. Folds by number put the copies in different
// folds, and the table that filled an example's features would have seen
// the very same pair.
func (p *Pair) fold(k int) int { return foldOf(p.words[0], k) }

// crossFit is k-fold cross-fitting of a model that computes features of n
// lists: fold(i) is list i's fold, learn(f) learns a model from the
// training data outside fold f (f < 0: from all of it), and fill(i, m)
// computes list i's features with m. Each list's features come from the
// model learned without its fold; a nil model (nothing outside the fold to
// learn from) leaves that fold's features 0. crossFit returns the model
// learned from all data; with k <= 1 that model fills every list.
func crossFit[M any](k, n int, fold func(i int) int, learn func(skip int) (*M, error), fill func(i int, m *M)) (*M, error) {
	if k > 1 {
		for f := range k {
			m, err := learn(f)
			if err != nil {
				return nil, err
			}
			if m == nil {
				continue
			}
			for i := range n {
				if fold(i) == f {
					fill(i, m)
				}
			}
		}
	}
	m, err := learn(-1)
	if err != nil || m == nil {
		return m, err
	}
	if k <= 1 {
		for i := range n {
			fill(i, m)
		}
	}
	return m, nil
}

// foldOf is the fold of k of an example whose query has the words ws.
func foldOf(ws []string, k int) int {
	h := fnv.New32a()
	for _, w := range ws {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return int(h.Sum32() % uint32(k))
}

// fillAssoc computes l's association features with table a.
func (l *List) fillAssoc(a *assoc) {
	aq := a.query(l.q)
	for j, t := range l.texts {
		aq.textFeatures(l.x[j][:], t)
	}
}

// standardize sets m's means and scales from the training features and
// rewrites them in standard units.
func standardize(m *Model, lists []List) {
	var sum, sq [numFeatures]float64
	n := 0.0
	for _, l := range lists {
		for _, x := range l.x {
			for i, v := range x {
				sum[i] += v
				sq[i] += v * v
			}
			n++
		}
	}
	for i := range numFeatures {
		mean := sum[i] / n
		sd := math.Sqrt(math.Max(sq[i]/n-mean*mean, 0))
		if sd < 1e-9 {
			sd = 1
		}
		m.mean[i], m.scale[i] = mean, sd
	}
	for _, l := range lists {
		for j := range l.x {
			for i := range numFeatures {
				l.x[j][i] = (l.x[j][i] - m.mean[i]) / m.scale[i]
			}
		}
	}
}

// fit learns r's weights with Adam on the softmax cross-entropy of each
// list's positive, one list per step, lists shuffled every epoch.
func fit(ctx context.Context, r *Model, lists []List, cfg TrainConfig) (float64, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6b62))
	H := cfg.Hidden
	// Parameters: w (numFeatures), then per hidden unit: numFeatures weights, bias, out.
	np := numFeatures + H*(numFeatures+2)
	p := make([]float64, np)
	for h := range H {
		base := numFeatures + h*(numFeatures+2)
		for i := range numFeatures {
			p[base+i] = rng.NormFloat64() * 0.3
		}
		p[base+numFeatures+1] = rng.NormFloat64() * 0.1
	}
	grad := make([]float64, np)
	m1 := make([]float64, np)
	m2 := make([]float64, np)
	const lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
	order := make([]int, len(lists))
	for i := range order {
		order[i] = i
	}
	step := 0
	var loss float64
	var scores, act []float64
	for epoch := range cfg.Epochs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		loss = 0
		rate := lr / (1 + float64(epoch)/10)
		for _, li := range order {
			l := &lists[li]
			scores = scores[:0]
			act = act[:0]
			for _, x := range l.x {
				s := 0.0
				for i := range numFeatures {
					s += p[i] * x[i]
				}
				for h := range H {
					base := numFeatures + h*(numFeatures+2)
					a := p[base+numFeatures]
					for i := range numFeatures {
						a += p[base+i] * x[i]
					}
					t := math.Tanh(a)
					act = append(act, t)
					s += p[base+numFeatures+1] * t
				}
				scores = append(scores, s)
			}
			mx := slices.Max(scores)
			z := 0.0
			for _, s := range scores {
				z += math.Exp(s - mx)
			}
			loss += math.Log(z) - (scores[l.pos] - mx)
			clear(grad)
			for j, x := range l.x {
				d := math.Exp(scores[j]-mx) / z // dL/ds_j
				if j == l.pos {
					d--
				}
				for i := range numFeatures {
					grad[i] += d * x[i]
				}
				for h := range H {
					base := numFeatures + h*(numFeatures+2)
					t := act[j*H+h]
					o := p[base+numFeatures+1]
					grad[base+numFeatures+1] += d * t
					da := d * o * (1 - t*t)
					grad[base+numFeatures] += da
					for i := range numFeatures {
						grad[base+i] += da * x[i]
					}
				}
			}
			step++
			c1 := 1 - math.Pow(b1, float64(step))
			c2 := 1 - math.Pow(b2, float64(step))
			for i := range p {
				gi := grad[i] + cfg.L2*p[i]
				m1[i] = b1*m1[i] + (1-b1)*gi
				m2[i] = b2*m2[i] + (1-b2)*gi*gi
				p[i] -= rate * (m1[i] / c1) / (math.Sqrt(m2[i]/c2) + eps)
			}
		}
		loss /= float64(len(lists))
	}
	copy(r.w[:], p[:numFeatures])
	r.hidden = make([][numFeatures]float64, H)
	r.hbias = make([]float64, H)
	r.out = make([]float64, H)
	for h := range H {
		base := numFeatures + h*(numFeatures+2)
		copy(r.hidden[h][:], p[base:base+numFeatures])
		r.hbias[h] = p[base+numFeatures]
		r.out[h] = p[base+numFeatures+1]
	}
	return loss, nil
}

// listLoss is the mean softmax cross-entropy of r on standardized lists.
func listLoss(r *Model, lists []List) float64 {
	loss := 0.0
	var s []float64
	for i := range lists {
		l := &lists[i]
		s = s[:0]
		for j := range l.x {
			v := r.linearScore(&l.x[j])
			for k := range r.trees {
				v += r.trees[k].eval(&l.x[j])
			}
			s = append(s, v)
		}
		mx := slices.Max(s)
		z := 0.0
		for _, v := range s {
			z += math.Exp(v - mx)
		}
		loss += math.Log(z) - (s[l.pos] - mx)
	}
	return loss / float64(len(lists))
}

// roundSig rounds w to the given number of significant digits. The
// association tables' JSON form writes probabilities so rounded, so they
// are rounded when learned and a written ranker scores exactly as the
// learned one did; the contrast weights are rounded only to keep the file
// small (their JSON form is exact).
func roundSig(w float64, digits int) float64 {
	if w == 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return w
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(w, 'g', digits, 64), 64)
	return v
}
