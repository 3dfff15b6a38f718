package replica

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/tokenize"
)

// The names the loaders below are published under by convention (the
// duxin command and the help-center demo use them).
const (
	NameRecommend = "recommend"
	NameIntent    = "intent"
	NameRanker    = "ranker"
)

// RecommendModel is a Loader that reads a recommend model
// ([recommend.ReadModel]) and swaps it into e ([recommend.Engine.SetModel]).
func RecommendModel(e *recommend.Engine) Loader {
	return func(_ context.Context, data []byte) error {
		m, err := recommend.ReadModel(bytes.NewReader(data))
		if err != nil {
			return err
		}
		return e.SetModel(m)
	}
}

// KBRanker is a Loader that reads a ranker ([kb.ReadRanker]) and swaps it
// into ix ([kb.Index.SetRanker], which rebuilds the index aside).
func KBRanker(ix *kb.Index) Loader {
	return func(ctx context.Context, data []byte) error {
		r, err := kb.ReadRanker(bytes.NewReader(data))
		if err != nil {
			return err
		}
		return ix.SetRanker(ctx, r)
	}
}

// Intent is an [intent.Classifier] whose model can be swapped while it
// serves: each Classify uses the model current when it starts. It is safe
// for concurrent use.
type Intent struct {
	tok tokenize.Tokenizer
	m   atomic.Pointer[intent.Model]
}

// NewIntent returns an Intent serving m (nil: none until the first load;
// Classify fails until then) with tok, the tokenizer models are read with.
func NewIntent(tok tokenize.Tokenizer, m *intent.Model) (*Intent, error) {
	if tok == nil {
		return nil, errors.New("replica: NewIntent: nil tokenizer")
	}
	c := &Intent{tok: tok}
	if m != nil {
		c.m.Store(m)
	}
	return c, nil
}

// ErrNoModel is returned by Intent.Classify before any model is loaded.
var ErrNoModel = errors.New("replica: no model loaded")

// Classify implements [intent.Classifier] with the current model.
func (c *Intent) Classify(ctx context.Context, text string) (intent.Result, error) {
	m := c.m.Load()
	if m == nil {
		return intent.Result{}, fmt.Errorf("replica: classify: %w", ErrNoModel)
	}
	return m.Classify(ctx, text)
}

// Model returns the model served now (nil before the first).
func (c *Intent) Model() *intent.Model { return c.m.Load() }

// Loader returns a Loader that reads an intent model ([intent.ReadModel],
// which refuses a model of another tokenizer) and swaps it in.
func (c *Intent) Loader() Loader {
	return func(_ context.Context, data []byte) error {
		m, err := intent.ReadModel(bytes.NewReader(data), c.tok)
		if err != nil {
			return err
		}
		c.m.Store(m)
		return nil
	}
}
