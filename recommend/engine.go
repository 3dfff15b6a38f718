package recommend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/kb"
)

// Option configures [NewEngine].
type Option func(*options)

type options struct {
	model       *Model
	clock       func() time.Time
	logger      *slog.Logger
	rng         *rand.Rand
	diversity   float64
	explore     float64
	exploreMax  int64
	resolvedFor time.Duration
	histLimit   int
	histAge     time.Duration
}

func defaultOptions() options {
	return options{
		clock:       time.Now,
		logger:      slog.New(slog.DiscardHandler),
		diversity:   0.3,
		explore:     0.05,
		exploreMax:  50,
		resolvedFor: 7 * 24 * time.Hour,
		histLimit:   200,
		histAge:     30 * 24 * time.Hour,
	}
}

// WithModel sets the model learned by [Train] or read by [ReadModel]. The
// engine keeps learning into it from recorded asks. Without it the engine
// starts cold: triggers, searches and related questions, [DefaultWeights],
// and whatever Record teaches it.
func WithModel(m *Model) Option { return func(o *options) { o.model = m } }

// WithClock sets the clock for requests without Now and for recency; default time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithLogger sets the logger for debug output; default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithRand makes exploration random (a Thompson-like draw of the bonus)
// using r, which the engine then guards with its own lock. Without it,
// exploration is a deterministic bonus and output is deterministic.
func WithRand(r *rand.Rand) Option { return func(o *options) { o.rng = r } }

// WithDiversity sets the default MMR trade-off in [0, 1] for requests whose
// Diversity is 0: 0 ranks by relevance alone, 1 by category novelty alone.
// Default 0.3.
func WithDiversity(lambda float64) Option { return func(o *options) { o.diversity = lambda } }

// WithExploration sets the exploration bonus: a candidate shown fewer than
// maxImpressions times (over all users) gains bonus/√(1+impressions).
// bonus 0 disables exploration. Defaults 0.05 and 50.
//
// The bonus applies only once impressions are being recorded ([Feedback]
// with [Impression]): while no candidate of a request was ever shown, every
// one would gain the same bonus, so none is given. A suggestion carries a
// [ReasonExplore] reason only when the bonus moved it up (it ranks higher
// than it would without exploration); its text calls the question new
// (新问题) only when it has never been shown.
func WithExploration(bonus float64, maxImpressions int64) Option {
	return func(o *options) { o.explore, o.exploreMax = bonus, maxImpressions }
}

// WithResolvedFor sets how long a question the user marked resolved stays
// excluded; default 7 days.
func WithResolvedFor(d time.Duration) Option { return func(o *options) { o.resolvedFor = d } }

// WithHistory sets how much of a user's history a request reads: at most
// limit events, none older than maxAge. Defaults 200 and 30 days.
func WithHistory(limit int, maxAge time.Duration) Option {
	return func(o *options) { o.histLimit, o.histAge = limit, maxAge }
}

func (o *options) validate() error {
	var errs []error
	bad := func(name string, v any, want string) {
		errs = append(errs, fmt.Errorf("%w: %s = %v, want %s", ErrInvalidOption, name, v, want))
	}
	if o.clock == nil {
		bad("WithClock", "nil", "a clock")
	}
	if o.logger == nil {
		bad("WithLogger", "nil", "a logger")
	}
	if !(o.diversity >= 0 && o.diversity <= 1) {
		bad("WithDiversity", o.diversity, "in [0, 1]")
	}
	if !(o.explore >= 0) || math.IsInf(o.explore, 0) || o.exploreMax < 0 {
		bad("WithExploration", fmt.Sprint(o.explore, o.exploreMax), "finite bonus >= 0 and maxImpressions >= 0")
	}
	if o.resolvedFor < 0 {
		bad("WithResolvedFor", o.resolvedFor, ">= 0")
	}
	if o.histLimit < 1 || o.histAge <= 0 {
		bad("WithHistory", fmt.Sprint(o.histLimit, o.histAge), "limit >= 1 and maxAge > 0")
	}
	return errors.Join(errs...)
}

// Engine ranks the questions a user is about to ask. It is safe for
// concurrent use; see the package documentation.
type Engine struct {
	kb       kb.KnowledgeBase
	events   EventStore
	feedback FeedbackStore
	opts     options
	model    *Model

	mu  sync.RWMutex
	cat *catalog // nil until the first request or Reload

	rngMu sync.Mutex

	stMu sync.Mutex
	st   *staticFeatures // for scoring long lists; see Score

	views sync.Pool // *view: per-request buffers, returned by release
}

// grow returns s with length n, reusing its array when large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// release returns a request's view to the pool; v must not be used after.
func (e *Engine) release(v *view) {
	v.hist = nil // may be the store's slice: do not keep it alive
	clear(v.histBuf)
	e.views.Put(v)
}

// staticFeatures are the user-independent features of every catalog entry
// for one catalog and model version.
type staticFeatures struct {
	cat      *catalog
	version  uint64
	seqID    []int     // seqrec item id per entry, -1 if none
	seqPrior []float64 // its sequence-model prior
	pop      []float64
	trend    []float64
}

// features returns the full feature vector of catalog entry i in v.
func (st *staticFeatures) features(v *view, i int) feat {
	var f feat
	if ev := v.lookupIdx(i); ev != nil {
		f = ev.f
	}
	if id := st.seqID[i]; id >= 0 && v.seqMax > 0 {
		f[fSequence] = v.seqFeature(id, func(int) float64 { return st.seqPrior[i] })
	}
	f[fPopular], f[fTrending] = st.pop[i], st.trend[i]
	return f
}

// freshStatic returns the static features of cat if they are current, or
// nil. Caller must not hold the model lock.
func (e *Engine) freshStatic(cat *catalog) *staticFeatures {
	e.stMu.Lock()
	st := e.st
	e.stMu.Unlock()
	if st == nil || st.cat != cat {
		return nil
	}
	return st
}

// staticFor returns the static features of cat at the model's current
// version, rebuilding them if the model learned since. Caller must not hold
// the model lock.
func (e *Engine) staticFor(cat *catalog) *staticFeatures {
	e.stMu.Lock()
	defer e.stMu.Unlock()
	m := e.model
	m.mu.RLock()
	defer m.mu.RUnlock()
	if st := e.st; st != nil && st.cat == cat && st.version == m.version {
		return st
	}
	st := &staticFeatures{cat: cat, version: m.version, seqID: make([]int, len(cat.faqs)), seqPrior: make([]float64, len(cat.faqs)),
		pop: make([]float64, len(cat.faqs)), trend: make([]float64, len(cat.faqs))}
	for i, f := range cat.faqs {
		st.seqID[i] = -1
		if id, ok := m.seq.ItemIndex(cat.askTok[i]); ok {
			st.seqID[i] = id
			st.seqPrior[i] = m.seq.PriorOf(id)
		}
		st.pop[i] = m.popFeature(f.ID)
		st.trend[i] = m.trendFeature(f.ID)
	}
	e.st = st
	return st
}

// NewEngine returns an engine over a knowledge base and the stores. It does
// no I/O: the catalog is read from the knowledge base on the first request
// (or by [Engine.Reload]). A nil argument or an invalid option is an error.
func NewEngine(k kb.KnowledgeBase, events EventStore, feedback FeedbackStore, opts ...Option) (*Engine, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	var errs []error
	if k == nil {
		errs = append(errs, fmt.Errorf("%w: nil knowledge base", ErrInvalidOption))
	}
	if events == nil {
		errs = append(errs, fmt.Errorf("%w: nil event store", ErrInvalidOption))
	}
	if feedback == nil {
		errs = append(errs, fmt.Errorf("%w: nil feedback store", ErrInvalidOption))
	}
	errs = append(errs, o.validate())
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m := o.model
	if m == nil {
		var err error
		if m, err = emptyModel(); err != nil {
			return nil, err
		}
	}
	return &Engine{kb: k, events: events, feedback: feedback, opts: o, model: m}, nil
}

// Model returns the engine's model (the one given with [WithModel], or the
// one it started empty), including what it learned online.
func (e *Engine) Model() *Model { return e.model }

// Reload re-reads the catalog (entries, triggers, categories, validity)
// from the knowledge base and drops the cached answers of its Related and
// Search lookups, which requests otherwise reuse. Call it after changing
// the knowledge base.
func (e *Engine) Reload(ctx context.Context) error {
	c, err := e.loadCatalog(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.cat = c
	e.mu.Unlock()
	e.staticFor(c)
	return nil
}

func (e *Engine) loadCatalog(ctx context.Context) (*catalog, error) {
	if l, ok := e.kb.(Lister); ok {
		faqs, err := l.All(ctx)
		if err != nil {
			return nil, fmt.Errorf("recommend: read catalog: %w", err)
		}
		return newCatalog(faqs), nil
	}
	e.model.mu.RLock()
	ids := slices.Sorted(mapsKeys(e.model.pop))
	e.model.mu.RUnlock()
	faqs := make([]kb.FAQ, 0, len(ids))
	for _, id := range ids {
		f, err := e.kb.Get(ctx, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("recommend: read catalog: %w", err)
		}
		faqs = append(faqs, f)
	}
	return newCatalog(faqs), nil
}

func (e *Engine) catalog(ctx context.Context) (*catalog, error) {
	e.mu.RLock()
	c := e.cat
	e.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	c, err := e.loadCatalog(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.cat == nil {
		e.cat = c
	}
	c = e.cat
	e.mu.Unlock()
	e.staticFor(c)
	return c, nil
}

// Request asks for suggestions for one user. Only User is required.
type Request struct {
	// User identifies the user whose recent events and feedback are read.
	User string
	// Limit is how many suggestions to return; 0 means 5.
	Limit int
	// Now is the moment of the request; zero means the engine's clock.
	Now time.Time
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
func (e *Engine) Recommend(ctx context.Context, req Request) ([]Suggestion, error) {
	if req.User == "" {
		return nil, fmt.Errorf("%w: request without user", ErrInvalidOption)
	}
	if req.Limit < 0 {
		return nil, fmt.Errorf("%w: Limit = %d, want >= 0", ErrInvalidOption, req.Limit)
	}
	if req.Diversity > 1 || math.IsNaN(req.Diversity) {
		return nil, fmt.Errorf("%w: Diversity = %v, want <= 1", ErrInvalidOption, req.Diversity)
	}
	limit := cmp.Or(req.Limit, 5)
	lambda := req.Diversity
	if lambda == 0 {
		lambda = e.opts.diversity
	}
	lambda = max(lambda, 0)
	now := req.Now
	if now.IsZero() {
		now = e.opts.clock()
	}
	cat, err := e.catalog(ctx)
	if err != nil {
		return nil, err
	}
	v, fb, err := e.view(ctx, cat, req.User, now)
	if err != nil {
		return nil, err
	}
	defer e.release(v)
	src := &sources{cat: cat, model: e.model, kb: e.kb}

	// Candidates: every question with evidence, plus the popular and trending.
	blocked := make(map[string]bool, len(req.Blocked))
	for _, id := range req.Blocked {
		blocked[id] = true
	}
	excluded := func(i int) bool {
		f := &cat.faqs[i]
		return blocked[f.ID] || !f.ValidAt(now) || e.dropped(fb[f.ID], now)
	}
	// Static features are used when fresh; otherwise computed from maps.
	st := e.freshStatic(cat)
	seen := grow(v.buf.seen, (len(cat.faqs)+63)/64)
	clear(seen)
	v.buf.seen = seen
	cands := v.buf.cands[:0]
	add := func(i int) {
		if seen[i/64]&(1<<(i%64)) != 0 {
			return
		}
		seen[i/64] |= 1 << (i % 64)
		if !excluded(i) {
			cands = append(cands, i)
		}
	}
	addQ := func(q string) {
		if i, ok := cat.idx[q]; ok {
			add(i)
		}
	}
	for k := range v.evs {
		addQ(v.evs[k].q)
	}
	for _, q := range v.seqQ {
		addQ(q)
	}
	e.model.mu.RLock()
	for _, q := range e.model.popTop {
		addQ(q)
	}
	for _, q := range e.model.trendTop {
		addQ(q)
	}
	w := e.model.weights.vec()
	if st != nil && st.version != e.model.version {
		st = nil
	}
	poolSize := max(3*limit, 30)
	pool := grow(v.buf.pool, poolSize+1)[:0]
	for _, i := range cands {
		var f feat
		if st != nil {
			f = st.features(v, i)
		} else {
			f = src.features(v, cat.faqs[i].ID, cat.askTok[i])
		}
		pool = insertTop(cat, pool, scoredCand{idx: i, f: f, score: f.dot(&w)}, poolSize)
	}
	popTop := append(v.buf.popTop[:0], e.model.popTop...)
	v.buf.cands, v.buf.popTop = cands, popTop
	e.model.mu.RUnlock()

	// Without exploration: the ranking the bonus is measured against.
	base := append(v.buf.base[:0], pool...)
	v.buf.pool, v.buf.base = pool, base
	if err := e.exploreBonus(ctx, cat, pool); err != nil {
		return nil, err
	}
	sortScored(cat, pool)

	// Pins first, then MMR over a pool of the best.
	var out []scoredCand
	taken := map[int]bool{}
	for _, id := range req.Pinned {
		i, ok := cat.idx[id]
		if !ok || taken[i] || excluded(i) || len(out) == limit {
			continue
		}
		taken[i] = true
		out = append(out, scoredCand{idx: i, pinned: true})
	}
	pool = slices.DeleteFunc(pool, func(c scoredCand) bool { return taken[c.idx] })
	picked := mmr(cat, pool, limit-len(out), lambda, out)
	markExplored(picked, base, func(c scoredCand) bool { return taken[c.idx] }, func(b []scoredCand) []scoredCand {
		return mmr(cat, b, limit-len(out), lambda, out)
	})
	for _, c := range picked {
		taken[c.idx] = true
		out = append(out, c)
	}
	// Fill: popular, then by priority.
	for _, q := range popTop {
		if len(out) >= limit {
			break
		}
		if i, ok := cat.idx[q]; ok && !taken[i] && !excluded(i) {
			taken[i] = true
			out = append(out, scoredCand{idx: i, fill: fillPopular})
		}
	}
	for _, i := range cat.byPrio {
		if len(out) >= limit {
			break
		}
		if !taken[i] && !excluded(i) {
			taken[i] = true
			out = append(out, scoredCand{idx: i, fill: fillDefault})
		}
	}
	why := e.explainSequence(v, cat, out, &w)
	res := make([]Suggestion, len(out))
	for k, c := range out {
		res[k] = Suggestion{FAQ: cat.faqs[c.idx], Score: c.score, Reasons: e.reasons(v, cat, &c, &w, why[k])}
	}
	return res, nil
}

// Score returns the relevance score of each question for the user at now
// (zero means the clock), aligned with questions: the same weighted features
// Recommend ranks by, without exploration, re-ranking or business rules.
// Dismissed and recently resolved questions score -Inf. Questions the
// engine knows nothing about score their features' zero values.
func (e *Engine) Score(ctx context.Context, user string, now time.Time, questions []string) ([]float64, error) {
	if now.IsZero() {
		now = e.opts.clock()
	}
	cat, err := e.catalog(ctx)
	if err != nil {
		return nil, err
	}
	v, fb, err := e.view(ctx, cat, user, now)
	if err != nil {
		return nil, err
	}
	defer e.release(v)
	src := &sources{cat: cat, model: e.model, kb: e.kb}
	out := make([]float64, len(questions))
	var st *staticFeatures
	if len(questions) >= 256 {
		st = e.staticFor(cat)
	}
	e.model.mu.RLock()
	defer e.model.mu.RUnlock()
	w := e.model.weights.vec()
	for k, q := range questions {
		if e.dropped(fb[q], now) {
			out[k] = math.Inf(-1)
			continue
		}
		var f feat
		i, ok := cat.idx[q]
		switch {
		case ok && st != nil && st.version == e.model.version:
			f = st.features(v, i)
		case ok:
			f = src.features(v, q, cat.askTok[i])
		default:
			f = src.features(v, q, seqrec.AskPrefix+q)
		}
		out[k] = f.dot(&w)
	}
	return out, nil
}

// view reads the user's history and feedback and builds the evidence.
func (e *Engine) view(ctx context.Context, cat *catalog, user string, now time.Time) (*view, map[string]UserFeedback, error) {
	v, _ := e.views.Get().(*view)
	if v == nil {
		v = &view{}
	}
	var hist []Event
	var err error
	if ra, ok := e.events.(RecentAppender); ok {
		v.histBuf, err = ra.AppendRecent(ctx, v.histBuf[:0], user, now.Add(-e.opts.histAge), e.opts.histLimit)
		hist = v.histBuf
	} else {
		hist, err = e.events.Recent(ctx, user, now.Add(-e.opts.histAge), e.opts.histLimit)
	}
	if err != nil {
		e.release(v)
		return nil, nil, fmt.Errorf("recommend: read history of %q: %w", user, err)
	}
	fbs, err := e.feedback.UserFeedback(ctx, user)
	if err != nil {
		e.release(v)
		return nil, nil, fmt.Errorf("recommend: read feedback of %q: %w", user, err)
	}
	fb := make(map[string]UserFeedback, len(fbs))
	for _, f := range fbs {
		fb[f.Question] = f
	}
	src := &sources{cat: cat, model: e.model, kb: e.kb}
	if _, err := src.buildView(ctx, hist, now, v); err != nil {
		e.release(v)
		return nil, nil, err
	}
	return v, fb, nil
}

// dropped reports whether feedback excludes a question: dismissed ever, or
// resolved within resolvedFor.
func (e *Engine) dropped(f UserFeedback, now time.Time) bool {
	if !f.Dismissed.IsZero() {
		return true
	}
	return !f.Resolved.IsZero() && now.Sub(f.Resolved) < e.opts.resolvedFor
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

// insertTop adds c to top, which holds at most n candidates best first.
func insertTop(cat *catalog, top []scoredCand, c scoredCand, n int) []scoredCand {
	if len(top) == n && !better(cat, &c, &top[n-1]) {
		return top
	}
	if len(top) < n {
		top = append(top, c)
	} else {
		top[n-1] = c
	}
	for j := len(top) - 1; j > 0 && better(cat, &top[j], &top[j-1]); j-- {
		top[j], top[j-1] = top[j-1], top[j]
	}
	return top
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
	any := false
	for _, c := range picked {
		any = any || c.explore > 0
	}
	if !any {
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

// exploreBonus adds the exploration bonus to candidates with few impressions.
// When none of them was ever shown (a feedback store with no impressions,
// say) there is nothing to learn one against the other and no bonus is
// given.
func (e *Engine) exploreBonus(ctx context.Context, cat *catalog, s []scoredCand) error {
	if e.opts.explore == 0 || len(s) == 0 {
		return nil
	}
	ids := make([]string, len(s))
	for k, c := range s {
		ids[k] = cat.faqs[c.idx].ID
	}
	stats, err := e.feedback.QuestionStats(ctx, ids)
	if err != nil {
		return fmt.Errorf("recommend: read question stats: %w", err)
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
	return nil
}

// mmr picks n of pool (sorted best first) greedily by
// (1-λ)·relevance − λ·[same category as a picked one], relevance scaled to
// [0, 1] over the pool; already holds suggestions picked before (pins).
func mmr(cat *catalog, pool []scoredCand, n int, lambda float64, already []scoredCand) []scoredCand {
	if n <= 0 || len(pool) == 0 {
		return nil
	}
	if lambda == 0 || len(pool) <= 1 {
		return pool[:min(n, len(pool))]
	}
	hi, lo := pool[0].score, pool[len(pool)-1].score
	span := hi - lo
	rel := func(c *scoredCand) float64 {
		if span <= 0 {
			return 1
		}
		return (c.score - lo) / span
	}
	cats := map[string]bool{}
	for _, c := range already {
		cats[cat.faqs[c.idx].Category] = true
	}
	used := make([]bool, len(pool))
	var out []scoredCand
	for len(out) < n {
		best, bestV := -1, math.Inf(-1)
		for k := range pool {
			if used[k] {
				continue
			}
			sim := 0.0
			if cats[cat.faqs[pool[k].idx].Category] {
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
		out = append(out, pool[best])
		cats[cat.faqs[pool[best].idx].Category] = true
	}
	return out
}

// Record stores events and learns from them online: each ask updates the
// sequence model, popularity and trending, with the user's stored history
// before it as context. Events are validated first; an invalid one fails
// the call before anything is stored.
func (e *Engine) Record(ctx context.Context, events ...Event) error {
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return fmt.Errorf("recommend: record event %d: %w", i, err)
		}
	}
	for i := range events {
		ev := &events[i]
		if ev.Type == TypeAsk {
			hist, err := e.events.Recent(ctx, ev.User, ev.Time.Add(-e.opts.histAge), e.opts.histLimit)
			if err != nil {
				return fmt.Errorf("recommend: record: read history of %q: %w", ev.User, err)
			}
			if err := e.model.observe(hist, ev); err != nil {
				return err
			}
		}
		if err := e.events.Append(ctx, *ev); err != nil {
			return fmt.Errorf("recommend: record: %w", err)
		}
	}
	return nil
}

// Feedback stores reactions to suggestions: impressions and clicks feed
// exploration; a dismissal excludes the question for that user; a
// resolution excludes it for a while ([WithResolvedFor]).
func (e *Engine) Feedback(ctx context.Context, fb ...Feedback) error {
	now := e.opts.clock()
	fb = slices.Clone(fb)
	for i := range fb {
		if fb[i].Time.IsZero() {
			fb[i].Time = now
		}
	}
	if err := e.feedback.AddFeedback(ctx, fb...); err != nil {
		return fmt.Errorf("recommend: feedback: %w", err)
	}
	return nil
}

// observe learns one ask: hist is the user's history (may include events
// after the ask, which are ignored).
func (m *Model) observe(hist []Event, ask *Event) error {
	var steps []seqrec.Step
	for i := range hist {
		if hist[i].Time.After(ask.Time) {
			break
		}
		steps = appendSteps(steps, &hist[i])
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.seq.Observe(steps, seqrec.AskPrefix+ask.Question, ask.Time.Unix()); err != nil {
		return fmt.Errorf("recommend: learn ask: %w", err)
	}
	m.count(ask.Question, ask.Time)
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, kb.ErrNotFound) }

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(mapsKeys(m)) }

func sortIdx(s []int, f func(a, b int) int) { slices.SortFunc(s, f) }
