package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

func init() {
	commands["recommend"] = command{
		summary: "rank each user's last ask with the recommend engine (leave-last-out: sampled HR/NDCG@10, full and served HR/MRR@10)",
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
	cfg := evaluate.RecommendConfig{Seed: *seed, Negatives: *negatives, Users: *half, Limit: *limit,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }, Dump: dump.line}
	if *kbPath != "" {
		if cfg.FAQs, _, err = kb.LoadFile(*kbPath); err != nil {
			return nil, err
		}
	}
	if *weightsJSON != "" {
		var w recommend.Weights
		if err := json.Unmarshal([]byte(*weightsJSON), &w); err != nil {
			return nil, fmt.Errorf("recommend: -weights: %w", err)
		}
		cfg.Weights = &w
	}
	fig, err := evaluate.Recommend(ctx, events, cfg)
	if err != nil {
		return nil, err
	}
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
	}, dump.close()
}
