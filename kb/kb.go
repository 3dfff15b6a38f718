package kb

import (
	"context"
	"errors"
)

// Sentinel errors; test with errors.Is.
var (
	ErrNotFound     = errors.New("kb: not found")
	ErrClosed       = errors.New("kb: closed")
	ErrEmptyID      = errors.New("kb: empty id")
	ErrIncompatible = errors.New("kb: index built with a different configuration")
	// ErrLocked: another Index (in this process or another) holds the
	// folder Open was given.
	ErrLocked = errors.New("kb: folder in use by another index")
	// ErrTooLong reports an entry's field, or list of similar questions or
	// tags, over its limit ([MaxQuestionBytes] and the others).
	ErrTooLong = errors.New("kb: too long")
)

// Limits on one entry, so that no entry costs more than a bounded amount
// to analyse, index and hold. Lengths are in bytes of UTF-8, after
// surrounding white space is trimmed. [Index.Upsert], [Index.Reload],
// [Check] and the loaders ([Load], [LoadFile]) refuse an entry over any of
// them with an error wrapping [ErrTooLong] that names the field.
const (
	// MaxIDBytes bounds ID (the ids events and links refer to).
	MaxIDBytes = 256
	// MaxQuestionBytes bounds Question and each of Similar: about 340
	// Chinese characters.
	MaxQuestionBytes = 1024
	// MaxSimilar is how many similar questions an entry may have.
	MaxSimilar = 256
	// MaxAnswerBytes bounds Answer.
	MaxAnswerBytes = 64 << 10
	// MaxLabelBytes bounds Category and each of Tags.
	MaxLabelBytes = 256
	// MaxTags is how many tags an entry may have.
	MaxTags = 64
)

// MaxQueryBytes bounds what [Index.Search] reads of Query.Text: a longer
// text is searched for its first MaxQueryBytes bytes, cut back to the end
// of the last whole character, and the rest is ignored. Questions are far
// shorter; the cut keeps a pasted document from costing a search more
// than a question does.
const MaxQueryBytes = 1024

// Query is one search. The zero value of every field but Text is a sensible default.
type Query struct {
	// Text is what the user typed. It is analysed with the knowledge base's
	// tokenizer; it never goes through bleve's query-string syntax. Only
	// its first MaxQueryBytes bytes are read.
	Text string
	// Category, when set, keeps only entries of that category.
	Category string
	// Tags, when set, keeps only entries carrying every one of them.
	Tags []string
	// Limit caps the number of hits; 0 means 10.
	Limit int
	// MinConfidence drops the hits less confident than it (see
	// Hit.Confidence): 0 means DefaultMinConfidence, a negative value
	// keeps every hit. It applies only with a calibrated ranker.
	MinConfidence float64
}

// DefaultMinConfidence is the confidence below which Search drops a hit
// unless Query.MinConfidence says otherwise: such a hit is padding, not a
// candidate answer.
const DefaultMinConfidence = 0.02

// Field names which text of an entry a hit matched.
type Field string

// The fields a hit can match.
const (
	FieldQuestion Field = "question"
	FieldSimilar  Field = "similar"
	FieldAnswer   Field = "answer"
)

// Hit is one search result. Each entry appears at most once in a result.
type Hit struct {
	FAQ FAQ
	// Score orders hits, higher first; it is comparable only within one result.
	Score float64
	// Confidence is the probability, in [0, 1], that this entry answers the
	// query, from the ranker's calibration (see Calibrator): comparable
	// across queries and knowledge bases of a similar size. Without a
	// calibrated ranker it is 0. The best hit's confidence below the
	// answer threshold (Index.AnswerThreshold) means the knowledge base
	// has no answer: the host hands over to a person.
	Confidence float64
	// Field and Matched say which text matched best: the standard question, or
	// Similar[SimilarIndex] when Field is FieldSimilar.
	Field        Field
	SimilarIndex int
	Matched      string
	// Fragment is Matched with the matched terms wrapped in <mark> and </mark>;
	// the rest of the text is HTML-escaped.
	Fragment string
}

// KnowledgeBase is what readers of a knowledge base need.
type KnowledgeBase interface {
	// Search returns the best hits for q, best first.
	Search(ctx context.Context, q Query) ([]Hit, error)
	// Get returns the entry with the given id, or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) (FAQ, error)
}

// Writer changes a knowledge base.
type Writer interface {
	// Upsert adds entries or replaces those with the same ids, all or none.
	Upsert(ctx context.Context, faqs ...FAQ) error
	// Delete removes entries by id; unknown ids are ignored.
	Delete(ctx context.Context, ids ...string) error
}
