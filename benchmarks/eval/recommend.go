package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

func init() {
	commands["recommend"] = command{
		summary: "rank each user's last ask with the recommend engine (leave-last-out, or an online replay with -replay-from: sampled HR/NDCG@10, full and served HR/MRR@10)",
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

func runRecommend(args []string) (any, error) {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	eventsPath := fs.String("events", "", "behavior log, JSON Lines (required)")
	kbPath := fs.String("kb", "", "knowledge base, JSON Lines (optional; default: the questions seen in the log)")
	categories := fs.Int("categories", 0, "without -kb: spread the log's questions over this many categories (by a hash of the id), as every real knowledge base has them, to measure what diversity costs; 0 = none")
	seed := fs.Uint64("seed", 1, "negative sampling seed")
	negatives := fs.Int("negatives", 100, "sampled negatives per user")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	weightsJSON := fs.String("weights", "", "fixed feature weights as JSON, e.g. {\"sequence\":1} (default: fitted by Train)")
	limit := fs.Int("limit", 0, "rank only the first N users (0 = all; for profiling, not for reported figures)")
	half := fs.String("users", "all", "which users' last asks to rank: tune (the half to tune on), report (the other half) or all")
	dumpPath := fs.String("dump", "", "write every user's target rank and suggestions (id, score, reasons) to this file, to compare two builds byte for byte")
	calendar := fs.String("calendar", "", "the periods the host declares (festivals, bill days), JSON Lines of {\"name\", \"start\", \"end\"} (see recommend.ReadCalendar; default none)")
	zone := fs.String("zone", "", "the time zone of the model's hours and days, an IANA name such as Asia/Shanghai (default Beijing time)")
	noClock := fs.Bool("no-clock", false, "train without the clock (hour, weekday, day of the month, periods): to measure what it brings")
	diversity := fs.Float64("diversity", 0, "the served list's diversity in [-1, 1]: 0 the engine's default, negative none (see recommend.Request.Diversity)")
	replayFrom := fs.String("replay-from", "", "replay online from this RFC3339 time (e.g. 2025-11-20T00:00:00+08:00): train on the events before it, feed the rest through the engine in time order, rank the users whose last ask comes at or after it (default: leave-last-out)")
	retrain := fs.Duration("retrain", 24*time.Hour, "with -replay-from: retrain on every event so far each time this much log time has passed (0 = never)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	var from time.Time
	if *replayFrom != "" {
		t, err := time.Parse(time.RFC3339, *replayFrom)
		if err != nil {
			return nil, fmt.Errorf("recommend: -replay-from %q: want an RFC3339 time such as 2025-11-20T00:00:00+08:00", *replayFrom)
		}
		from = t
	}
	if *retrain < 0 {
		return nil, fmt.Errorf("recommend: -retrain %v: want a duration >= 0 such as 24h (0 = never)", *retrain)
	}
	if from.IsZero() && flagSet(fs, "retrain") {
		return nil, errors.New("recommend: -retrain needs -replay-from (leave-last-out trains once)")
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
	cfg := evaluate.RecommendConfig{Seed: *seed, Negatives: *negatives, Users: *half, Limit: *limit,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }, Dump: dump.line}
	if *categories < 0 || *categories > 0 && *kbPath != "" {
		return nil, fmt.Errorf("recommend: -categories %d: want a number >= 0, and none with -kb (the knowledge base has its own)", *categories)
	}
	if *kbPath != "" {
		if cfg.FAQs, _, err = kb.LoadFile(*kbPath); err != nil {
			return nil, err
		}
	}
	if *categories > 0 {
		cfg.FAQs = hashedCategories(events, *categories)
	}
	cfg.Diversity = *diversity
	if cfg.Calendar, err = recommend.LoadCalendar(*calendar, *zone); err != nil {
		return nil, err
	}
	cfg.Calendar.Off = *noClock
	if *weightsJSON != "" {
		var w recommend.Weights
		if err := json.Unmarshal([]byte(*weightsJSON), &w); err != nil {
			return nil, fmt.Errorf("recommend: -weights: %w", err)
		}
		cfg.Weights = &w
	}
	if !from.IsZero() {
		fig, err := evaluate.Replay(ctx, events, evaluate.ReplayConfig{RecommendConfig: cfg, From: from, Retrain: *retrain})
		if err != nil {
			return nil, err
		}
		out := recommendJSON(fig.RecommendFigures)
		out["replay_from"] = fig.From.Format(time.RFC3339)
		out["retrains"] = fig.Retrains
		return out, dump.close()
	}
	fig, err := evaluate.Recommend(ctx, events, cfg)
	if err != nil {
		return nil, err
	}
	return recommendJSON(fig), dump.close()
}

// recommendJSON is the figures as eval prints them.
func recommendJSON(fig evaluate.RecommendFigures) map[string]any {
	return map[string]any{
		"users":         fig.Users,
		"half":          fig.Half,
		"model":         fig.Model.Info().ID[:12],
		"questions":     fig.Questions,
		"hr@10":         fig.HR10,
		"ndcg@10":       fig.NDCG10,
		"full_hr@10":    fig.FullHR10,
		"full_mrr@10":   fig.FullMRR10,
		"served_hr@10":  fig.ServedHR10,
		"served_mrr@10": fig.ServedMRR10,
		"train_seconds": fig.TrainSeconds,
		"p50_us":        fig.P50us,
		"p99_us":        fig.P99us,
	}
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// hashedCategories returns one entry per question asked in the log, each
// in one of n categories chosen by a hash of its id: a stand-in for a real
// knowledge base's categories, which say nothing of the log either.
func hashedCategories(events []recommend.Event, n int) []kb.FAQ {
	seen := map[string]bool{}
	var faqs []kb.FAQ
	for _, e := range events {
		if e.Type == recommend.TypeAsk && !seen[e.Question] {
			seen[e.Question] = true
			faqs = append(faqs, kb.FAQ{ID: e.Question, Question: e.Question, Category: fmt.Sprint("c", crc32.ChecksumIEEE([]byte(e.Question))%uint32(n))})
		}
	}
	slices.SortFunc(faqs, func(a, b kb.FAQ) int { return strings.Compare(a.ID, b.ID) })
	return faqs
}
