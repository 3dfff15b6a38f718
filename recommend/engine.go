package recommend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duxin-ai/duxin/kb"
)

// Option configures [NewEngine].
type Option func(*options)

type options struct {
	model       *Model
	phrasebook  *Phrasebook
	clock       func() time.Time
	logger      *slog.Logger
	rng         *rand.Rand
	diversity   float64
	explore     float64
	exploreMax  int64
	resolvedFor time.Duration
	histLimit   int
	histAge     time.Duration
	maxSkew     time.Duration
	observer    Observer
	statsTTL    time.Duration
	storeWait   time.Duration
}

func defaultOptions() options {
	return options{
		clock:       time.Now,
		logger:      slog.New(slog.DiscardHandler),
		diversity:   defaultDiversity,
		explore:     0.05,
		exploreMax:  50,
		resolvedFor: 7 * 24 * time.Hour,
		histLimit:   DefaultPerUser,
		histAge:     90 * 24 * time.Hour,
		maxSkew:     DefaultMaxSkew,
		statsTTL:    10 * time.Second,
	}
}

// WithModel sets the model learned by [Train] or read by [ReadModel].
// Without it the engine starts cold: trigger rules, searches and related
// questions, [DefaultWeights]. [Engine.SetModel] replaces it later.
func WithModel(m *Model) Option { return func(o *options) { o.model = m } }

// WithPhrasebook sets the phrasebook reasons are worded from (see
// [Phrasebook]). Without one, an event's reason is a neutral sentence that
// names no event type (你3小时前有一次相关操作).
func WithPhrasebook(p *Phrasebook) Option { return func(o *options) { o.phrasebook = p } }

// WithClock sets the clock for requests without Now and for feedback
// without a time; default time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// WithLogger sets the logger: catalog reloads and model swaps at Info,
// failed store and catalog reads at Warn, each request's sources at Debug.
// Default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithRand makes exploration random (a Thompson-like draw of the bonus)
// using r, which the engine then guards with its own lock. Without it,
// exploration is a deterministic bonus and output is deterministic.
func WithRand(r *rand.Rand) Option { return func(o *options) { o.rng = r } }

// WithDiversity sets the default MMR trade-off in [0, 1] for requests whose
// Diversity is 0: 0 ranks by relevance alone, 1 by category novelty alone.
// Relevance is scaled to [0, 1] over the best candidates, so the default,
// 0.03, lets a question of a category not yet listed pass one of a listed
// category only when their scores are within 3% of that range: a near tie.
// A user asks one question, and the list most likely to hold it is the
// most probable one; larger values cost hits (see [defaultDiversity]).
func WithDiversity(lambda float64) Option { return func(o *options) { o.diversity = lambda } }

// defaultDiversity was chosen on the tune half of the simulated logs, with
// the questions spread over twelve categories: the served HR@10 of ten
// suggestions against the full ranking's (go run ./benchmarks/eval
// recommend -events … -users tune -categories 12 -diversity λ) —
// helpcenter-live 0.6965 at 0.3 (the old default), 0.7350 at 0.1, 0.7504
// at 0.05, 0.7529 at 0.03, full 0.7595; helpcenter 0.8432 at 0.3, 0.8912
// at 0.05, 0.8947 at 0.03, full 0.9025.
const defaultDiversity = 0.03

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
// limit events, none older than maxAge. Defaults 200 and 90 days. Train
// learns from the same number of events before each ask
// (TrainOptions.History).
func WithHistory(limit int, maxAge time.Duration) Option {
	return func(o *options) { o.histLimit, o.histAge = limit, maxAge }
}

// WithStoreTimeout bounds how long a call waits for each of the stores'
// reads and writes (0, the default: as long as its context allows). A
// store call that takes longer is a store failure: [Engine.Recommend]
// answers degraded instead of failing (see [ErrDegraded]), and
// [Engine.Record] and [Engine.Feedback] return the error, so a slow store
// costs a call at most this long.
func WithStoreTimeout(d time.Duration) Option { return func(o *options) { o.storeWait = d } }

// WithMaxSkew sets how far after the engine's clock a recorded event may be
// dated: Record refuses a later one, which a store's TTL would never
// expire; a request on the engine's clock counts one it accepted as
// happening now. Default 10 minutes; negative means no limit.
func WithMaxSkew(d time.Duration) Option { return func(o *options) { o.maxSkew = d } }

// maxHistory bounds WithHistory's limit: a request never reads more.
const maxHistory = 1 << 20

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
	if o.statsTTL < 0 {
		bad("WithStatsCache", o.statsTTL, ">= 0")
	}
	if o.storeWait < 0 {
		bad("WithStoreTimeout", o.storeWait, ">= 0")
	}
	if o.resolvedFor < 0 {
		bad("WithResolvedFor", o.resolvedFor, ">= 0")
	}
	if o.histLimit < 1 || o.histLimit > maxHistory || o.histAge <= 0 {
		bad("WithHistory", fmt.Sprint(o.histLimit, o.histAge), fmt.Sprintf("limit in [1, %d] and maxAge > 0", maxHistory))
	}
	return errors.Join(errs...)
}

// Engine ranks the questions a user is about to ask. It is safe for
// concurrent use; see the package documentation.
type Engine struct {
	cat      Catalog
	events   EventStore
	feedback FeedbackStore
	user     UserReader // the stores' one read of a user, when they are one value that has it
	stats    *statsCache
	opts     options

	model  atomic.Pointer[Model]
	catv   atomic.Pointer[catalog]        // nil until the first request or Reload
	static atomic.Pointer[staticFeatures] // of the current catalog and model: built by load and SetModel, else on demand
	loadMu sync.Mutex                     // one catalog read at a time

	crowd crowdCache // the last crowd read

	rngMu sync.Mutex
	views sync.Pool // *view: per-request buffers, returned by release
}

// NewEngine returns an engine over a catalog and the stores. It does no
// I/O: call [Engine.Reload] before serving, which reads the catalog and
// prepares the engine for it; otherwise the first request does, and waits
// for it. A nil argument or an invalid option is an error.
func NewEngine(cat Catalog, events EventStore, feedback FeedbackStore, opts ...Option) (*Engine, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	var errs []error
	if cat == nil {
		errs = append(errs, fmt.Errorf("%w: nil catalog", ErrInvalidOption))
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
	e := &Engine{cat: cat, events: events, feedback: feedback, opts: o, stats: newStatsCache(o.statsTTL)}
	if ur, ok := events.(UserReader); ok && sameValue(events, feedback) {
		e.user = ur
	}
	e.model.Store(m)
	return e, nil
}

// Model returns the model the engine serves now.
func (e *Engine) Model() *Model { return e.model.Load() }

// SetModel makes the engine serve m from its next request on; requests
// already running finish with the model they started with. It prepares
// what m's requests need of the catalog before it returns, so that the
// first of them does not. A nil model is an error.
func (e *Engine) SetModel(m *Model) error {
	if m == nil {
		return fmt.Errorf("%w: SetModel(nil)", ErrInvalidOption)
	}
	if c := e.catv.Load(); c != nil {
		e.static.Store(newStaticFeatures(c, m))
	}
	old := e.model.Swap(m)
	e.opts.logger.Info("recommend: model swapped", "from", old.info.ID, "to", m.info.ID, "trained_at", m.info.TrainedAt)
	return nil
}

// Reload re-reads the catalog (entries, triggers, categories, validity),
// prepares what requests need of it under the current model, and drops the
// cached answers of its Related and Search lookups, which requests
// otherwise reuse. Call it once before serving, so that no request waits
// for the catalog, and after changing a knowledge base that is not a
// [Revisioner]; one that is (*kb.Index) is re-read on its own, by the
// first request after the change.
func (e *Engine) Reload(ctx context.Context) error {
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	_, err := e.load(ctx)
	return err
}

// load reads the catalog and makes it the current one. The caller holds
// loadMu.
func (e *Engine) load(ctx context.Context) (*catalog, error) {
	var rev uint64
	rv, ok := e.cat.(Revisioner)
	if ok {
		rev = rv.Revision() // before reading: a change during the read is read again
	}
	c, err := loadCatalog(ctx, e.cat)
	if err != nil {
		e.opts.logger.Warn("recommend: catalog read failed", "err", err)
		return nil, err
	}
	c.rev = rev
	e.static.Store(newStaticFeatures(c, e.model.Load())) // before c is current: no request builds them
	e.catv.Store(c)
	e.opts.logger.Info("recommend: catalog loaded", "entries", len(c.faqs), "revision", rev)
	return c, nil
}

// catalog returns the current catalog, reading it on first use and, for a
// [Revisioner], again when its revision changed. Should that read fail,
// the request goes on with the catalog it has.
func (e *Engine) catalog(ctx context.Context) (*catalog, error) {
	c := e.catv.Load()
	if c != nil {
		rv, ok := e.cat.(Revisioner)
		if !ok || rv.Revision() == c.rev {
			return c, nil
		}
	}
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	if cur := e.catv.Load(); cur != nil && cur != c {
		return cur, nil // another request read it meanwhile
	}
	n, err := e.load(ctx)
	if err != nil && c != nil {
		return c, nil
	}
	return n, err
}

// staticFor returns the static features of cat under m, building them when
// the catalog or the model changed.
func (e *Engine) staticFor(cat *catalog, m *Model) *staticFeatures {
	if st := e.static.Load(); st != nil && st.cat == cat && st.model == m {
		return st
	}
	st := newStaticFeatures(cat, m)
	e.static.Store(st)
	return st
}

// Record validates events (see [Event.Validate] and [WithMaxSkew]) and
// stores them, all or none. The engine learns nothing from them online:
// they are the users' history, read by every request, and the log a host
// retrains from.
func (e *Engine) Record(ctx context.Context, events ...Event) (err error) {
	var sw stopwatch
	sw.begin("record", e.opts.observer != nil)
	defer func() { sw.end(e.opts.observer, err) }()
	if err := checkEvents(events, e.opts.clock(), e.opts.maxSkew); err != nil {
		return fmt.Errorf("recommend: record: %w", err)
	}
	ctx, cancel := e.storeContext(ctx)
	defer cancel()
	if err := e.events.Append(ctx, events...); err != nil {
		sw.call.StoreErr = err
		return fmt.Errorf("recommend: record: %w", err)
	}
	return nil
}

// Feedback stores reactions to suggestions: impressions and clicks feed
// exploration; a dismissal excludes the question for that user; a
// resolution excludes it for a while ([WithResolvedFor]).
func (e *Engine) Feedback(ctx context.Context, fb ...Feedback) (err error) {
	var sw stopwatch
	sw.begin("feedback", e.opts.observer != nil)
	defer func() { sw.end(e.opts.observer, err) }()
	now := e.opts.clock()
	fb = slices.Clone(fb)
	for i := range fb {
		if fb[i].Time.IsZero() {
			fb[i].Time = now
		}
	}
	ctx, cancel := e.storeContext(ctx)
	defer cancel()
	if err := e.feedback.AddFeedback(ctx, fb...); err != nil {
		if !errors.Is(err, ErrInvalidFeedback) {
			sw.call.StoreErr = err
		}
		return fmt.Errorf("recommend: feedback: %w", err)
	}
	return nil
}

// storeContext is ctx bounded by the store timeout ([WithStoreTimeout]).
func (e *Engine) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.opts.storeWait > 0 {
		return context.WithTimeout(ctx, e.opts.storeWait)
	}
	return ctx, func() {}
}

// Score returns the relevance score of each question for the user at now
// (zero means the clock), aligned with questions: the same weighted features
// Recommend ranks by, without exploration, re-ranking or business rules.
// Dismissed and recently resolved questions score -Inf. Questions the
// engine knows nothing about score their features' zero values. visit is
// the context of the request, as [Request.Context].
func (e *Engine) Score(ctx context.Context, user string, now time.Time, visit map[string]string, questions []string) ([]float64, error) {
	if user == "" {
		return nil, fmt.Errorf("%w: score without user", ErrInvalidOption)
	}
	live := now.IsZero()
	if live {
		now = e.opts.clock()
	}
	cat, err := e.catalog(ctx)
	if err != nil {
		return nil, err
	}
	m := e.model.Load()
	v, fb, _, err := e.view(ctx, cat, m, user, now, visit, false, live)
	if err != nil {
		return nil, err
	}
	defer e.release(v)
	src := &sources{cat: cat, model: m, kb: e.cat}
	st := e.staticFor(cat, m)
	w := m.weights.vec()
	out := make([]float64, len(questions))
	for k, q := range questions {
		if e.dropped(fb[q], now) {
			out[k] = math.Inf(-1)
			continue
		}
		var f feat
		if i, ok := cat.idx[q]; ok {
			f = st.features(v, i)
		} else {
			f = src.features(v, q)
		}
		out[k] = f.dot(&w)
	}
	return out, nil
}

// view reads the user's history and feedback and builds the evidence.
// When degrade is set and a store read fails for another reason than ctx,
// the view is built from the request alone (no history, no feedback) and
// the store's error is returned as storeErr; otherwise it is err. live
// says now is the engine's clock (not a moment the caller chose): events
// dated a little after it then count as happening now (see datedNow).
func (e *Engine) view(ctx context.Context, cat *catalog, m *Model, user string, now time.Time, visit map[string]string, degrade, live bool) (v *view, fb map[string]UserFeedback, storeErr, err error) {
	v, _ = e.views.Get().(*view)
	if v == nil {
		v = &view{}
	}
	hist, fbs, err := e.readUser(ctx, v, user, now)
	if err == nil && live {
		datedNow(hist, now, e.opts.maxSkew)
	}
	if err != nil {
		e.opts.logger.Warn("recommend: store read failed", "user", user, "err", err)
		if !degrade || ctx.Err() != nil {
			e.release(v)
			return nil, nil, err, err
		}
		storeErr, hist, fbs = err, nil, nil
	}
	fb = make(map[string]UserFeedback, len(fbs))
	for _, f := range fbs {
		fb[f.Question] = f
	}
	src := &sources{cat: cat, model: m, kb: e.cat, crowd: e.crowdEvidence(ctx, m, now)}
	if _, err := src.buildView(ctx, hist, now, visit, v); err != nil {
		e.release(v)
		return nil, nil, storeErr, err
	}
	return v, fb, storeErr, nil
}

// datedNow dates now the events at the end of hist (oldest first) that are
// dated after now by at most skew (a negative skew: any). Record accepted
// them ([WithMaxSkew]) from a clock a little ahead of the engine's (a
// client's, another replica's): a request on the engine's clock counts
// them as just happened rather than ignoring them until its clock passes
// their time. The events are the request's copies (only Time changes).
func datedNow(hist []Event, now time.Time, skew time.Duration) {
	for i := len(hist) - 1; i >= 0 && hist[i].Time.After(now); i-- {
		if skew < 0 || !hist[i].Time.After(now.Add(skew)) {
			hist[i].Time = now
		}
	}
}

// readUser reads the user's recent history and feedback: in one call when
// the stores are one [UserReader], else one call each. v's buffer is
// reused for the history.
func (e *Engine) readUser(ctx context.Context, v *view, user string, now time.Time) (hist []Event, fbs []UserFeedback, err error) {
	if e.opts.storeWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.storeWait)
		defer cancel()
	}
	since := now.Add(-e.opts.histAge)
	if e.user != nil {
		v.histBuf, fbs, err = e.user.ReadUser(ctx, v.histBuf[:0], user, since, e.opts.histLimit)
		if err != nil {
			return nil, nil, fmt.Errorf("recommend: read history and feedback of %q: %w", user, err)
		}
		return v.histBuf, fbs, nil
	}
	if ra, ok := e.events.(RecentAppender); ok {
		v.histBuf, err = ra.AppendRecent(ctx, v.histBuf[:0], user, since, e.opts.histLimit)
		hist = v.histBuf
	} else {
		hist, err = e.events.Recent(ctx, user, since, e.opts.histLimit)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("recommend: read history of %q: %w", user, err)
	}
	if fbs, err = e.feedback.UserFeedback(ctx, user); err != nil {
		return nil, nil, fmt.Errorf("recommend: read feedback of %q: %w", user, err)
	}
	return hist, fbs, nil
}

// questionStats returns the totals of ids, from the cache where it holds
// them fresh ([WithStatsCache]) and from the store for the rest. The
// result is in b's array.
func (e *Engine) questionStats(ctx context.Context, ids []string, now time.Time, b *statsBuffers) ([]QuestionStats, error) {
	out := grow(b.out, len(ids))
	clear(out)
	b.out = out
	missing := b.missing[:0]
	wall := time.Now() // the cache ages on the wall clock, not on requests' Now
	if e.stats != nil {
		missing = e.stats.get(ids, wall, out, missing)
		b.missing = missing
		if len(missing) == 0 {
			return out, nil
		}
	} else {
		for k := range ids {
			missing = append(missing, k)
		}
		b.missing = missing
	}
	ask := make([]string, len(missing))
	for j, k := range missing {
		ask[j] = ids[k]
	}
	if e.opts.storeWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.storeWait)
		defer cancel()
	}
	got, err := e.feedback.QuestionStats(ctx, ask)
	if err == nil && len(got) != len(ask) {
		err = fmt.Errorf("store returned %d totals for %d questions", len(got), len(ask))
	}
	if err != nil {
		e.opts.logger.Warn("recommend: question stats read failed", "err", err)
		return nil, fmt.Errorf("recommend: read question stats: %w", err)
	}
	for j, k := range missing {
		out[k] = got[j]
	}
	if e.stats != nil {
		e.stats.put(ask, got, wall)
	}
	return out, nil
}

// sameValue reports whether a and b are the same store value, without
// panicking on incomparable dynamic types.
func sameValue(a, b any) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta != nil && ta.Comparable() && a == b
}

// release returns a request's view to the pool; v must not be used after.
func (e *Engine) release(v *view) {
	v.hist = nil // may be the store's slice: do not keep it alive
	clear(v.histBuf)
	v.buf.refs.release()
	e.views.Put(v)
}

// dropped reports whether feedback excludes a question: dismissed ever, or
// resolved within resolvedFor.
func (e *Engine) dropped(f UserFeedback, now time.Time) bool {
	if !f.Dismissed.IsZero() {
		return true
	}
	return !f.Resolved.IsZero() && now.Sub(f.Resolved) < e.opts.resolvedFor
}

func isNotFound(err error) bool { return errors.Is(err, kb.ErrNotFound) }
