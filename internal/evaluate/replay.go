package evaluate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/duxin-ai/duxin/recommend"
)

// ReplayConfig configures Replay: the fields of RecommendConfig (but
// Model, which must be nil: Replay trains its own) and the cut.
type ReplayConfig struct {
	RecommendConfig
	// From is the cut: the first model learns from the events before it,
	// and the events at or after it are replayed; required, after the
	// log's first event and not after its last.
	From time.Time
	// Retrain is how much log time passes between retrainings; 0 never
	// retrains, a negative value is an error.
	Retrain time.Duration
}

// ReplayFigures are the recommender's figures in an online replay.
type ReplayFigures struct {
	// RecommendFigures are the figures of the users ranked at their last
	// ask; Model is the one trained on the events before From and
	// TrainSeconds sums every training.
	RecommendFigures
	// From and Retrain are the cut and the retraining period replayed.
	From    time.Time
	Retrain time.Duration
	// Models are the models the engine served, in order: the one trained
	// on the events before From, then one per retraining, trained on
	// every event before its TrainedAt (From plus a multiple of Retrain)
	// and served from then on.
	Models []*recommend.Model
	// Retrains is how many times a model was retrained: len(Models) - 1.
	Retrains int
}

// Replay measures the recommender the way it lives in production: a
// model trained on the events before cfg.From serves while the events
// from then on arrive in time order through [recommend.Engine.Record];
// every cfg.Retrain of log time, a model trained on every event so far
// replaces it ([recommend.Engine.SetModel]). A user with at least 3 asks
// in the log whose last ask comes at or after From (and who is in
// cfg.Users) is ranked at that ask, before it is recorded, as Recommend
// ranks one: the target among sampled questions and among every question
// (Engine.Score), and in the 10 suggestions served (Engine.Recommend).
//
// A retraining is due at the first event at or after From + k·Retrain,
// and learns from exactly the events before that moment; when the log is
// silent through several such moments, one retraining covers them.
func Replay(ctx context.Context, events []recommend.Event, cfg ReplayConfig) (ReplayFigures, error) {
	rc, err := cfg.RecommendConfig.withDefaults()
	if err != nil {
		return ReplayFigures{}, err
	}
	logf := rc.Logf
	var errs []error
	if rc.Model != nil {
		errs = append(errs, errors.New("replay: a model is given, but replay trains its own"))
	}
	if cfg.Retrain < 0 {
		errs = append(errs, fmt.Errorf("replay: retrain every %v, want >= 0 (0 = never)", cfg.Retrain))
	}
	if cfg.From.IsZero() {
		errs = append(errs, errors.New("replay: no cut (From)"))
	}
	if len(events) == 0 {
		errs = append(errs, errors.New("replay: no events"))
	}
	if err := errors.Join(errs...); err != nil {
		return ReplayFigures{}, err
	}

	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b recommend.Event) int { return a.Time.Compare(b.Time) })
	from := cfg.From
	first, last := sorted[0].Time, sorted[len(sorted)-1].Time
	stamp := func(t time.Time) string { return t.In(from.Location()).Format(time.RFC3339) }
	switch {
	case !from.After(first):
		return ReplayFigures{}, fmt.Errorf("replay: cut %s is not after the log's first event (%s): no event to train on", stamp(from), stamp(first))
	case from.After(last):
		return ReplayFigures{}, fmt.Errorf("replay: cut %s is after the log's last event (%s): no event to replay", stamp(from), stamp(last))
	}
	cut := sort.Search(len(sorted), func(i int) bool { return !sorted[i].Time.Before(from) })

	// The cases, by the position in sorted of the ask they rank.
	order, byUser := groupUsers(sorted)
	asked := map[string]bool{}
	lastAt := make(map[string]int, len(order)) // index in the user's events
	for _, u := range order {
		if last, n := lastAsk(byUser[u], asked); n >= minAsks && inHalf(rc.Users, u) {
			lastAt[u] = last
		}
	}
	caseAt := map[int]recCase{}
	seen := make(map[string]int, len(order))
	for i, e := range sorted {
		k := seen[e.User]
		seen[e.User]++
		if last, ok := lastAt[e.User]; ok && k == last && i >= cut {
			caseAt[i] = newCase(e.User, byUser[e.User], k)
		}
	}
	if rc.Limit > 0 && len(caseAt) > rc.Limit {
		at := slices.Sorted(maps.Keys(caseAt))
		for _, i := range at[rc.Limit:] {
			delete(caseAt, i)
		}
	}

	base, universe, err := catalogFor(rc.FAQs, asked)
	if err != nil {
		return ReplayFigures{}, err
	}
	logf("replay: %d users (%s) to rank from %s, %d events before it and %d to replay, %d questions, retrain every %v",
		len(caseAt), rc.Users, stamp(from), cut, len(sorted)-cut, len(universe), cfg.Retrain)

	fig := ReplayFigures{RecommendFigures: RecommendFigures{Users: len(caseAt), Half: rc.Users, Questions: len(universe)},
		From: from, Retrain: cfg.Retrain}
	trainSeconds := 0.0
	// train learns a model from the events before at, which is also its
	// TrainedAt: the same log and cut give the same models.
	train := func(before []recommend.Event, at time.Time) (*recommend.Model, error) {
		start := time.Now()
		m, err := recommend.Train(ctx, before, base, recommend.TrainOptions{Seed: rc.Seed, Weights: rc.Weights, Calendar: rc.Calendar,
			Clock: func() time.Time { return at }})
		if err != nil {
			return nil, fmt.Errorf("replay: train on the %d events before %s: %w", len(before), stamp(at), err)
		}
		trainSeconds += time.Since(start).Seconds()
		fig.Models = append(fig.Models, m)
		logf("replay: trained at %s on %d events in %.1fs, weights %+v", stamp(at), len(before), time.Since(start).Seconds(), m.Weights())
		return m, nil
	}
	m, err := train(sorted[:cut], from)
	if err != nil {
		return fig, err
	}
	fig.Model = m
	eng, err := newEngine(ctx, base, m, len(order), sorted[:cut], sorted)
	if err != nil {
		return fig, err
	}

	rk := newCaseRanker(rc, universe, len(caseAt))
	recorded := cut // sorted[:recorded] are in the store
	record := func(to int) error {
		if to == recorded {
			return nil
		}
		if err := eng.Record(ctx, sorted[recorded:to]...); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		recorded = to
		return nil
	}
	next := time.Time{} // the next retraining is due at the first event at or after it
	if cfg.Retrain > 0 {
		next = from.Add(cfg.Retrain)
	}
	for i := cut; i < len(sorted); i++ {
		e := &sorted[i]
		if !next.IsZero() && !e.Time.Before(next) {
			at := from.Add(e.Time.Sub(from) / cfg.Retrain * cfg.Retrain)
			m, err := train(sorted[:i], at)
			if err != nil {
				return fig, err
			}
			if err := eng.SetModel(m); err != nil {
				return fig, err
			}
			fig.Retrains++
			next = at.Add(cfg.Retrain)
		}
		c, ok := caseAt[i]
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return fig, fmt.Errorf("replay: %w", err)
		}
		if err := record(i); err != nil {
			return fig, err
		}
		if err := rk.rank(ctx, eng, c); err != nil {
			return fig, err
		}
		if rk.n%2000 == 0 {
			logf("replay: case %d/%d", rk.n, len(caseAt))
		}
		if rc.Progress != nil {
			rc.Progress(rk.n, len(caseAt))
		}
	}
	if err := record(len(sorted)); err != nil {
		return fig, err
	}
	rk.figures(&fig.RecommendFigures)
	fig.TrainSeconds = math.Round(trainSeconds*100) / 100
	return fig, nil
}
