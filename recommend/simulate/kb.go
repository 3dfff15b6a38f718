package simulate

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
)

// SampleFAQs returns the bundled sample knowledge base (175 entries of an
// Alipay-like wallet help center, with triggers), parsed fresh on each call.
func SampleFAQs() ([]kb.FAQ, error) {
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL, kb.WithFileName("sampledata/faq.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return faqs, nil
}

// KB is a small in-memory knowledge base for simulations, tests, examples
// and benchmarks: exact Get, All, term-overlap Search over the question and
// its paraphrases (tokenized with [tokenize.Bigram]), and Related entries of
// the same category. It is read-only after [NewKB] and safe for concurrent
// use. It is not a search engine: use kb's index in a product.
type KB struct {
	faqs  []kb.FAQ
	byID  map[string]int
	tok   tokenize.Tokenizer
	post  map[string][]int32 // term → entries containing it, ascending
	terms [][]string         // entry → its distinct terms

	related sync.Map // id → []scored, the 20 best related entries
}

// NewKB indexes faqs (copied; their order is kept by All). Duplicate or
// empty ids are an error.
func NewKB(faqs []kb.FAQ) (*KB, error) {
	k := &KB{faqs: slices.Clone(faqs), byID: make(map[string]int, len(faqs)), tok: tokenize.Bigram(), post: map[string][]int32{}}
	k.terms = make([][]string, len(faqs))
	for i, f := range k.faqs {
		if f.ID == "" {
			return nil, fmt.Errorf("simulate: entry %d: %w", i, kb.ErrEmptyID)
		}
		if _, dup := k.byID[f.ID]; dup {
			return nil, fmt.Errorf("simulate: entry %d: duplicate id %q", i, f.ID)
		}
		k.byID[f.ID] = i
		set := map[string]bool{}
		for _, text := range append([]string{f.Question}, f.Similar...) {
			for _, t := range tokenize.Terms(k.tok.Tokenize(text)) {
				set[t] = true
			}
		}
		ts := make([]string, 0, len(set))
		for t := range set {
			ts = append(ts, t)
		}
		slices.Sort(ts)
		k.terms[i] = ts
		for _, t := range ts {
			k.post[t] = append(k.post[t], int32(i))
		}
	}
	return k, nil
}

// SampleKB returns a KB over [SampleFAQs].
func SampleKB() (*KB, error) {
	faqs, err := SampleFAQs()
	if err != nil {
		return nil, err
	}
	return NewKB(faqs)
}

// Get implements kb.KnowledgeBase.
func (k *KB) Get(ctx context.Context, id string) (kb.FAQ, error) {
	if err := ctx.Err(); err != nil {
		return kb.FAQ{}, fmt.Errorf("simulate: get: %w", err)
	}
	i, ok := k.byID[id]
	if !ok {
		return kb.FAQ{}, fmt.Errorf("simulate: get %q: %w", id, kb.ErrNotFound)
	}
	return k.faqs[i], nil
}

// All returns every entry in input order.
func (k *KB) All(ctx context.Context) ([]kb.FAQ, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("simulate: all: %w", err)
	}
	return slices.Clone(k.faqs), nil
}

// Len returns the number of entries.
func (k *KB) Len() int { return len(k.faqs) }

// Search implements kb.KnowledgeBase: entries sharing terms with q.Text,
// scored by the share of the query's terms they contain, weighted by
// inverse document frequency; ties by id.
func (k *KB) Search(ctx context.Context, q kb.Query) ([]kb.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("simulate: search: %w", err)
	}
	limit := q.Limit
	if limit == 0 {
		limit = 10
	}
	qt := tokenize.Terms(k.tok.Tokenize(q.Text))
	slices.Sort(qt)
	qt = slices.Compact(qt)
	acc := make([]float64, len(k.faqs))
	var touched []int32
	total := 0.0
	n := float64(len(k.faqs))
	for _, t := range qt {
		ps := k.post[t]
		idf := math.Log(1 + n/float64(len(ps)+1))
		total += idf
		for _, p := range ps {
			if acc[p] == 0 {
				touched = append(touched, p)
			}
			acc[p] += idf
		}
	}
	ps := make([]scored, 0, len(touched))
	for _, p := range touched {
		f := &k.faqs[p]
		if q.Category != "" && f.Category != q.Category {
			continue
		}
		if !hasTags(f.Tags, q.Tags) {
			continue
		}
		ps = append(ps, scored{p, acc[p] / total})
	}
	ps = k.best(ps, limit)
	hits := make([]kb.Hit, len(ps))
	for i, x := range ps {
		f := k.faqs[x.p]
		hits[i] = kb.Hit{FAQ: f, Score: x.s, Field: kb.FieldQuestion, Matched: f.Question}
	}
	return hits, nil
}

type scored struct {
	p int32
	s float64
}

// best returns the limit best of ps, best first, ties by id.
func (k *KB) best(ps []scored, limit int) []scored {
	less := func(a, b scored) bool { // a ranks before b
		if a.s != b.s {
			return a.s > b.s
		}
		return k.faqs[a.p].ID < k.faqs[b.p].ID
	}
	var top []scored
	for _, x := range ps {
		if len(top) == limit && !less(x, top[limit-1]) {
			continue
		}
		if len(top) < limit {
			top = append(top, x)
		} else {
			top[limit-1] = x
		}
		for j := len(top) - 1; j > 0 && less(top[j], top[j-1]); j-- {
			top[j], top[j-1] = top[j-1], top[j]
		}
	}
	return top
}

func hasTags(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// relatedCache is how many related entries are computed and cached per id;
// Related returns at most this many.
const relatedCache = 20

// Related returns up to limit (at most 20) entries of the same category as id, most
// similar wording first (shared terms over the union), ties by id.
func (k *KB) Related(ctx context.Context, id string, limit int) ([]kb.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("simulate: related: %w", err)
	}
	i, ok := k.byID[id]
	if !ok {
		return nil, fmt.Errorf("simulate: related %q: %w", id, kb.ErrNotFound)
	}
	if limit <= 0 {
		limit = 10
	}
	var ps []scored
	if c, ok := k.related.Load(id); ok {
		ps = c.([]scored)
	} else {
		shared := map[int32]int{}
		for _, t := range k.terms[i] {
			for _, p := range k.post[t] {
				if int(p) != i && k.faqs[p].Category == k.faqs[i].Category {
					shared[p]++
				}
			}
		}
		ps = make([]scored, 0, len(shared))
		for p, s := range shared {
			union := len(k.terms[i]) + len(k.terms[p]) - s
			ps = append(ps, scored{p, float64(s) / float64(union)})
		}
		ps = k.best(ps, relatedCache)
		k.related.Store(id, ps)
	}
	ps = ps[:min(len(ps), limit)]
	hits := make([]kb.Hit, len(ps))
	for j, x := range ps {
		hits[j] = kb.Hit{FAQ: k.faqs[x.p], Score: x.s}
	}
	return hits, nil
}
