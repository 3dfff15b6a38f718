package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// baseConfigs are the ranker configurations the ranker command knows, by
// name; a name may add -noct (no contrast model) and then -mixN (N copies
// of the sample KB's tuning lists mixed in, as retrieval-train -mix-kb
// -mix-weight N does).
var baseConfigs = map[string]func(*kb.TrainConfig){
	"mlp16-noassoc":       func(c *kb.TrainConfig) { c.Hidden = 16; c.Associations = kb.Skip },
	"mlp16-assoc":         func(c *kb.TrainConfig) { c.Hidden = 16 },
	"lin-assoc":           func(c *kb.TrainConfig) {},
	"lin-noassoc":         func(c *kb.TrainConfig) { c.Associations = kb.Skip },
	"lin-gbdt700d3":       func(c *kb.TrainConfig) { c.Trees = 700; c.Depth = 3 },
	"lin-gbdt200":         func(c *kb.TrainConfig) { c.Trees = 200 },
	"lin-gbdt400d3":       func(c *kb.TrainConfig) { c.Trees = 400; c.Depth = 3 },
	"lin-gbdt400d3af8":    func(c *kb.TrainConfig) { c.Trees = 400; c.Depth = 3; c.AssocFolds = 8 },
	"lin-gbdt200d3":       func(c *kb.TrainConfig) { c.Trees = 200; c.Depth = 3 },
	"lin-gbdt100d2":       func(c *kb.TrainConfig) { c.Trees = 100; c.Depth = 2 },
	"lin-gbdt300d5":       func(c *kb.TrainConfig) { c.Trees = 300; c.Depth = 5 },
	"lin-gbdt400d4":       func(c *kb.TrainConfig) { c.Trees = 400; c.Depth = 4 },
	"lin-gbdt800d3s05":    func(c *kb.TrainConfig) { c.Trees = 800; c.Depth = 3; c.Shrinkage = 0.05 },
	"mlp16-gbdt400d3":     func(c *kb.TrainConfig) { c.Hidden = 16; c.Trees = 400; c.Depth = 3 },
	"mlp16-gbdt200":       func(c *kb.TrainConfig) { c.Hidden = 16; c.Trees = 200 },
	"lin-noassoc-gbdt200": func(c *kb.TrainConfig) { c.Associations = kb.Skip; c.Trees = 200 },
}

// rankerConfig is a training configuration and the number of copies of
// the sample KB's lists mixed in.
type rankerConfig struct {
	kb.TrainConfig
	mix int
}

// parseConfig reads a configuration name (see baseConfigs).
func parseConfig(name string) (rankerConfig, error) {
	c := rankerConfig{TrainConfig: kb.TrainConfig{Epochs: 60, L2: 1e-4, Seed: 1, AssocFolds: 4, Note: name}}
	base := name
	if i := strings.LastIndex(base, "-mix"); i >= 0 {
		n, err := strconv.Atoi(base[i+4:])
		if err != nil || n < 0 {
			return c, fmt.Errorf("configuration %q: bad -mix count", name)
		}
		c.mix, base = n, base[:i]
	}
	if b, ok := strings.CutSuffix(base, "-noct"); ok {
		c.Contrast, base = kb.Skip, b
	}
	set, ok := baseConfigs[base]
	if !ok {
		return c, fmt.Errorf("configuration %q: unknown base %q (feature-group and subsampling suffixes needed kb's internals and are gone)", name, base)
	}
	set(&c.TrainConfig)
	return c, nil
}

// runRanker trains each configuration on the training queries of the
// AFQMC split (and the sample KB's tuning lists, with -mixN) and prints
// its validation Recall@1 and MRR@10 and its leave-one-out figures on the
// sample KB: while choosing, trained on quarter 1 and measured on quarter
// 3; with -final, trained on both tuning quarters and measured on the
// evaluation half.
func runRanker(args []string) error {
	fs := flag.NewFlagSet("ranker", flag.ExitOnError)
	data := dataFlag(fs)
	names := fs.String("configs", "lin-noassoc,lin-assoc,mlp16-noassoc,mlp16-assoc", "comma-separated configurations: a base name, then -noct (no contrast model) and -mixN (N copies of the sample KB's lists)")
	fold := fs.Int("fold", 0, "the fifth of the AFQMC queries used for validation (0 to 4)")
	final := fs.Bool("final", false, "mix in both tuning quarters of the sample KB and measure on its evaluation half")
	dump := fs.Int("dump", 0, "print up to this many validation queries (every seventh) the ranker gets wrong")
	save := fs.String("save", "", "the configuration whose ranker -out writes")
	out := fs.String("out", "", "file to write the ranker of -save to")
	fs.Parse(args)
	var configs []rankerConfig
	for _, n := range splitList(*names) {
		c, err := parseConfig(n)
		if err != nil {
			return err
		}
		configs = append(configs, c)
	}
	sp, err := splitAFQMC(*data, *fold)
	if err != nil {
		return err
	}
	logf("entries %d, train %d, validation %d", len(sp.kept), len(sp.train), len(sp.val))
	tok, err := jieba.New()
	if err != nil {
		return err
	}
	defer tok.Close()
	ctx := context.Background()
	ixs, err := openShards(ctx, tok, nil, 100, sp.parts)
	if err != nil {
		return err
	}
	defer closeAll(ixs)
	trainBy, valBy := sp.byShard(sp.train), sp.byShard(sp.val)
	quarters := []int{1}
	measure := func(s string) bool { return sampleQuarter(s) == 3 }
	if *final {
		quarters = []int{1, 3}
		measure = sampleEvalHalf
	}
	fs0, err := sampleLOO(ctx, tok, nil, measure)
	if err != nil {
		return err
	}
	fmt.Printf("%-40s sample R@1 %.4f MRR@10 %.4f (n %d, final %v)\n", "first-stage", fs0.r1, fs0.mrr, fs0.n, *final)
	for _, c := range configs {
		start := time.Now()
		tr := kb.NewTrainer(c.TrainConfig)
		for s, ix := range ixs {
			if err := tr.Add(ctx, ix, trainBy[s]); err != nil {
				return err
			}
		}
		for range c.mix {
			if err := addSampleLists(ctx, tr, tok, quarters...); err != nil {
				return err
			}
		}
		r, rep, err := tr.Fit(ctx)
		if err != nil {
			return err
		}
		v, err := validate(ctx, ixs, valBy, r, *dump)
		if err != nil {
			return err
		}
		sf, err := sampleLOO(ctx, tok, r, measure)
		if err != nil {
			return err
		}
		fmt.Printf("%-40s lists %d/%d loss %.4f  val R@1 %.4f MRR@10 %.4f  sample R@1 %.4f MRR@10 %.4f (%.0fs)\n",
			c.Note, rep.Used, rep.Examples, rep.Loss, v.r1, v.mrr, sf.r1, sf.mrr, time.Since(start).Seconds())
		for _, f := range v.failures {
			fmt.Println(f)
		}
		if *out != "" && c.Note == *save {
			if err := writeRanker(*out, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// validation is a ranker's figures on the validation queries.
type validation struct {
	r1, mrr  float64
	failures []string
}

// validate searches each shard's validation queries in its index ranked
// by r and returns Recall@1 and MRR@10 over all of them, and up to dump
// of every seventh query whose entry is not first: the query, the
// expected entry's question and the text that came first.
func validate(ctx context.Context, ixs []*kb.Index, valBy [][]kb.Labeled, r *kb.Ranker, dump int) (validation, error) {
	var v validation
	n := 0
	for s, ix := range ixs {
		if err := ix.SetRanker(ctx, r); err != nil {
			return v, err
		}
		for _, q := range valBy[s] {
			n++
			hits, err := ix.Search(ctx, kb.Query{Text: q.Query, Limit: 10, MinConfidence: -1})
			if err != nil {
				return v, err
			}
			rank := slices.IndexFunc(hits, func(h kb.Hit) bool { return h.FAQ.ID == q.ID })
			if rank == 0 {
				v.r1++
			}
			if rank >= 0 {
				v.mrr += 1 / float64(rank+1)
			}
			if rank != 0 && n%7 == 1 && len(v.failures) < dump {
				gold, err := ix.Get(ctx, q.ID)
				if err != nil {
					return v, err
				}
				top := ""
				if len(hits) > 0 {
					top = hits[0].Matched
				}
				v.failures = append(v.failures, fmt.Sprintf("Q %s | GOLD %s | TOP %s", q.Query, gold.Question, top))
			}
		}
	}
	if n > 0 {
		v.r1 /= float64(n)
		v.mrr /= float64(n)
	}
	return v, nil
}
