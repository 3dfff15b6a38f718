package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/duxin-ai/duxin/insight"
	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func init() {
	commands["gaps"] = command{
		summary: "find left-out domains of an intent set as knowledge-base gaps (insight.Gaps)",
		run:     runGaps,
	}
}

// gapsConfig is what the gaps command measures.
type gapsConfig struct {
	train, val string
	leaveOut   int
	seeds      []uint64
	similar    int
	opt        insight.GapOptions
}

// gapsFigures is what the gaps command prints: per seed and their means.
type gapsFigures struct {
	Train      string      `json:"train"`
	Val        string      `json:"val"`
	LeaveOut   int         `json:"leave_out"`
	Similar    int         `json:"similar"`
	Similarity float64     `json:"similarity"`
	MinSize    int         `json:"min_size"`
	Seeds      []uint64    `json:"seeds"`
	Runs       []gapsRun   `json:"runs"`
	Mean       gapsSummary `json:"mean"`
}

// gapsSummary are one run's figures (or their means over runs).
type gapsSummary struct {
	// FoundShare is the share of left-out domains that are the majority
	// of a gap with purity ≥ 0.8.
	FoundShare float64 `json:"found_share"`
	// MeanPurity is the mean purity (majority share, by count) of all
	// gaps; MeanPurityMissing of the gaps whose majority is left out.
	MeanPurity        float64 `json:"mean_purity"`
	MeanPurityMissing float64 `json:"mean_purity_missing"`
	// GapClustered is the share of gap queries (unanswered val queries of
	// left-out domains) in any gap; GapClusteredOwn in a gap whose
	// majority is their own domain.
	GapClustered    float64 `json:"gap_clustered"`
	GapClusteredOwn float64 `json:"gap_clustered_own"`
	// FalseGaps is the number of gaps whose majority is a domain the
	// knowledge base has; FalseGapShare their share of all gaps.
	FalseGaps     float64 `json:"false_gaps"`
	FalseGapShare float64 `json:"false_gap_share"`
	Gaps          float64 `json:"gaps"`
	// MissingAnswered is the share of left-out domains' queries the
	// knowledge base answered (wrongly: it has no entry for them);
	// PresentUnanswered the share of in-KB domains' queries it did not.
	MissingAnswered   float64 `json:"missing_answered"`
	PresentUnanswered float64 `json:"present_unanswered"`
}

// gapsRun is one seed's run.
type gapsRun struct {
	Seed    uint64   `json:"seed"`
	Missing []string `json:"missing"`
	// Found are the left-out domains found (see FoundShare).
	Found []string `json:"found"`
	gapsSummary
}

func runGaps(args []string) (any, error) {
	fs := flag.NewFlagSet("gaps", flag.ContinueOnError)
	data := os.Getenv("DUXIN_DATA")
	if data == "" {
		data = filepath.Join("..", "shared", "data")
	}
	train := fs.String("train", filepath.Join(data, "intent", "smp2017", "train.jsonl"), "labelled utterances {text, intent}: one knowledge-base entry per intent")
	val := fs.String("val", filepath.Join(data, "intent", "smp2017", "val.jsonl"), "labelled utterances: the queries")
	leaveOut := fs.Int("leave-out", 5, "intents left out of the knowledge base, chosen by each seed")
	seeds := fs.String("seeds", "6-15", "seeds, comma-separated, or a range a-b (tuned on 1-5)")
	similar := fs.Int("similar", 30, "similar questions per entry (train utterances)")
	similarity := fs.Float64("similarity", insight.DefaultGapSimilarity, "insight.GapOptions.Similarity")
	minSize := fs.Int("min-size", insight.DefaultGapMinSize, "insight.GapOptions.MinSize")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	ss, err := parseSeeds(*seeds)
	if err != nil {
		return nil, err
	}
	if *leaveOut < 1 || *similar < 0 || *similar > kb.MaxSimilar {
		return nil, fmt.Errorf("gaps: want -leave-out ≥ 1 and -similar in [0, %d]", kb.MaxSimilar)
	}
	cfg := gapsConfig{train: *train, val: *val, leaveOut: *leaveOut, seeds: ss, similar: *similar,
		opt: insight.GapOptions{Similarity: *similarity, MinSize: *minSize}}
	return evalGaps(context.Background(), cfg)
}

// parseSeeds reads "1,2,5" or "1-5".
func parseSeeds(s string) ([]uint64, error) {
	if a, b, ok := strings.Cut(s, "-"); ok {
		lo, err1 := strconv.ParseUint(a, 10, 64)
		hi, err2 := strconv.ParseUint(b, 10, 64)
		if err1 != nil || err2 != nil || hi < lo || hi-lo > 1000 {
			return nil, fmt.Errorf("gaps: -seeds %q: want a range such as 1-5", s)
		}
		var out []uint64
		for v := lo; v <= hi; v++ {
			out = append(out, v)
		}
		return out, nil
	}
	var out []uint64
	for part := range strings.SplitSeq(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(part), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("gaps: -seeds %q: want whole numbers", s)
		}
		out = append(out, v)
	}
	return out, nil
}

// evalGaps runs cfg: for each seed, a knowledge base of one entry per
// intent of train but leaveOut chosen by the seed (its question the
// utterance first by FNV-32a hash, its similar questions the next ones),
// and the val utterances as queries.
func evalGaps(ctx context.Context, cfg gapsConfig) (gapsFigures, error) {
	train, err := intent.ReadFile(cfg.train)
	if err != nil {
		return gapsFigures{}, err
	}
	val, err := intent.ReadFile(cfg.val)
	if err != nil {
		return gapsFigures{}, err
	}
	byIntent := map[string][]string{}
	for _, ex := range train {
		byIntent[ex.Intent] = append(byIntent[ex.Intent], ex.Text)
	}
	domains := slices.Sorted(maps.Keys(byIntent))
	if cfg.leaveOut >= len(domains) {
		return gapsFigures{}, fmt.Errorf("gaps: -leave-out %d: %s has only %d intents", cfg.leaveOut, cfg.train, len(domains))
	}
	hash := func(s string) uint32 { h := fnv.New32a(); h.Write([]byte(s)); return h.Sum32() }
	for _, texts := range byIntent {
		slices.SortFunc(texts, func(a, b string) int { return cmp.Or(cmp.Compare(hash(a), hash(b)), strings.Compare(a, b)) })
	}
	tok, err := jieba.New()
	if err != nil {
		return gapsFigures{}, err
	}
	defer tok.Close()
	fig := gapsFigures{Train: cfg.train, Val: cfg.val, LeaveOut: cfg.leaveOut, Similar: cfg.similar,
		Similarity: cmp.Or(cfg.opt.Similarity, insight.DefaultGapSimilarity), MinSize: cmp.Or(cfg.opt.MinSize, insight.DefaultGapMinSize), Seeds: cfg.seeds}
	for _, seed := range cfg.seeds {
		run, err := gapsSeed(ctx, cfg, seed, domains, byIntent, val, tok)
		if err != nil {
			return gapsFigures{}, err
		}
		fprintf("gaps: seed %d: missing %v found %v, clustered %.3f, false gaps %v of %v\n",
			seed, run.Missing, run.Found, run.GapClustered, run.FalseGaps, run.Gaps)
		fig.Runs = append(fig.Runs, run)
	}
	n := float64(len(fig.Runs))
	m := &fig.Mean
	for _, r := range fig.Runs {
		m.FoundShare += r.FoundShare / n
		m.MeanPurity += r.MeanPurity / n
		m.MeanPurityMissing += r.MeanPurityMissing / n
		m.GapClustered += r.GapClustered / n
		m.GapClusteredOwn += r.GapClusteredOwn / n
		m.FalseGaps += r.FalseGaps / n
		m.FalseGapShare += r.FalseGapShare / n
		m.Gaps += r.Gaps / n
		m.MissingAnswered += r.MissingAnswered / n
		m.PresentUnanswered += r.PresentUnanswered / n
	}
	m.round()
	return fig, nil
}

func (s *gapsSummary) round() {
	for _, p := range []*float64{&s.FoundShare, &s.MeanPurity, &s.MeanPurityMissing, &s.GapClustered, &s.GapClusteredOwn,
		&s.FalseGaps, &s.FalseGapShare, &s.Gaps, &s.MissingAnswered, &s.PresentUnanswered} {
		*p = round(*p, 4)
	}
}

func fprintf(format string, args ...any) { fmt.Fprintf(os.Stderr, format, args...) }

// gapsSeed is one seed's run.
func gapsSeed(ctx context.Context, cfg gapsConfig, seed uint64, domains []string, byIntent map[string][]string,
	val []intent.Example, tok *jieba.Tokenizer) (gapsRun, error) {
	r := rand.New(rand.NewPCG(seed, 0x6761707300000000))
	perm := r.Perm(len(domains))
	missing := map[string]bool{}
	for _, k := range perm[:cfg.leaveOut] {
		missing[domains[k]] = true
	}
	var faqs []kb.FAQ
	for _, d := range domains {
		if missing[d] {
			continue
		}
		texts := byIntent[d]
		faqs = append(faqs, kb.FAQ{ID: d, Question: texts[0], Similar: texts[1:min(len(texts), 1+cfg.similar)]})
	}
	ix, err := kb.New(tok)
	if err != nil {
		return gapsRun{}, err
	}
	defer ix.Close()
	if err := ix.Reload(ctx, faqs); err != nil {
		return gapsRun{}, err
	}
	f, err := insight.NewGapFinder(ix, tok, cfg.opt)
	if err != nil {
		return gapsRun{}, err
	}
	label := map[string]string{} // text → intent (the first seen)
	unanswered := map[string]bool{}
	var nMissing, nPresent, missAnswered, presUnanswered int
	for _, ex := range val {
		text := strings.TrimSpace(ex.Text)
		if text == "" {
			continue
		}
		if _, ok := label[text]; !ok {
			label[text] = ex.Intent
		}
		un, err := unansweredAfter(ctx, f, text)
		if err != nil {
			return gapsRun{}, err
		}
		if un {
			unanswered[text] = true
		}
		if missing[ex.Intent] {
			nMissing++
			if !un {
				missAnswered++
			}
		} else {
			nPresent++
			if un {
				presUnanswered++
			}
		}
	}
	rep := f.Report()
	run := gapsRun{Seed: seed, Missing: slices.Sorted(maps.Keys(missing))}
	found := map[string]bool{}
	inGap := map[string]string{} // text → the gap's majority
	var purMiss, nMiss float64
	for _, g := range rep.Gaps {
		votes := map[string]int{}
		for _, t := range g.All {
			votes[label[t]]++
		}
		major, most := "", -1
		for _, d := range slices.Sorted(maps.Keys(votes)) {
			if votes[d] > most {
				major, most = d, votes[d]
			}
		}
		purity := float64(most) / float64(len(g.All))
		run.MeanPurity += purity
		if missing[major] {
			purMiss += purity
			nMiss++
			if purity >= 0.8 {
				found[major] = true
			}
		} else {
			run.FalseGaps++
		}
		for _, t := range g.All {
			inGap[t] = major
		}
	}
	run.Gaps = float64(len(rep.Gaps))
	if len(rep.Gaps) > 0 {
		run.MeanPurity /= run.Gaps
		run.FalseGapShare = run.FalseGaps / run.Gaps
	}
	if nMiss > 0 {
		run.MeanPurityMissing = purMiss / nMiss
	}
	var gapQ, clustered, own float64
	for _, ex := range val {
		text := strings.TrimSpace(ex.Text)
		if !missing[ex.Intent] || !unanswered[text] {
			continue
		}
		gapQ++
		if major, ok := inGap[text]; ok {
			clustered++
			if major == ex.Intent {
				own++
			}
		}
	}
	if gapQ > 0 {
		run.GapClustered, run.GapClusteredOwn = clustered/gapQ, own/gapQ
	}
	run.Found = slices.Sorted(maps.Keys(found))
	run.FoundShare = float64(len(found)) / float64(len(missing))
	if nMissing > 0 {
		run.MissingAnswered = float64(missAnswered) / float64(nMissing)
	}
	if nPresent > 0 {
		run.PresentUnanswered = float64(presUnanswered) / float64(nPresent)
	}
	run.gapsSummary.round()
	return run, nil
}

// unansweredAfter adds text to f and says whether it was unanswered.
func unansweredAfter(ctx context.Context, f *insight.GapFinder, text string) (bool, error) {
	_, before := f.Counts()
	if err := f.Add(ctx, insight.Query{Text: text}); err != nil {
		return false, fmt.Errorf("gaps: %q: %w", text, err)
	}
	_, after := f.Counts()
	return after > before, nil
}
