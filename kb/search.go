package kb

import (
	"context"
	"fmt"
	"html"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/kb/internal/rank"
)

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
	minConf := q.MinConfidence
	if minConf == 0 {
		minConf = DefaultMinConfidence
	}
	var out []Hit
	err := ix.search(ctx, q.Text, q.Category, q.Tags, max(limit, ix.opts.candidates), func(g *generation, qa *analysis, cands []*candidate) {
		out = hits(cands, qa, limit, g, minConf)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// search runs both stages for text (n candidates at least, with the
// filters) and hands the scored candidates, best first, to done while
// the generation that found them is still held.
func (ix *Index) search(ctx context.Context, text, category string, tags []string, n int, done func(*generation, *analysis, []*candidate)) error {
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	text = queryText(text)
	qa := ix.an.analyzeQuery(text)
	rq := g.prepareQuery(&qa)
	defer func() { rq.release() }()
	cs := ix.getCandidateSet()
	defer ix.putCandidateSet(cs)
	cands, err := ix.candidates(ctx, g, &qa, category, tags, "", n, cs)
	if err != nil {
		return err
	}
	// Typed pinyin spelled as the candidates spell it gives a text the
	// ranker can read: search again with it, and with the typed sounds.
	if spelled, ok := g.transliterate(text, &qa, cands); ok {
		rq.release()
		from := qa.qsounds
		qa = ix.an.analyzeQuery(spelled)
		qa.spelledFrom = from
		rq = g.prepareQuery(&qa)
		cs.reset()
		if cands, err = ix.candidates(ctx, g, &qa, category, tags, "", n, cs); err != nil {
			return err
		}
	}
	g.score(cands, rq.query(), cs)
	done(g, &qa, cands)
	return nil
}

// queryText returns what Search reads of text: its first MaxQueryBytes
// bytes, cut back to the start of a character that would not fit whole.
func queryText(text string) string {
	if len(text) <= MaxQueryBytes {
		return text
	}
	end := MaxQueryBytes
	for end > 0 && !utf8.RuneStart(text[end]) {
		end--
	}
	return text[:end]
}

// queryPrep is the ranker's view of a search's query, being prepared.
type queryPrep struct {
	wg sync.WaitGroup
	q  *rank.Query // nil without a ranker
}

// prepareQuery starts preparing the ranker's view of qa (its links in the
// learned tables, its term IDFs): it needs nothing the first stage finds,
// so with a second processor it is prepared there while the caller runs
// the first stage; with one, at once.
func (g *generation) prepareQuery(qa *analysis) *queryPrep {
	p := &queryPrep{}
	m := g.rank.model()
	if m == nil {
		return p
	}
	prepare := func() {
		p.q = rank.NewQuery(&qa.Analysis, m)
		g.mu.RLock()
		p.q.Prepare(&g.stats)
		g.mu.RUnlock()
	}
	if runtime.GOMAXPROCS(0) > 1 {
		p.wg.Go(prepare)
	} else {
		prepare()
	}
	return p
}

// query waits until the query is prepared and returns it (nil without a
// ranker).
func (p *queryPrep) query() *rank.Query {
	p.wg.Wait()
	return p.q
}

// release gives the query back once the search is done with it, waiting
// for its preparation if need be (the first stage may have failed).
func (p *queryPrep) release() {
	if q := p.query(); q != nil {
		q.Release()
	}
}

// candidate is an entry the first stage found: its texts as the ranker
// reads them and the first-stage score of each (rank.Candidate), and the
// score the entry ends with.
type candidate struct {
	rank.Candidate
	e     *entry
	best  float64 // the best of BM25
	score float64 // final score
	text  int     // the text that decided score
}

// score sets each candidate's score and matched text: with a ranker, the
// best score of q, the ranker's view of the query, over the entry's texts;
// without one (q nil), the best BM25 score. It then sorts cands best first
// (ties: priority, then id). cs, when not nil, lends its scratch space.
func (g *generation) score(cands []*candidate, q *rank.Query, cs *candidateSet) {
	if len(cands) == 0 {
		return
	}
	top := 0.0
	for _, c := range cands {
		top = max(top, c.best)
	}
	if q == nil || top == 0 {
		for _, c := range cands {
			c.score = c.best
			c.text = slices.Index(c.BM25, c.best)
		}
		slices.SortFunc(cands, byRank)
		return
	}
	if cs == nil {
		cs = &candidateSet{}
	}
	ranked := cs.ranked[:0]
	for _, c := range cands {
		ranked = append(ranked, &c.Candidate)
	}
	cs.ranked = ranked
	g.mu.RLock()
	scores := g.rank.m.Score(q, ranked, top, &g.stats)
	g.mu.RUnlock()
	j := 0
	for _, c := range cands {
		c.score = 0
		for k := range c.Texts {
			s := scores[j]
			j++
			if k == 0 || s > c.score {
				c.score, c.text = s, k
			}
		}
	}
	slices.SortFunc(cands, byRank)
}

// hits turns the first limit candidates into hits, with the confidences
// of the calibration of g's ranker (when g is not nil and its ranker has
// one) of at least minConf.
func hits(cands []*candidate, qa *analysis, limit int, g *generation, minConf float64) []Hit {
	// Confidences weigh each hit against every candidate, before the
	// limit cuts the list.
	var cal rank.Calibration
	var st rank.ScoreStats
	var qm rank.Match
	calibrated := false
	if g != nil && g.rank != nil && len(cands) > 0 {
		if cal, calibrated = g.rank.m.Calibration(); calibrated {
			scores := make([]float64, len(cands))
			for i, c := range cands {
				scores[i] = c.score
			}
			st = rank.StatsOf(scores)
			qm = g.queryMatch(qa)
		}
	}
	if len(cands) > limit {
		cands = cands[:limit]
	}
	out := make([]Hit, 0, len(cands))
	for i, c := range cands {
		h := Hit{Score: c.score}
		if calibrated {
			m := rank.Cover(qm, &qa.Analysis, &c.e.texts[c.text].Analysis)
			h.Confidence = cal.Confidence(c.score, i == 0, &st, &m)
			if h.Confidence < minConf {
				continue
			}
		}
		h.FAQ, h.Field, h.Matched = cloneFAQ(c.e.faq), FieldQuestion, c.e.faq.Question
		if c.text > 0 {
			h.Field, h.SimilarIndex, h.Matched = FieldSimilar, c.text-1, c.e.faq.Similar[c.text-1]
		}
		h.Fragment = highlight(h.Matched, &c.e.texts[c.text], qa.WordSet)
		out = append(out, h)
	}
	return out
}

// queryMatch is the part of a hit's rank.Match that depends on the
// query alone, for g's term counts.
func (g *generation) queryMatch(qa *analysis) rank.Match {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return rank.QueryMatch(&qa.Analysis, &g.stats)
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
