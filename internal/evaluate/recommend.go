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
	Model *recommend.Model
	// Diversity is the served list's Request.Diversity: 0 the engine's
	// default, negative none.
	Diversity float64
	Weights   *recommend.Weights
	// Calendar is the trained models' (TrainOptions.Calendar).
	Calendar recommend.Calendar
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

// withDefaults returns cfg with its zero fields set to their defaults
// (Logf and Dump to functions that do nothing), or an error for a Users
// value that names no half.
func (cfg RecommendConfig) withDefaults() (RecommendConfig, error) {
	if cfg.Negatives == 0 {
		cfg.Negatives = 100
	}
	if cfg.Users == "" {
		cfg.Users = "all"
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Dump == nil {
		cfg.Dump = func(...any) {}
	}
	if cfg.Users != "all" && cfg.Users != "tune" && cfg.Users != "report" {
		return cfg, fmt.Errorf("recommend: users %q, want tune, report or all", cfg.Users)
	}
	return cfg, nil
}

// inHalf reports whether the user's last ask is ranked when cfg.Users
// picks half.
func inHalf(half, user string) bool {
	return half == "all" || seqrec.Holdout(user) == (half == "report")
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
	// ServedHR10 and ServedMRR10 find the target in the 10 suggestions
	// Recommend serves with default options: pins, exclusions,
	// diversification and the popular fill included, which the rankings
	// above leave out.
	ServedHR10, ServedMRR10 float64
	// ShortCases counts the targets ranked among fewer sampled questions
	// than Negatives, because the catalog less the user's questions had
	// fewer; FewestNegatives is the fewest a target was ranked among (0
	// when no target was ranked). HR10 and NDCG10 are then flattered: a
	// target among fewer than 10 negatives is always a hit.
	ShortCases, FewestNegatives int
	// TrainSeconds is 0 when the model was given.
	TrainSeconds float64
	// P50us and P99us are the latency of Recommend, in whole microseconds.
	P50us, P99us float64
}

// minAsks is how many asks a user needs for their last one to be ranked.
const minAsks = 3

type recCase struct {
	user   string
	target string
	at     time.Time
	asked  map[string]bool // questions in the user's history
}

// lastAsk returns the index in evs (one user's events, sorted by time) of
// the last ask, -1 if there is none, and how many asks evs holds; it adds
// every question asked to asked.
func lastAsk(evs []recommend.Event, asked map[string]bool) (last, n int) {
	last = -1
	for i, e := range evs {
		if e.Type == recommend.TypeAsk {
			last, n = i, n+1
			asked[e.Question] = true
		}
	}
	return last, n
}

// newCase returns the case of a user whose last ask is evs[last]: that
// ask is the target, the questions asked before it are the history's.
func newCase(user string, evs []recommend.Event, last int) recCase {
	c := recCase{user: user, target: evs[last].Question, at: evs[last].Time, asked: map[string]bool{}}
	for _, e := range evs[:last] {
		if e.Type == recommend.TypeAsk {
			c.asked[e.Question] = true
		}
	}
	return c
}

// groupUsers returns the users in the order of their first event and each
// user's events sorted by time (stable).
func groupUsers(events []recommend.Event) (order []string, byUser map[string][]recommend.Event) {
	byUser = map[string][]recommend.Event{}
	for _, e := range events {
		if _, ok := byUser[e.User]; !ok {
			order = append(order, e.User)
		}
		byUser[e.User] = append(byUser[e.User], e)
	}
	for _, u := range order {
		evs := byUser[u]
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].Time.Before(evs[b].Time) })
	}
	return order, byUser
}

// catalogFor returns the knowledge base the engine reads — faqs, or when
// nil one entry per question asked — and the universe a target is ranked
// in: every question of the knowledge base and of asked, sorted.
func catalogFor(faqs []kb.FAQ, asked map[string]bool) (*simulate.KB, []string, error) {
	if faqs == nil {
		for _, q := range slices.Sorted(maps.Keys(asked)) {
			faqs = append(faqs, kb.FAQ{ID: q, Question: q})
		}
	}
	base, err := simulate.NewKB(faqs)
	if err != nil {
		return nil, nil, err
	}
	universeSet := map[string]bool{}
	for _, f := range faqs {
		universeSet[f.ID] = true
	}
	for q := range asked {
		universeSet[q] = true
	}
	return base, slices.Sorted(maps.Keys(universeSet)), nil
}

// newEngine returns the engine the figures measure: m over base, reading
// a memory store that holds events and keeps every event of up to users
// users (none expires), without exploration, each request reading the
// user's whole history; its crowd is the asks of crowdEvents before each
// request's moment (see logStore).
func newEngine(ctx context.Context, base *simulate.KB, m *recommend.Model, users int, events, crowdEvents []recommend.Event) (*recommend.Engine, error) {
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{PerUser: 1 << 16, TTL: -1, MaxUsers: users + 1, MaxBytes: -1})
	if err != nil {
		return nil, err
	}
	if err := store.Append(ctx, events...); err != nil {
		return nil, err
	}
	ls := newLogStore(store, crowdEvents)
	return recommend.NewEngine(base, ls, ls, recommend.WithModel(m),
		recommend.WithExploration(0, 0), recommend.WithHistory(1<<16, 100*365*24*time.Hour))
}

// caseRanker ranks cases with an engine and sums their figures.
type caseRanker struct {
	cfg      RecommendConfig // with defaults
	universe []string
	pos      map[string]int // universe index of each question
	n        int            // cases ranked

	hr, ndcg, fullHR, fullMRR float64
	servedHR, servedMRR       float64
	short, fewest             int // cases with fewer negatives than cfg.Negatives; the fewest negatives
	lat                       []time.Duration
}

// rankK is the cutoff of every figure: HR@10, NDCG@10, MRR@10.
const rankK = 10

func newCaseRanker(cfg RecommendConfig, universe []string, cases int) *caseRanker {
	pos := make(map[string]int, len(universe))
	for j, q := range universe {
		pos[q] = j
	}
	return &caseRanker{cfg: cfg, universe: universe, pos: pos, lat: make([]time.Duration, 0, cases)}
}

// rank ranks c's target with eng, as it stands, at c.at: sampled, among
// the universe (Engine.Score) and in the suggestions (Engine.Recommend),
// which are timed.
func (r *caseRanker) rank(ctx context.Context, eng *recommend.Engine, c recCase) error {
	const k = rankK
	universe, pos, dump := r.universe, r.pos, r.cfg.Dump
	// Sampled: the target among 100 questions the user never asked.
	exclude := maps.Clone(c.asked)
	exclude[c.target] = true
	negs := seqrec.SampleNegatives(c.user, r.cfg.Seed, universe, exclude, r.cfg.Negatives)
	if len(negs) < r.cfg.Negatives {
		r.short++
	}
	if r.n == 0 || len(negs) < r.fewest {
		r.fewest = len(negs)
	}
	// Full: the target among every question of the catalog, the ones
	// the user asked before included.
	scores, err := eng.Score(ctx, c.user, c.at, nil, universe)
	if err != nil {
		return err
	}
	target := scores[pos[c.target]]
	ns := make([]float64, len(negs))
	for j, q := range negs {
		ns[j] = scores[pos[q]]
	}
	if at := seqrec.Rank(target, ns); at <= k {
		r.hr++
		r.ndcg += seqrec.NDCG(at, k)
	}
	others := make([]float64, 0, len(universe)-1)
	for j, x := range scores {
		if universe[j] != c.target {
			others = append(others, x)
		}
	}
	if at := seqrec.Rank(target, others); at <= k {
		r.fullHR++
		r.fullMRR += 1 / float64(at)
	}
	t0 := time.Now()
	sugs, err := eng.Recommend(ctx, recommend.Request{User: c.user, Limit: k, Now: c.at, Diversity: r.cfg.Diversity})
	if err != nil {
		return err
	}
	r.lat = append(r.lat, time.Since(t0))
	if at := slices.IndexFunc(sugs, func(s recommend.Suggestion) bool { return s.FAQ.ID == c.target }); at >= 0 && at < k {
		r.servedHR++
		r.servedMRR += 1 / float64(at+1)
	}
	dump(c.user, c.target, target, len(sugs))
	for _, s := range sugs {
		dump("", s.FAQ.ID, s.Score)
		for _, why := range s.Reasons {
			dump("", "", why.Kind, why.Ago, why.Rule, why.Question, why.Weight, why.Text)
		}
	}
	r.n++
	return nil
}

// figures sets fig's rates and latencies from the cases ranked.
func (r *caseRanker) figures(fig *RecommendFigures) {
	n := math.Max(1, float64(r.n))
	slices.Sort(r.lat)
	pct := func(p float64) float64 { return float64(Percentile(r.lat, p).Microseconds()) }
	fig.HR10, fig.NDCG10 = round4(r.hr/n), round4(r.ndcg/n)
	fig.FullHR10, fig.FullMRR10 = round4(r.fullHR/n), round4(r.fullMRR/n)
	fig.ServedHR10, fig.ServedMRR10 = round4(r.servedHR/n), round4(r.servedMRR/n)
	fig.P50us, fig.P99us = pct(0.50), pct(0.99)
	fig.ShortCases, fig.FewestNegatives = r.short, r.fewest
}

// Recommend measures the recommender leave-last-out: per user with at
// least 3 asks the last ask is the target, everything before it the
// history the engine reads; the model trains (unless given) on every
// user's events before their last ask.
func Recommend(ctx context.Context, events []recommend.Event, cfg RecommendConfig) (RecommendFigures, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return RecommendFigures{}, err
	}
	logf := cfg.Logf
	order, byUser := groupUsers(events)
	asked := map[string]bool{}
	var train []recommend.Event
	var cases []recCase
	for _, u := range order {
		evs := byUser[u]
		last, n := lastAsk(evs, asked)
		hist := evs
		if last >= 0 {
			hist = evs[:last]
		}
		train = append(train, hist...)
		if n >= minAsks && inHalf(cfg.Users, u) {
			cases = append(cases, newCase(u, evs, last))
		}
	}

	base, universe, err := catalogFor(cfg.FAQs, asked)
	if err != nil {
		return RecommendFigures{}, err
	}
	if cfg.Limit > 0 && len(cases) > cfg.Limit {
		cases = cases[:cfg.Limit]
	}
	logf("recommend: %d users (%s) to rank, %d training events, %d questions", len(cases), cfg.Users, len(train), len(universe))

	fig := RecommendFigures{Users: len(cases), Half: cfg.Users, Questions: len(universe), Model: cfg.Model}
	if fig.Model == nil {
		start := time.Now()
		fig.Model, err = recommend.Train(ctx, train, base, recommend.TrainOptions{Seed: cfg.Seed, Weights: cfg.Weights, Calendar: cfg.Calendar})
		if err != nil {
			return fig, err
		}
		fig.TrainSeconds = math.Round(time.Since(start).Seconds()*100) / 100
		logf("recommend: trained in %.1fs, weights %+v, info %+v", time.Since(start).Seconds(), fig.Model.Weights(), fig.Model.Info())
	}

	eng, err := newEngine(ctx, base, fig.Model, len(order), train, train)
	if err != nil {
		return fig, err
	}
	rk := newCaseRanker(cfg, universe, len(cases))
	for i, c := range cases {
		if i%2000 == 0 {
			logf("recommend: case %d/%d", i, len(cases))
		}
		if err := rk.rank(ctx, eng, c); err != nil {
			return fig, err
		}
		if cfg.Progress != nil {
			cfg.Progress(i+1, len(cases))
		}
	}
	rk.figures(&fig)
	return fig, nil
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
