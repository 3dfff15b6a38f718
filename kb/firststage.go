package kb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/duxin-ai/duxin/internal/topk"
	"github.com/duxin-ai/duxin/kb/internal/rank"
)

// The first stage of a search: a BM25 disjunction of the query's word and
// bigram terms over the texts' fields, run on bleve's posting lists by an
// accumulator, grouped by entry.

// Boosts of the two first-stage fields: words carry more meaning than
// character bigrams, which are there to catch segmentation differences.
const (
	wordBoost = 1.0
	gramBoost = 0.5
	// soundBoost weighs the sound terms (fieldSounds), which catch
	// pinyin queries and homophone typos.
	soundBoost = 0.5
	// minTerms is the number of query terms always searched, however common.
	minTerms = 4
)

// candidates runs the first stage: it returns up to n entries (other than
// exclude) whose texts share terms with qa, in first-stage order. n is
// bounded by the entries there are, so no caller's number sizes an
// allocation.
func (ix *Index) candidates(ctx context.Context, g *generation, qa *analysis, category string, tags []string, exclude string, n int, cs *candidateSet) ([]*candidate, error) {
	g.mu.RLock()
	n = min(n, len(g.entries))
	g.mu.RUnlock()
	terms := ix.queryTerms(g, qa)
	if len(terms) == 0 || n == 0 {
		return nil, nil
	}
	var filters []queryTerm
	if category != "" {
		filters = append(filters, queryTerm{text: category, field: fieldCategory})
	}
	for _, tag := range tags {
		filters = append(filters, queryTerm{text: tag, field: fieldTags})
	}
	acc := g.getAccumulator()
	defer g.putAccumulator(acc)
	// An entry has one or a few texts; ask for more texts than entries so
	// that n distinct entries usually come back.
	if err := acc.search(ctx, g.bi, terms, filters, g.vocab(), 2*n+10); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, fmt.Errorf("kb: search: %w", err)
	}
	now := ix.opts.clock()
	g.mu.RLock()
	defer g.mu.RUnlock()
	if cs == nil {
		cs = &candidateSet{}
	}
	if cs.byID == nil {
		cs.byID = make(map[string]*candidate, n)
	}
	byID, out := cs.byID, cs.out[:0]
	// The candidates and their per-text scores come from blocks (reused
	// from search to search), not two allocations per candidate. store
	// never grows past n, so pointers into it stay valid.
	store := slices.Grow(cs.store[:0], n)
	cs.scores = slices.Grow(cs.scores[:0], 2*n)[:2*n]
	clear(cs.scores)
	scores := cs.scores
	for i := range acc.top {
		id, k, ok := parseDocID(acc.ids[i])
		if !ok || id == exclude {
			continue
		}
		score := acc.top[i].score
		c := byID[id]
		if c == nil {
			if len(out) == n {
				continue
			}
			e := g.entries[id]
			if e == nil || !e.faq.ValidAt(now) {
				continue // deleted while bleve answered, or out of its validity period
			}
			if len(scores) < len(e.texts) {
				scores = make([]float64, max(2*(n-len(out)), len(e.texts)))
			}
			bm25 := scores[:len(e.texts):len(e.texts)]
			store = append(store, candidate{Candidate: rank.Candidate{Texts: e.ranked, BM25: bm25, Rank: len(out)}, e: e})
			scores = scores[len(e.texts):]
			c = &store[len(store)-1]
			byID[id] = c
			out = append(out, c)
		}
		if k < len(c.BM25) {
			c.BM25[k] = score
			c.best = max(c.best, score)
		}
	}
	cs.store, cs.out = store, out
	return out, nil
}

// candidateSet holds the candidates of one first stage. Search reuses one
// from search to search (Index.candSets); other callers pass nil.
type candidateSet struct {
	store  []candidate
	scores []float64
	byID   map[string]*candidate
	out    []*candidate
	ranked []*rank.Candidate // the ranker's view of out (generation.score)
}

func (ix *Index) getCandidateSet() *candidateSet {
	if cs, ok := ix.candSets.Get().(*candidateSet); ok {
		return cs
	}
	return &candidateSet{}
}

// putCandidateSet gives cs back once nothing uses its candidates; it drops
// their references to entries first.
func (ix *Index) putCandidateSet(cs *candidateSet) {
	cs.reset()
	ix.candSets.Put(cs)
}

// reset empties cs for another first stage.
func (cs *candidateSet) reset() {
	clear(cs.store)
	clear(cs.byID)
	clear(cs.out)
	clear(cs.ranked)
	cs.store, cs.out, cs.ranked = cs.store[:0], cs.out[:0], cs.ranked[:0]
}

// queryTerm is one term the first stage searches.
type queryTerm struct {
	text, field string
	boost       float64
	df          int
}

// queryTerms returns the first stage's terms for qa. Terms held by more
// than maxDF of the texts are left out, except the rarest minTerms: their
// BM25 weight is small, their posting lists are long, and the reranker
// still sees them. This keeps latency flat as the KB grows.
func (ix *Index) queryTerms(g *generation, qa *analysis) []queryTerm {
	g.mu.RLock()
	terms := make([]queryTerm, 0, len(qa.WordSet)+len(qa.Grams))
	for _, w := range qa.WordSet {
		terms = append(terms, queryTerm{w, fieldWords, wordBoost, g.stats.WordDF(w)})
	}
	for _, w := range qa.Grams {
		terms = append(terms, queryTerm{w, fieldGrams, gramBoost, g.stats.GramDF(w)})
	}
	terms = append(terms, g.soundQueryTerms(qa)...)
	n := g.stats.Texts()
	g.mu.RUnlock()
	slices.SortStableFunc(terms, func(a, b queryTerm) int { return a.df - b.df })
	limit := int(ix.opts.maxDF * float64(n))
	out := terms[:0]
	for _, t := range terms {
		if t.df == 0 {
			continue // no text holds it
		}
		// The rarer terms come first; the first minTerms that some text
		// holds are always searched. (Terms no text holds do not count:
		// they used to, so that 花呗咋还, whose 呗咋 and 咋还 no text holds,
		// lost 花呗 and found nothing while 花呗咋 found the entry.)
		if len(out) >= minTerms && t.df > limit {
			break
		}
		out = append(out, t)
	}
	return out
}

// BM25 constants of bleve's scorer (search.BM25_k1, search.BM25_b).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// accumulator runs the first stage on a bleve snapshot's posting lists. It
// scores exactly as bleve's BM25 disjunction of boosted term queries does
// (query norm, coordination factor, the same index statistics), and orders
// as bleve does (score, then index order), but it adds each posting into a
// dense array by document number instead of merging the lists through a
// heap of searchers and allocating a match per document: about three
// times cheaper, and it allocates nothing once warm. Filters are postings
// of their keyword terms: a text must hold every filter term.
type accumulator struct {
	score   []float64 // by document number
	matched []int32   // query terms a document holds; 0 = untouched
	filters []int32   // filter terms a document holds
	touched []uint64  // documents with matched > 0
	readers []index.TermFieldReader
	idfs    []float64
	tfd     index.TermFieldDoc
	idBuf   []byte
	// top holds the best documents, best first, and ids their bleve
	// document ids.
	top []scoredDoc
	ids []string
	// extIDs caches, for one search, the bleve ids of documents whose
	// scores tied: ties are broken by id, not by document number, which
	// depends on the order bleve's batch analysis happened to finish in
	// and so differs from process to process.
	extIDs map[uint64]string
	idErr  error
	// shared is the generation's id cache.
	shared *docIDCache
}

type scoredDoc struct {
	doc   uint64
	score float64
}

// below ranks d below o by score, then document number: cheap, for the
// heap.
func (d scoredDoc) below(o scoredDoc) bool {
	if d.score != o.score {
		return d.score < o.score
	}
	return d.doc > o.doc
}

// extID returns the bleve id of document doc, cached for the search and in
// the generation's cache of r.
func (a *accumulator) extID(r index.IndexReader, doc uint64) string {
	if id, ok := a.extIDs[doc]; ok {
		return id
	}
	id, ok := a.shared.get(r, doc)
	if !ok {
		a.idBuf = index.NewIndexInternalID(a.idBuf, doc)
		var err error
		if id, err = r.ExternalID(a.idBuf); err != nil {
			if a.idErr == nil {
				a.idErr = err
			}
		} else {
			a.shared.put(r, doc, id)
		}
	}
	if a.extIDs == nil {
		a.extIDs = map[uint64]string{}
	}
	a.extIDs[doc] = id
	return id
}

// docIDCache remembers the bleve ids of the document numbers searches have
// looked up, for one index snapshot at a time: a snapshot numbers its
// documents for good, and looking an id up in bleve's stored fields costs
// far more than a map. A search on another snapshot (after an update or a
// background merge) starts the cache afresh.
type docIDCache struct {
	mu   sync.RWMutex
	snap index.IndexReader // compared by identity only
	ids  map[uint64]string
}

func (c *docIDCache) get(r index.IndexReader, doc uint64) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.snap != r {
		return "", false
	}
	id, ok := c.ids[doc]
	return id, ok
}

func (c *docIDCache) put(r index.IndexReader, doc uint64, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != r {
		c.snap, c.ids = r, map[uint64]string{}
	}
	c.ids[doc] = id
}

func (g *generation) getAccumulator() *accumulator {
	if a, ok := g.accs.Get().(*accumulator); ok {
		return a
	}
	return &accumulator{shared: &g.docIDs}
}

func (g *generation) putAccumulator(a *accumulator) {
	for _, d := range a.touched {
		a.score[d], a.matched[d], a.filters[d] = 0, 0, 0
	}
	a.touched = a.touched[:0]
	a.top = a.top[:0]
	clear(a.ids)
	a.ids = a.ids[:0]
	clear(a.extIDs)
	a.idErr = nil
	g.accs.Put(a)
}

// grow makes the arrays hold document number d.
func (a *accumulator) grow(d uint64) {
	if d < uint64(len(a.score)) {
		return
	}
	n := max(int(d)+1, 2*len(a.score), 1024)
	a.score = append(a.score, make([]float64, n-len(a.score))...)
	a.matched = append(a.matched, make([]int32, n-len(a.matched))...)
	a.filters = append(a.filters, make([]int32, n-len(a.filters))...)
}

// search leaves in a.top and a.ids the size best texts of bi that hold at
// least one of terms and every one of filters.
// fieldVocab is the number of distinct terms of the word, bigram and sound
// fields over the live texts.
type fieldVocab struct{ words, grams, sounds int }

func (v fieldVocab) of(field string) int {
	switch field {
	case fieldWords:
		return v.words
	case fieldGrams:
		return v.grams
	case fieldSounds:
		return v.sounds
	}
	return 0
}

// vocab returns g's field vocabularies.
func (g *generation) vocab() fieldVocab {
	g.mu.RLock()
	defer g.mu.RUnlock()
	words, grams := g.stats.Vocabulary()
	return fieldVocab{words, grams, g.sounds.vocabulary()}
}

func (a *accumulator) search(ctx context.Context, bi bleve.Index, terms, filters []queryTerm, vocab fieldVocab, size int) (err error) {
	adv, err := bi.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer func() {
		for _, tfr := range a.readers {
			if cerr := tfr.Close(); err == nil {
				err = cerr
			}
		}
		a.readers, a.idfs = a.readers[:0], a.idfs[:0]
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	docs, err := r.DocCount()
	if err != nil || docs == 0 {
		return err
	}
	a.grow(docs - 1) // document numbers run past docs only after deletions
	// As bleve's term searcher: idf from the live document count and the
	// term's posting count, average field length from the field's
	// cardinality, query norm over every clause's boost·idf.
	sumSq := 0.0
	for _, t := range terms {
		tfr, err := r.TermFieldReader(ctx, []byte(t.text), t.field, true, true, false)
		if err != nil {
			return err
		}
		a.readers = append(a.readers, tfr)
		df := float64(tfr.Count())
		idf := math.Log(1 + (float64(docs)-df+0.5)/(df+0.5))
		a.idfs = append(a.idfs, idf)
		sumSq += (t.boost * idf) * (t.boost * idf)
	}
	qnorm := 1 / math.Sqrt(sumSq)
	avgField, avg := "", 0.0
	for i, tfr := range a.readers {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := &terms[i]
		if t.field != avgField {
			// bleve's BM25 takes the field dictionary's cardinality over
			// the document count as the average field length. On a
			// snapshot of several segments that cardinality counts a
			// term once per segment holding it, so it changes as
			// background merges run, and the same query scored
			// differently from run to run. The field's vocabulary over
			// the live texts is what it is on a fully merged index.
			avgField = t.field
			avg = math.Ceil(float64(vocab.of(t.field)) / float64(docs))
		}
		idf := a.idfs[i]
		weight := t.boost * idf * qnorm
		for {
			d, err := tfr.Next(&a.tfd)
			if err != nil {
				return err
			}
			if d == nil {
				break
			}
			doc := d.ID.Value()
			a.grow(doc)
			tf := math.Sqrt(float64(d.Freq))
			var s float64
			if avg > 0 {
				length := 1 / (d.Norm * d.Norm)
				s = idf * (tf * bm25K1) / (tf + bm25K1*(1-bm25B+(bm25B*length/avg)))
			} else {
				s = tf * d.Norm * idf
			}
			if weight != 1 {
				s *= weight
			}
			if a.matched[doc] == 0 {
				a.touched = append(a.touched, doc)
			}
			a.matched[doc]++
			a.score[doc] += s
		}
	}
	need := int32(0)
	for i, f := range filters {
		if slices.ContainsFunc(filters[:i], func(o queryTerm) bool { return o.text == f.text && o.field == f.field }) {
			continue
		}
		need++
		tfr, err := r.TermFieldReader(ctx, []byte(f.text), f.field, false, false, false)
		if err != nil {
			return err
		}
		a.readers = append(a.readers, tfr)
		for {
			d, err := tfr.Next(&a.tfd)
			if err != nil {
				return err
			}
			if d == nil {
				break
			}
			if doc := d.ID.Value(); doc < uint64(len(a.matched)) && a.matched[doc] > 0 {
				a.filters[doc]++
			}
		}
	}
	// Keep the size best in a heap with the worst on top, comparing by
	// score then document number (cheap); then take in every document tied
	// with the worst kept one, and sort by score then bleve id, so that
	// which of the tied documents make the cut does not depend on
	// document numbers. Only tied documents cost an id lookup here.
	total := float64(len(terms))
	top := topk.New(size, func(x, y scoredDoc) bool { return y.below(x) }, a.top)
	// outMax is the highest score of a document left out. Every left-out
	// score is at most the final cut (the worst kept score only rises), so
	// a document tied with the cut was left out exactly when outMax equals
	// it; only then is a second pass needed.
	outMax := math.Inf(-1)
	for _, doc := range a.touched {
		if a.filters[doc] != need {
			continue
		}
		sd := scoredDoc{doc, a.score[doc] * (float64(a.matched[doc]) / total)}
		// Most documents are left out: compare with the worst kept one
		// directly before paying for Push.
		if top.Full() && !top.Worst().below(sd) {
			outMax = max(outMax, sd.score)
			continue
		}
		if left, ok := top.Push(sd); ok {
			outMax = max(outMax, left.score)
		}
	}
	full := top.Full()
	var worst float64
	if full {
		worst = top.Worst().score
	}
	h := top.Values()
	if full && outMax == worst {
		cut := worst
		kept := h[:0]
		for _, sd := range h {
			if sd.score != cut {
				kept = append(kept, sd)
			}
		}
		h = kept
		for _, doc := range a.touched {
			if a.filters[doc] != need {
				continue
			}
			if sc := a.score[doc] * (float64(a.matched[doc]) / total); sc == cut {
				h = append(h, scoredDoc{doc, sc})
			}
		}
	}
	// Best first: by score, then by bleve id. (bleve's collector breaks
	// ties by document number, which is not reproducible from one process
	// to the next; see extIDs.)
	slices.SortFunc(h, func(x, y scoredDoc) int {
		switch {
		case x.score > y.score:
			return -1
		case x.score < y.score:
			return 1
		case x.doc == y.doc:
			return 0
		}
		return strings.Compare(a.extID(r, x.doc), a.extID(r, y.doc))
	})
	h = h[:min(len(h), size)]
	a.top = h
	for _, sd := range h {
		a.ids = append(a.ids, a.extID(r, sd.doc))
	}
	return a.idErr
}
