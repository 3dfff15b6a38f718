package evaluate

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// RecommendConfig configures Recommend. Zero fields take their defaults.
type RecommendConfig struct {
	// FAQs is the knowledge base; nil means one entry per question asked
	// in the log.
	FAQs []kb.FAQ
	// Model, if set, is measured as it is; nil trains one (with Seed and
	// Weights) on the log less the targets.
	Model   *recommend.Model
	Weights *recommend.Weights
	// Seed seeds training and the sampling of negatives; default 0.
	Seed uint64
	// Negatives is how many questions the user never asked each target is
	// ranked among; default 100.
	Negatives int
	// Users picks whose last asks are ranked: "tune" (one half),
	// "report" (the other half) or "all" (the default).
	Users string
	// Limit, if positive, ranks only the first Limit users (profiling).
	Limit int
	// Logf, if set, receives progress.
	Logf func(format string, args ...any)
	// Progress, if set, is called after each user ranked.
	Progress func(done, total int)
	// Dump, if set, receives each user's outcome in full (see
	// benchmarks/eval -dump).
	Dump func(fields ...any)
}

// RecommendFigures are the recommender's leave-last-out figures.
type RecommendFigures struct {
	Users     int
	Half      string
	Model     *recommend.Model
	Questions int
	// HR10 and NDCG10 rank each target among Negatives sampled questions
	// the user never asked; FullHR10 and FullMRR10 among every question.
	HR10, NDCG10, FullHR10, FullMRR10 float64
	// TrainSeconds is 0 when the model was given.
	TrainSeconds float64
	// P50us and P99us are the latency of Recommend, in whole microseconds.
	P50us, P99us float64
}

type recCase struct {
	user   string
	target string
	at     time.Time
	asked  map[string]bool // questions in the user's history
}

// Recommend measures the recommender leave-last-out: per user with at
// least 3 asks the last ask is the target, everything before it the
// history the engine reads; the model trains (unless given) on every
// user's events before their last ask.
func Recommend(ctx context.Context, events []recommend.Event, cfg RecommendConfig) (RecommendFigures, error) {
	if cfg.Negatives == 0 {
		cfg.Negatives = 100
	}
	if cfg.Users == "" {
		cfg.Users = "all"
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	dump := cfg.Dump
	if dump == nil {
		dump = func(...any) {}
	}
	if cfg.Users != "all" && cfg.Users != "tune" && cfg.Users != "report" {
		return RecommendFigures{}, fmt.Errorf("recommend: users %q, want tune, report or all", cfg.Users)
	}
	byUser := map[string][]recommend.Event{}
	var order []string
	for _, e := range events {
		if _, ok := byUser[e.User]; !ok {
			order = append(order, e.User)
		}
		byUser[e.User] = append(byUser[e.User], e)
	}
	asked := map[string]bool{}
	var train []recommend.Event
	var cases []recCase
	for _, u := range order {
		evs := byUser[u]
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].Time.Before(evs[b].Time) })
		last, n := -1, 0
		for i, e := range evs {
			if e.Type == recommend.TypeAsk {
				last, n = i, n+1
				asked[e.Question] = true
			}
		}
		hist := evs
		if last >= 0 {
			hist = evs[:last]
		}
		train = append(train, hist...)
		if n >= 3 && (cfg.Users == "all" || seqrec.Holdout(u) == (cfg.Users == "report")) {
			c := recCase{user: u, target: evs[last].Question, at: evs[last].Time, asked: map[string]bool{}}
			for _, e := range hist {
				if e.Type == recommend.TypeAsk {
					c.asked[e.Question] = true
				}
			}
			cases = append(cases, c)
		}
	}

	// The knowledge base: the one given, or one entry per question in the log.
	faqs := cfg.FAQs
	if faqs == nil {
		for _, q := range slices.Sorted(maps.Keys(asked)) {
			faqs = append(faqs, kb.FAQ{ID: q, Question: q})
		}
	}
	base, err := simulate.NewKB(faqs)
	if err != nil {
		return RecommendFigures{}, err
	}
	universeSet := map[string]bool{}
	for _, f := range faqs {
		universeSet[f.ID] = true
	}
	for q := range asked {
		universeSet[q] = true
	}
	universe := slices.Sorted(maps.Keys(universeSet))
	if cfg.Limit > 0 && len(cases) > cfg.Limit {
		cases = cases[:cfg.Limit]
	}
	logf("recommend: %d users (%s) to rank, %d training events, %d questions", len(cases), cfg.Users, len(train), len(universe))

	fig := RecommendFigures{Users: len(cases), Half: cfg.Users, Questions: len(universe), Model: cfg.Model}
	if fig.Model == nil {
		start := time.Now()
		fig.Model, err = recommend.Train(ctx, train, base, recommend.TrainOptions{Seed: cfg.Seed, Weights: cfg.Weights})
		if err != nil {
			return fig, err
		}
		fig.TrainSeconds = math.Round(time.Since(start).Seconds()*100) / 100
		logf("recommend: trained in %.1fs, weights %+v, info %+v", time.Since(start).Seconds(), fig.Model.Weights(), fig.Model.Info())
	}

	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{PerUser: 1 << 16, TTL: -1, MaxUsers: len(order) + 1})
	if err != nil {
		return fig, err
	}
	if err := store.Append(ctx, train...); err != nil {
		return fig, err
	}
	eng, err := recommend.NewEngine(base, store, store, recommend.WithModel(fig.Model),
		recommend.WithExploration(0, 0), recommend.WithHistory(1<<16, 100*365*24*time.Hour))
	if err != nil {
		return fig, err
	}

	const k = 10
	pos := make(map[string]int, len(universe))
	for j, q := range universe {
		pos[q] = j
	}
	var hr, ndcg, fullHR, fullMRR float64
	lat := make([]time.Duration, 0, len(cases))
	for i, c := range cases {
		if i%2000 == 0 {
			logf("recommend: case %d/%d", i, len(cases))
		}
		// Sampled: the target among 100 questions the user never asked.
		exclude := maps.Clone(c.asked)
		exclude[c.target] = true
		negs := seqrec.SampleNegatives(c.user, cfg.Seed, universe, exclude, cfg.Negatives)
		// Full: the target among every question of the catalog, the ones
		// the user asked before included.
		scores, err := eng.Score(ctx, c.user, c.at, nil, universe)
		if err != nil {
			return fig, err
		}
		target := scores[pos[c.target]]
		ns := make([]float64, len(negs))
		for j, q := range negs {
			ns[j] = scores[pos[q]]
		}
		if r := seqrec.Rank(target, ns); r <= k {
			hr++
			ndcg += seqrec.NDCG(r, k)
		}
		others := make([]float64, 0, len(universe)-1)
		for j, x := range scores {
			if universe[j] != c.target {
				others = append(others, x)
			}
		}
		if r := seqrec.Rank(target, others); r <= k {
			fullHR++
			fullMRR += 1 / float64(r)
		}
		t0 := time.Now()
		sugs, err := eng.Recommend(ctx, recommend.Request{User: c.user, Limit: k, Now: c.at})
		if err != nil {
			return fig, err
		}
		lat = append(lat, time.Since(t0))
		dump(c.user, c.target, target, len(sugs))
		for _, s := range sugs {
			dump("", s.FAQ.ID, s.Score)
			for _, r := range s.Reasons {
				dump("", "", r.Kind, r.Ago, r.Rule, r.Question, r.Weight, r.Text)
			}
		}
		if cfg.Progress != nil {
			cfg.Progress(i+1, len(cases))
		}
	}
	n := math.Max(1, float64(len(cases)))
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(Percentile(lat, p).Microseconds()) }
	fig.HR10, fig.NDCG10 = round4(hr/n), round4(ndcg/n)
	fig.FullHR10, fig.FullMRR10 = round4(fullHR/n), round4(fullMRR/n)
	fig.P50us, fig.P99us = pct(0.50), pct(0.99)
	return fig, nil
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
