package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// runSearchDepth measures what the number of first-stage candidates the
// ranker scores costs in quality: a ranker trained on the AFQMC split's
// training queries (400 depth-3 trees, no sample mix; or read from
// -ranker when that file exists, and written there otherwise) ranks every
// validation query through Index.Search at each depth, and the command
// prints Recall@1, MRR@10, the share of queries whose entry was found at
// all, and latencies (on a shared machine: contended).
func runSearchDepth(args []string) error {
	fset := flag.NewFlagSet("search-depth", flag.ExitOnError)
	data := dataFlag(fset)
	path := fset.String("ranker", "", "read the ranker from this file, or train one and write it here")
	depthList := fset.String("depths", "100,70,50,40,30", "comma-separated candidate depths")
	fset.Parse(args)
	var depths []int
	for _, s := range splitList(*depthList) {
		k, err := strconv.Atoi(s)
		if err != nil || k < 1 {
			return fmt.Errorf("depth %q: want a positive number", s)
		}
		depths = append(depths, k)
	}
	sp, err := splitAFQMC(*data, 0)
	if err != nil {
		return err
	}
	tok, err := jieba.New()
	if err != nil {
		return err
	}
	defer tok.Close()
	ctx := context.Background()
	var r *kb.Ranker
	if *path != "" {
		r, err = readRanker(*path)
		switch {
		case err == nil:
			logf("ranker read from %s", *path)
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
	}
	if r == nil {
		if r, err = trainDepthRanker(ctx, tok, sp); err != nil {
			return err
		}
		if *path != "" {
			if err := writeRanker(*path, r); err != nil {
				return err
			}
		}
	}
	logf("entries %d, validation queries %d", len(sp.kept), len(sp.val))
	valBy := sp.byShard(sp.val)
	for _, k := range depths {
		if err := searchDepth(ctx, tok, sp.parts, valBy, r, k); err != nil {
			return err
		}
	}
	return nil
}

// trainDepthRanker trains the search-depth experiment's ranker.
func trainDepthRanker(ctx context.Context, tok *jieba.Tokenizer, sp *afqmcSplit) (*kb.Ranker, error) {
	start := time.Now()
	ixs, err := openShards(ctx, tok, nil, 100, sp.parts)
	if err != nil {
		return nil, err
	}
	defer closeAll(ixs)
	tr := kb.NewTrainer(kb.TrainConfig{Epochs: 60, L2: 1e-4, Seed: 1, AssocFolds: 4, Trees: 400, Depth: 3, Note: "search depth experiment"})
	for s, q := range sp.byShard(sp.train) {
		if err := tr.Add(ctx, ixs[s], q); err != nil {
			return nil, err
		}
	}
	r, _, err := tr.Fit(ctx)
	if err != nil {
		return nil, err
	}
	logf("ranker trained in %.0fs", time.Since(start).Seconds())
	return r, nil
}

// searchDepth runs the validation queries through Index.Search with r and
// k candidates and prints the figures.
func searchDepth(ctx context.Context, tok *jieba.Tokenizer, parts [][]kb.FAQ, valBy [][]kb.Labeled, r *kb.Ranker, k int) error {
	ixs, err := openShards(ctx, tok, r, k, parts)
	if err != nil {
		return err
	}
	defer closeAll(ixs)
	var r1, mrr, found, n float64
	var lat []time.Duration
	for s, ix := range ixs {
		for _, q := range valBy[s] {
			t0 := time.Now()
			hits, err := ix.Search(ctx, kb.Query{Text: q.Query, Limit: k})
			lat = append(lat, time.Since(t0))
			if err != nil {
				return err
			}
			n++
			i := slices.IndexFunc(hits, func(h kb.Hit) bool { return h.FAQ.ID == q.ID })
			if i < 0 {
				continue
			}
			found++
			if i == 0 {
				r1++
			}
			if i < 10 {
				mrr += 1 / float64(i+1)
			}
		}
	}
	if n == 0 {
		return errors.New("no validation queries")
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("candidates %3d: val R@1 %.4f MRR@10 %.4f found %.4f (p50 %.2f ms, p99 %.2f ms, contended)\n",
		k, r1/n, mrr/n, found/n, ms(lat[len(lat)/2]), ms(lat[len(lat)*99/100]))
	return nil
}
