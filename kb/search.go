package kb

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Boosts of the two first-stage fields: words carry more meaning than
// character bigrams, which are there to catch segmentation differences.
const (
	wordBoost = 1.0
	gramBoost = 0.5
	// minTerms is the number of query terms always searched, however common.
	minTerms = 4
)

// candidate is an entry found by the first stage, with the first-stage
// score of each of its texts that bleve returned.
type candidate struct {
	e      *entry
	bm25   []float64 // per text; 0 when not returned
	best   float64
	rank   int
	score  float64 // final score
	text   int     // the text that decided score
	rerank bool
}

// Search returns the entries that best answer q.Text, best first, each at
// most once. It runs two stages: a bleve BM25 search over the word and
// character-bigram terms of every question and similar question, grouped by
// entry, then the [Ranker] rescoring the top candidates with similarity
// features. Filters (category, tags) and the entries' validity periods
// apply in the first stage. A query without any term (only punctuation,
// say) returns no hits and no error.
func (ix *Index) Search(ctx context.Context, q Query) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kb: search: %w", err)
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("kb: search: negative limit %d", q.Limit)
	}
	limit := q.Limit
	if limit == 0 {
		limit = 10
	}
	g, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	qa := ix.an.analyze(q.Text)
	cands, err := ix.candidates(ctx, g, &qa, q.Category, q.Tags, "", max(limit, ix.opts.candidates))
	if err != nil {
		return nil, err
	}
	qi := newQueryInfo(&qa)
	ix.score(g, &qi, cands, ix.rank)
	return ix.hits(cands, &qa, limit), nil
}

// candidates runs the first stage: it returns up to n entries (other than
// exclude) whose texts share terms with qa, in first-stage order.
func (ix *Index) candidates(ctx context.Context, g *generation, qa *analysis, category string, tags []string, exclude string, n int) ([]*candidate, error) {
	should := ix.termQueries(g, qa)
	if len(should) == 0 {
		return nil, nil
	}
	var root query.Query = bleve.NewDisjunctionQuery(should...)
	var filters []query.Query
	if category != "" {
		t := bleve.NewTermQuery(category)
		t.SetField(fieldCategory)
		filters = append(filters, t)
	}
	for _, tag := range tags {
		t := bleve.NewTermQuery(tag)
		t.SetField(fieldTags)
		filters = append(filters, t)
	}
	if len(filters) > 0 {
		b := bleve.NewBooleanQuery()
		b.AddShould(root)
		b.Filter = bleve.NewConjunctionQuery(filters...)
		root = b
	}
	// An entry has one or a few texts; ask for more texts than entries so
	// that n distinct entries usually come back.
	req := bleve.NewSearchRequestOptions(root, 2*n+10, 0, false)
	res, err := g.bi.SearchInContext(ctx, req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, fmt.Errorf("kb: search: %w", err)
	}
	now := ix.opts.clock()
	g.mu.RLock()
	defer g.mu.RUnlock()
	byID := make(map[string]*candidate, n)
	out := make([]*candidate, 0, n)
	for _, h := range res.Hits {
		id, k, ok := parseDocID(h.ID)
		if !ok || id == exclude {
			continue
		}
		c := byID[id]
		if c == nil {
			if len(out) == n {
				continue
			}
			e := g.entries[id]
			if e == nil || !e.faq.ValidAt(now) {
				continue // deleted while bleve answered, or out of its validity period
			}
			c = &candidate{e: e, bm25: make([]float64, len(e.texts)), rank: len(out)}
			byID[id] = c
			out = append(out, c)
		}
		if k < len(c.bm25) {
			c.bm25[k] = h.Score
			c.best = max(c.best, h.Score)
		}
	}
	return out, nil
}

// termQueries returns the first stage's term queries for qa. Terms held by
// more than maxDF of the texts are left out, except the rarest minTerms:
// their BM25 weight is small, their posting lists are long, and the
// reranker still sees them. This keeps latency flat as the KB grows.
func (ix *Index) termQueries(g *generation, qa *analysis) []query.Query {
	type term struct {
		text, field string
		boost       float64
		df          int
	}
	g.mu.RLock()
	terms := make([]term, 0, len(qa.wordSet)+len(qa.grams))
	for _, w := range qa.wordSet {
		terms = append(terms, term{w, fieldWords, wordBoost, df(g.stats.words, w)})
	}
	for _, w := range qa.grams {
		terms = append(terms, term{w, fieldGrams, gramBoost, df(g.stats.grams, w)})
	}
	n := g.stats.texts
	g.mu.RUnlock()
	slices.SortStableFunc(terms, func(a, b term) int { return a.df - b.df })
	limit := int(ix.opts.maxDF * float64(n))
	out := make([]query.Query, 0, len(terms))
	for i, t := range terms {
		if t.df == 0 {
			continue // no text holds it
		}
		if i >= minTerms && t.df > limit {
			break
		}
		q := bleve.NewTermQuery(t.text)
		q.SetField(t.field)
		q.SetBoost(t.boost)
		out = append(out, q)
	}
	return out
}

// score sets each candidate's score and matched text: with a ranker, the
// best ranker score over the entry's texts; without one, the best BM25
// score. It then sorts cands best first (ties: priority, then id).
func (ix *Index) score(g *generation, qi *queryInfo, cands []*candidate, r *Ranker) {
	if len(cands) == 0 {
		return
	}
	top := 0.0
	for _, c := range cands {
		top = max(top, c.best)
	}
	if r == nil || top == 0 {
		for _, c := range cands {
			c.score = c.best
			c.text = slices.Index(c.bm25, c.best)
		}
	} else {
		if r.assoc != nil && qi.as == nil {
			qi.as = r.assoc.getQuery(qi.a.wordSet)
			defer func() {
				r.assoc.putQuery(qi.as)
				qi.as = nil
			}()
		}
		// Features of every candidate text first, then the model over all
		// of them at once (see Ranker.scoreBatch).
		b := r.getBatch()
		defer r.putBatch(b)
		g.mu.RLock()
		st := &g.stats
		for _, c := range cands {
			for k := range c.e.texts {
				b.xs = append(b.xs, [numFeatures]float64{})
				featureVector(&b.xs[len(b.xs)-1], qi, &c.e.texts[k], k, c.bm25[k]/top, c.rank, st)
			}
		}
		g.mu.RUnlock()
		scores := r.scoreBatch(b)
		j := 0
		for _, c := range cands {
			c.score = 0
			for k := range c.e.texts {
				s := scores[j]
				j++
				if k == 0 || s > c.score {
					c.score, c.text = s, k
				}
			}
			c.rerank = true
		}
	}
	slices.SortFunc(cands, byRank)
}

// hits turns the first limit candidates into hits.
func (ix *Index) hits(cands []*candidate, qa *analysis, limit int) []Hit {
	if len(cands) > limit {
		cands = cands[:limit]
	}
	out := make([]Hit, 0, len(cands))
	for _, c := range cands {
		h := Hit{FAQ: cloneFAQ(c.e.faq), Score: c.score, Field: FieldQuestion, Matched: c.e.faq.Question}
		if c.text > 0 {
			h.Field, h.SimilarIndex, h.Matched = FieldSimilar, c.text-1, c.e.faq.Similar[c.text-1]
		}
		h.Fragment = highlight(h.Matched, &c.e.texts[c.text], qa.wordSet)
		out = append(out, h)
	}
	return out
}

// highlight returns text HTML-escaped, with the tokens whose terms are in
// terms (sorted) wrapped in <mark> and </mark>. Overlapping and touching
// tokens share one mark. Offsets come from the tokenizer, so they are exact
// byte ranges of text even when folding changed the characters.
func highlight(text string, a *analysis, terms []string) string {
	type span struct{ start, end int }
	var spans []span
	for _, t := range a.words {
		if _, ok := slices.BinarySearch(terms, t.Text); ok && t.Start < t.End && t.End <= len(text) {
			spans = append(spans, span{t.Start, t.End})
		}
	}
	if len(spans) == 0 {
		return html.EscapeString(text)
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	var b strings.Builder
	at := 0
	for _, s := range merged {
		b.WriteString(html.EscapeString(text[at:s.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:s.end]))
		b.WriteString("</mark>")
		at = s.end
	}
	b.WriteString(html.EscapeString(text[at:]))
	return b.String()
}

// byRank orders candidates best first: by score, then priority, then ID, so
// equal scores never depend on map order.
func byRank(a, b *candidate) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	case a.e.faq.Priority != b.e.faq.Priority:
		return b.e.faq.Priority - a.e.faq.Priority
	}
	return strings.Compare(a.e.faq.ID, b.e.faq.ID)
}
