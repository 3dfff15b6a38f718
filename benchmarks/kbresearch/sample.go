package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// sampleQuarter is FNV-32a of a similar question of the sample KB, mod 4.
// Quarters 0 and 2 are the evaluation half, never trained or tuned on
// (kb's TestSampleLOODefaultNotWorse measures on it); quarters 1 and 3 the
// tuning half (benchmarks/eval retrieval-train -mix-kb trains on it).
// Configurations are chosen by training on quarter 1 and measuring on
// quarter 3.
func sampleQuarter(text string) int {
	h := fnv.New32a()
	h.Write([]byte(text))
	return int(h.Sum32() % 4)
}

func sampleEvalHalf(text string) bool { return sampleQuarter(text)%2 == 0 }

func loadSampleFAQs() ([]kb.FAQ, error) {
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
	return faqs, err
}

// looFigures are leave-one-out figures on some of the sample KB's similar
// questions.
type looFigures struct {
	n       int
	r1, mrr float64
}

// sampleLOO runs the leave-one-out evaluation on the sample KB ranked by r
// (nil: first stage only): for each similar question for which in holds, it
// indexes the KB without that text (an upsert of its entry without it),
// searches for it, and records the rank of its entry.
func sampleLOO(ctx context.Context, tok tokenize.Tokenizer, r *kb.Ranker, in func(string) bool) (looFigures, error) {
	var fig looFigures
	faqs, err := loadSampleFAQs()
	if err != nil {
		return fig, err
	}
	ix, err := kb.New(tok, kb.WithRanker(r))
	if err != nil {
		return fig, err
	}
	defer ix.Close()
	if err := ix.Reload(ctx, faqs); err != nil {
		return fig, err
	}
	for _, f := range faqs {
		for i, s := range f.Similar {
			if !in(s) {
				continue
			}
			without := f
			without.Similar = slices.Delete(slices.Clone(f.Similar), i, i+1)
			if err := ix.Upsert(ctx, without); err != nil {
				return fig, err
			}
			hits, err := ix.Search(ctx, kb.Query{Text: s, Limit: 10})
			if err != nil {
				return fig, err
			}
			if err := ix.Upsert(ctx, f); err != nil {
				return fig, err
			}
			fig.n++
			rank := slices.IndexFunc(hits, func(h kb.Hit) bool { return h.FAQ.ID == f.ID })
			if rank == 0 {
				fig.r1++
			}
			if rank >= 0 {
				fig.mrr += 1 / float64(rank+1)
			}
		}
	}
	fig.r1 /= float64(fig.n)
	fig.mrr /= float64(fig.n)
	return fig, nil
}

// addSampleLists adds to tr training lists from the sample KB's similar
// questions in quarters: the KB loses every evaluation-half text, the
// questions are split into 4 folds, and each fold is searched in the KB
// without its own texts.
func addSampleLists(ctx context.Context, tr *kb.Trainer, tok tokenize.Tokenizer, quarters ...int) error {
	faqs, err := loadSampleFAQs()
	if err != nil {
		return err
	}
	const folds = 4
	fold := map[string]int{}
	n := 0
	for _, f := range faqs {
		for _, s := range f.Similar {
			if slices.Contains(quarters, sampleQuarter(s)) {
				fold[s] = n % folds
				n++
			}
		}
	}
	for k := range folds {
		var kept []kb.FAQ
		var ex []kb.Labeled
		for _, f := range faqs {
			g := f
			g.Similar = nil
			for _, s := range f.Similar {
				fk, train := fold[s]
				switch {
				case sampleEvalHalf(s):
				case train && fk == k:
					ex = append(ex, kb.Labeled{Query: s, ID: f.ID})
				default:
					g.Similar = append(g.Similar, s)
				}
			}
			kept = append(kept, g)
		}
		ix, err := kb.New(tok, kb.WithRanker(nil))
		if err != nil {
			return err
		}
		err = ix.Reload(ctx, kept)
		if err == nil {
			err = tr.Add(ctx, ix, ex)
		}
		ix.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// runSampleLOO prints the leave-one-out figures of the first stage, the
// default ranker and, with -ranker, another one on both halves of the
// sample KB.
func runSampleLOO(args []string) error {
	fs := flag.NewFlagSet("sample-loo", flag.ExitOnError)
	path := fs.String("ranker", "", "also measure the ranker in this file")
	fs.Parse(args)
	def, err := kb.DefaultRanker()
	if err != nil {
		return err
	}
	rankers := map[string]*kb.Ranker{"first-stage": nil, "default": def}
	if *path != "" {
		r, err := readRanker(*path)
		if err != nil {
			return err
		}
		rankers[*path] = r
	}
	tok, err := jieba.New()
	if err != nil {
		return err
	}
	defer tok.Close()
	ctx := context.Background()
	for _, name := range slices.Sorted(maps.Keys(rankers)) {
		for _, eval := range []bool{false, true} {
			fig, err := sampleLOO(ctx, tok, rankers[name], func(s string) bool { return sampleEvalHalf(s) == eval })
			if err != nil {
				return err
			}
			half := "tune"
			if eval {
				half = "eval"
			}
			fmt.Printf("%-20s %s half: n %d R@1 %.4f MRR@10 %.4f\n", name, half, fig.n, fig.r1, fig.mrr)
		}
	}
	return nil
}
