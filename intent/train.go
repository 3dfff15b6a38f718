package intent

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/duxin-ai/duxin/tokenize"
)

// Train fits a [Model] to the examples: TF-IDF weighted tokenizer words,
// word pairs and character n-grams feed linear models (by default a softmax
// regression, one-vs-rest SVMs and naive Bayes, see [Solver]) whose
// confidences are calibrated by temperatures fitted on held-out examples.
// The options set [Features], [Learning] and [Decision]; without them Train
// uses the defaults. The package documentation describes the model and how
// the defaults were chosen.
//
// Examples with an empty text or intent are rejected with an [*ExampleError].
// Duplicates are kept (they weigh more); conflicting examples — the same text
// with two intents — are trained on as they are: call [Check] first to find
// and refuse them. tok must be the tokenizer the model will be loaded with
// (see [ReadModel]). Train checks ctx between passes and returns its error,
// wrapped, when it is done.
func Train(ctx context.Context, examples []Example, tok tokenize.Tokenizer, opts ...Option) (*Model, error) {
	if tok == nil {
		return nil, fmt.Errorf("%w: nil tokenizer", ErrBadOption)
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	fc := o.features.config()
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	for i, ex := range examples {
		if err := ex.validate(); err != nil {
			return nil, &ExampleError{File: ex.Source.File, Line: ex.Source.Line, Index: i, Field: err.field, Err: err.err}
		}
	}

	// Labels, sorted.
	labelSet := map[string]bool{}
	for _, ex := range examples {
		labelSet[ex.Intent] = true
	}
	labels := make([]string, 0, len(labelSet))
	for l := range labelSet {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	labelIdx := make(map[string]int32, len(labels))
	for i, l := range labels {
		labelIdx[l] = int32(i)
	}

	// Features.
	var ext extractor
	raws := make([][]rawFeature, len(examples))
	df := map[uint64]int{}
	for i, ex := range examples {
		r := ext.extract(&fc, tok, ex.Text)
		raws[i] = slices.Clone(r)
		for _, f := range r {
			df[f.key]++
		}
	}
	keys := make([]uint64, 0, len(df))
	for k, n := range df {
		if n >= o.features.MinCount {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	vocab := make(map[uint64]int32, len(keys))
	idf := make([]float32, len(keys))
	nDocs := float64(len(examples))
	for i, k := range keys {
		vocab[k] = int32(i)
		idf[i] = float32(math.Log((1+nDocs)/(1+float64(df[k]))) + 1)
	}
	xs := make([]vector, len(examples))
	ys := make([]int32, len(examples))
	for i := range examples {
		xs[i] = weigh(&fc, vocab, idf, raws[i], vector{})
		ys[i] = labelIdx[examples[i].Intent]
	}
	raws = nil

	m := &Model{
		labels:    labels,
		oos:       -1,
		features:  fc,
		keys:      keys,
		vocab:     vocab,
		idf:       idf,
		threshold: o.decision.Threshold,
		gap:       o.decision.MinGap,
		topK:      o.decision.TopK,
		tokID:     tokenize.IdentityOf(tok),
		tok:       tok,
		temp:      1,
	}
	if i, ok := labelIdx[o.decision.OutOfScopeLabel]; ok && o.decision.OutOfScopeLabel != "" {
		m.oos = int(i)
	}
	m.oosLabel = o.decision.OutOfScopeLabel
	m.init()

	// Each solver's model is trained on all examples (the final model) and,
	// to fit the temperatures, on the examples outside each calibration
	// group; a calibration run keeps only its scores of the held-out
	// examples. Runs are independent, so they go on in parallel, at most
	// GOMAXPROCS at a time to bound memory.
	nLabels := len(labels)
	groups := calibrationGroups(examples, o.learning.Holdout, o.learning.Seed)
	all := make([]int, len(examples))
	for i := range all {
		all[i] = i
	}
	solvers := []Solver{o.learning.Solver}
	if o.learning.Solver == Ensemble {
		solvers = []Solver{Softmax, SVM, NaiveBayes}
	}
	type run struct {
		solver Solver
		idx    []int     // examples trained on
		hold   []int     // held-out examples to score, nil for a final run
		out    *linear   // final runs only
		held   []float64 // calibration runs: len(hold) × nLabels scores
		err    error
	}
	// runs[g][s] trains solver s without group g; the last g is the final.
	runs := make([][]*run, len(groups)+1)
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for g := range runs {
		r0 := run{idx: all}
		if g < len(groups) {
			r0 = run{idx: groups[g].keep, hold: groups[g].hold}
		}
		for _, sv := range solvers {
			r := &run{solver: sv, idx: r0.idx, hold: r0.hold}
			runs[g] = append(runs[g], r)
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				l, err := o.learning.fit(ctx, r.solver, xs, ys, r.idx, len(keys), nLabels)
				if err != nil {
					r.err = err
					return
				}
				if r.hold == nil {
					r.out = l
					return
				}
				r.held = make([]float64, len(r.hold)*nLabels)
				for n, i := range r.hold {
					l.scores(xs[i], r.held[n*nLabels:(n+1)*nLabels])
				}
			}()
		}
	}
	wg.Wait()
	for _, rs := range runs {
		for _, r := range rs {
			if r.err != nil {
				return nil, r.err
			}
		}
	}
	var gold []int32
	for _, gr := range groups {
		for _, i := range gr.hold {
			gold = append(gold, ys[i])
		}
	}
	// heldScores returns expert s's held-out scores over all groups, each
	// divided by temp.
	heldScores := func(s int, temp float64) []float64 {
		var out []float64
		for g := range groups {
			for _, v := range runs[g][s].held {
				out = append(out, v/temp)
			}
		}
		return out
	}
	// Each expert's scores are divided by its own temperature and summed (a
	// product of calibrated experts); the sum gets a temperature too.
	temps := make([]float64, len(solvers))
	var sum []float64
	for s := range solvers {
		temps[s] = 1
		if len(groups) > 0 && len(solvers) > 1 {
			temps[s] = fitTemperature(heldScores(s, 1), gold, nLabels)
		}
		if len(groups) > 0 {
			h := heldScores(s, temps[s])
			if sum == nil {
				sum = h
			} else {
				for k, v := range h {
					sum[k] += v
				}
			}
		}
	}
	final := make([]*linear, len(solvers))
	for s, r := range runs[len(groups)] {
		final[s] = r.out
	}
	f := combine(final, temps)
	m.w, m.bias = f.w, f.bias
	if len(groups) > 0 {
		m.temp = fitTemperature(sum, gold, nLabels)
	}
	return m, nil
}

// calibrationGroup is a split of the examples for fitting temperatures.
type calibrationGroup struct{ keep, hold []int }

// crossFitBelow is the number of examples under which calibration
// cross-fits instead of holding out one slice: a 10% slice of a small set is
// too few examples to fit a temperature on.
const crossFitBelow = 3000

// calibrationGroups splits the examples by a seeded hash of their folded
// text, so copies of one text fall in one group. With frac 0 there are none.
// Small sets are split into round(1/frac) folds, each held out once (at most
// 10 and at least 2); larger ones hold out one slice of about frac.
func calibrationGroups(examples []Example, frac float64, seed uint64) []calibrationGroup {
	if frac <= 0 || len(examples) < 2 {
		return nil
	}
	folds := int(math.Round(1 / frac))
	folds = min(max(folds, 2), 10)
	part := make([]int, len(examples))
	for i, ex := range examples {
		h := hashString(fnvOffset^seed*0x9E3779B97F4A7C15, foldKey(ex.Text))
		h ^= h >> 29
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 32
		part[i] = int(float64(h&(1<<32-1)) / (1 << 32) * float64(folds))
	}
	n := folds
	if len(examples) >= crossFitBelow {
		n = 1
	}
	var groups []calibrationGroup
	for g := range n {
		var gr calibrationGroup
		for i, p := range part {
			if p == g {
				gr.hold = append(gr.hold, i)
			} else {
				gr.keep = append(gr.keep, i)
			}
		}
		if len(gr.hold) > 0 && len(gr.keep) > 0 {
			groups = append(groups, gr)
		}
	}
	return groups
}

// combine returns the linear model whose scores are the sum of each model's
// scores divided by its temperature.
func combine(ls []*linear, temps []float64) *linear {
	if len(ls) == 1 && temps[0] == 1 {
		return ls[0]
	}
	out := &linear{w: make([]float32, len(ls[0].w)), bias: make([]float32, len(ls[0].bias)), labels: ls[0].labels}
	for i, l := range ls {
		inv := 1 / temps[i]
		for k, v := range l.w {
			out.w[k] += float32(float64(v) * inv)
		}
		for k, v := range l.bias {
			out.bias[k] += float32(float64(v) * inv)
		}
	}
	return out
}

func (l *Learning) fit(ctx context.Context, solver Solver, xs []vector, ys []int32, idx []int, nFeatures, nLabels int) (*linear, error) {
	switch solver {
	case SVM:
		return fitSVM(ctx, xs, ys, idx, nFeatures, nLabels, l)
	case NaiveBayes:
		return fitNB(ctx, xs, ys, idx, nFeatures, nLabels)
	}
	return fit(ctx, xs, ys, idx, nFeatures, nLabels, l)
}

// nbSmoothing is the Lidstone pseudo-count added to every feature's mass in
// each label by [NaiveBayes]. The mass is TF-IDF weight, each example's
// vector of unit length, so it is a small fraction of one occurrence; 5-fold
// cross-validation on the training files of SMP2017 and Banking77 scored
// 0.0003 to 0.01 alike and 0.03 lower.
const nbSmoothing = 0.003

// fitNB fits multinomial naive Bayes to the examples at indexes idx. The
// weight of feature f for label c is ln((a + m_cf) / (a·F + m_c)), where m_cf
// is the summed weight of f in the examples of c, m_c their total weight, F
// the number of features and a is nbSmoothing; the bias is the add-one
// smoothed log prior of c. Scores are linear in x, so the model folds into
// the ensemble's weights like the others.
func fitNB(ctx context.Context, xs []vector, ys []int32, idx []int, nFeatures, nLabels int) (*linear, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("intent: train: %w", err)
	}
	l := &linear{w: make([]float32, nFeatures*nLabels), bias: make([]float32, nLabels), labels: nLabels}
	mass := make([]float64, nLabels)
	count := make([]float64, nLabels)
	for _, i := range idx {
		c := int(ys[i])
		count[c]++
		x := xs[i]
		for n, f := range x.idx {
			l.w[int(f)*nLabels+c] += x.val[n]
			mass[c] += float64(x.val[n])
		}
	}
	const a = nbSmoothing
	logMass := make([]float64, nLabels)
	for c, m := range mass {
		logMass[c] = math.Log(a*float64(nFeatures) + m)
	}
	for k, m := range l.w {
		l.w[k] = float32(math.Log(a+float64(m)) - logMass[k%nLabels])
	}
	for c, n := range count {
		l.bias[c] = float32(math.Log((n + 1) / (float64(len(idx)) + float64(nLabels))))
	}
	return l, nil
}

// linear is a multinomial linear model: scores = W·x + bias, with W stored
// feature-major (row f holds the weights of feature f for every label).
type linear struct {
	w      []float32
	bias   []float32
	labels int
}

func (l *linear) scores(x vector, dst []float64) {
	c := l.labels
	for j := range dst {
		dst[j] = float64(l.bias[j])
	}
	for k, f := range x.idx {
		v := float64(x.val[k])
		row := l.w[int(f)*c : int(f)*c+c]
		for j, wv := range row {
			dst[j] += v * float64(wv)
		}
	}
}

// fit trains a softmax regression with L2 regularisation by stochastic
// gradient descent on the examples at indexes idx. The weights are kept as
// scale·V so the L2 shrinkage of every step costs O(1) (Bottou's trick), and
// a step only touches the labels whose gradient is not negligible.
func fit(ctx context.Context, xs []vector, ys []int32, idx []int, nFeatures, nLabels int, o *Learning) (*linear, error) {
	c := nLabels
	v := make([]float32, nFeatures*c)
	bias := make([]float64, c)
	scale := 1.0
	rng := rand.New(rand.NewPCG(o.Seed, 0x6475786e))
	order := slices.Clone(idx)
	scores := make([]float64, c)
	active := make([]int, 0, c)
	grads := make([]float64, 0, c)
	lambda := o.L2
	t := 0.0
	for epoch := 0; epoch < o.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("intent: train: %w", err)
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x, y := xs[i], int(ys[i])
			lr := o.Rate / (1 + o.Rate*lambda*t)
			t++
			copy(scores, bias)
			for k, f := range x.idx {
				xv := float64(x.val[k]) * scale
				row := v[int(f)*c : int(f)*c+c]
				for j, wv := range row {
					scores[j] += xv * float64(wv)
				}
			}
			softmax(scores)
			active, grads = active[:0], grads[:0]
			for j, p := range scores {
				g := p
				if j == y {
					g -= 1
				}
				if g > 1e-4 || g < -1e-4 {
					active = append(active, j)
					grads = append(grads, g)
				}
			}
			if lambda > 0 {
				scale *= 1 - lr*lambda
			}
			for k, f := range x.idx {
				step := lr * float64(x.val[k]) / scale
				row := v[int(f)*c : int(f)*c+c]
				for a, j := range active {
					row[j] -= float32(step * grads[a])
				}
			}
			for a, j := range active {
				bias[j] -= lr * grads[a] * 0.1
			}
			if scale < 1e-3 {
				for k := range v {
					v[k] *= float32(scale)
				}
				scale = 1
			}
		}
	}
	l := &linear{w: make([]float32, len(v)), bias: make([]float32, c), labels: c}
	for k, wv := range v {
		l.w[k] = float32(float64(wv) * scale)
	}
	for j, b := range bias {
		l.bias[j] = float32(b)
	}
	return l, nil
}

// softmax turns scores into probabilities in place.
func softmax(s []float64) {
	mx := math.Inf(-1)
	for _, v := range s {
		mx = max(mx, v)
	}
	sum := 0.0
	for j, v := range s {
		e := math.Exp(v - mx)
		s[j] = e
		sum += e
	}
	for j := range s {
		s[j] /= sum
	}
}

// fitTemperature returns the temperature T that minimises the negative log
// likelihood of softmax(scores/T) on held-out examples — scores holds
// len(gold) rows of labels scores — by golden-section search over ln T in
// [ln 0.05, ln 20].
func fitTemperature(scores []float64, gold []int32, labels int) float64 {
	p := make([]float64, labels)
	nll := func(logT float64) float64 {
		t := math.Exp(logT)
		sum := 0.0
		for n := range gold {
			for j, s := range scores[n*labels : (n+1)*labels] {
				p[j] = s / t
			}
			softmax(p)
			sum -= math.Log(max(p[gold[n]], 1e-12))
		}
		return sum
	}
	lo, hi := math.Log(0.05), math.Log(20)
	const g = 0.6180339887498949
	a, b := hi-g*(hi-lo), lo+g*(hi-lo)
	fa, fb := nll(a), nll(b)
	for range 40 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - g*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + g*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// fitSVM trains one-vs-rest linear SVMs with the squared hinge loss by dual
// coordinate descent (Hsieh et al. 2008), one label at a time on up to
// GOMAXPROCS goroutines; each label's shuffle is seeded by (seed, label), so the result
// does not depend on scheduling. cost is the SVM's C; a constant feature of
// value 1 gives each label its bias.
func fitSVM(ctx context.Context, xs []vector, ys []int32, idx []int, nFeatures, nLabels int, o *Learning) (*linear, error) {
	l := &linear{w: make([]float32, nFeatures*nLabels), bias: make([]float32, nLabels), labels: nLabels}
	jobs := make(chan int)
	errs := make(chan error, nLabels)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), nLabels)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := make([]float64, nFeatures)
			alpha := make([]float64, len(idx))
			order := make([]int, len(idx))
			qd := make([]float64, len(idx)) // ||x||² + bias² + D
			for k, i := range idx {
				for _, v := range xs[i].val {
					qd[k] += float64(v) * float64(v)
				}
				qd[k] += 1 + 0.5/o.Cost
			}
			for c := range jobs {
				if err := ctx.Err(); err != nil {
					errs <- fmt.Errorf("intent: train: %w", err)
					continue
				}
				clear(w)
				clear(alpha)
				bias := 0.0
				for k := range order {
					order[k] = k
				}
				rng := rand.New(rand.NewPCG(o.Seed, uint64(c)))
				diag := 0.5 / o.Cost
				// liblinear's shrinking: an example at its bound (alpha 0)
				// whose gradient exceeds the largest projected gradient of
				// the previous pass leaves the active set; when the active
				// set has converged, one full pass confirms it.
				active := len(order)
				pgMaxOld := math.Inf(1)
				for iter := 0; iter < o.Epochs*10; iter++ {
					rng.Shuffle(active, func(i, j int) { order[i], order[j] = order[j], order[i] })
					pgMax, pgMin := math.Inf(-1), math.Inf(1)
					for s := 0; s < active; s++ {
						k := order[s]
						x := xs[idx[k]]
						y := -1.0
						if int(ys[idx[k]]) == c {
							y = 1
						}
						vals := x.val[:len(x.idx)]
						dot := bias
						for n, f := range x.idx {
							dot += float64(vals[n]) * w[f]
						}
						g := y*dot - 1 + diag*alpha[k]
						pg := g
						if alpha[k] == 0 {
							if g > pgMaxOld {
								active--
								order[s], order[active] = order[active], order[s]
								s--
								continue
							}
							pg = min(g, 0)
						}
						pgMax, pgMin = max(pgMax, pg), min(pgMin, pg)
						if math.Abs(pg) < 1e-12 {
							continue
						}
						old := alpha[k]
						alpha[k] = max(old-g/qd[k], 0)
						d := (alpha[k] - old) * y
						for n, f := range x.idx {
							w[f] += d * float64(vals[n])
						}
						bias += d
					}
					if pgMax-pgMin <= svmTolerance {
						if active == len(order) {
							break
						}
						active, pgMaxOld = len(order), math.Inf(1)
						continue
					}
					pgMaxOld = pgMax
					if pgMaxOld <= 0 {
						pgMaxOld = math.Inf(1)
					}
				}
				for f, v := range w {
					l.w[f*nLabels+c] = float32(v)
				}
				l.bias[c] = float32(bias)
			}
		}()
	}
	for c := range nLabels {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return l, nil
}

// svmTolerance stops dual coordinate descent when the projected gradients of
// a full pass span less than this.
const svmTolerance = 0.1
