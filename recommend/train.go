package recommend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/duxin-ai/duxin/internal/needs"
	"github.com/duxin-ai/duxin/internal/record"
	"github.com/duxin-ai/duxin/internal/seqrec"
)

// TrainOptions configure [Train]. Every zero field takes its default.
type TrainOptions struct {
	// Seed seeds the sampling of training cases and negatives; the same
	// log, catalog and options give the same model.
	Seed uint64
	// Negatives is how many random questions (of the log and the catalog)
	// each weight-fitting case's target is ranked among; default 50.
	Negatives int
	// MaxCases caps the cases the weights are fitted on; default 20,000.
	MaxCases int
	// Epochs of pairwise logistic regression; default 8.
	Epochs int
	// TrendHalfLife is the half-life of the trending feature; default 24h.
	TrendHalfLife time.Duration
	// History is how many of a user's events before an ask the need model
	// learns from, as [WithHistory] limits what a request reads; default
	// 200.
	History int
	// Weights, when set, are used as they are instead of fitting them.
	Weights *Weights
	// Calendar is how the need model reads the clock: the time zone
	// (default Beijing time) and the periods the host declares; see
	// [Calendar]. The model keeps it.
	Calendar Calendar
	// Clock gives the model's training time ([ModelInfo].TrainedAt);
	// default time.Now.
	Clock func() time.Time
	// Logger receives progress; nil discards.
	Logger *slog.Logger
	// MemoryBudget bounds, in bytes, what training holds of the log: the
	// models learn from a uniform sample of users that fits it (see
	// [TrainStream]); default [DefaultMemoryBudget] (1 GiB), at least
	// [MinMemoryBudget].
	MemoryBudget int64
}

// Train learns a [Model] from a behavior log (any order; see [ReadEvents])
// and, when cat is not nil, the catalog it refers to (its trigger rules,
// search and related questions feed the features as they will when
// serving).
//
// The need model learns from every ask: for each event type, attribute
// value and pair of values (numeric values in learned buckets), and for
// each earlier ask, how strongly it raises each question as a function of
// the time since it; how the visit's context ([TypeOpen]) and the user's
// profile (profile.* events) shift the odds of each question; and a base
// rate per question. The sequence model and the counts learn from every
// event. The feature weights are fitted on leave-last-out cases: every user
// with at least two asks gives a case whose target is their last ask and
// whose history is everything before it; models trained without those
// targets score the cases against random questions, and the weights are
// chosen for the protocol's metric (NDCG of the target at the equivalent of
// rank 10 among 100): a pairwise logistic regression, the learned model
// alone, the sequence model alone and [DefaultWeights] are the starting
// points, and a coordinate search refines the best. The weight of the
// catalog's trigger rules never falls below the strongest other weight's:
// the rules are the operators' word, and keep working after any retrain,
// for questions the log knows and for new ones (set TrainOptions.Weights
// to override).
//
// It returns an error wrapping [ErrNoEvents] if the log has no ask, and
// checks ctx between stages and during each fit.
func Train(ctx context.Context, events []Event, cat Catalog, opts TrainOptions) (*Model, error) {
	return trainStream(ctx, func(yield func(Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
	}, cat, opts, false)
}

// train is [TrainStream]'s work once the stream is read: users are the
// sample's, t counts the whole stream.
func train(ctx context.Context, users [][]Event, t *tally, s *userSample, cat Catalog, opts TrainOptions) (*Model, error) {
	opts.Negatives = cmp.Or(opts.Negatives, 50)
	opts.MaxCases = cmp.Or(opts.MaxCases, 20000)
	opts.Epochs = cmp.Or(opts.Epochs, 8)
	opts.TrendHalfLife = cmp.Or(opts.TrendHalfLife, 24*time.Hour)
	opts.History = cmp.Or(opts.History, 200)
	if opts.Negatives < 0 || opts.MaxCases < 0 || opts.Epochs < 0 || opts.TrendHalfLife < 0 || opts.History < 0 {
		return nil, fmt.Errorf("%w: negative TrainOptions field", ErrInvalidOption)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	clk, err := newClock(opts.Calendar)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(t.crowd) == 0 {
		return nil, ErrNoEvents
	}
	var catv *catalog
	if cat != nil {
		if catv, err = loadCatalog(ctx, cat); err != nil {
			return nil, err
		}
	}
	sl := newSchemaLearner(opts.Seed)
	for _, u := range users {
		sl.addUser(u)
	}
	sch := sl.schema()

	held := holdLastAsks(users, catv, opts)
	obj, nm0, err := chooseObjective(ctx, held, sch, clk, opts, log)
	if err != nil {
		return nil, err
	}
	weights := DefaultWeights()
	if opts.Weights != nil {
		weights = *opts.Weights
	} else if len(held.cases) > 0 {
		if weights, err = fitWeights(ctx, held, sch, clk, nm0, catv, cat, opts, log); err != nil {
			return nil, err
		}
	}
	ks := trainKinds(users, opts.Seed)
	b, err := needCases(ctx, users, t, sch, clk, ks, opts.History)
	if err != nil {
		return nil, err
	}
	nm, err := fitNeeds(ctx, b, obj, needs.DefaultOptions().Iterations)
	if err != nil {
		return nil, err
	}
	m, err := buildModel(users, t, sch, clk, weights, nm, opts)
	if err != nil {
		return nil, err
	}
	m.setKinds(ks)
	m.info.TrainedAt = opts.Clock().UTC().Truncate(time.Second)
	m.info.Events, m.info.Asks, m.info.Questions = t.events, len(t.crowd), len(t.questions)
	m.info.Users = len(users)
	if s.sampled() {
		events := 0
		for _, u := range users {
			events += len(u)
		}
		m.info.SampledUsers, m.info.SampledEvents = len(users), events
		m.info.Users = int(math.Round(float64(len(users)) / s.fraction()))
	}
	if m.info.ID, err = m.contentID(); err != nil {
		return nil, err
	}
	log.Debug("recommend: trained", "users", m.info.Users, "asks", m.info.Asks, "sampled_users", m.info.SampledUsers,
		"weights", weights, "id", m.info.ID)
	return m, nil
}

func seqOptions() seqrec.Options {
	o := seqrec.DefaultOptions()
	o.IsTarget = seqrec.IsAsk
	return o
}

// buildModel trains the sequence model and the counts on whole sequences
// and puts them together with the need model nm (nil if none).
func buildModel(users [][]Event, t *tally, sch schema, clk *clock, w Weights, nm *needs.Model, opts TrainOptions) (*Model, error) {
	seqs := make([][]seqrec.Step, 0, len(users))
	var kr keyer
	for _, u := range users {
		var steps []seqrec.Step
		for i := range u {
			steps = sch.appendSteps(steps, &kr, &u[i])
		}
		seqs = append(seqs, steps)
	}
	seq, err := seqrec.Train(seqs, seqOptions())
	if err != nil {
		return nil, record.Wrap("recommend", "train sequence model", err)
	}
	m := &Model{weights: w, needs: nm, schema: sch, clock: clk, seq: seq, halfLife: opts.TrendHalfLife.Seconds(),
		pop: map[string]float64{}, trend: map[string]float64{}}
	t.count(m)
	m.rank()
	if nm != nil {
		m.info.Cases = nm.Cases()
	}
	return m, nil
}

// needCases collects the need model's training data from users: every ask
// as a case, each with at most history events before it, and the exposure
// of every cause; nil if there is no ask.
func needCases(ctx context.Context, users [][]Event, t *tally, sch schema, clk *clock, ks *kinds, history int) (*needs.Builder, error) {
	crowd := newCrowdWorld(t, nil)
	post := make([]float64, kindCount)
	o := needs.DefaultOptions()
	b, err := needs.NewBuilder(o)
	if err != nil {
		return nil, record.Wrap("recommend", "train need model", err)
	}
	maxAge := o.Lags[len(o.Lags)-1].Seconds()
	var mo moment
	var kr keyer
	var refs []eventRefs
	sink := builderSink{b}
	kv := ks.view(crowd.share, sink)
	for ui, u := range users {
		if ui%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, record.Wrap("recommend", "train", err)
			}
		}
		// What each event gives the model, resolved once per user.
		refs = grow(refs, len(u))
		for i := range u {
			sch.resolve(&u[i], sink, &kr, &refs[i])
		}
		// Exposure: the user is observed from their first event to their
		// last; every cause occurrence until then.
		end := u[len(u)-1].Time.Unix()
		b.AddTime(float64(end - u[0].Time.Unix()))
		for i := range u {
			span := float64(end - u[i].Time.Unix())
			for _, c := range refs[i].causes {
				b.AddOccurrence(c.id, span, c.about)
			}
		}
		clk.exposure(&kr, u[0].Time.Unix(), end, func(key []byte, seconds float64) {
			b.AddExposure(b.CauseBytes(key), seconds)
		})
		for i := range u {
			if u[i].Type != TypeAsk {
				continue
			}
			lo := max(0, i-history)
			sch.build(&mo, u[lo:i], refs[lo:i], u[i].Time.Unix(), maxAge, nil, sink, clk)
			mo.ev = crowd.evidence(mo.ev, u[i].Time.Unix(), sink)
			if ks != nil && ks.posterior(&kr, u[lo:i], post) {
				mo.ev = kv.evidence(mo.ev, post)
			}
			b.AddCase(b.Target(u[i].Question), mo.ev, mo.ctx)
		}
	}
	if b.Cases() == 0 {
		return nil, nil
	}
	return b, nil
}

// fitNeeds fits b (nil: no asks, no model) for an objective and a number of
// iterations.
func fitNeeds(ctx context.Context, b *needs.Builder, obj needs.Objective, iterations int) (*needs.Model, error) {
	if b == nil {
		return nil, nil
	}
	m, err := b.Fit(ctx, obj, iterations)
	if err != nil {
		return nil, record.Wrap("recommend", "train need model", err)
	}
	return m, nil
}

// emptyModel is the model of an engine without one: no learned causes, no
// sequence model, no counts.
func emptyModel() (*Model, error) {
	seq, err := seqrec.Train(nil, seqOptions())
	if err != nil {
		return nil, record.Wrap("recommend", "empty sequence model", err)
	}
	m := &Model{weights: DefaultWeights(), schema: schema{}, seq: seq, halfLife: (24 * time.Hour).Seconds(),
		pop: map[string]float64{}, trend: map[string]float64{}}
	m.rank()
	var err2 error
	if m.info.ID, err2 = m.contentID(); err2 != nil {
		return nil, err2
	}
	return m, nil
}

type trainCase struct {
	hist   []Event
	target string
	at     time.Time
}

// heldOut is a leave-last-out split of a log: every user's events before
// their last ask (prefixes), and, for users with at least two asks, the
// last ask as a case with its history; at most MaxCases of them, sampled
// with the seed. universe holds every question of the log and the catalog.
type heldOut struct {
	kinds    *kinds // trained on the prefixes, by chooseObjective
	prefixes [][]Event
	cases    []trainCase
	universe []string
	rng      *rand.Rand
}

func holdLastAsks(users [][]Event, catv *catalog, opts TrainOptions) *heldOut {
	h := &heldOut{rng: rand.New(rand.NewPCG(opts.Seed, 0x7e11))}
	universe := map[string]bool{}
	for _, u := range users {
		last, n := -1, 0
		for i, e := range u {
			if e.Type == TypeAsk {
				last, n = i, n+1
				universe[e.Question] = true
			}
		}
		if last < 0 {
			h.prefixes = append(h.prefixes, u)
			continue
		}
		if last > 0 {
			h.prefixes = append(h.prefixes, u[:last])
		}
		if n >= 2 {
			h.cases = append(h.cases, trainCase{hist: u[:last], target: u[last].Question, at: u[last].Time})
		}
	}
	if catv != nil {
		for _, f := range catv.faqs {
			universe[f.ID] = true
		}
	}
	h.universe = slices.Sorted(maps.Keys(universe))
	if len(h.cases) > opts.MaxCases {
		h.rng.Shuffle(len(h.cases), func(i, j int) { h.cases[i], h.cases[j] = h.cases[j], h.cases[i] })
		h.cases = h.cases[:opts.MaxCases]
	}
	return h
}

// objectives are the need model's objectives Train chooses from, the
// default first.
var objectives = []needs.Objective{needs.AtAsks, needs.Process}

// chooseObjective fits a need model for each objective on the prefixes
// and returns the objective whose model gives the held-out last asks the
// higher mean log-likelihood, with that model. These fits stop at half the
// iterations of the final one: on the help-center log that changes the
// held-out figures by less than 0.001. Without held-out cases it returns
// the default and no model.
func chooseObjective(ctx context.Context, h *heldOut, sch schema, clk *clock, opts TrainOptions, log *slog.Logger) (needs.Objective, *needs.Model, error) {
	if len(h.cases) == 0 {
		return objectives[0], nil, nil
	}
	h.kinds = trainKinds(h.prefixes, opts.Seed)
	pt := tallyOf(h.prefixes, opts.TrendHalfLife)
	b, err := needCases(ctx, h.prefixes, pt, sch, clk, h.kinds, opts.History)
	if err != nil || b == nil {
		return objectives[0], nil, err
	}
	var best *needs.Model
	bestObj, bestLL := objectives[0], math.Inf(-1)
	crowd := newCrowdWorld(pt, nil)
	for _, obj := range objectives {
		nm, err := fitNeeds(ctx, b, obj, needs.DefaultOptions().Iterations/2)
		if errors.Is(err, needs.ErrOptions) && obj != objectives[0] {
			continue // an objective this log cannot support: Process on one with no time span
		}
		if err != nil {
			return 0, nil, err
		}
		ll := heldOutLogLik(nm, sch, clk, crowd, h.kinds, h.cases, opts.History)
		log.Debug("recommend: need model", "objective", obj, "held_out_loglik", ll)
		if ll > bestLL {
			best, bestObj, bestLL = nm, obj, ll
		}
	}
	return bestObj, best, nil
}

// heldOutLogLik is the mean log-probability nm gives the cases' targets
// (those it knows), floored at 1e-12.
func heldOutLogLik(nm *needs.Model, sch schema, clk *clock, crowd *crowdWorld, ks *kinds, cases []trainCase, history int) float64 {
	var mo moment
	post := make([]float64, kindCount)
	kv := ks.view(crowd.share, modelSink{nm})
	rates := make([]float64, nm.NumTargets())
	sum, n := 0.0, 0
	for _, c := range cases {
		t, ok := nm.Target(c.target)
		if !ok {
			continue
		}
		sch.build(&mo, c.hist[max(0, len(c.hist)-history):], nil, c.at.Unix(), nm.MaxAge().Seconds(), nil, modelSink{nm}, clk)
		mo.ev = crowd.evidence(mo.ev, c.at.Unix(), modelSink{nm})
		if hist := c.hist[max(0, len(c.hist)-history):]; ks != nil && ks.posterior(&mo.kr, hist, post) {
			mo.ev = kv.evidence(mo.ev, post)
		}
		nm.Rates(mo.ev, rates)
		total := nm.ApplyContext(mo.ctx, rates)
		sum += math.Log(max(rates[t]/total, 1e-12))
		n++
	}
	if n == 0 {
		return math.Inf(-1)
	}
	return sum / float64(n)
}

// fitWeights learns the feature weights on the held-out cases, scored by
// models trained on the prefixes (nm0 the need model).
func fitWeights(ctx context.Context, h *heldOut, sch schema, clk *clock, nm0 *needs.Model, catv *catalog, cat Catalog, opts TrainOptions, log *slog.Logger) (Weights, error) {
	cases, uni, rng := h.cases, h.universe, h.rng
	pt := tallyOf(h.prefixes, opts.TrendHalfLife)
	m0, err := buildModel(h.prefixes, pt, sch, clk, DefaultWeights(), nm0, opts)
	if err != nil {
		return Weights{}, err
	}
	m0.setKinds(h.kinds)
	src := &sources{cat: catv, model: m0, kb: cat}
	crowd := newCrowdWorld(pt, m0.share)
	fc := make([]fitCase, 0, len(cases))
	reuse := &view{} // one view's buffers for every case
	var crowdEv []needs.Evidence
	for ci, c := range cases {
		if ci%256 == 0 {
			if err := ctx.Err(); err != nil {
				return Weights{}, record.Wrap("recommend", "train", err)
			}
		}
		hist := c.hist[max(0, len(c.hist)-opts.History):]
		if nm0 != nil {
			crowdEv = crowd.evidence(crowdEv[:0], c.at.Unix(), modelSink{nm0})
			src.crowd = crowdEv
		}
		v, err := src.buildView(ctx, hist, c.at, nil, reuse)
		if err != nil {
			return Weights{}, record.Wrap("recommend", "train", err)
		}
		x := fitCase{target: src.features(v, c.target)}
		for range opts.Negatives {
			q := uni[rng.IntN(len(uni))]
			if q == c.target {
				continue
			}
			x.negs = append(x.negs, src.features(v, q))
		}
		fc = append(fc, x)
	}
	w := fitRanking(fc, opts, rng)
	log.Debug("recommend: fitted weights", "cases", len(cases), "weights", weightsOf(w))
	return weightsOf(w), nil
}

// fitCase is a training target's features and those of random negatives.
type fitCase struct {
	target feat
	negs   []feat
}

// cutoff is the rank that counts as a hit when a target is ranked among
// n negatives: the share of HR@10 among 100.
func cutoff(n int) int { return max(1, (10*n+50)/100) }

// quality is the mean NDCG at the cutoff of the targets ranked among their
// negatives under w, ties counting against the target: the protocol's
// metric on the training cases.
func quality(fc []fitCase, w *feat) float64 {
	s := 0.0
	for i := range fc {
		c := &fc[i]
		t := c.target.dot(w)
		r := 1
		for j := range c.negs {
			if c.negs[j].dot(w) >= t {
				r++
			}
		}
		if r <= cutoff(len(c.negs)) {
			s += 1 / math.Log2(float64(r)+1)
		}
	}
	return s / float64(max(1, len(fc)))
}

// fitRanking chooses weights for the ranking metric: a pairwise logistic
// regression gives one start, the learned model alone, the sequence model
// alone and the defaults others; the best start by [quality] is refined by
// coordinate search over multiplicative steps.
func fitRanking(fc []fitCase, opts TrainOptions, rng *rand.Rand) feat {
	var diffs []feat
	for _, c := range fc {
		for _, n := range c.negs {
			diffs = append(diffs, sub(c.target, n))
		}
	}
	var learnedOnly, seqOnly feat
	learnedOnly[fLearned] = 1
	seqOnly[fSequence] = 1
	starts := []feat{sgd(diffs, DefaultWeights().vec(), opts.Epochs, rng), learnedOnly, seqOnly, DefaultWeights().vec()}
	best, bestQ := starts[0], math.Inf(-1)
	for _, w := range starts {
		keepTriggers(&w)
		if q := quality(fc, &w); q > bestQ {
			best, bestQ = w, q
		}
	}
	steps := []float64{0, 0.25, 0.5, 2, 4}
	for range 3 {
		improved := false
		for k := range best {
			for _, f := range steps {
				w := best
				if w[k] == 0 {
					w[k] = f * 0.1 * maxAbs(best) // try a small positive weight
				} else {
					w[k] *= f
				}
				keepTriggers(&w)
				if q := quality(fc, &w); q > bestQ+1e-9 {
					best, bestQ, improved = w, q, true
				}
			}
		}
		if !improved {
			break
		}
	}
	return best
}

// triggerPrior is the least weight of the knowledge base's trigger rules,
// as a share of the strongest other feature's: a rule is the operator's
// statement about a cause the log may not have seen (a new campaign page, a
// question added today), so the fit may strengthen it but never switch it
// off — not even where the need model explains the log's asks alone and the
// log gives triggers no credit of their own. At this share a fresh rule of
// weight 1 counts as much as the need model's most probable question.
const triggerPrior = 1.0

// keepTriggers raises w's trigger weight to its prior.
func keepTriggers(w *feat) {
	others := *w
	others[fTrigger] = 0
	w[fTrigger] = max(w[fTrigger], triggerPrior*maxAbs(others))
}

func maxAbs(w feat) float64 {
	m := 0.0
	for _, x := range w {
		m = max(m, math.Abs(x))
	}
	return m
}

func sub(a, b feat) feat {
	for i := range a {
		a[i] -= b[i]
	}
	return a
}

// sgd fits w to rank the first of each pair above the second: logistic loss
// on w·d with a small L2 penalty, stochastic gradient descent in a seeded
// order with a decaying step.
func sgd(diffs []feat, w feat, epochs int, rng *rand.Rand) feat {
	const l2 = 1e-4
	order := make([]int, len(diffs))
	for i := range order {
		order[i] = i
	}
	for ep := range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		lr := 0.5 / (1 + float64(ep))
		for _, i := range order {
			d := &diffs[i]
			z := d.dot(&w)
			g := 1 / (1 + math.Exp(z)) // σ(−z)
			for k := range w {
				w[k] += lr * (g*d[k] - l2*w[k])
			}
		}
	}
	return w
}
