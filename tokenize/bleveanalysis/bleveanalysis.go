// Package bleveanalysis puts duxin tokenizers into bleve v2, so any bleve
// user can index Chinese customer-service text with them.
//
// [NewTokenizer] and [NewAnalyzer] adapt any [tokenize.Tokenizer]. Importing
// the package registers the pure-Go bigram tokenizer with bleve's registry
// under [BigramName]; the jieba tokenizer is registered by the cgo package
// github.com/duxin-ai/duxin/tokenize/jieba/jiebableve. Put either on a field
// and on the mapping's default analyzer:
//
//	m := bleve.NewIndexMapping()
//	m.DefaultAnalyzer = bleveanalysis.BigramName
//	idx, err := bleve.New(path, m)
//
// The tokens keep duxin's byte offsets into the original text, so bleve's
// highlighter marks the right characters even where folding changed them
// (traditional or full-width input). Positions are 1-based, as bleve wants.
//
// # Concurrency
//
// The adapters are safe for concurrent use when the wrapped Tokenizer is
// (every duxin tokenizer is).
package bleveanalysis

import (
	"fmt"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/duxin-ai/duxin/tokenize"
)

// BigramName names both the tokenizer and the analyzer built on
// [tokenize.Bigram] in bleve's registry.
const BigramName = "duxin_bigram"

// NewTokenizer adapts t to bleve's analysis.Tokenizer.
func NewTokenizer(t tokenize.Tokenizer) analysis.Tokenizer { return adapter{t} }

// NewAnalyzer returns a bleve analyzer that runs t and nothing else: duxin
// tokenizers fold, lowercase, drop stop words and stem themselves.
func NewAnalyzer(t tokenize.Tokenizer) analysis.Analyzer {
	return &analysis.DefaultAnalyzer{Tokenizer: NewTokenizer(t)}
}

type adapter struct{ t tokenize.Tokenizer }

func (a adapter) Tokenize(input []byte) analysis.TokenStream {
	toks := a.t.Tokenize(string(input))
	out := make(analysis.TokenStream, len(toks))
	store := make([]analysis.Token, len(toks)) // one allocation for all tokens
	for i, tk := range toks {
		store[i] = analysis.Token{
			Start:    tk.Start,
			End:      tk.End,
			Term:     []byte(tk.Text),
			Position: tk.Pos + 1,
			Type:     tokenType(tk.Kind),
		}
		out[i] = &store[i]
	}
	return out
}

func tokenType(k tokenize.Kind) analysis.TokenType {
	switch k {
	case tokenize.Han:
		return analysis.Ideographic
	case tokenize.Number:
		return analysis.Numeric
	}
	return analysis.AlphaNumeric
}

// Register registers t with bleve's global registry as both a tokenizer and
// an analyzer named name. It fails if either name is taken: bleve's registry
// never replaces an entry.
func Register(name string, t tokenize.Tokenizer) error {
	if err := registry.RegisterTokenizer(name, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return NewTokenizer(t), nil
	}); err != nil {
		return fmt.Errorf("bleveanalysis: %w", err)
	}
	if err := registry.RegisterAnalyzer(name, func(map[string]any, *registry.Cache) (analysis.Analyzer, error) {
		return NewAnalyzer(t), nil
	}); err != nil {
		return fmt.Errorf("bleveanalysis: %w", err)
	}
	return nil
}

func init() {
	if err := Register(BigramName, tokenize.Bigram()); err != nil {
		panic(err) // only another package claiming our name can cause this
	}
}
