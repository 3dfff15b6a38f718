package recommend

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/internal/topk"
	"github.com/duxin-ai/duxin/kb"
)

// Request asks for suggestions for one user. Only User is required.
type Request struct {
	// User identifies the user whose recent events and feedback are read.
	User string
	// Limit is how many suggestions to return; 0 means 5. It is capped at
	// the catalog's size.
	Limit int
	// Now is the moment of the request; zero means the engine's clock.
	// Events dated after Now are ignored, except, with the engine's clock,
	// those Record accepted as a little ahead of it (see [WithMaxSkew]),
	// which count as happening now.
	Now time.Time
	// Context describes this visit to the help center with the attributes
	// the log records on [TypeOpen] events — where it was opened from
	// (from=huabei), the channel. Nil means the latest open event of the
	// user's history within half an hour, if any.
	Context map[string]string
	// Diversity is the MMR trade-off in [0, 1] between relevance (0) and
	// category novelty (1); 0 means the engine default ([WithDiversity]);
	// a negative value turns diversification off.
	Diversity float64
	// Pinned questions come first, in this order, with a "pinned" reason —
	// unless blocked, invalid at Now, unknown, or dismissed by the user.
	Pinned []string
	// Blocked questions are never returned.
	Blocked []string
}

// Suggestion is one suggested question.
type Suggestion struct {
	FAQ kb.FAQ
	// Score is the question's relevance score (the weighted features plus
	// any exploration bonus); it is comparable only within one response.
	Score float64
	// Reasons say why, strongest first; never empty.
	Reasons []Reason
}

// Recommend returns up to Limit suggestions for the user, best first: no
// duplicates, nothing blocked, dismissed, recently resolved or outside its
// validity period; diversified across categories; filled from popular and
// then priority-ordered questions when the evidence runs out.
//
// The steps, each a method of the request: gather the candidates with
// evidence, exclude what feedback and the request rule out, score by the
// model's weights, add the exploration bonus, diversify (pins first), fill,
// explain.
func (e *Engine) Recommend(ctx context.Context, req Request) (out []Suggestion, err error) {
	var sw stopwatch
	sw.begin("recommend", e.opts.observer != nil)
	defer func() {
		if sw.on {
			for k := range out {
				sw.call.Sources = append(sw.call.Sources, out[k].Reasons[0].Kind)
			}
			sw.end(e.opts.observer, err)
		}
	}()
	if req.User == "" {
		return nil, fmt.Errorf("%w: request without user", ErrInvalidOption)
	}
	if req.Limit < 0 {
		return nil, fmt.Errorf("%w: Limit = %d, want >= 0", ErrInvalidOption, req.Limit)
	}
	if req.Diversity > 1 || math.IsNaN(req.Diversity) {
		return nil, fmt.Errorf("%w: Diversity = %v, want <= 1", ErrInvalidOption, req.Diversity)
	}
	r := &request{e: e, req: req, limit: cmp.Or(req.Limit, 5), lambda: req.Diversity, now: req.Now}
	if r.lambda == 0 {
		r.lambda = e.opts.diversity
	}
	r.lambda = max(r.lambda, 0)
	if r.now.IsZero() {
		r.now = e.opts.clock()
	}
	if r.cat, err = e.catalog(ctx); err != nil {
		return nil, err
	}
	r.limit = min(r.limit, len(r.cat.faqs))
	r.model = e.model.Load()
	r.st = e.staticFor(r.cat, r.model)
	var storeErr error
	if r.v, r.fb, storeErr, err = e.view(ctx, r.cat, r.model, req.User, r.now, req.Context, true, req.Now.IsZero()); err != nil {
		sw.call.StoreErr = storeErr
		return nil, err
	}
	defer e.release(r.v)
	sw.lap("read")
	if len(req.Blocked) > 0 {
		r.blocked = make(map[string]bool, len(req.Blocked))
		for _, id := range req.Blocked {
			r.blocked[id] = true
		}
	}
	r.gather()
	sw.lap("gather")
	r.score()
	sw.lap("score")
	if storeErr == nil {
		if err := r.explore(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			storeErr = err // no exploration bonus: the order the evidence gives
		}
	}
	sw.lap("explore")
	r.diversify()
	r.fill()
	r.v.buf.out = r.out
	sw.lap("rank")
	out = r.explain()
	sw.lap("explain")
	if e.opts.logger.Enabled(ctx, slog.LevelDebug) {
		e.opts.logger.Debug("recommend: request", "user", req.User, "history", len(r.v.hist), "candidates", len(r.cands),
			"suggestions", len(out), "model", r.model.info.ID)
	}
	if storeErr != nil {
		sw.call.StoreErr, sw.call.Degraded = storeErr, true
		return out, fmt.Errorf("%w: %w", ErrDegraded, storeErr)
	}
	return out, nil
}

// request is the state of one Recommend call.
type request struct {
	e       *Engine
	req     Request
	limit   int
	lambda  float64
	now     time.Time
	cat     *catalog
	model   *Model
	st      *staticFeatures // of cat and model
	v       *view
	fb      map[string]UserFeedback
	blocked map[string]bool

	cands []int        // gathered catalog indexes
	pool  []scoredCand // the best candidates, best first
	base  []scoredCand // pool before exploration
	out   []scoredCand // the suggestions, in order
	taken bitset       // catalog indexes in out
}

// excluded reports whether catalog entry i may not be suggested: blocked,
// outside its validity, dismissed or recently resolved.
func (r *request) excluded(i int) bool {
	f := &r.cat.faqs[i]
	return r.blocked[f.ID] || !f.ValidAt(r.now) || r.e.dropped(r.fb[f.ID], r.now)
}

// gather collects the candidates: every question with evidence, the best
// of the learned and sequence models, the popular and the trending — less
// the excluded.
func (r *request) gather() {
	v, cat := r.v, r.cat
	seen := v.buf.seen.reset(len(cat.faqs))
	v.buf.seen = seen
	cands := v.buf.cands[:0]
	add := func(i int) {
		if i < 0 || seen.has(i) {
			return
		}
		seen.set(i)
		if !r.excluded(i) {
			cands = append(cands, i)
		}
	}
	st := r.st
	for k := range v.evs {
		add(v.evs[k].idx)
	}
	for _, t := range v.learnedTop {
		add(int(st.targetIdx[t]))
	}
	for _, it := range v.seqTop {
		add(int(st.itemIdx[it]))
	}
	for _, i := range st.popIdx {
		add(i)
	}
	for _, i := range st.trendIdx {
		add(i)
	}
	r.cands, v.buf.cands = cands, cands
}

// score keeps the poolSize best candidates by the weighted features.
func (r *request) score() {
	st := r.st
	w := r.model.weights.vec()
	poolSize := max(3*r.limit, 30)
	// Score every candidate, then keep the best by their positions: the
	// heap moves four bytes where a scoredCand is a hundred.
	all := r.v.buf.scored[:0]
	for _, i := range r.cands {
		f := st.features(r.v, i)
		all = append(all, scoredCand{idx: i, f: f, score: f.dot(&w)})
	}
	r.v.buf.scored = all
	cat := r.cat
	top := topk.New(poolSize, func(a, b int32) bool { return better(cat, &all[a], &all[b]) }, r.v.buf.top)
	for k := range all {
		top.Push(int32(k))
	}
	best := top.Sorted()
	r.v.buf.top = best
	r.pool = r.v.buf.pool[:0]
	for _, k := range best {
		r.pool = append(r.pool, all[k])
	}
	r.base = append(r.v.buf.base[:0], r.pool...) // the ranking exploration is measured against
	r.v.buf.pool, r.v.buf.base = r.pool, r.base
}

// explore adds the exploration bonus to candidates with few impressions.
// When none of them was ever shown (a feedback store with no impressions,
// say) there is nothing to learn one against the other and no bonus is
// given.
func (r *request) explore(ctx context.Context) error {
	e, s := r.e, r.pool
	if e.opts.explore == 0 || len(s) == 0 {
		return nil
	}
	b := &r.v.buf.stats
	ids := grow(b.ids, len(s))
	b.ids = ids
	for k, c := range s {
		ids[k] = r.cat.faqs[c.idx].ID
	}
	stats, err := e.questionStats(ctx, ids, r.now, b)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(stats, func(q QuestionStats) bool { return q.Impressions > 0 }) {
		return nil
	}
	var draws []float64
	if e.opts.rng != nil {
		draws = make([]float64, len(s))
		e.rngMu.Lock()
		for k := range draws {
			draws[k] = 2 * e.opts.rng.Float64()
		}
		e.rngMu.Unlock()
	}
	for k := range s {
		n := stats[k].Impressions
		if n >= e.opts.exploreMax {
			continue
		}
		b := e.opts.explore / math.Sqrt(1+float64(n))
		if draws != nil {
			b *= draws[k]
		}
		s[k].explore, s[k].impressions = b, n
		s[k].score += b
	}
	sortScored(r.cat, s)
	return nil
}

// diversify puts the pins first, then picks from the pool by MMR across
// categories, and marks the suggestions exploration moved up.
func (r *request) diversify() {
	buf := &r.v.buf
	r.taken = buf.taken.reset(len(r.cat.faqs))
	buf.taken = r.taken
	r.out = buf.out[:0]
	for _, id := range r.req.Pinned {
		i, ok := r.cat.idx[id]
		if !ok || r.taken.has(i) || r.excluded(i) || len(r.out) == r.limit {
			continue
		}
		r.taken.set(i)
		r.out = append(r.out, scoredCand{idx: i, pinned: true})
	}
	drop := func(c scoredCand) bool { return r.taken.has(c.idx) }
	pool := slices.DeleteFunc(r.pool, drop)
	picked := mmr(r.cat, pool, r.limit-len(r.out), r.lambda, r.out, buf.picked[:0], &buf.mmr)
	buf.picked = picked[:0]
	markExplored(picked, r.base, drop, func(b []scoredCand) []scoredCand {
		was := mmr(r.cat, b, r.limit-len(r.out), r.lambda, r.out, buf.was[:0], &buf.mmr)
		buf.was = was[:0]
		return was
	})
	for _, c := range picked {
		r.taken.set(c.idx)
		r.out = append(r.out, c)
	}
}

// fill completes a short list with popular, then priority-ordered
// questions.
func (r *request) fill() {
	add := func(i int, kind fillKind) {
		if !r.taken.has(i) && !r.excluded(i) {
			r.taken.set(i)
			r.out = append(r.out, scoredCand{idx: i, fill: kind})
		}
	}
	for _, i := range r.st.popIdx {
		if len(r.out) >= r.limit {
			return
		}
		add(i, fillPopular)
	}
	for _, i := range r.cat.byPrio {
		if len(r.out) >= r.limit {
			return
		}
		add(i, fillDefault)
	}
}

// explain turns the picked candidates into suggestions with reasons.
func (r *request) explain() []Suggestion {
	w := r.model.weights.vec()
	b := &r.v.buf
	ex := &explainer{e: r.e, v: r.v, cat: r.cat, model: r.model, w: &w, text: b.text, rs: b.rs[:0], evs: b.evs[:0]}
	ex.attribute(r.out)
	seq := ex.sequenceSteps(r.out)
	res := make([]Suggestion, len(r.out))
	for k := range r.out {
		c := &r.out[k]
		res[k] = Suggestion{FAQ: r.cat.faqs[c.idx], Score: c.score, Reasons: ex.reasons(c, seq[k])}
	}
	ex.keep(res)
	b.text, b.rs, b.evs = ex.text, ex.rs[:0], ex.evs[:0]
	return res
}

type fillKind int

const (
	fillNone fillKind = iota
	fillPopular
	fillDefault
)

type scoredCand struct {
	idx         int
	f           feat
	score       float64
	explore     float64 // exploration bonus included in score
	impressions int64   // over all users, when explore > 0
	// exploreShown: the bonus moved this suggestion up (or into the list),
	// so exploration is one of its reasons.
	exploreShown bool
	pinned       bool
	fill         fillKind
}

// better orders candidates: higher score, then higher priority, then id.
func better(cat *catalog, a, b *scoredCand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	fa, fb := &cat.faqs[a.idx], &cat.faqs[b.idx]
	if fa.Priority != fb.Priority {
		return fa.Priority > fb.Priority
	}
	return fa.ID < fb.ID
}

func sortScored(cat *catalog, s []scoredCand) {
	slices.SortFunc(s, func(a, b scoredCand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		fa, fb := &cat.faqs[a.idx], &cat.faqs[b.idx]
		if fa.Priority != fb.Priority {
			return fb.Priority - fa.Priority
		}
		return strings.Compare(fa.ID, fb.ID)
	})
}

// markExplored sets exploreShown on the picked suggestions that the
// exploration bonus moved up: ranked higher than in the list picked the
// same way (pick) from base, the pool without the bonus (sorted best first;
// entries dropped by drop are removed first). A bonus that moves nothing —
// every candidate equally unseen, as when no feedback was ever recorded —
// is no reason.
func markExplored(picked, base []scoredCand, drop func(scoredCand) bool, pick func([]scoredCand) []scoredCand) {
	if !slices.ContainsFunc(picked, func(c scoredCand) bool { return c.explore > 0 }) {
		return
	}
	was := pick(slices.DeleteFunc(base, drop))
	for k := range picked {
		c := &picked[k]
		if c.explore <= 0 {
			continue
		}
		r := slices.IndexFunc(was, func(b scoredCand) bool { return b.idx == c.idx })
		c.exploreShown = r < 0 || r > k
	}
}

// mmr picks n of pool (sorted best first) greedily by
// (1-λ)·relevance − λ·[same category as a picked one], relevance scaled to
// [0, 1] over the pool; already holds suggestions picked before (pins).
// The picks are appended to dst (which must not share pool's array); sc is
// scratch space.
func mmr(cat *catalog, pool []scoredCand, n int, lambda float64, already, dst []scoredCand, sc *mmrScratch) []scoredCand {
	if n <= 0 || len(pool) == 0 {
		return dst
	}
	if lambda == 0 || len(pool) <= 1 {
		return append(dst, pool[:min(n, len(pool))]...)
	}
	hi, lo := pool[0].score, pool[len(pool)-1].score
	span := hi - lo
	rel := func(c *scoredCand) float64 {
		if span <= 0 {
			return 1
		}
		return (c.score - lo) / span
	}
	cats := grow(sc.cats, cat.nCats) // by category number: one is picked
	clear(cats)
	sc.cats = cats
	for _, c := range already {
		cats[cat.catOf[c.idx]] = true
	}
	used := grow(sc.used, len(pool))
	clear(used)
	sc.used = used
	for picked := 0; picked < n; picked++ {
		best, bestV := -1, math.Inf(-1)
		for k := range pool {
			if used[k] {
				continue
			}
			sim := 0.0
			if cats[cat.catOf[pool[k].idx]] {
				sim = 1
			}
			v := (1-lambda)*rel(&pool[k]) - lambda*sim
			if v > bestV { // strict: earlier (better-ranked) wins ties
				best, bestV = k, v
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		dst = append(dst, pool[best])
		cats[cat.catOf[pool[best].idx]] = true
	}
	return dst
}

// mmrScratch is mmr's scratch space, kept with a request's buffers.
type mmrScratch struct {
	cats, used []bool
}
