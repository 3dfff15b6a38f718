package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

func init() {
	commands["recommend"] = command{
		summary: "rank each user's last ask with the recommend engine (leave-last-out: sampled HR/NDCG@10, full HR/MRR@10)",
		run:     runRecommend,
	}
	commands["simulate"] = command{
		summary: "write a simulated behavior log over the sample knowledge base",
		run:     runSimulate,
	}
}

func runSimulate(args []string) (any, error) {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	users := fs.Int("users", 2000, "number of simulated users")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output JSON Lines file (required)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *out == "" {
		return nil, errors.New("simulate: -out is required")
	}
	log, err := simulate.Generate(simulate.Config{Users: *users, Seed: *seed})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := recommend.WriteEvents(&buf, log.Events...); err != nil {
		return nil, err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "simulate: wrote %d events (%d asks) of %d users to %s\n", len(log.Events), len(log.Asks), *users, *out)
	return map[string]any{"users": *users, "events": len(log.Events), "asks": len(log.Asks), "out": *out}, nil
}

type recCase struct {
	user   string
	target string
	at     time.Time
	asked  map[string]bool // questions in the user's history
}

func runRecommend(args []string) (any, error) {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	eventsPath := fs.String("events", "", "behavior log, JSON Lines (required)")
	kbPath := fs.String("kb", "", "knowledge base, JSON Lines (optional; default: the questions seen in the log)")
	seed := fs.Uint64("seed", 1, "negative sampling seed")
	negatives := fs.Int("negatives", 100, "sampled negatives per user")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	weightsJSON := fs.String("weights", "", "fixed feature weights as JSON, e.g. {\"sequence\":1} (default: fitted by Train)")
	limit := fs.Int("limit", 0, "rank only the first N users (0 = all; for profiling, not for reported figures)")
	half := fs.String("users", "all", "which users' last asks to rank: tune (the half to tune on), report (the other half) or all")
	dumpPath := fs.String("dump", "", "write every user's target rank and suggestions (id, score, reasons) to this file, to compare two builds byte for byte")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	dump, err := openDump(*dumpPath)
	if err != nil {
		return nil, err
	}
	defer dump.close()
	if *eventsPath == "" {
		return nil, errors.New("recommend: -events is required")
	}
	if *half != "all" && *half != "tune" && *half != "report" {
		return nil, fmt.Errorf("recommend: -users %q, want tune, report or all", *half)
	}
	stopProfile, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return nil, err
	}
	defer stopProfile()
	ctx := context.Background()
	f, err := os.Open(*eventsPath)
	if err != nil {
		return nil, err
	}
	events, err := recommend.ReadEvents(f, *eventsPath)
	f.Close()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "recommend: read %d events\n", len(events))

	// Leave-last-out: per user, the last ask is the target; train on every
	// user's events before their last ask.
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
		if n >= 3 && (*half == "all" || seqrec.Holdout(u) == (*half == "report")) {
			c := recCase{user: u, target: evs[last].Question, at: evs[last].Time, asked: map[string]bool{}}
			for _, e := range hist {
				if e.Type == recommend.TypeAsk {
					c.asked[e.Question] = true
				}
			}
			cases = append(cases, c)
		}
	}

	// The knowledge base: the file, or one entry per question in the log.
	var faqs []kb.FAQ
	if *kbPath != "" {
		faqs, _, err = kb.LoadFile(*kbPath)
		if err != nil {
			return nil, err
		}
	} else {
		for _, q := range slices.Sorted(mapKeys(asked)) {
			faqs = append(faqs, kb.FAQ{ID: q, Question: q})
		}
	}
	base, err := simulate.NewKB(faqs)
	if err != nil {
		return nil, err
	}
	universeSet := map[string]bool{}
	for _, f := range faqs {
		universeSet[f.ID] = true
	}
	for q := range asked {
		universeSet[q] = true
	}
	universe := slices.Sorted(mapKeys(universeSet))
	if *limit > 0 && len(cases) > *limit {
		cases = cases[:*limit]
	}
	fmt.Fprintf(os.Stderr, "recommend: %d users (%s) to rank, %d training events, %d questions\n", len(cases), *half, len(train), len(universe))

	start := time.Now()
	topts := recommend.TrainOptions{Seed: *seed}
	if *weightsJSON != "" {
		var w recommend.Weights
		if err := json.Unmarshal([]byte(*weightsJSON), &w); err != nil {
			return nil, fmt.Errorf("recommend: -weights: %w", err)
		}
		topts.Weights = &w
	}
	model, err := recommend.Train(ctx, train, base, topts)
	if err != nil {
		return nil, err
	}
	trainSec := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "recommend: trained in %.1fs, weights %+v, info %+v\n", trainSec, model.Weights(), model.Info())

	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{PerUser: 1 << 16, TTL: -1, MaxUsers: len(order) + 1})
	if err != nil {
		return nil, err
	}
	if err := store.Append(ctx, train...); err != nil {
		return nil, err
	}
	eng, err := recommend.NewEngine(base, store, store, recommend.WithModel(model),
		recommend.WithExploration(0, 0), recommend.WithHistory(1<<16, 100*365*24*time.Hour))
	if err != nil {
		return nil, err
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
			fmt.Fprintf(os.Stderr, "recommend: case %d/%d\n", i, len(cases))
		}
		// Sampled: the target among 100 questions the user never asked.
		exclude := maps2(c.asked)
		exclude[c.target] = true
		negs := seqrec.SampleNegatives(c.user, *seed, universe, exclude, *negatives)
		// Full: the target among every question of the catalog, the ones
		// the user asked before included.
		scores, err := eng.Score(ctx, c.user, c.at, nil, universe)
		if err != nil {
			return nil, err
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
			return nil, err
		}
		lat = append(lat, time.Since(t0))
		dump.line(c.user, c.target, target, len(sugs))
		for _, s := range sugs {
			dump.line("", s.FAQ.ID, s.Score)
			for _, r := range s.Reasons {
				dump.line("", "", r.Kind, r.Ago, r.Rule, r.Question, r.Weight, r.Text)
			}
		}
	}
	n := math.Max(1, float64(len(cases)))
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(percentile(lat, p).Microseconds()) }
	return map[string]any{
		"users":         len(cases),
		"half":          *half,
		"model":         model.Info().ID[:12],
		"questions":     len(universe),
		"hr@10":         round4(hr / n),
		"ndcg@10":       round4(ndcg / n),
		"full_hr@10":    round4(fullHR / n),
		"full_mrr@10":   round4(fullMRR / n),
		"train_seconds": math.Round(trainSec*100) / 100,
		"p50_us":        pct(0.50),
		"p99_us":        pct(0.99),
	}, dump.close()
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func maps2(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
