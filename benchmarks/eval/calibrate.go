package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func init() {
	commands["retrieval-calibrate"] = command{
		summary: "fit a ranker's confidence calibration on labelled queries it was not trained on; write the ranker with it",
		run:     runRetrievalCalibrate,
	}
}

// calibrateFigures is what retrieval-calibrate prints.
type calibrateFigures struct {
	Entries          int     `json:"entries"`
	Queries          int     `json:"queries"`
	QueriesRemoved   int     `json:"queries_removed"`
	Unanswerable     int     `json:"unanswerable"`
	ECE              float64 `json:"ece"`
	AnswerThreshold  float64 `json:"answer_threshold"`
	AnswerCoverage   float64 `json:"answer_coverage"`
	RefuseRecall     float64 `json:"refuse_recall"`
	AnswerPrecision  float64 `json:"answer_precision"`
	CalibrateSeconds float64 `json:"calibrate_seconds"`
	Out              string  `json:"out"`
}

// runRetrievalCalibrate searches the queries with -ranker (which must not
// have been trained on them) in -shards knowledge bases of the entries,
// fits the calibration, and writes -apply-to (default: -ranker itself)
// with that calibration to -out.
func runRetrievalCalibrate(args []string) (any, error) {
	fs := flag.NewFlagSet("retrieval-calibrate", flag.ContinueOnError)
	kbPath := fs.String("kb", "", "knowledge base of the calibration queries")
	queries := fs.String("queries", "", "calibration queries, which the -ranker was not trained on")
	exKB := fs.String("exclude-kb", "", "evaluation knowledge base whose texts must not be calibrated on")
	exQueries := fs.String("exclude-queries", "", "evaluation queries whose texts must not be calibrated on")
	rankerPath := fs.String("ranker", "", "the ranker that scores the calibration queries (default: kb's default)")
	applyTo := fs.String("apply-to", "", "the ranker file that receives the calibration (default: -ranker)")
	shards := fs.Int("shards", 1, "split the entries into this many knowledge bases, the size of those searched later")
	unanswerable := fs.Float64("unanswerable", 0.2, "share of the queried entries treated as removed")
	candidates := fs.Int("candidates", 100, "entries the first stage hands to the ranker")
	out := fs.String("out", "", "where to write the calibrated ranker")
	mixKB := fs.String("mix-kb", "", "a second knowledge base whose evaluation-half similar questions are calibrated on too, each searched without its own text (4 folds)")
	mixWeight := fs.Int("mix-weight", 1, "copies of the -mix-kb lists")
	ood := fs.String("ood", "", oodHelp+", searched in the -mix-kb knowledge base as unanswerable")
	oodMax := fs.Int("ood-max", 500, "at most this many questions of each -ood file (every k-th)")
	domainOnly := fs.Bool("domain-only", false, "keep the -apply-to ranker's score weights and answer threshold and fit only the domain features (query coverage, in-vocabulary share, script); -kb and -queries are then optional")
	l2 := fs.Float64("l2", 1e-3, "weight decay of the calibration's logistic fit")
	mixHalfName := fs.String("mix-half", "eval", `which half of the -mix-kb similar questions to calibrate on: "eval" (FNV-32a even) or "tune" (odd, the half rankers are trained on)`)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *out == "" || !*domainOnly && (*kbPath == "" || *queries == "") {
		return nil, errors.New("retrieval-calibrate: -kb, -queries and -out are required (-out alone with -domain-only)")
	}
	if *mixHalfName != "eval" && *mixHalfName != "tune" {
		return nil, fmt.Errorf(`retrieval-calibrate: -mix-half %q, want "eval" or "tune"`, *mixHalfName)
	}
	ctx := context.Background()
	var faqs, kept []kb.FAQ
	var qs []kb.Labeled
	var removedQ int
	var err error
	if *kbPath != "" || *queries != "" {
		if faqs, qs, err = loadRetrievalSet(*kbPath, *queries); err != nil {
			return nil, err
		}
		if kept, qs, removedQ, err = excludeTexts(faqs, qs, *exKB, *exQueries); err != nil {
			return nil, err
		}
	}
	scorer, err := kb.DefaultRanker()
	if *rankerPath != "" {
		scorer, err = readRankerFile(*rankerPath)
	}
	if err != nil {
		return nil, err
	}
	target := scorer
	if *applyTo != "" {
		if target, err = readRankerFile(*applyTo); err != nil {
			return nil, err
		}
	}
	tok, err := jieba.New()
	if err != nil {
		return nil, err
	}
	defer tok.Close()
	parts, shardOf := shardEntries(kept, *shards)
	byShard := make([][]kb.Labeled, len(parts))
	for _, q := range qs {
		byShard[shardOf[q.ID]] = append(byShard[shardOf[q.ID]], q)
	}
	start := time.Now()
	cal := kb.NewCalibrator()
	if len(kept) > 0 {
		err = eachShard(ctx, tok, scorer, *candidates, parts, func(s int, idx *kb.Index) error {
			fmt.Fprintf(os.Stderr, "retrieval-calibrate: shard %d/%d: %d entries, %d queries\n", s+1, len(parts), len(parts[s]), len(byShard[s]))
			return cal.Add(ctx, idx, byShard[s])
		})
		if err != nil {
			return nil, err
		}
	}
	if *mixKB != "" {
		mix, err := loadRetrievalKB(*mixKB)
		if err != nil {
			return nil, err
		}
		oodGen, err := readOODSpec(*ood, *oodMax)
		if err != nil {
			return nil, err
		}
		oodQs := make([]kb.Labeled, len(oodGen))
		for i, q := range oodGen {
			oodQs[i] = kb.Labeled{Query: q.Text}
		}
		for range max(*mixWeight, 1) {
			if err := addMixCalibration(ctx, cal, tok, scorer, mix, oodQs, *candidates, *mixHalfName == "eval"); err != nil {
				return nil, err
			}
		}
		fmt.Fprintf(os.Stderr, "retrieval-calibrate: mixed in %s (%d copies) and %d questions of %s\n", *mixKB, *mixWeight, len(oodQs), *ood)
	}
	cfg := kb.CalibrateConfig{Unanswerable: *unanswerable, L2: *l2}
	if *domainOnly {
		base, ok := target.Calibration()
		if !ok {
			return nil, errors.New("retrieval-calibrate: -domain-only: the ranker to calibrate has no calibration to keep")
		}
		cfg.Base = &base
	}
	c, rep, err := cal.Fit(cfg)
	if err != nil {
		return nil, err
	}
	f, err := os.Create(*out)
	if err != nil {
		return nil, err
	}
	if _, err := target.WithCalibration(c).WriteTo(f); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return calibrateFigures{Entries: len(kept), Queries: len(qs), QueriesRemoved: removedQ, Unanswerable: rep.Unanswerable,
		ECE: round(rep.ECE, 4), AnswerThreshold: rep.Threshold, AnswerCoverage: round(rep.AnswerCoverage, 4),
		RefuseRecall: round(rep.RefuseRecall, 4), AnswerPrecision: round(rep.AnswerPrecision, 4),
		CalibrateSeconds: round(time.Now().Sub(start).Seconds(), 1), Out: *out}, nil
}

// excludeTexts drops the entries and queries that share a text with the
// evaluation files, and the queries of dropped entries.
func excludeTexts(faqs []kb.FAQ, qs []kb.Labeled, exKB, exQueries string) ([]kb.FAQ, []kb.Labeled, int, error) {
	excluded, err := excludedTexts(exKB, exQueries)
	if err != nil {
		return nil, nil, 0, err
	}
	kept, removed := withoutTexts(faqs, excluded)
	var keptQ []kb.Labeled
	for _, q := range qs {
		if !excluded[q.Query] && !removed[q.ID] {
			keptQ = append(keptQ, q)
		}
	}
	return kept, keptQ, len(qs) - len(keptQ), nil
}

// addMixCalibration adds the lists of the evaluation-half similar
// questions of faqs (see mixHalf; the tuning half unless evalHalf), in 4
// folds each searched in the knowledge base without the fold's texts, and
// of the ood questions, searched in the whole of it, to cal.
func addMixCalibration(ctx context.Context, cal *kb.Calibrator, tok *jieba.Tokenizer, r *kb.Ranker, faqs []kb.FAQ, ood []kb.Labeled, candidates int, evalHalf bool) error {
	const folds = 4
	fold := map[string]int{}
	for _, f := range faqs {
		for _, s := range f.Similar {
			if mixHalf(s) != evalHalf {
				fold[s] = len(fold) % folds
			}
		}
	}
	for k := range folds + 1 {
		var kept []kb.FAQ
		var ex []kb.Labeled
		for _, f := range faqs {
			g := f
			g.Similar = nil
			for _, s := range f.Similar {
				if fk, ok := fold[s]; ok && fk == k {
					ex = append(ex, kb.Labeled{Query: s, ID: f.ID})
				} else {
					g.Similar = append(g.Similar, s)
				}
			}
			kept = append(kept, g)
		}
		if k == folds { // the whole knowledge base, for the other domains' questions
			ex = ood
		}
		idx, err := kb.New(tok, kb.WithRanker(r), kb.WithCandidates(candidates))
		if err != nil {
			return err
		}
		err = idx.Reload(ctx, kept)
		if err == nil {
			err = cal.Add(ctx, idx, ex)
		}
		idx.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
