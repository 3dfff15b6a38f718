package recommend

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/kb"
)

// TrainOptions configure [Train]. Every zero field takes its default.
type TrainOptions struct {
	// Seed seeds the sampling of training cases and negatives; the same
	// log, knowledge base and options give the same model.
	Seed uint64
	// Negatives is how many random questions (of the log and the knowledge
	// base) each training case's target is ranked among; default 50.
	Negatives int
	// MaxCases caps the cases the weights are fitted on; default 20,000.
	MaxCases int
	// Epochs of pairwise logistic regression; default 8.
	Epochs int
	// TrendHalfLife is the half-life of the trending feature; default 24h.
	TrendHalfLife time.Duration
	// Weights, when set, are used as they are instead of fitting them.
	Weights *Weights
	// Logger receives progress; nil discards.
	Logger *slog.Logger
}

// Train learns a [Model] from a behavior log (any order; see [ReadEvents])
// and, when k is not nil, the knowledge base it refers to (its triggers,
// read through [Lister], and its search and related questions feed the
// features as they will when serving).
//
// The sequence model and the popularity counts learn from every event. The
// feature weights are fitted on leave-last-out cases: every user with at
// least two asks gives a case whose target is their last ask and whose
// history is everything before it; a second sequence model, trained without
// those targets, scores the cases against random questions, and the weights are chosen for the protocol's metric (NDCG of the
// target at the equivalent of rank 10 among 100): a pairwise logistic
// regression, the sequence model alone and [DefaultWeights] are the
// starting points, and a coordinate search refines the best.
//
// It returns an error wrapping [ErrNoEvents] if the log has no ask, and
// checks ctx between stages and every few hundred cases.
func Train(ctx context.Context, events []Event, k kb.KnowledgeBase, opts TrainOptions) (*Model, error) {
	opts.Negatives = cmp.Or(opts.Negatives, 50)
	opts.MaxCases = cmp.Or(opts.MaxCases, 20000)
	opts.Epochs = cmp.Or(opts.Epochs, 8)
	opts.TrendHalfLife = cmp.Or(opts.TrendHalfLife, 24*time.Hour)
	if opts.Negatives < 0 || opts.MaxCases < 0 || opts.Epochs < 0 || opts.TrendHalfLife < 0 {
		return nil, fmt.Errorf("%w: negative TrainOptions field", ErrInvalidOption)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for i := range events {
		if err := events[i].Validate(); err != nil {
			return nil, fmt.Errorf("recommend: train: event %d: %w", i, err)
		}
	}
	users := groupByUser(events)
	asks := 0
	for _, u := range users {
		for _, e := range u {
			if e.Type == TypeAsk {
				asks++
			}
		}
	}
	if asks == 0 {
		return nil, fmt.Errorf("recommend: train: %w", ErrNoEvents)
	}
	var cat *catalog
	if l, ok := k.(Lister); ok && k != nil {
		faqs, err := l.All(ctx)
		if err != nil {
			return nil, fmt.Errorf("recommend: train: read catalog: %w", err)
		}
		cat = newCatalog(faqs)
	}

	weights := DefaultWeights()
	if opts.Weights != nil {
		weights = *opts.Weights
	} else {
		w, n, err := fitWeights(ctx, users, cat, k, opts, log)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			weights = w
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recommend: train: %w", err)
	}
	m, err := buildModel(users, weights, opts.TrendHalfLife)
	if err != nil {
		return nil, err
	}
	log.Debug("recommend: trained", "users", len(users), "asks", asks, "weights", weights)
	return m, nil
}

// groupByUser returns each user's events sorted by time (stable), users
// sorted by id.
func groupByUser(events []Event) [][]Event {
	idx := map[string]int{}
	var out [][]Event
	for _, e := range events {
		i, ok := idx[e.User]
		if !ok {
			i = len(out)
			idx[e.User] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], e)
	}
	for _, u := range out {
		slices.SortStableFunc(u, func(a, b Event) int { return a.Time.Compare(b.Time) })
	}
	slices.SortFunc(out, func(a, b []Event) int { return strings.Compare(a[0].User, b[0].User) })
	return out
}

func seqOptions() seqrec.Options {
	o := seqrec.DefaultOptions()
	o.IsTarget = seqrec.IsAsk
	return o
}

// buildModel trains the sequence model and counts on whole sequences.
func buildModel(users [][]Event, w Weights, halfLife time.Duration) (*Model, error) {
	seqs := make([][]seqrec.Step, 0, len(users))
	for _, u := range users {
		var steps []seqrec.Step
		for i := range u {
			steps = appendSteps(steps, &u[i])
		}
		seqs = append(seqs, steps)
	}
	seq, err := seqrec.Train(seqs, seqOptions())
	if err != nil {
		return nil, fmt.Errorf("recommend: train sequence model: %w", err)
	}
	m := newModel(w, seq, halfLife)
	for _, u := range users {
		for _, e := range u {
			if e.Type == TypeAsk {
				m.count(e.Question, e.Time)
			}
		}
	}
	return m, nil
}

func emptyModel() (*Model, error) {
	seq, err := seqrec.Train(nil, seqOptions())
	if err != nil {
		return nil, fmt.Errorf("recommend: empty sequence model: %w", err)
	}
	return newModel(DefaultWeights(), seq, 24*time.Hour), nil
}

type trainCase struct {
	hist   []Event
	target string
	at     time.Time
}

// fitWeights learns weights on leave-last-out cases; n is the number of
// cases used.
func fitWeights(ctx context.Context, users [][]Event, cat *catalog, k kb.KnowledgeBase, opts TrainOptions, log *slog.Logger) (Weights, int, error) {
	var prefixes [][]Event
	var cases []trainCase
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
			prefixes = append(prefixes, u)
			continue
		}
		prefixes = append(prefixes, u[:last])
		if n >= 2 {
			cases = append(cases, trainCase{hist: u[:last], target: u[last].Question, at: u[last].Time})
		}
	}
	if len(cases) == 0 {
		return Weights{}, 0, nil
	}
	if cat != nil {
		for _, f := range cat.faqs {
			universe[f.ID] = true
		}
	}
	uni := slices.Sorted(mapsKeys(universe))
	rng := rand.New(rand.NewPCG(opts.Seed, 0x7e11))
	if len(cases) > opts.MaxCases {
		rng.Shuffle(len(cases), func(i, j int) { cases[i], cases[j] = cases[j], cases[i] })
		cases = cases[:opts.MaxCases]
	}
	m0, err := buildModel(nonEmpty(prefixes), DefaultWeights(), opts.TrendHalfLife)
	if err != nil {
		return Weights{}, 0, err
	}
	src := &sources{cat: cat, model: m0, kb: k}
	fc := make([]fitCase, 0, len(cases))
	reuse := &view{} // one view's buffers for every case
	for ci, c := range cases {
		if ci%256 == 0 {
			if err := ctx.Err(); err != nil {
				return Weights{}, 0, fmt.Errorf("recommend: train: %w", err)
			}
		}
		v, err := src.buildView(ctx, c.hist, c.at, reuse)
		if err != nil {
			return Weights{}, 0, fmt.Errorf("recommend: train: %w", err)
		}
		tok := func(q string) string { return seqrec.AskPrefix + q }
		m0.mu.RLock()
		x := fitCase{target: src.features(v, c.target, tok(c.target))}
		for range opts.Negatives {
			q := uni[rng.IntN(len(uni))]
			if q == c.target {
				continue
			}
			x.negs = append(x.negs, src.features(v, q, tok(q)))
		}
		m0.mu.RUnlock()
		fc = append(fc, x)
	}
	w := fitRanking(fc, opts, rng)
	log.Debug("recommend: fitted weights", "cases", len(cases), "weights", weightsOf(w))
	return weightsOf(w), len(cases), nil
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
// regression gives one start, the sequence model alone and the defaults
// others; the best start by [quality] is refined by coordinate search over
// multiplicative steps.
func fitRanking(fc []fitCase, opts TrainOptions, rng *rand.Rand) feat {
	var diffs []feat
	for _, c := range fc {
		for _, n := range c.negs {
			diffs = append(diffs, sub(c.target, n))
		}
	}
	seqOnly := feat{}
	seqOnly[fSequence] = 1
	starts := []feat{sgd(diffs, DefaultWeights().vec(), opts.Epochs, rng), seqOnly, DefaultWeights().vec()}
	best, bestQ := starts[0], math.Inf(-1)
	for _, w := range starts {
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

func maxAbs(w feat) float64 {
	m := 0.0
	for _, x := range w {
		m = max(m, math.Abs(x))
	}
	return m
}

func nonEmpty(us [][]Event) [][]Event {
	out := us[:0:0]
	for _, u := range us {
		if len(u) > 0 {
			out = append(out, u)
		}
	}
	return out
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
	step := 0
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
			step++
		}
	}
	return w
}
