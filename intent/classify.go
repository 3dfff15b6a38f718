package intent

import (
	"context"
	"errors"
	"strconv"
)

// Errors returned by the package. Errors about input name the file, line and
// field as well (see [ExampleError]); all wrap one of these sentinels.
var (
	// ErrNoExamples: Train was given no usable example.
	ErrNoExamples = errors.New("intent: no examples")
	// ErrEmptyText: an example has no text.
	ErrEmptyText = errors.New("intent: empty text")
	// ErrEmptyIntent: an example has no intent label.
	ErrEmptyIntent = errors.New("intent: empty intent")
	// ErrSyntax: a training file is not valid JSON Lines, CSV or YAML.
	ErrSyntax = errors.New("intent: syntax error")
	// ErrConflict: the same text is labelled with two intents.
	ErrConflict = errors.New("intent: conflicting examples")
	// ErrCorrupt: a model file is truncated, damaged or not a model file.
	ErrCorrupt = errors.New("intent: corrupt model file")
	// ErrVersion: a model file was written by an unknown format version.
	ErrVersion = errors.New("intent: unsupported model format version")
	// ErrIncompatible: a model is loaded with a tokenizer whose identity
	// differs from the one it was trained with.
	ErrIncompatible = errors.New("intent: incompatible tokenizer")
	// ErrBadOption: a training option is out of range.
	ErrBadOption = errors.New("intent: bad option")
)

// Prediction is one candidate intent with its confidence.
type Prediction struct {
	// Label is the intent label as written in the training data.
	Label string
	// Confidence is the calibrated probability, in [0, 1], that Label is the
	// intent of the utterance.
	Confidence float64
}

// Outcome says what a [Result] means for the caller.
type Outcome uint8

// The outcomes of a classification.
const (
	// Matched: the top prediction is an in-scope intent, confident enough and
	// clear enough of the runner-up. Result.Intent is set.
	Matched Outcome = iota + 1
	// OutOfScope: the top prediction is the out-of-scope class learned from
	// examples labelled with the out-of-scope label ("oos" by default).
	OutOfScope
	// LowConfidence: the top prediction's confidence is below the threshold.
	LowConfidence
	// Ambiguous: the gap between the top two confidences is below the
	// minimum gap.
	Ambiguous
)

// String returns the outcome's lowercase name.
func (o Outcome) String() string {
	switch o {
	case Matched:
		return "matched"
	case OutOfScope:
		return "out_of_scope"
	case LowConfidence:
		return "low_confidence"
	case Ambiguous:
		return "ambiguous"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Result is the answer of [Model.Classify].
type Result struct {
	// Intent is the recognised intent when Outcome is Matched, else "".
	Intent string
	// Outcome says whether an intent was recognised and, if not, why.
	Outcome Outcome
	// Predictions are the most likely labels, best first (ties by label),
	// including the out-of-scope label when the model has one. Their number
	// is set at training time ([Decision.TopK], default 5).
	Predictions []Prediction
	// Gap is the confidence of the first prediction minus that of the
	// second (the first's confidence when there is only one label).
	Gap float64
}

// Known reports whether an in-scope intent was recognised.
func (r Result) Known() bool { return r.Outcome == Matched }

// Classifier is implemented by anything that maps an utterance to intents:
// a trained [*Model], or a host's own rules or remote service.
type Classifier interface {
	Classify(ctx context.Context, text string) (Result, error)
}

// ClassifierFunc adapts a function to the [Classifier] interface.
type ClassifierFunc func(ctx context.Context, text string) (Result, error)

// Classify calls f(ctx, text).
func (f ClassifierFunc) Classify(ctx context.Context, text string) (Result, error) {
	return f(ctx, text)
}
