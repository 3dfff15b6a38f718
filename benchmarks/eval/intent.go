package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func init() {
	commands["intent"] = command{
		summary: "train an intent model on -train, measure it on -test",
		run:     runIntent,
	}
}

// intentFigures is what the intent command prints.
type intentFigures struct {
	Train           string       `json:"train"`
	Test            string       `json:"test"`
	N               int          `json:"n"`
	TrainN          int          `json:"train_n"`
	Labels          int          `json:"labels"`
	Accuracy        float64      `json:"accuracy"`
	InScopeAccuracy float64      `json:"in_scope_accuracy"`
	OOSRecall       *float64     `json:"oos_recall,omitempty"`
	OOSPrecision    *float64     `json:"oos_precision,omitempty"`
	MacroF1         float64      `json:"macro_f1"`
	Top1Accuracy    float64      `json:"top1_accuracy"`
	ECE             float64      `json:"ece"`
	Temperature     float64      `json:"temperature"`
	TrainSeconds    float64      `json:"train_seconds"`
	TrainCPUSeconds float64      `json:"train_cpu_seconds"`
	ModelBytes      int          `json:"model_bytes"`
	P50us           float64      `json:"p50_us"`
	P99us           float64      `json:"p99_us"`
	Options         string       `json:"options,omitempty"`
	Curve           []curvePoint `json:"curve,omitempty"`
	garbleInfo
}

// curvePoint is the outcome of one confidence threshold (-curve).
type curvePoint struct {
	Threshold float64  `json:"t"`
	Accuracy  float64  `json:"acc"`
	InScope   float64  `json:"in"`
	OOSRecall *float64 `json:"oos,omitempty"`
}

func runIntent(args []string) (any, error) {
	fs := flag.NewFlagSet("intent", flag.ContinueOnError)
	trainPath := fs.String("train", "", "training examples (.jsonl, .csv or .yml)")
	testPath := fs.String("test", "", "test examples; without it, -split holds out part of -train")
	split := fs.Float64("split", 0.2, "with no -test: fraction of -train held out (by a fixed hash of the text) as the test set")
	mode := fs.String("mode", "search", "jieba cut mode: search (the default tokenizer) or precise")
	nFolds := fs.Int("folds", 0, "tuning: with no -test, cross-validate on -train with this many folds (by a fixed hash of the text)")
	curve := fs.Bool("curve", false, "tuning: add accuracy and out-of-scope recall for a range of thresholds")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of training to this file")
	stop := fs.String("stopwords", "none", "jieba stop words: none (what intent recommends: 你好, not and how carry intent) or default")
	confusions := fs.Int("confusions", 0, "tuning: print this many most frequent gold→predicted confusions, with an example each, to stderr")
	tune := fs.String("opts", "", "tuning experiments only: comma-separated name=value training options (epochs, l2, rate, holdout, threshold, gap, char, latin, charweight, pairs, cross, mincount, seed; solvers svm=C, ens=C, softmax, nb)")
	dumpPath := fs.String("dump", "", "write every test example's outcome and predictions to this file, to compare two builds byte for byte")
	garbleFl := addGarbleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	dump, err := openDump(*dumpPath)
	if err != nil {
		return nil, err
	}
	defer dump.close()
	if *trainPath == "" {
		return nil, fmt.Errorf("intent: -train is required")
	}
	train, err := intent.ReadFile(*trainPath)
	if err != nil {
		return nil, err
	}
	var test []intent.Example
	if *testPath != "" {
		if test, err = intent.ReadFile(*testPath); err != nil {
			return nil, err
		}
	} else {
		train, test = hashSplit(train, *split)
	}
	gb, err := garbleFl.newGarbler(func(yield func(string) bool) {
		for _, ex := range append(slices.Clip(train), test...) {
			if !yield(ex.Text) {
				return
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	if gb.mode != "none" && *nFolds > 1 {
		return nil, fmt.Errorf("intent: -garble garbles -test, not cross-validation folds")
	}
	for i := range test {
		test[i].Text = gb.garble(test[i].Text)
	}
	rep := intent.Check(train)
	fmt.Fprintf(os.Stderr, "train: %d examples, %d labels, %d duplicates, %d conflicts\n",
		rep.Examples, rep.Labels, len(rep.Duplicates), len(rep.Conflicts))
	opts, err := parseIntentOpts(*tune)
	if err != nil {
		return nil, err
	}

	jopts := []jieba.Option{}
	switch *mode {
	case "search":
	case "precise":
		jopts = append(jopts, jieba.WithMode(jieba.Precise))
	default:
		return nil, fmt.Errorf("intent: unknown -mode %q", *mode)
	}
	switch *stop {
	case "default":
	case "none":
		jopts = append(jopts, jieba.WithStopWords(nil))
	default:
		return nil, fmt.Errorf("intent: unknown -stopwords %q", *stop)
	}
	tok, err := jieba.New(jopts...)
	if err != nil {
		return nil, err
	}
	defer tok.Close()

	ctx := context.Background()
	type fold struct{ train, test []intent.Example }
	folds := []fold{{train, test}}
	if *nFolds > 1 {
		all := append(train, test...)
		folds = folds[:0]
		for k := range *nFolds {
			var f fold
			for _, ex := range all {
				h := fnv.New32a()
				h.Write([]byte(ex.Text))
				if int(h.Sum32()%uint32(*nFolds)) == k {
					f.test = append(f.test, ex)
				} else {
					f.train = append(f.train, ex)
				}
			}
			folds = append(folds, f)
		}
		train, test = all, nil
	}
	var (
		lat      []float64
		preds    []string
		tops     []intent.Prediction
		results  []intent.Result
		trainSec float64
		m        *intent.Model
		buf      bytes.Buffer
		oosLabel string
	)
	var trainCPU float64
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return nil, err
	}
	defer stopProfile()
	for _, fd := range folds {
		start, cpu0 := time.Now(), cpuSeconds()
		m, err = intent.Train(ctx, fd.train, tok, opts...)
		if err != nil {
			return nil, err
		}
		sec := time.Since(start).Seconds()
		trainSec += sec / float64(len(folds))
		trainCPU += (cpuSeconds() - cpu0) / float64(len(folds))
		buf.Reset()
		if _, err := m.WriteTo(&buf); err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "trained in %.2fs, temperature %.3f, model %d bytes\n", sec, m.Temperature(), buf.Len())
		oosLabel, _ = m.OutOfScopeLabel()
		run, err := evaluate.ClassifyAll(ctx, m, oosLabel, fd.test, func(i int, r intent.Result) {
			dump.line(fd.test[i].Text, r.Intent, r.Outcome, r.Gap)
			for _, pr := range r.Predictions {
				dump.line("", pr.Label, pr.Confidence)
			}
		})
		if err != nil {
			return nil, err
		}
		lat = append(lat, run.Latency...)
		preds = append(preds, run.Preds...)
		tops = append(tops, run.Tops...)
		results = append(results, run.Results...)
		if *nFolds > 1 {
			test = append(test, fd.test...)
		}
	}
	f := scoreIntents(test, preds, tops, oosLabel)
	if *confusions > 0 {
		printConfusions(test, preds, *confusions)
	}
	f.Train, f.Test, f.TrainN, f.Labels = *trainPath, *testPath, len(train), len(m.Labels())
	if *testPath == "" {
		f.Test = fmt.Sprintf("%s split %.2f", *trainPath, *split)
	}
	f.Temperature = round(m.Temperature(), 4)
	f.TrainSeconds = round(trainSec, 2)
	f.TrainCPUSeconds = round(trainCPU, 2)
	f.ModelBytes = buf.Len()
	slices.Sort(lat)
	f.P50us = round(percentile(lat, 0.50), 1)
	f.P99us = round(percentile(lat, 0.99), 1)
	f.Options = *tune
	f.garbleInfo = gb.info()
	if *curve {
		for _, t := range []float64{0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7} {
			p := make([]string, len(results))
			for i, r := range results {
				p[i] = oosLabel
				if top := r.Predictions[0]; top.Label != oosLabel && top.Confidence >= t {
					p[i] = top.Label
				}
			}
			c := scoreIntents(test, p, tops, oosLabel)
			f.Curve = append(f.Curve, curvePoint{Threshold: t, Accuracy: c.Accuracy, InScope: c.InScopeAccuracy, OOSRecall: c.OOSRecall})
		}
	}
	return f, dump.close()
}

// hashSplit holds out a fixed fraction of the examples (evaluate.HashSplit).
func hashSplit(all []intent.Example, frac float64) (train, test []intent.Example) {
	return evaluate.HashSplit(all, frac)
}

// scoreIntents scores the predictions (evaluate.ScoreIntents) as the
// figures the command prints.
func scoreIntents(test []intent.Example, preds []string, tops []intent.Prediction, oos string) intentFigures {
	sc := evaluate.ScoreIntents(test, preds, tops, oos)
	return intentFigures{N: sc.N, Accuracy: sc.Accuracy, InScopeAccuracy: sc.InScopeAccuracy, OOSRecall: sc.OOSRecall,
		OOSPrecision: sc.OOSPrecision, MacroF1: sc.MacroF1, Top1Accuracy: sc.Top1Accuracy, ECE: sc.ECE}
}

// cpuSeconds is the user+system CPU time of the process so far: training
// wall time depends on what else the machine runs, CPU time much less.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// parseIntentOpts turns "epochs=5,l2=1e-4" into training options: the
// default groups, changed as the names say.
func parseIntentOpts(s string) ([]intent.Option, error) {
	if s == "" {
		return nil, nil
	}
	f, l, d := intent.DefaultFeatures(), intent.DefaultLearning(), intent.DefaultDecision()
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		num := func() (float64, error) { return strconv.ParseFloat(v, 64) }
		x, err := num()
		if err != nil && k != "char" && k != "latin" && k != "pairs" && k != "cross" && k != "softmax" && k != "nb" {
			return nil, fmt.Errorf("intent: -opts %s: %w", kv, err)
		}
		switch k {
		case "epochs":
			l.Epochs = int(x)
		case "l2":
			l.L2 = x
		case "rate":
			l.Rate = x
		case "holdout":
			l.Holdout = x
		case "threshold":
			d.Threshold = x
		case "gap":
			d.MinGap = x
		case "charweight":
			f.CharWeight = x
		case "mincount":
			f.MinCount = int(x)
		case "svm":
			l.Solver, l.Cost = intent.SVM, x
		case "ens":
			l.Solver, l.Cost = intent.Ensemble, x
		case "softmax":
			l.Solver = intent.Softmax
		case "nb":
			l.Solver = intent.NaiveBayes
		case "seed":
			l.Seed = uint64(x)
		case "char": // char=1-4
			lo, hi, err := parseRange(k, v)
			if err != nil {
				return nil, err
			}
			f.CharNGrams = intent.NGrams{Min: lo, Max: hi}
		case "latin": // latin=2-4
			lo, hi, err := parseRange(k, v)
			if err != nil {
				return nil, err
			}
			f.LatinNGrams = intent.NGrams{Min: lo, Max: hi}
		case "cross":
			f.CrossWord = true
		case "pairs":
			if v == "off" {
				f.WordPairs = false
			}
		default:
			return nil, fmt.Errorf("intent: -opts: unknown option %q", k)
		}
	}
	return []intent.Option{intent.WithFeatures(f), intent.WithLearning(l), intent.WithDecision(d)}, nil
}

// printConfusions writes the n most frequent gold→predicted pairs among the
// errors to stderr, each with its count and one example text.
func printConfusions(test []intent.Example, preds []string, n int) {
	type pair struct{ gold, pred string }
	count := map[pair]int{}
	example := map[pair]string{}
	for i, ex := range test {
		if preds[i] == ex.Intent {
			continue
		}
		p := pair{ex.Intent, preds[i]}
		count[p]++
		if _, ok := example[p]; !ok {
			example[p] = ex.Text
		}
	}
	pairs := make([]pair, 0, len(count))
	for p := range count {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := count[b] - count[a]; c != 0 {
			return c
		}
		if c := strings.Compare(a.gold, b.gold); c != 0 {
			return c
		}
		return strings.Compare(a.pred, b.pred)
	})
	for _, p := range pairs[:min(n, len(pairs))] {
		fmt.Fprintf(os.Stderr, "confusion %4d  %s -> %s  e.g. %q\n", count[p], p.gold, p.pred, example[p])
	}
}

// parseRange parses the MIN-MAX value v of the -opts option k.
func parseRange(k, v string) (lo, hi int, err error) {
	a, b, _ := strings.Cut(v, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("intent: -opts %s=%s: want %s=MIN-MAX", k, v, k)
	}
	return lo, hi, nil
}
