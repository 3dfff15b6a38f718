package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

func init() {
	register(command{name: "test intent", summary: `measure an intent model on labelled utterances

Prints the figures benchmarks/eval intent prints (accuracy, in-scope
accuracy, out-of-scope recall and precision, macro F1, top-1 accuracy,
calibration error, latency) and writes a per-intent report (precision,
recall, F1, support), the confusion matrix and the most confused pairs with
example texts to -out, as intent_report.json and intent_report.html. Test
utterances labelled with an intent the model never saw are counted and
scored as misses (-strict refuses them).`,
		flags: testIntentFlags})
	register(command{name: "test kb", summary: `measure knowledge-base search on labelled queries

Prints the figures benchmarks/eval retrieval prints: Recall@1/5/50, MRR@10,
latency, the calibration error of the best hit's confidence and, with
-unanswerable, how well search refuses what the knowledge base cannot
answer (left out when no query was unanswerable, with a warning when
-unanswerable removed no entry). The queries must not be ones the ranker
was trained on. A ranker without a calibration (duxin train ranker on too
few queries) has no confidences: the summary then says "calibrated":
false, gives null for ece and answer_threshold (and leaves out the
refusal figures), and warns; the exit code is still 0, since the ranking
figures hold.`,
		flags: testKBFlags})
	register(command{name: "test recommend", summary: `measure the recommender on a behavior log, leave-last-out

Each user's last ask (users with at least 3) is ranked after their earlier
events: among -negatives (100) sampled questions they never asked (hr@10,
ndcg@10) and among every question (full_hr@10, full_mrr@10), the figures
benchmarks/eval recommend prints. With -model the model is measured as it is: give it a log
it was not trained on (later, or other users); without, one is trained on the
log less the targets. A catalog with fewer questions than -negatives flatters
hr@10 and ndcg@10: the output then warns and says how many targets were
short. Asks for questions -kb lacks are counted (-strict refuses them).`,
		flags: testRecommendFlags})
}

// intentResult is what test intent prints: the figures of benchmarks/eval
// intent that do not depend on training.
type intentResult struct {
	Model           string   `json:"model"`
	SHA256          string   `json:"sha256"`
	Data            string   `json:"data"`
	N               int      `json:"n"`
	Labels          int      `json:"labels"`
	Accuracy        float64  `json:"accuracy"`
	InScopeAccuracy float64  `json:"in_scope_accuracy"`
	OOSRecall       *float64 `json:"oos_recall,omitempty"`
	OOSPrecision    *float64 `json:"oos_precision,omitempty"`
	MacroF1         float64  `json:"macro_f1"`
	Top1Accuracy    float64  `json:"top1_accuracy"`
	ECE             float64  `json:"ece"`
	Temperature     float64  `json:"temperature"`
	ModelBytes      int      `json:"model_bytes"`
	P50us           float64  `json:"p50_us"`
	P99us           float64  `json:"p99_us"`
	ReportJSON      string   `json:"report_json,omitempty"`
	ReportHTML      string   `json:"report_html,omitempty"`
	unseenLabels
	// Warnings say what makes figures unreliable, as the command also
	// says on standard error.
	Warnings []string `json:"warnings,omitempty"`
}

func testIntentFlags(fs *flag.FlagSet) func(context.Context, env) (any, error) {
	modelPath := fs.String("model", "", "intent model written by duxin train intent (required)")
	data := fs.String("data", "", "test utterances: .jsonl, .json, .csv, .yml or .yaml (required)")
	split := shareFlag(fs, "split", 0, 0, 0.5, "test only on this held-out share of -data, as duxin train intent -split held it out")
	out := fs.String("out", "results", `folder for intent_report.json and intent_report.html ("" writes none)`)
	pairs := intFlag(fs, "pairs", 20, 0, maxPairs, "most confused pairs listed in the report")
	strict := fs.Bool("strict", false, "refuse test utterances labelled with an intent the model never saw (default: count and report them)")
	return func(ctx context.Context, e env) (_ any, err error) {
		if err := required(map[string]string{"model": *modelPath, "data": *data}); err != nil {
			return nil, err
		}
		if fi, err := os.Stat(*out); *out != "" && err == nil && !fi.IsDir() {
			return nil, fmt.Errorf("-out %s: not a folder", *out)
		}
		p := newProgress(e)
		defer func() { p.finish(err) }()
		test, err := intent.ReadFile(*data)
		if err != nil {
			return nil, err
		}
		if *split > 0 {
			_, test = evaluate.HashSplit(test, *split)
		}
		if len(test) == 0 {
			return nil, fmt.Errorf("%s: no test examples", *data)
		}
		mf, err := readIntentModel(*modelPath)
		if err != nil {
			return nil, err
		}
		defer mf.tok.Close()
		m, sum := mf.model, mf.sum
		unseen, warning, err := findUnseenLabels(test, m.Labels(), *strict)
		if err != nil {
			return nil, err
		}
		oos, _ := m.OutOfScopeLabel()
		p.stage(fmt.Sprintf("classifying %d examples", len(test)), len(test))
		run, err := evaluate.ClassifyAll(ctx, m, oos, test, func(int, intent.Result) { p.add(1) })
		if err != nil {
			return nil, err
		}
		p.end()
		sc := evaluate.ScoreIntents(test, run.Preds, run.Tops, oos)
		lat := slices.Sorted(slices.Values(run.Latency))
		res := intentResult{Model: *modelPath, SHA256: sum, Data: *data, N: sc.N, Labels: len(m.Labels()),
			Accuracy: sc.Accuracy, InScopeAccuracy: sc.InScopeAccuracy, OOSRecall: sc.OOSRecall, OOSPrecision: sc.OOSPrecision,
			MacroF1: sc.MacroF1, Top1Accuracy: sc.Top1Accuracy, ECE: sc.ECE, Temperature: evaluate.Round(m.Temperature(), 4),
			ModelBytes: mf.size, P50us: evaluate.Round(evaluate.Percentile(lat, 0.50), 1), P99us: evaluate.Round(evaluate.Percentile(lat, 0.99), 1),
			unseenLabels: unseen}
		if warning != "" {
			res.Warnings = append(res.Warnings, warning)
		}
		if *out != "" {
			rep := evaluate.NewIntentReport(test, run.Preds, *pairs, 3)
			res.ReportJSON, res.ReportHTML, err = writeIntentReport(*out, intentReportFile{Model: *modelPath, SHA256: sum, Data: *data,
				Figures: res, IntentReport: rep})
			if err != nil {
				return nil, err
			}
			p.logf("wrote %s and %s", res.ReportJSON, res.ReportHTML)
		}
		p.logf("%d examples: accuracy %.4f, in-scope %.4f, macro F1 %.4f", res.N, res.Accuracy, res.InScopeAccuracy, res.MacroF1)
		for _, w := range res.Warnings {
			p.logf("warning: %s", w)
		}
		return res, nil
	}
}

// kbResult is what test kb prints: the figures of benchmarks/eval
// retrieval, and what was measured.
type kbResult struct {
	KB           string `json:"kb"`
	QueriesFile  string `json:"queries_file"`
	RankerSHA256 string `json:"ranker_sha256,omitempty"`
	evaluate.RetrievalFigures
	// Calibrated is false for a ranker without a calibration; the
	// confidence figures, which would read as an ECE of 1 and a threshold
	// of 0, are then null or left out (these fields hide the embedded
	// ones).
	Calibrated      bool     `json:"calibrated"`
	ECE             *float64 `json:"ece"`
	AnswerThreshold *float64 `json:"answer_threshold"`
	// The answer figures, in place of RetrievalFigures' (which leave out
	// a 0): Unanswerable whenever -unanswerable was given (0 when it
	// removed no entry), the others whenever some query was unanswerable
	// and the ranker is calibrated, a measured 0 included; absent when
	// not measured.
	Unanswerable    *int     `json:"unanswerable,omitempty"`
	RefuseRecall    *float64 `json:"refuse_recall,omitempty"`
	AnswerCoverage  *float64 `json:"answer_coverage,omitempty"`
	AnswerPrecision *float64 `json:"answer_precision,omitempty"`
	// Warnings say what makes figures unmeasured or unreliable, as the
	// command also says on standard error.
	Warnings []string `json:"warnings,omitempty"`
}

// setAnswerFigures sets res's answer figures from its RetrievalFigures,
// for -unanswerable share over queries qs, and warns when share removed no
// entry.
func (res *kbResult) setAnswerFigures(share float64, qs []kb.Labeled) {
	fig := res.RetrievalFigures
	if share > 0 {
		res.Unanswerable = &fig.Unanswerable
	}
	if fig.Unanswerable > 0 {
		res.RefuseRecall, res.AnswerCoverage, res.AnswerPrecision = &fig.RefuseRecall, &fig.AnswerCoverage, &fig.AnswerPrecision
	} else if share > 0 {
		queried := map[string]bool{}
		for _, q := range qs {
			queried[q.ID] = true
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("-unanswerable %v removed no entry: none of the %d entries queried falls in that share, "+
			"so refusal (refuse_recall, answer_coverage, answer_precision) is not measured; give a larger share", share, len(queried)))
	}
}

func testKBFlags(fs *flag.FlagSet) func(context.Context, env) (any, error) {
	kbPath := fs.String("kb", "", "knowledge base: .jsonl, .json, .csv, .yml or .yaml (required)")
	queries := fs.String("queries", "", `labelled queries, JSON Lines {"query", "id"} (required)`)
	rankerPath := fs.String("ranker", "", "ranker written by duxin train ranker (default: kb's)")
	unanswerable := shareFlag(fs, "unanswerable", 0, 0, 1, "share of the queried entries removed from the knowledge base (by a hash of the id), so that their queries have no answer")
	candidates := intFlag(fs, "candidates", 100, 1, maxCandidates, "entries the first stage hands to the ranker")
	skip := fs.Bool("skip-invalid", false, "skip invalid knowledge-base records (reported) instead of failing")
	return func(ctx context.Context, e env) (_ any, err error) {
		if err := required(map[string]string{"kb": *kbPath, "queries": *queries}); err != nil {
			return nil, err
		}
		p := newProgress(e)
		defer func() { p.finish(err) }()
		var lopts []kb.LoadOption
		if *skip {
			lopts = append(lopts, kb.SkipInvalid())
		}
		faqs, lrep, err := kb.LoadFile(*kbPath, lopts...)
		if err != nil {
			return nil, err
		}
		if lrep != nil && lrep.Err() != nil {
			p.logf("skipped bad records: %v", lrep.Err())
		}
		qs, err := labeledQueries(*queries, faqs)
		if err != nil {
			return nil, err
		}
		faqs, gone := evaluate.RemoveUnanswerable(faqs, qs, *unanswerable)
		res := kbResult{KB: *kbPath, QueriesFile: *queries}
		opts := []kb.Option{kb.WithCandidates(*candidates)}
		rankerName := "default"
		if *rankerPath != "" {
			r, sum, err := readRanker(*rankerPath)
			if err != nil {
				return nil, err
			}
			opts = append(opts, kb.WithRanker(r))
			rankerName, res.RankerSHA256 = *rankerPath, sum
		}
		tok, err := kbTokenizer()
		if err != nil {
			return nil, err
		}
		defer tok.Close()
		p.stage(fmt.Sprintf("indexing %d entries", len(faqs)), 0)
		ix, err := kb.New(tok, opts...)
		if err != nil {
			return nil, err
		}
		defer ix.Close()
		start := time.Now()
		if err := ix.Reload(ctx, faqs); err != nil {
			return nil, err
		}
		indexSeconds := time.Since(start).Seconds()
		p.stage(fmt.Sprintf("searching %d queries", len(qs)), len(qs))
		fig, err := evaluate.Retrieval(ctx, ix, qs, gone, func(int, kb.Labeled, []kb.Hit) { p.add(1) })
		if err != nil {
			return nil, err
		}
		p.end()
		fig.Entries, fig.IndexSeconds, fig.Ranker = len(faqs), evaluate.Round(indexSeconds, 2), rankerName
		res.RetrievalFigures = fig
		if r := ix.Ranker(); r != nil {
			_, res.Calibrated = r.Calibration()
		}
		if res.Calibrated {
			res.ECE, res.AnswerThreshold = &fig.ECE, &fig.AnswerThreshold
			res.setAnswerFigures(*unanswerable, qs)
		} else {
			if *unanswerable > 0 {
				res.Unanswerable = &fig.Unanswerable
			}
			res.Warnings = append(res.Warnings, "the ranker is not calibrated: its searches have no confidences and answer everything; "+
				"ece and answer_threshold are null (retrain it on more queries: duxin train ranker -h)")
		}
		p.logf("%d queries on %d entries: recall@1 %.4f, recall@5 %.4f, MRR@10 %.4f", fig.Queries, fig.Entries, fig.Recall1, fig.Recall5, fig.MRR10)
		for _, w := range res.Warnings {
			p.logf("warning: %s", w)
		}
		return res, nil
	}
}

// recommendResult is what test recommend prints: the figures of
// benchmarks/eval recommend, with the model's full ID.
type recommendResult struct {
	Events       string  `json:"events"`
	Model        string  `json:"model"`
	ModelFile    string  `json:"model_file,omitempty"`
	Users        int     `json:"users"`
	Half         string  `json:"half"`
	Questions    int     `json:"questions"`
	HR10         float64 `json:"hr@10"`
	NDCG10       float64 `json:"ndcg@10"`
	FullHR10     float64 `json:"full_hr@10"`
	FullMRR10    float64 `json:"full_mrr@10"`
	TrainSeconds float64 `json:"train_seconds,omitempty"`
	P50us        float64 `json:"p50_us"`
	P99us        float64 `json:"p99_us"`
	// ShortNegatives counts the targets ranked among fewer sampled
	// questions than -negatives (the catalog less the user's questions had
	// fewer), FewestNegatives the fewest a target was ranked among: hr@10
	// and ndcg@10 are then flattered. Absent when every target had its
	// -negatives.
	ShortNegatives  int  `json:"short_negatives,omitempty"`
	FewestNegatives *int `json:"fewest_negatives,omitempty"`
	// With -kb, the asks for questions it lacks.
	unknownQuestions
	// Warnings say what makes figures unreliable, as the command also
	// says on standard error.
	Warnings []string `json:"warnings,omitempty"`
}

// recommendWarnings says how far the figures of fig, with negatives
// asked for, are to be trusted: nothing when every target had its
// negatives in a catalog of more than 10 questions.
func recommendWarnings(fig evaluate.RecommendFigures, negatives int) []string {
	var ws []string
	tiny := fig.Questions <= rankCut && fig.Users > 0
	if fig.ShortCases > 0 {
		w := fmt.Sprintf("hr@10 and ndcg@10 are unreliable: %d of %d targets were ranked among fewer than the %d sampled questions -negatives asks for "+
			"(as few as %d: the catalog has %d questions)", fig.ShortCases, fig.Users, negatives, fig.FewestNegatives, fig.Questions)
		if fig.FewestNegatives < rankCut {
			w += "; a target ranked among fewer than 10 is a hit whatever the model"
		}
		if !tiny {
			w += "; full_hr@10 and full_mrr@10 rank each target among every question"
		}
		ws = append(ws, w)
	}
	if tiny {
		ws = append(ws, fmt.Sprintf("full_hr@10 is 1 whatever the model: the catalog has %d questions, so every target is among the first 10", fig.Questions))
	}
	return ws
}

// rankCut is the cutoff of test recommend's figures: hr@10, ndcg@10…
const rankCut = 10

func testRecommendFlags(fs *flag.FlagSet) func(context.Context, env) (any, error) {
	eventsPath := fs.String("events", "", "behavior log, JSON Lines (required)")
	kbPath := fs.String("kb", "", "knowledge base (default: the questions asked in the log)")
	modelPath := fs.String("model", "", "model written by duxin train recommend (default: train one on the log less the targets)")
	seed := seedFlag(fs, "seed", 1, "seed of the sampled negatives (and of training without -model)")
	negatives := intFlag(fs, "negatives", 100, 1, maxNegatives, "sampled questions each target is ranked among")
	users := fs.String("users", "all", "whose last asks to rank: tune (one half of the users), report (the other half) or all")
	strict := fs.Bool("strict", false, "refuse a log that asks for a question -kb lacks (default: count and report such asks)")
	return func(ctx context.Context, e env) (_ any, err error) {
		if err := required(map[string]string{"events": *eventsPath}); err != nil {
			return nil, err
		}
		if *users != "all" && *users != "tune" && *users != "report" {
			return nil, usagef("-users %q, want tune, report or all", *users)
		}
		p := newProgress(e)
		defer func() { p.finish(err) }()
		events, err := readEvents(*eventsPath, e.stdin)
		if err != nil {
			return nil, err
		}
		cfg := evaluate.RecommendConfig{Seed: *seed, Negatives: *negatives, Users: *users,
			Logf: func(format string, args ...any) { p.logf(format, args...) },
			Progress: func(done, total int) {
				if done == 1 {
					p.stage("ranking each user's last ask", total)
				}
				p.add(1)
			}}
		var unknown *unknownAsks
		if *kbPath != "" {
			if cfg.FAQs, _, err = kb.LoadFile(*kbPath); err != nil {
				return nil, err
			}
			unknown = newUnknownAsks(cfg.FAQs)
			for i, ev := range events {
				if unknown.note(ev) && *strict {
					return nil, unknownQuestionError(*eventsPath, i, ev.Question, *kbPath)
				}
			}
		}
		if *modelPath != "" {
			raw, _, err := readModelFile(*modelPath)
			if err != nil {
				return nil, err
			}
			if cfg.Model, err = recommend.ReadModel(bytes.NewReader(raw)); err != nil {
				return nil, fmt.Errorf("%s: %w", *modelPath, err)
			}
		}
		// How many users are ranked is known once the log is split (and a
		// model trained); Progress then starts a bar.
		p.stage("preparing", 0)
		fig, err := evaluate.Recommend(ctx, events, cfg)
		if err != nil {
			return nil, inFile(ctx, *eventsPath, err)
		}
		p.end()
		res := recommendResult{Events: *eventsPath, Model: fig.Model.Info().ID, ModelFile: *modelPath, Users: fig.Users,
			Half: fig.Half, Questions: fig.Questions, HR10: fig.HR10, NDCG10: fig.NDCG10, FullHR10: fig.FullHR10,
			FullMRR10: fig.FullMRR10, TrainSeconds: fig.TrainSeconds, P50us: fig.P50us, P99us: fig.P99us}
		if fig.ShortCases > 0 {
			res.ShortNegatives, res.FewestNegatives = fig.ShortCases, &fig.FewestNegatives
		}
		var warning string
		if res.unknownQuestions, warning = unknown.report(*kbPath); warning != "" {
			res.Warnings = append(res.Warnings, warning)
		}
		res.Warnings = append(res.Warnings, recommendWarnings(fig, *negatives)...)
		p.logf("%d users: hr@10 %.4f, ndcg@10 %.4f, full_hr@10 %.4f, full_mrr@10 %.4f", res.Users, res.HR10, res.NDCG10, res.FullHR10, res.FullMRR10)
		for _, w := range res.Warnings {
			p.logf("warning: %s", w)
		}
		return res, nil
	}
}
