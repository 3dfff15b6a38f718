package tokenize

// Kind says what sort of text a [Token] covers.
type Kind uint8

// The token kinds.
const (
	// Han is a Chinese word (or, for the bigram tokenizer, a character bigram).
	Han Kind = iota + 1
	// Word is a run of letters of an alphabetic script (Latin, Cyrillic, Greek, ...).
	Word
	// Number is a run of digits, kept whole ("500", "2024", "3.5").
	Number
)

// String returns the kind's lowercase name.
func (k Kind) String() string {
	switch k {
	case Han:
		return "han"
	case Word:
		return "word"
	case Number:
		return "number"
	}
	return "unknown"
}

// Token is one unit of analysed text.
//
// Text is the term as it is indexed and compared: full-width folded to
// half-width, traditional folded to simplified, lowercased and, for English
// words, stemmed. Start and End are byte offsets into the original input, so
// input[Start:End] is the surface form before any folding; highlighting uses
// them. Pos counts tokens from 0 in the order they are returned.
type Token struct {
	Text       string
	Start, End int
	Pos        int
	Kind       Kind
}

// Tokenizer turns text into tokens ordered by Start (then by End).
//
// Implementations are pure and safe for concurrent use. Bytes that are not
// valid UTF-8, NUL and other control characters never become part of a token:
// they separate tokens exactly as a space would.
type Tokenizer interface {
	Tokenize(text string) []Token
}

// TokenizerFunc adapts a function to the [Tokenizer] interface.
type TokenizerFunc func(text string) []Token

// Tokenize calls f(text).
func (f TokenizerFunc) Tokenize(text string) []Token { return f(text) }

// Filter rewrites a token stream: it may drop, change or add tokens. A Filter
// may reuse the slice it is given; callers must not use the input afterwards.
// Filters are pure and safe for concurrent use.
type Filter interface {
	Filter(tokens []Token) []Token
}

// FilterFunc adapts a function to the [Filter] interface.
type FilterFunc func(tokens []Token) []Token

// Filter calls f(tokens).
func (f FilterFunc) Filter(tokens []Token) []Token { return f(tokens) }

// Chain returns a Tokenizer that runs t, then each filter in order, and
// renumbers Pos so positions stay consecutive after filters drop tokens.
func Chain(t Tokenizer, filters ...Filter) Tokenizer {
	return chain{t: t, filters: filters}
}

type chain struct {
	t       Tokenizer
	filters []Filter
}

func (c chain) Tokenize(text string) []Token {
	toks := c.t.Tokenize(text)
	for _, f := range c.filters {
		toks = f.Filter(toks)
	}
	for i := range toks {
		toks[i].Pos = i
	}
	return toks
}

// Identity is implemented by tokenizers that can name their configuration:
// two tokenizers with equal identities produce the same tokens for every input.
// kb records it to refuse an index built by a different tokenizer.
type Identity interface {
	Identity() string
}

// IdentityOf returns t's identity, or "" when t does not report one.
func IdentityOf(t Tokenizer) string {
	if id, ok := t.(Identity); ok {
		return id.Identity()
	}
	return ""
}

// Terms returns the Text of each token: a convenience for tests and examples.
func Terms(tokens []Token) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = t.Text
	}
	return out
}
