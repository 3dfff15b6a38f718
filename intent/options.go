package intent

import (
	"errors"
	"fmt"
	"math"
)

// Option configures [Train]. There is one per group of settings:
//
//   - [WithFeatures]: what is extracted from an utterance ([Features]);
//   - [WithLearning]: how the weights are fitted and the confidences
//     calibrated ([Learning]);
//   - [WithDecision]: how the trained model turns confidences into a
//     [Result] ([Decision]).
//
// Each takes its whole group: start from the group's default and change the
// fields you need,
//
//	learning := intent.DefaultLearning()
//	learning.Solver, learning.Seed = intent.SVM, 7
//	model, err := intent.Train(ctx, examples, tok, intent.WithLearning(learning))
//
// A group written as a literal from scratch leaves fields at zero, and every
// group has a field for which zero is invalid (MinCount, Epochs, TopK):
// Train then fails with [ErrBadOption] rather than train something else.
type Option func(*options)

type options struct {
	features Features
	learning Learning
	decision Decision
}

// The defaults were chosen on held-out slices of training files only
// (CLINC150, Banking77, SMP2017, InsuranceQA-zh; see the package doc).
func defaultOptions() options {
	return options{features: DefaultFeatures(), learning: DefaultLearning(), decision: DefaultDecision()}
}

// WithFeatures sets what [Train] extracts from each utterance; the default
// is [DefaultFeatures].
func WithFeatures(f Features) Option { return func(o *options) { o.features = f } }

// WithLearning sets how [Train] fits and calibrates the model; the default
// is [DefaultLearning].
func WithLearning(l Learning) Option { return func(o *options) { o.learning = l } }

// WithDecision sets how the trained model decides a [Result]; the default
// is [DefaultDecision].
func WithDecision(d Decision) Option { return func(o *options) { o.decision = d } }

// Features says which features [Train] extracts from an utterance: the
// tokenizer's words, pairs of consecutive words, and character n-grams of
// each folded word (a run of letters and digits; a run of Han characters
// counts as one word, across the tokenizer's word boundaries). A model
// extracts the same features when it classifies.
type Features struct {
	// WordPairs adds the pairs of consecutive tokens. Default true.
	WordPairs bool
	// CharNGrams are the lengths, in runes, of the character n-grams with
	// a Han character (all n-grams when LatinNGrams is {0, 0}), within
	// [1, 8]. Default 1 to 3; {0, 0} uses tokenizer words only.
	CharNGrams NGrams
	// LatinNGrams are the lengths, in runes, of the character n-grams
	// without a Han character (Latin words, digits), within [1, 8].
	// Default 2 to 4 (words are padded with a space, so " ab" marks a word
	// start); {0, 0} makes all n-grams follow CharNGrams.
	LatinNGrams NGrams
	// CrossWord takes the character n-grams across word boundaries, over
	// the whole folded utterance, instead of within each word. Default
	// false.
	CrossWord bool
	// CharWeight is the share, in [0, 1], of the character n-grams in the
	// squared norm of each feature vector; the rest goes to words and word
	// pairs. Default 0.65.
	CharWeight float64
	// MinCount drops features seen in fewer than MinCount training
	// examples, at least 1. Default 1 (keep all).
	MinCount int
}

// NGrams is an inclusive range of n-gram lengths, in runes.
type NGrams struct{ Min, Max int }

// DefaultFeatures returns the features [Train] uses without
// [WithFeatures]: word pairs, character n-grams of 1 to 3 runes with a Han
// character and 2 to 4 without, within words, a character weight of 0.65,
// every feature kept.
func DefaultFeatures() Features {
	return Features{
		WordPairs:   true,
		CharNGrams:  NGrams{1, 3},
		LatinNGrams: NGrams{2, 4},
		CharWeight:  0.65,
		MinCount:    1,
	}
}

// config is the part of f a model records and extracts with.
func (f Features) config() featureConfig {
	return featureConfig{
		WordBigrams: f.WordPairs,
		CharMin:     f.CharNGrams.Min,
		CharMax:     f.CharNGrams.Max,
		CharWeight:  f.CharWeight,
		LatinMin:    f.LatinNGrams.Min,
		LatinMax:    f.LatinNGrams.Max,
		CrossWord:   f.CrossWord,
	}
}

// Learning says how [Train] fits the model's weights and calibrates its
// confidences.
type Learning struct {
	// Solver is the learning algorithm. Default [Ensemble].
	Solver Solver
	// Cost is the SVM's misclassification cost C, a finite number > 0.
	// Default 2.
	Cost float64
	// Epochs is the number of passes of stochastic gradient descent over
	// the examples, at least 1; the SVM makes at most ten times as many
	// passes of coordinate descent, usually far fewer. Default 7.
	Epochs int
	// L2 is the softmax regression's L2 regularisation strength per
	// example, a finite number >= 0. Default 1e-5.
	L2 float64
	// Rate is the softmax regression's initial learning rate, a finite
	// number > 0. Default 1.
	Rate float64
	// Holdout is the fraction of examples, in [0, 0.5), held out to fit the
	// confidence temperature. Default 0.1. The final model is always
	// trained on all examples; the held-out fit costs one more training.
	// Below 3000 examples, where one slice is too small, calibration
	// cross-fits instead: the examples are split into 1/Holdout folds (2
	// to 10) and each is held out once, costing that many more (small)
	// trainings. 0 skips calibration (temperature 1).
	Holdout float64
	// Seed seeds the example shuffling and the calibration split. Default
	// 1. Training is deterministic: the same examples, tokenizer, options
	// and seed give a byte-identical model file.
	Seed uint64
}

// DefaultLearning returns the learning settings [Train] uses without
// [WithLearning]: the [Ensemble] with SVM cost 2, 7 epochs, L2 1e-5,
// learning rate 1, a tenth held out for calibration, seed 1.
func DefaultLearning() Learning {
	return Learning{Solver: Ensemble, Cost: 2, Epochs: 7, L2: 1e-5, Rate: 1, Holdout: 0.1, Seed: 1}
}

// Solver selects the learning algorithm of [Train].
type Solver uint8

// The solvers.
const (
	// Softmax is multinomial logistic regression with L2 regularisation,
	// trained by stochastic gradient descent.
	Softmax Solver = iota + 1
	// SVM is one-vs-rest linear support vector machines with the squared
	// hinge loss, trained by dual coordinate descent; confidences are a
	// temperature-scaled softmax over their margins.
	SVM
	// Ensemble trains Softmax, SVM and NaiveBayes and adds their
	// temperature-scaled scores (a product of the calibrated experts); it
	// costs the sum of their training times and nothing at classification
	// time.
	Ensemble
	// NaiveBayes is multinomial naive Bayes over the TF-IDF vectors: the
	// score of a label is its log prior plus each feature's weight times the
	// log of the feature's smoothed share of the label's feature mass. It
	// trains in one pass and is weaker alone than the other two; in the
	// ensemble it adds a generative view of the data.
	NaiveBayes
)

// Decision says how a model trained by [Train] turns its confidences into a
// [Result]; the model keeps it (see [Model.Threshold], [Model.MinGap] and
// [Model.OutOfScopeLabel]).
type Decision struct {
	// Threshold is the confidence, in [0, 1], below which the top
	// prediction is [LowConfidence]. Default 0.2.
	Threshold float64
	// MinGap is the smallest difference, in [0, 1], between the top two
	// confidences for a match; closer calls are [Ambiguous]. Default 0
	// (off).
	MinGap float64
	// OutOfScopeLabel is the label of out-of-scope examples: they train an
	// explicit class, reported as [OutOfScope]. Default "oos".
	OutOfScopeLabel string
	// TopK is how many predictions a [Result] carries, at least 1.
	// Default 5.
	TopK int
}

// DefaultDecision returns the decision settings [Train] uses without
// [WithDecision]: threshold 0.2, no minimum gap, out-of-scope label "oos",
// five predictions.
func DefaultDecision() Decision {
	return Decision{Threshold: 0.2, MinGap: 0, OutOfScopeLabel: "oos", TopK: 5}
}

func (o *options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadOption}, args...)...))
	}
	l := o.learning
	if l.Epochs < 1 {
		bad("epochs %d < 1", l.Epochs)
	}
	if !(l.L2 >= 0) || math.IsInf(l.L2, 0) {
		bad("l2 %v not a finite number >= 0", l.L2)
	}
	if !(l.Rate > 0) || math.IsInf(l.Rate, 0) {
		bad("learning rate %v not a finite number > 0", l.Rate)
	}
	if !(l.Holdout >= 0 && l.Holdout < 0.5) {
		bad("holdout %v not in [0, 0.5)", l.Holdout)
	}
	d := o.decision
	if !(d.Threshold >= 0 && d.Threshold <= 1) {
		bad("threshold %v not in [0, 1]", d.Threshold)
	}
	if !(d.MinGap >= 0 && d.MinGap <= 1) {
		bad("gap %v not in [0, 1]", d.MinGap)
	}
	if d.TopK < 1 {
		bad("top k %d < 1", d.TopK)
	}
	f := o.features
	if f.CharNGrams.Min < 0 || f.CharNGrams.Max < f.CharNGrams.Min || f.CharNGrams.Max > 8 {
		bad("character n-gram range [%d, %d] not within [1, 8]", f.CharNGrams.Min, f.CharNGrams.Max)
	}
	if f.LatinNGrams.Max > 0 && (f.LatinNGrams.Min < 1 || f.LatinNGrams.Max < f.LatinNGrams.Min || f.LatinNGrams.Max > 8) {
		bad("Latin character n-gram range [%d, %d] not within [1, 8]", f.LatinNGrams.Min, f.LatinNGrams.Max)
	}
	if !(f.CharWeight >= 0 && f.CharWeight <= 1) {
		bad("character weight %v not in [0, 1]", f.CharWeight)
	}
	if f.MinCount < 1 {
		bad("minimum count %d < 1", f.MinCount)
	}
	if l.Solver < Softmax || l.Solver > NaiveBayes {
		bad("unknown solver %d", l.Solver)
	}
	if !(l.Cost > 0) || math.IsInf(l.Cost, 0) {
		bad("cost %v not a finite number > 0", l.Cost)
	}
	return errors.Join(errs...)
}
