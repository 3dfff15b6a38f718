package intent

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/duxin-ai/duxin/tokenize"
)

// Option configures [Train].
type Option func(*options)

type options struct {
	seed      uint64
	epochs    int
	l2        float64
	rate      float64
	holdout   float64
	threshold float64
	gap       float64
	oos       string
	topK      int
	features  featureConfig
	minCount  int
}

// The defaults were chosen on held-out slices of training files only
// (CLINC150, Banking77, SMP2017, InsuranceQA-zh; see the package doc).
func defaultOptions() options {
	return options{
		seed:      1,
		epochs:    10,
		l2:        1e-5,
		rate:      1,
		holdout:   0.1,
		threshold: 0.3,
		gap:       0,
		oos:       "oos",
		topK:      5,
		features:  featureConfig{WordBigrams: true, CharMin: 1, CharMax: 4, CharWeight: 0.5},
		minCount:  1,
	}
}

func (o *options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadOption}, args...)...))
	}
	if o.epochs < 1 {
		bad("epochs %d < 1", o.epochs)
	}
	if !(o.l2 >= 0) || math.IsInf(o.l2, 0) {
		bad("l2 %v not a finite number >= 0", o.l2)
	}
	if !(o.rate > 0) || math.IsInf(o.rate, 0) {
		bad("learning rate %v not a finite number > 0", o.rate)
	}
	if !(o.holdout >= 0 && o.holdout < 0.5) {
		bad("holdout %v not in [0, 0.5)", o.holdout)
	}
	if !(o.threshold >= 0 && o.threshold <= 1) {
		bad("threshold %v not in [0, 1]", o.threshold)
	}
	if !(o.gap >= 0 && o.gap <= 1) {
		bad("gap %v not in [0, 1]", o.gap)
	}
	if o.topK < 1 {
		bad("top k %d < 1", o.topK)
	}
	f := o.features
	if f.CharMin < 0 || f.CharMax < f.CharMin || f.CharMax > 8 {
		bad("character n-gram range [%d, %d] not within [1, 8]", f.CharMin, f.CharMax)
	}
	if !(f.CharWeight >= 0 && f.CharWeight <= 1) {
		bad("character weight %v not in [0, 1]", f.CharWeight)
	}
	if o.minCount < 1 {
		bad("minimum count %d < 1", o.minCount)
	}
	return errors.Join(errs...)
}

// WithSeed sets the seed of the example shuffling and the calibration
// split; the default is 1. Training is deterministic: the same examples,
// tokenizer, options and seed give a byte-identical model file.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// WithEpochs sets the number of passes of stochastic gradient descent over
// the examples; the default is 10.
func WithEpochs(n int) Option { return func(o *options) { o.epochs = n } }

// WithL2 sets the L2 regularisation strength per example; the default is 1e-5.
func WithL2(lambda float64) Option { return func(o *options) { o.l2 = lambda } }

// WithLearningRate sets the initial learning rate; the default is 1.
func WithLearningRate(r float64) Option { return func(o *options) { o.rate = r } }

// WithHoldout sets the fraction of examples, in [0, 0.5), held out to fit
// the confidence temperature; the default is 0.1. The final model is trained
// on all examples. 0 skips calibration (temperature 1).
func WithHoldout(frac float64) Option { return func(o *options) { o.holdout = frac } }

// WithThreshold sets the confidence, in [0, 1], below which the top
// prediction is reported as [LowConfidence]; the default is 0.3.
func WithThreshold(t float64) Option { return func(o *options) { o.threshold = t } }

// WithMinGap sets the smallest difference, in [0, 1], between the top two
// confidences for a match; closer calls are [Ambiguous]. The default is 0
// (off).
func WithMinGap(g float64) Option { return func(o *options) { o.gap = g } }

// WithOutOfScopeLabel sets the label of out-of-scope examples; the default
// is "oos". Examples with this label train an explicit class, reported as
// [OutOfScope].
func WithOutOfScopeLabel(label string) Option { return func(o *options) { o.oos = label } }

// WithTopK sets how many predictions a [Result] carries; the default is 5.
func WithTopK(k int) Option { return func(o *options) { o.topK = k } }

// WithCharNGrams sets the lengths, in runes, of the character n-grams taken
// from each folded word (a run of Han characters counts as one word); the
// default is 1 to 4. WithCharNGrams(0, 0) uses tokenizer words only.
func WithCharNGrams(min, max int) Option {
	return func(o *options) { o.features.CharMin, o.features.CharMax = min, max }
}

// WithCharWeight sets the share, in [0, 1], of the character n-grams in the
// squared norm of each feature vector (the rest goes to words and word
// pairs); the default is 0.5.
func WithCharWeight(w float64) Option { return func(o *options) { o.features.CharWeight = w } }

// WithoutWordPairs leaves out the pairs of consecutive tokens, which are
// features by default.
func WithoutWordPairs() Option { return func(o *options) { o.features.WordBigrams = false } }

// WithMinCount drops features seen in fewer than n training examples; the
// default is 1 (keep all).
func WithMinCount(n int) Option { return func(o *options) { o.minCount = n } }

// Train fits a [Model] to the examples: TF-IDF weighted tokenizer words,
// word pairs and character n-grams feed a softmax regression with L2
// regularisation, trained by stochastic gradient descent; its confidences
// are calibrated by a temperature fitted on a held-out slice.
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
		r := ext.extract(&o.features, tok, ex.Text)
		raws[i] = slices.Clone(r)
		for _, f := range r {
			df[f.key]++
		}
	}
	keys := make([]uint64, 0, len(df))
	for k, n := range df {
		if n >= o.minCount {
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
		xs[i] = weigh(&o.features, vocab, idf, raws[i], vector{})
		ys[i] = labelIdx[examples[i].Intent]
	}
	raws = nil

	m := &Model{
		labels:    labels,
		oos:       -1,
		features:  o.features,
		keys:      keys,
		vocab:     vocab,
		idf:       idf,
		threshold: o.threshold,
		gap:       o.gap,
		topK:      o.topK,
		tokID:     tokenize.IdentityOf(tok),
		tok:       tok,
		temp:      1,
	}
	if i, ok := labelIdx[o.oos]; ok && o.oos != "" {
		m.oos = int(i)
	}
	m.oosLabel = o.oos
	m.init()

	// The calibration model (trained without the held-out slice) and the
	// final model are independent: train them at the same time.
	var (
		wg      sync.WaitGroup
		calErr  error
		hold    []int
		calib   *linear
		nLabels = len(labels)
	)
	if o.holdout > 0 {
		var keep []int
		keep, hold = splitHoldout(examples, o.holdout, o.seed)
		if len(hold) > 0 && len(keep) > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				calib, calErr = fit(ctx, xs, ys, keep, len(keys), nLabels, &o)
			}()
		} else {
			hold = nil
		}
	}
	all := make([]int, len(examples))
	for i := range all {
		all[i] = i
	}
	final, err := fit(ctx, xs, ys, all, len(keys), nLabels, &o)
	wg.Wait()
	if err == nil {
		err = calErr
	}
	if err != nil {
		return nil, err
	}
	m.w, m.bias = final.w, final.bias
	if calib != nil {
		m.temp = fitTemperature(calib, xs, ys, hold)
	}
	return m, nil
}

// splitHoldout splits example indexes into a training and a held-out part by
// a seeded hash of each example's folded text, so copies of one text always
// fall on the same side.
func splitHoldout(examples []Example, frac float64, seed uint64) (keep, hold []int) {
	cut := uint64(frac * (1 << 32))
	for i, ex := range examples {
		h := hashString(fnvOffset^seed*0x9E3779B97F4A7C15, foldKey(ex.Text))
		h ^= h >> 29
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 32
		if h&(1<<32-1) < cut {
			hold = append(hold, i)
		} else {
			keep = append(keep, i)
		}
	}
	return keep, hold
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
func fit(ctx context.Context, xs []vector, ys []int32, idx []int, nFeatures, nLabels int, o *options) (*linear, error) {
	c := nLabels
	v := make([]float32, nFeatures*c)
	bias := make([]float64, c)
	scale := 1.0
	rng := rand.New(rand.NewPCG(o.seed, 0x6475786e))
	order := slices.Clone(idx)
	scores := make([]float64, c)
	active := make([]int, 0, c)
	grads := make([]float64, 0, c)
	lambda := o.l2
	t := 0.0
	for epoch := 0; epoch < o.epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("intent: train: %w", err)
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x, y := xs[i], int(ys[i])
			lr := o.rate / (1 + o.rate*lambda*t)
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
// likelihood of softmax(scores/T) on the held-out examples (golden-section
// search over ln T in [ln 0.05, ln 20]).
func fitTemperature(l *linear, xs []vector, ys []int32, hold []int) float64 {
	all := make([][]float64, len(hold))
	for n, i := range hold {
		all[n] = make([]float64, l.labels)
		l.scores(xs[i], all[n])
	}
	p := make([]float64, l.labels)
	nll := func(logT float64) float64 {
		t := math.Exp(logT)
		sum := 0.0
		for n, i := range hold {
			for j, s := range all[n] {
				p[j] = s / t
			}
			softmax(p)
			sum -= math.Log(max(p[ys[i]], 1e-12))
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
