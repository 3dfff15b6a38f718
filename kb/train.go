package kb

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/duxin-ai/duxin/kb/internal/rank"
)

// Labeled is a query with the id of the entry that answers it: a training
// example for [TrainRanker].
type Labeled struct {
	Query string `json:"query"`
	ID    string `json:"id"`
}

// TrainConfig sets [TrainRanker]'s parameters. A zero value takes the
// default; where none is a valid choice (no epochs, no weight decay, no
// calibration) a negative value asks for it, as with
// [Query.MinConfidence].
type TrainConfig struct {
	// Epochs is the number of passes over the examples that fit the
	// linear or hidden-unit part (default 60; negative: none, the part
	// keeps its initial weights and only the trees learn).
	Epochs int
	// L2 is the weight decay (default 1e-4; negative: none).
	L2 float64
	// Hidden is the number of tanh hidden units; 0 trains a linear model.
	Hidden int
	// Seed seeds the example order and the initial weights (default 1:
	// seeds 0 and 1 train the same ranker).
	Seed uint64
	// Note is stored with the ranker, e.g. the command that trained it.
	Note string
	// Trees is the number of gradient-boosted regression trees fitted
	// after the linear or hidden-unit part (default 0: none).
	Trees int
	// Depth is the trees' depth (default 4).
	Depth int
	// Shrinkage scales each tree's leaf values (default 0.1).
	Shrinkage float64
	// Associations says whether a word-association table, with its
	// character and bigram tables, is learned from the examples (default
	// Learn); without one the assoc_* features are 0.
	Associations Learning
	// AssocFolds is the number of folds the association features are
	// cross-fitted with (default 4; 1 uses one table for all examples).
	// The contrast features are cross-fitted with as many folds.
	AssocFolds int
	// Contrast says whether a word-contrast model is learned from the
	// candidate lists (default Learn); without one the contrast* features
	// are 0.
	Contrast Learning
	// CalibrationShare is the share of TrainRanker's examples held out
	// to calibrate the ranker's confidences (default 0.2, chosen by a hash
	// of the query; negative: none, the ranker is uncalibrated). The ranker
	// is trained on the others. Fewer than [MinCalibrationQueries]
	// held-out examples cannot calibrate: TrainRanker then fails with
	// [ErrTooFewToCalibrate] (at the default share, give at least about
	// 100 examples). Trainer.Fit does not calibrate: use a Calibrator.
	CalibrationShare float64
}

// Learning says whether training learns one of the ranker's optional
// models (see [TrainConfig.Associations]); the zero value is Learn.
type Learning int

const (
	// Learn learns the model: the default.
	Learn Learning = iota
	// Skip leaves the model out; the features it computes are 0.
	Skip
)

// TrainReport says how training went.
type TrainReport struct {
	// Examples is the number of examples given; Used those trained on whose
	// expected entry was among the first stage's candidates (the others
	// cannot teach the ranker anything; TrainRanker holds some out to
	// calibrate).
	Examples, Used int
	// Loss is the mean softmax cross-entropy of the expected entry among its
	// candidates after the last epoch.
	Loss float64
	// Calibrated says whether TrainRanker calibrated the ranker, and
	// Calibration how the calibration fits its held-out examples.
	Calibrated  bool
	Calibration CalibrationReport
	// CalibrationQueries is the number of examples TrainRanker held out
	// to calibrate on (also when they were too few to: see
	// ErrTooFewToCalibrate).
	CalibrationQueries int
}

// MinCalibrationQueries is the fewest queries a calibration is fitted on:
// TrainRanker's held-out examples and a Calibrator's queries. Fewer give
// confidences and an answer threshold that mean nothing; a few hundred
// give good ones.
const MinCalibrationQueries = 20

// ErrTooFewToCalibrate is returned, wrapped, by TrainRanker and
// Calibrator.Fit when there are fewer than [MinCalibrationQueries]
// queries to calibrate on. The error says how many there were and how
// many examples would do; a ranker trained with a negative
// [TrainConfig.CalibrationShare] is uncalibrated on purpose.
var ErrTooFewToCalibrate = errors.New("kb: too few queries to calibrate")

// tooFewToCalibrate is ErrTooFewToCalibrate for TrainRanker: held of n
// examples held out at share.
func tooFewToCalibrate(held, n int, share float64) error {
	return &tooFewError{fmt.Sprintf("kb: train ranker: too few queries to calibrate: %d of the %d examples held out to calibrate, %d needed (about %d examples at CalibrationShare %g); give more examples, or set CalibrationShare negative to train an uncalibrated ranker",
		held, n, MinCalibrationQueries, int(math.Ceil(MinCalibrationQueries/share)), share)}
}

// tooFewError is an error that is ErrTooFewToCalibrate with a message of
// its own, so that the message does not repeat the sentinel's prefix.
type tooFewError struct{ msg string }

func (e *tooFewError) Error() string        { return e.msg }
func (e *tooFewError) Is(target error) bool { return target == ErrTooFewToCalibrate }

// TrainRanker fits a ranker to examples on the entries of ix: it is
// NewTrainer(cfg), Add(ctx, ix, examples) and Fit(ctx) in one call.
//
// Unless cfg.CalibrationShare is negative, it holds out that share of the
// examples (default a fifth), trains on the others, searches the held-out
// ones with the new ranker in a copy of ix's entries, and calibrates the
// ranker's confidences on them (see Calibrator), so that Hit.Confidence
// and Index.AnswerThreshold hold for your own knowledge base. When fewer
// than MinCalibrationQueries examples are held out it trains nothing and
// returns an error wrapping ErrTooFewToCalibrate, whose report says how
// many were (CalibrationQueries): an uncalibrated ranker gives no
// confidences and an answer threshold of 0, which answers every search.
func TrainRanker(ctx context.Context, ix *Index, examples []Labeled, cfg TrainConfig) (*Ranker, TrainReport, error) {
	share := cfg.CalibrationShare
	if share == 0 {
		share = 0.2
	}
	if share >= 1 || math.IsNaN(share) {
		return nil, TrainReport{}, fmt.Errorf("kb: train ranker: CalibrationShare %v, want below 1", share)
	}
	train, held := examples, []Labeled(nil)
	if share > 0 {
		train = nil
		for _, ex := range examples {
			if removedForCalibration("held:"+ex.Query, share) {
				held = append(held, ex)
			} else {
				train = append(train, ex)
			}
		}
		if len(held) < MinCalibrationQueries {
			// An example naming no entry is the first thing to fix.
			if err := ix.checkIDs(examples); err != nil {
				return nil, TrainReport{}, err
			}
			return nil, TrainReport{Examples: len(examples), CalibrationQueries: len(held)}, tooFewToCalibrate(len(held), len(examples), share)
		}
	}
	t := NewTrainer(cfg)
	if err := t.Add(ctx, ix, train); err != nil {
		return nil, t.report, err
	}
	r, rep, err := t.Fit(ctx)
	rep.Examples = len(examples)
	if err != nil || held == nil {
		return r, rep, err
	}
	c, crep, err := ix.calibrate(ctx, r, held)
	if err != nil {
		return nil, rep, fmt.Errorf("kb: train ranker: calibrate: %w", err)
	}
	rep.Calibrated, rep.Calibration, rep.CalibrationQueries = true, crep, len(held)
	return r.WithCalibration(c), rep, nil
}

// checkIDs reports the first example naming an entry ix does not hold,
// as Trainer.Add does.
func (ix *Index) checkIDs(examples []Labeled) error {
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	g.mu.RLock()
	defer g.mu.RUnlock()
	for i, ex := range examples {
		if _, ok := g.entries[ex.ID]; !ok {
			return fmt.Errorf("kb: train ranker: example %d: %w: %q", i, ErrNotFound, ex.ID)
		}
	}
	return nil
}

// calibrate searches examples with r in a scratch copy of ix's entries
// (same tokenizer and options) and fits a calibration to them.
func (ix *Index) calibrate(ctx context.Context, r *Ranker, examples []Labeled) (Calibration, CalibrationReport, error) {
	faqs, err := ix.All(ctx)
	if err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	o := ix.opts
	o.ranker, o.noRanker = r, false
	tmp, err := New(ix.an.tok, func(dst *options) { *dst = o })
	if err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	defer tmp.Close()
	if err := tmp.Reload(ctx, faqs); err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	c := NewCalibrator()
	if err := c.Add(ctx, tmp, examples); err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	return c.Fit(CalibrateConfig{})
}

// Trainer collects training lists from one or more indexes and fits a
// [Ranker] to them. For each example it takes the first stage's candidates,
// computes their features, and Fit learns weights that put the expected
// entry first (softmax cross-entropy over each candidate list, Adam,
// deterministic for a given Seed). Unless [TrainConfig.Associations] is
// Skip, Fit first learns a word-association table from the examples and the
// texts of their entries (see the assoc_* features), and unless
// [TrainConfig.Contrast] is Skip a word-contrast model from the candidate
// lists (the contrast* features); the features the ranker trains on are
// cross-fitted (each example's come from a table learned without it or any
// copy of it), so the ranker does not over-trust them.
// Several indexes help when the entries to rank against at search time are
// fewer than the training entries: split the training entries into
// knowledge bases of that size. A Trainer is not safe for concurrent use.
type Trainer struct {
	cfg    TrainConfig
	lists  []rank.List
	pairs  []rank.Pair // the (query, entry question) pair of every example
	report TrainReport
}

// NewTrainer returns a Trainer with cfg's parameters.
func NewTrainer(cfg TrainConfig) *Trainer {
	return &Trainer{cfg: cfg}
}

// withDefaults returns cfg with its zero values replaced by the defaults
// and the negative ones that mean none by 0.
func (cfg TrainConfig) withDefaults() TrainConfig {
	switch {
	case cfg.Epochs == 0:
		cfg.Epochs = 60
	case cfg.Epochs < 0:
		cfg.Epochs = 0
	}
	switch {
	case cfg.L2 == 0:
		cfg.L2 = 1e-4
	case cfg.L2 < 0:
		cfg.L2 = 0
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.AssocFolds == 0 {
		cfg.AssocFolds = 4
	}
	if cfg.Depth == 0 {
		cfg.Depth = 4
	}
	if cfg.Shrinkage == 0 {
		cfg.Shrinkage = 0.1
	}
	return cfg
}

func (l Learning) valid() bool { return l == Learn || l == Skip }

// Add searches ix for each example and keeps the candidate lists that
// contain the expected entry. Examples naming ids ix does not hold are an
// error wrapping [ErrNotFound].
func (t *Trainer) Add(ctx context.Context, ix *Index, examples []Labeled) error {
	lists, pairs, err := ix.trainingLists(ctx, examples, len(t.pairs))
	if err != nil {
		return err
	}
	t.report.Examples += len(examples)
	t.report.Used += len(lists)
	t.lists = append(t.lists, lists...)
	t.pairs = append(t.pairs, pairs...)
	return nil
}

// Fit learns a ranker from the lists added so far.
func (t *Trainer) Fit(ctx context.Context) (*Ranker, TrainReport, error) {
	cfg := t.cfg.withDefaults()
	rep := t.report
	if cfg.Hidden < 0 || cfg.AssocFolds < 0 || cfg.Trees < 0 || cfg.Depth < 0 || cfg.Shrinkage < 0 || math.IsNaN(cfg.L2) || math.IsInf(cfg.L2, 0) || math.IsNaN(cfg.Shrinkage) {
		return nil, rep, errors.New("kb: train ranker: negative hidden units, folds, trees, depth or shrinkage, or L2 or shrinkage not a number")
	}
	if !cfg.Associations.valid() || !cfg.Contrast.valid() {
		return nil, rep, fmt.Errorf("kb: train ranker: Associations %d, Contrast %d: want Learn or Skip", cfg.Associations, cfg.Contrast)
	}
	m, loss, err := rank.Train(ctx, t.lists, t.pairs, rank.TrainConfig{
		Epochs: cfg.Epochs, L2: cfg.L2, Hidden: cfg.Hidden, Seed: cfg.Seed,
		Trees: cfg.Trees, Depth: cfg.Depth, Shrinkage: cfg.Shrinkage,
		Associations: cfg.Associations == Learn, Contrast: cfg.Contrast == Learn, Folds: cfg.AssocFolds,
		Note: cfg.Note,
	})
	if m == nil {
		return nil, rep, fmt.Errorf("kb: train ranker: %w", err)
	}
	rep.Loss = loss
	if err != nil {
		err = fmt.Errorf("kb: train ranker: %w", err)
	}
	return &Ranker{m}, rep, err
}

// trainingLists returns the candidate lists of examples whose entry the
// first stage finds, and the (query, entry question) pairs of all
// examples, numbered from pair0.
func (ix *Index) trainingLists(ctx context.Context, examples []Labeled, pair0 int) ([]rank.List, []rank.Pair, error) {
	g, err := ix.acquire()
	if err != nil {
		return nil, nil, err
	}
	defer g.release()
	var lists []rank.List
	var pairs []rank.Pair
	var ranked []*rank.Candidate
	for i, ex := range examples {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, fmt.Errorf("kb: train ranker: %w", err)
			}
		}
		g.mu.RLock()
		e, ok := g.entries[ex.ID]
		g.mu.RUnlock()
		if !ok {
			return nil, nil, fmt.Errorf("kb: train ranker: example %d: %w: %q", i, ErrNotFound, ex.ID)
		}
		qa := ix.an.analyze(ex.Query)
		pair := pair0 + len(pairs)
		pairs = append(pairs, rank.NewPair(&qa.Analysis, &e.texts[0].Analysis))
		cands, err := ix.candidates(ctx, g, &qa, "", nil, "", ix.opts.candidates, nil)
		if err != nil {
			return nil, nil, err
		}
		top, gold := 0.0, -1
		ranked = ranked[:0]
		for j, c := range cands {
			top = max(top, c.best)
			if c.e.faq.ID == ex.ID {
				gold = j
			}
			ranked = append(ranked, &c.Candidate)
		}
		q := rank.NewQuery(&qa.Analysis, nil)
		g.mu.RLock()
		l, ok := rank.NewList(q, ranked, gold, top, &g.stats, pair)
		g.mu.RUnlock()
		if ok {
			lists = append(lists, l)
		}
	}
	return lists, pairs, nil
}
