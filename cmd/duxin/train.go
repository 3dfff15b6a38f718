package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"maps"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

func init() {
	register(command{name: "train intent", summary: `train an intent classifier on labelled utterances

-data is JSON Lines {"text", "intent"}, CSV with text and intent columns, or
YAML in the shape of Rasa's nlu.yml (see intent.ReadFile); out-of-scope
utterances are labelled "oos". -split holds out a fixed share of -data (by a
hash of the text, as benchmarks/eval does) for "duxin test intent -split".`,
		flags: trainIntentFlags})
	register(command{name: "train ranker", summary: `train the knowledge base's ranker on labelled queries

-queries is JSON Lines {"query", "id"}: what users typed and the id of the
-kb entry that answers it. A fifth of them calibrate the ranker's
confidences, so that search knows when it has no answer; at least 20
must be held out for that, so give at least about 100 queries. With fewer,
the ranker is trained on all of them without a calibration: its searches
have no confidences and answer everything, which the summary says
("calibrated": false, "uncalibrated" why, "calibration_queries" held out
of "calibration_needed") and standard error warns of. "used" counts the
queries trained on whose entry the first stage found among its
candidates; the others cannot teach the ranker anything.`,
		flags: trainRankerFlags})
	register(command{name: "train recommend", summary: `train the recommender on a behavior log

-events is JSON Lines of events (see recommend.ReadEvents), gzip-compressed or
not, or - for standard input; it is read once, so a log of any size trains
within -memory (the models then learn from a uniform sample of users, and the
summary says how many: see recommend.TrainStream). -kb is the knowledge base
the suggestions come from (without it, one entry per question asked in the
log); asks for questions it lacks are counted (-strict refuses them).`,
		flags: trainRecommendFlags})
}

// intentSummary is what train intent prints.
type intentSummary struct {
	Model      string  `json:"model"`
	Out        string  `json:"out"`
	Bytes      int64   `json:"bytes"`
	SHA256     string  `json:"sha256"`
	Examples   int     `json:"examples"`
	Classes    int     `json:"classes"`
	HeldOut    int     `json:"held_out,omitempty"`
	Duplicates int     `json:"duplicates"`
	Conflicts  int     `json:"conflicts"`
	Seconds    float64 `json:"seconds"`
	Tokenizer  string  `json:"tokenizer"`
}

func trainIntentFlags(fs *flag.FlagSet) func(context.Context, env) (any, error) {
	data := fs.String("data", "", "training utterances: .jsonl, .json, .csv, .yml or .yaml (required)")
	out := fs.String("out", "", "where to write the model (required)")
	split := shareFlag(fs, "split", 0, 0, 0.5, "hold out this share of -data (by a fixed hash of the text) for testing")
	seed := seedFlag(fs, "seed", 0, "training seed (default: intent's)")
	return func(ctx context.Context, e env) (_ any, err error) {
		if err := required(map[string]string{"data": *data, "out": *out}); err != nil {
			return nil, err
		}
		if err := checkOut(*out); err != nil {
			return nil, err
		}
		p := newProgress(e)
		defer func() { p.finish(err) }()
		exs, err := intent.ReadFile(*data)
		if err != nil {
			return nil, err
		}
		train, held := evaluate.HashSplit(exs, *split)
		if len(train) == 0 {
			return nil, fmt.Errorf("%s: no examples to train on (%d read, %d held out)", *data, len(exs), len(held))
		}
		rep := intent.Check(train)
		p.logf("%s: %d examples, %d intents, %d duplicates, %d conflicts", *data, rep.Examples, rep.Labels, len(rep.Duplicates), len(rep.Conflicts))
		for _, c := range rep.Conflicts[:min(len(rep.Conflicts), 5)] {
			p.logf("  conflict: %q is labelled %s", c.Text, conflictLabels(c))
		}
		tok, err := intentTokenizer()
		if err != nil {
			return nil, err
		}
		defer tok.Close()
		var opts []intent.Option
		if flagSet(fs, "seed") {
			learning := intent.DefaultLearning()
			learning.Seed = *seed
			opts = append(opts, intent.WithLearning(learning))
		}
		p.stage(fmt.Sprintf("training on %d examples", len(train)), 0)
		start := time.Now()
		m, err := intent.Train(ctx, train, tok, opts...)
		if err != nil {
			return nil, inFile(ctx, *data, err)
		}
		took := time.Since(start)
		p.end()
		size, sum, err := writeModel(*out, m)
		if err != nil {
			return nil, err
		}
		s := intentSummary{Model: "intent", Out: *out, Bytes: size, SHA256: sum, Examples: len(train), Classes: len(m.Labels()),
			HeldOut: len(held), Duplicates: len(rep.Duplicates), Conflicts: len(rep.Conflicts),
			Seconds: evaluate.Round(took.Seconds(), 2), Tokenizer: m.TokenizerIdentity()}
		p.logf("trained an intent model: %d examples, %d classes, %.2fs; wrote %s (%d bytes), sha256 %s",
			s.Examples, s.Classes, s.Seconds, s.Out, s.Bytes, s.SHA256)
		return s, nil
	}
}

func conflictLabels(c intent.Conflict) string {
	set := map[string]bool{}
	for _, ex := range c.Examples {
		set[ex.Intent] = true
	}
	return fmt.Sprint(slices.Sorted(maps.Keys(set)))
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// rankerSummary is what train ranker prints.
type rankerSummary struct {
	Model      string  `json:"model"`
	Out        string  `json:"out"`
	Bytes      int64   `json:"bytes"`
	SHA256     string  `json:"sha256"`
	Entries    int     `json:"entries"`
	Examples   int     `json:"examples"`
	Used       int     `json:"used"`
	Loss       float64 `json:"loss"`
	Calibrated bool    `json:"calibrated"`
	// CalibrationQueries were held out to calibrate on, of the
	// CalibrationNeeded a calibration needs; Uncalibrated says why the
	// ranker has none.
	CalibrationQueries int     `json:"calibration_queries"`
	CalibrationNeeded  int     `json:"calibration_needed"`
	Uncalibrated       string  `json:"uncalibrated,omitempty"`
	Seconds            float64 `json:"seconds"`
}

func trainRankerFlags(fs *flag.FlagSet) func(context.Context, env) (any, error) {
	kbPath := fs.String("kb", "", "knowledge base: .jsonl, .json, .csv, .yml or .yaml (required)")
	queries := fs.String("queries", "", `labelled queries, JSON Lines {"query", "id"} (required)`)
	out := fs.String("out", "", "where to write the ranker (required)")
	seed := seedFlag(fs, "seed", 1, "training seed")
	trees := intFlag(fs, "trees", 0, 0, maxTrees, "gradient-boosted trees fitted after the linear part (0: none)")
	return func(ctx context.Context, e env) (_ any, err error) {
		if err := required(map[string]string{"kb": *kbPath, "queries": *queries, "out": *out}); err != nil {
			return nil, err
		}
		if err := checkOut(*out); err != nil {
			return nil, err
		}
		p := newProgress(e)
		defer func() { p.finish(err) }()
		faqs, _, err := kb.LoadFile(*kbPath)
		if err != nil {
			return nil, err
		}
		qs, err := labeledQueries(*queries, faqs)
		if err != nil {
			return nil, err
		}
		tok, err := kbTokenizer()
		if err != nil {
			return nil, err
		}
		defer tok.Close()
		p.stage(fmt.Sprintf("indexing %d entries", len(faqs)), 0)
		ix, err := kb.New(tok, kb.WithRanker(nil))
		if err != nil {
			return nil, err
		}
		defer ix.Close()
		if err := ix.Reload(ctx, faqs); err != nil {
			return nil, err
		}
		p.stage(fmt.Sprintf("training on %d queries", len(qs)), 0)
		start := time.Now()
		cfg := kb.TrainConfig{Seed: *seed, Trees: *trees, Note: "duxin train ranker"}
		r, rep, err := kb.TrainRanker(ctx, ix, qs, cfg)
		uncalibrated := ""
		if errors.Is(err, kb.ErrTooFewToCalibrate) {
			held := rep.CalibrationQueries
			uncalibrated = fmt.Sprintf("only %d of the %d queries were held out to calibrate, %d needed (give at least about %d queries): searches with this ranker have no confidences and answer everything",
				held, len(qs), kb.MinCalibrationQueries, 5*kb.MinCalibrationQueries)
			p.logf("warning: the ranker is not calibrated: %s", uncalibrated)
			cfg.CalibrationShare = -1
			r, rep, err = kb.TrainRanker(ctx, ix, qs, cfg)
			rep.CalibrationQueries = held
		}
		if err != nil {
			return nil, inFile(ctx, *queries, err)
		}
		took := time.Since(start)
		p.end()
		size, sum, err := writeModel(*out, r)
		if err != nil {
			return nil, err
		}
		s := rankerSummary{Model: "ranker", Out: *out, Bytes: size, SHA256: sum, Entries: len(faqs), Examples: rep.Examples,
			Used: rep.Used, Loss: evaluate.Round(rep.Loss, 4), Calibrated: rep.Calibrated, Seconds: evaluate.Round(took.Seconds(), 2),
			CalibrationQueries: rep.CalibrationQueries, CalibrationNeeded: kb.MinCalibrationQueries, Uncalibrated: uncalibrated}
		p.logf("trained a ranker: %d queries (%d used) on %d entries, %.2fs, calibrated %v; wrote %s (%d bytes), sha256 %s",
			s.Examples, s.Used, s.Entries, s.Seconds, s.Calibrated, s.Out, s.Bytes, s.SHA256)
		return s, nil
	}
}

// labeledQueries reads the queries of path and checks that each names an
// entry of faqs.
func labeledQueries(path string, faqs []kb.FAQ) ([]kb.Labeled, error) {
	qs, lines, err := evaluate.ReadLabeledQueryLines(path)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(faqs))
	for _, f := range faqs {
		ids[f.ID] = true
	}
	for i, q := range qs {
		if !ids[q.ID] {
			return nil, fmt.Errorf("%s:%d: field \"id\": no entry %q in the knowledge base", path, lines[i], q.ID)
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no queries", path)
	}
	return qs, nil
}

// recommendSummary is what train recommend prints.
type recommendSummary struct {
	Model     string `json:"model"`
	Out       string `json:"out"`
	Bytes     int64  `json:"bytes"`
	SHA256    string `json:"sha256"`
	ID        string `json:"id"`
	Events    int    `json:"events"`
	Users     int    `json:"users"`
	Asks      int    `json:"asks"`
	Questions int    `json:"questions"`
	Cases     int    `json:"cases"`
	Entries   int    `json:"entries"`
	// SampledUsers and SampledEvents: what the models learned from when
	// the log outgrew -memory (omitted when it did not).
	SampledUsers  int `json:"sampled_users,omitempty"`
	SampledEvents int `json:"sampled_events,omitempty"`
	// Weights are the fitted feature weights: what each source of
	// evidence counts for in a suggestion's score.
	Weights   recommend.Weights `json:"weights"`
	TrainedAt time.Time         `json:"trained_at"`
	Seconds   float64           `json:"seconds"`
	// With -kb, the asks for questions it lacks.
	unknownQuestions
	// Warnings say what of the log the models could not use, as the
	// command also says on standard error.
	Warnings []string `json:"warnings,omitempty"`
}

func trainRecommendFlags(fs *flag.FlagSet) func(context.Context, env) (any, error) {
	eventsPath := fs.String("events", "", "behavior log, JSON Lines (required)")
	kbPath := fs.String("kb", "", "knowledge base the suggestions come from (default: the questions asked in the log)")
	out := fs.String("out", "", "where to write the model (required)")
	seed := seedFlag(fs, "seed", 1, "training seed")
	calendar := fs.String("calendar", "", "the periods to learn from, such as festivals and bill days: JSON Lines of {\"name\", \"start\", \"end\"} (default none)")
	zone := fs.String("zone", "", "the time zone of the model's hours and days, an IANA name such as Asia/Shanghai (default Beijing time)")
	strict := fs.Bool("strict", false, "refuse a log that asks for a question -kb lacks (default: count and report such asks)")
	memory := sizeFlag(fs, "memory", recommend.DefaultMemoryBudget, recommend.MinMemoryBudget, maxMemory,
		"what training may hold of the log, such as 512MB or 4GB: the models learn from a uniform sample of users that fits")
	return func(ctx context.Context, e env) (_ any, err error) {
		if err := required(map[string]string{"events": *eventsPath, "out": *out}); err != nil {
			return nil, err
		}
		budget := *memory
		cal, err := recommend.LoadCalendar(*calendar, *zone)
		if err != nil {
			return nil, err
		}
		if err := checkOut(*out); err != nil {
			return nil, err
		}
		if *eventsPath == "-" && e.stdin == nil {
			return nil, errors.New("-events -: no standard input")
		}
		p := newProgress(e)
		defer func() { p.finish(err) }()
		var cat recommend.Catalog
		var entries int
		var unknown *unknownAsks
		if *kbPath != "" {
			faqs, _, err := kb.LoadFile(*kbPath)
			if err != nil {
				return nil, err
			}
			tok, err := kbTokenizer()
			if err != nil {
				return nil, err
			}
			defer tok.Close()
			p.stage(fmt.Sprintf("indexing %d entries", len(faqs)), 0)
			ix, err := kb.New(tok)
			if err != nil {
				return nil, err
			}
			defer ix.Close()
			if err := ix.Reload(ctx, faqs); err != nil {
				return nil, err
			}
			cat, entries, unknown = ix, len(faqs), newUnknownAsks(faqs)
		}
		f, err := openEvents(*eventsPath, e.stdin)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		events := recommend.ScanEvents(f, eventsName(*eventsPath))
		var asked *askedCatalog
		if unknown != nil {
			events = unknown.tap(events, *eventsPath, *kbPath, *strict)
		}
		if cat == nil {
			// The questions asked in the log, known once it is read.
			asked = &askedCatalog{set: map[string]bool{}}
			events, cat = asked.tap(events), asked
		}
		// The budget is the heap's too: the collector works harder near it
		// rather than let the process grow past it.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(budget))
		p.stage("training", 0)
		start := time.Now()
		m, err := recommend.TrainStream(ctx, events, cat, recommend.TrainOptions{Seed: *seed, Calendar: cal, MemoryBudget: budget})
		if err != nil {
			var fe *recommend.FieldError
			var le *locatedError
			if errors.As(err, &fe) || errors.As(err, &le) {
				return nil, err
			}
			return nil, inFile(ctx, *eventsPath, err)
		}
		if asked != nil {
			entries = len(asked.set)
		}
		took := time.Since(start)
		p.end()
		size, sum, err := writeModel(*out, m)
		if err != nil {
			return nil, err
		}
		info := m.Info()
		s := recommendSummary{Model: "recommend", Out: *out, Bytes: size, SHA256: sum, ID: info.ID, Events: info.Events,
			Users: info.Users, Asks: info.Asks, Questions: info.Questions, Cases: info.Cases, Entries: entries,
			SampledUsers: info.SampledUsers, SampledEvents: info.SampledEvents,
			Weights:   roundWeights(m.Weights()),
			TrainedAt: info.TrainedAt.UTC().Round(time.Second), Seconds: evaluate.Round(took.Seconds(), 2)}
		var warning string
		if s.unknownQuestions, warning = unknown.report(*kbPath); warning != "" {
			s.Warnings = append(s.Warnings, warning)
		}
		p.logf("trained a recommender: %d events of %d users, %d asks of %d questions, %.2fs; wrote %s (%d bytes), id %s",
			s.Events, s.Users, s.Asks, s.Questions, s.Seconds, s.Out, s.Bytes, s.ID)
		if s.SampledUsers > 0 {
			p.logf("the log outgrew -memory %s: the models learned from a sample of %d users (%d events)", formatBytes(*memory), s.SampledUsers, s.SampledEvents)
		}
		p.logf("fitted weights %+v", s.Weights)
		for _, w := range s.Warnings {
			p.logf("warning: %s", w)
		}
		return s, nil
	}
}

// roundWeights keeps four significant digits of each weight, for people.
func roundWeights(w recommend.Weights) recommend.Weights {
	r := func(x float64) float64 {
		if x == 0 {
			return 0 // and not -0
		}
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
		return v
	}
	return recommend.Weights{Trigger: r(w.Trigger), Learned: r(w.Learned), Sequence: r(w.Sequence), Popular: r(w.Popular),
		Trending: r(w.Trending), History: r(w.History), Related: r(w.Related), Search: r(w.Search)}
}

// readEvents reads a behavior log (gzip or not, "-" standard input);
// errors name the file, line and field.
func readEvents(path string, stdin io.Reader) ([]recommend.Event, error) {
	f, err := openEvents(path, stdin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return recommend.ReadEvents(f, eventsName(path))
}

// eventsName is how errors name the log at path.
func eventsName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}

// askedCatalog is a knowledge base of one entry per question asked in a
// log, sorted by id: the questions its tap saw, read once the log is.
type askedCatalog struct {
	set  map[string]bool
	once sync.Once
	kb   *simulate.KB
	err  error
}

// tap returns events, noting the questions asked.
func (c *askedCatalog) tap(events iter.Seq2[recommend.Event, error]) iter.Seq2[recommend.Event, error] {
	return func(yield func(recommend.Event, error) bool) {
		for e, err := range events {
			if err == nil && e.Type == recommend.TypeAsk {
				c.set[e.Question] = true
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

func (c *askedCatalog) load() (*simulate.KB, error) {
	c.once.Do(func() {
		var faqs []kb.FAQ
		for _, q := range slices.Sorted(maps.Keys(c.set)) {
			faqs = append(faqs, kb.FAQ{ID: q, Question: q})
		}
		c.kb, c.err = simulate.NewKB(faqs)
	})
	return c.kb, c.err
}

func (c *askedCatalog) Search(ctx context.Context, q kb.Query) ([]kb.Hit, error) {
	k, err := c.load()
	if err != nil {
		return nil, err
	}
	return k.Search(ctx, q)
}

func (c *askedCatalog) Get(ctx context.Context, id string) (kb.FAQ, error) {
	k, err := c.load()
	if err != nil {
		return kb.FAQ{}, err
	}
	return k.Get(ctx, id)
}

func (c *askedCatalog) All(ctx context.Context) ([]kb.FAQ, error) {
	k, err := c.load()
	if err != nil {
		return nil, err
	}
	return k.All(ctx)
}

func (c *askedCatalog) Related(ctx context.Context, id string, limit int) ([]kb.Hit, error) {
	k, err := c.load()
	if err != nil {
		return nil, err
	}
	return k.Related(ctx, id, limit)
}
