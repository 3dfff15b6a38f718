package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"time"

	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func init() {
	commands["retrieval"] = command{
		summary: "index a knowledge base and measure Recall@1/@5, MRR@10 and latency on labeled queries",
		run:     runRetrieval,
	}
	commands["retrieval-train"] = command{
		summary: "train a kb reranker on labeled queries, leaving out every text of an evaluation set",
		run:     runRetrievalTrain,
	}
}

func runRetrieval(args []string) (any, error) {
	fs := flag.NewFlagSet("retrieval", flag.ContinueOnError)
	kbPath := fs.String("kb", "", "knowledge base (JSON Lines, or any format kb.LoadFile reads)")
	queries := fs.String("queries", "", `labeled queries, JSON Lines {"query": "...", "id": "..."}`)
	rankerPath := fs.String("ranker", "", "ranker JSON to use instead of the shipped default")
	noRerank := fs.Bool("no-rerank", false, "order by the first-stage BM25 score alone")
	candidates := fs.Int("candidates", 100, "entries the first stage hands to the ranker")
	unanswerable := fs.Float64("unanswerable", 0, "share of the queried entries removed from the knowledge base (by a hash of the id), so that their queries have no answer")
	dumpPath := fs.String("dump", "", "write every query's hits (id, score, confidence) to this file, to compare two builds byte for byte")
	oodSpec := fs.String("ood", "", oodHelp)
	garbleFl := addGarbleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	ood, err := readOODSpec(*oodSpec, 0)
	if err != nil {
		return nil, err
	}
	dump, err := openDump(*dumpPath)
	if err != nil {
		return nil, err
	}
	defer dump.close()
	if *kbPath == "" || *queries == "" {
		return nil, errors.New("retrieval: -kb and -queries are required")
	}
	if !(*unanswerable >= 0 && *unanswerable < 1) {
		return nil, fmt.Errorf("retrieval: -unanswerable %v, want in [0, 1)", *unanswerable)
	}
	ctx := context.Background()
	faqs, qs, err := loadRetrievalSet(*kbPath, *queries)
	if err != nil {
		return nil, err
	}
	gb, err := garbleFl.newGarbler(func(yield func(string) bool) {
		for _, f := range faqs {
			for _, t := range append([]string{f.Question}, f.Similar...) {
				if !yield(t) {
					return
				}
			}
		}
		for _, q := range qs {
			if !yield(q.Query) {
				return
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("retrieval: %w", err)
	}
	for i := range qs {
		qs[i].Query = gb.garble(qs[i].Query)
	}
	// Entries removed: their queries are unanswerable.
	faqs, gone := evaluate.RemoveUnanswerable(faqs, qs, *unanswerable)
	tok, err := jieba.New()
	if err != nil {
		return nil, err
	}
	defer tok.Close()
	opts := []kb.Option{kb.WithCandidates(*candidates)}
	rankerName := "default"
	switch {
	case *noRerank:
		opts = append(opts, kb.WithRanker(nil))
		rankerName = "none"
	case *rankerPath != "":
		r, err := readRankerFile(*rankerPath)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kb.WithRanker(r))
		rankerName = *rankerPath
	}
	idx, err := kb.New(tok, opts...)
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	start := time.Now()
	if err := idx.Reload(ctx, faqs); err != nil {
		return nil, err
	}
	indexSeconds := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "retrieval: indexed %d entries in %.1fs\n", len(faqs), indexSeconds)

	right, answeredRight := 0, 0
	fig, err := evaluate.Retrieval(ctx, idx, qs, gone, func(i int, q kb.Labeled, hits []kb.Hit) {
		if len(hits) > 0 && hits[0].FAQ.ID == q.ID && hits[0].Confidence >= idx.AnswerThreshold() {
			answeredRight++
		}
		dump.line(i+1, q.Query, len(hits))
		for _, h := range hits[:min(len(hits), 10)] {
			dump.line("", h.FAQ.ID, h.Score, h.Confidence, h.Field, h.SimilarIndex)
		}
		if len(hits) > 0 && hits[0].FAQ.ID == q.ID {
			right++
		}
		if (i+1)%500 == 0 {
			fmt.Fprintf(os.Stderr, "retrieval: %d/%d queries, recall@1 so far %.3f\n", i+1, len(qs), float64(right)/float64(i+1))
		}
	})
	if err != nil {
		return nil, err
	}
	fig.Entries, fig.IndexSeconds, fig.Ranker = len(faqs), round(indexSeconds, 2), rankerName
	out := garbledRetrieval{oodFigures{RetrievalFigures: fig}, gb.info()}
	if *oodSpec != "" {
		if err := measureOOD(ctx, idx, &out.oodFigures, ood, answeredRight); err != nil {
			return nil, err
		}
	}
	return out, dump.close()
}

// garbledRetrieval is what the retrieval command prints: the figures, the
// out-of-domain figures with -ood, and the garbling of the queries.
type garbledRetrieval struct {
	oodFigures
	garbleInfo
}

// trainFigures is what the retrieval-train command prints.
type trainFigures struct {
	Entries         int     `json:"entries"`
	EntriesRemoved  int     `json:"entries_removed"`
	Queries         int     `json:"queries"`
	QueriesRemoved  int     `json:"queries_removed"`
	Used            int     `json:"used"`
	Loss            float64 `json:"loss"`
	ExcludedTexts   int     `json:"excluded_texts"`
	TrainSeconds    float64 `json:"train_seconds"`
	Out             string  `json:"out"`
	HeldOutRecall1  float64 `json:"heldout_recall@1,omitempty"`
	HeldOutMRR10    float64 `json:"heldout_mrr@10,omitempty"`
	HeldOutQueries  int     `json:"heldout_queries,omitempty"`
	HeldOutFraction float64 `json:"heldout_fraction,omitempty"`
	MixQueries      int     `json:"mix_queries,omitempty"`
}

// mixHalf reports whether a similar question of a -mix-kb knowledge base
// may be trained on: FNV-32a of its text odd. The even half is the
// evaluation half (kb's sample leave-one-out test measures on it) and is
// removed from the knowledge base before training.
func mixHalf(text string) bool {
	h := fnv.New32a()
	h.Write([]byte(text))
	return h.Sum32()%2 == 1
}

// addMixLists adds to tr, weight times, the training lists of the
// trainable similar questions of faqs: the questions are split into 4
// folds, and each fold is searched in the knowledge base without its own
// texts and without any evaluation-half text. It returns the number of
// questions.
func addMixLists(ctx context.Context, tr *kb.Trainer, tok *jieba.Tokenizer, faqs []kb.FAQ, weight, candidates int) (int, error) {
	const folds = 4
	fold := map[string]int{}
	for _, f := range faqs {
		for _, s := range f.Similar {
			if mixHalf(s) {
				fold[s] = len(fold) % folds
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
				case !train:
				case fk == k:
					ex = append(ex, kb.Labeled{Query: s, ID: f.ID})
				default:
					g.Similar = append(g.Similar, s)
				}
			}
			kept = append(kept, g)
		}
		idx, err := kb.New(tok, kb.WithRanker(nil), kb.WithCandidates(candidates))
		if err != nil {
			return 0, err
		}
		err = idx.Reload(ctx, kept)
		for range weight {
			if err == nil {
				err = tr.Add(ctx, idx, ex)
			}
		}
		idx.Close()
		if err != nil {
			return 0, err
		}
	}
	return len(fold), nil
}

// runRetrievalTrain trains a ranker on -kb and -queries after removing
// every entry and query that shares a text with the -exclude-kb and
// -exclude-queries files (the evaluation set), so that figures reported on
// the evaluation set come from a model that never saw it.
func runRetrievalTrain(args []string) (any, error) {
	fs := flag.NewFlagSet("retrieval-train", flag.ContinueOnError)
	kbPath := fs.String("kb", "", "training knowledge base")
	queries := fs.String("queries", "", "training queries")
	exKB := fs.String("exclude-kb", "", "evaluation knowledge base whose texts must not be trained on")
	exQueries := fs.String("exclude-queries", "", "evaluation queries whose texts must not be trained on")
	out := fs.String("out", "", "where to write the ranker JSON")
	hidden := fs.Int("hidden", 0, "tanh hidden units (0: linear)")
	trees := fs.Int("trees", 0, "gradient-boosted trees fitted after the linear part (0: none)")
	depth := fs.Int("depth", 0, "tree depth (0: kb's default)")
	noAssoc := fs.Bool("no-assoc", false, "do not learn a word-association table")
	noContrast := fs.Bool("no-contrast", false, "do not learn a word-contrast model")
	epochs := fs.Int("epochs", 0, "training epochs (0: kb's default)")
	holdout := fs.Float64("holdout", 0, "fraction of the training queries kept aside to report a validation figure")
	note := fs.String("note", "", "note stored with the ranker")
	candidates := fs.Int("candidates", 100, "entries the first stage hands to the ranker")
	mixKB := fs.String("mix-kb", "", "a second knowledge base whose similar questions are mixed into training (domain mix): only those with FNV-32a(text) odd, the other half is kept for evaluation and removed from this KB")
	mixWeight := fs.Int("mix-weight", 1, "copies of the -mix-kb training lists")
	shards := fs.Int("shards", 1, "split the training entries into this many knowledge bases (seeded shuffle), so each is the size of the KBs searched later")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *kbPath == "" || *queries == "" || *out == "" {
		return nil, errors.New("retrieval-train: -kb, -queries and -out are required")
	}
	ctx := context.Background()
	faqs, qs, err := loadRetrievalSet(*kbPath, *queries)
	if err != nil {
		return nil, err
	}
	excluded, err := excludedTexts(*exKB, *exQueries)
	if err != nil {
		return nil, err
	}
	fig := trainFigures{ExcludedTexts: len(excluded), Out: *out}
	kept, removed := withoutTexts(faqs, excluded)
	fig.Entries, fig.EntriesRemoved = len(kept), len(removed)
	var train, held []kb.Labeled
	for i, q := range qs {
		if excluded[q.Query] || removed[q.ID] {
			fig.QueriesRemoved++
			continue
		}
		// A deterministic split: every k-th query is held out.
		if *holdout > 0 && float64(i%1000) < *holdout*1000 {
			held = append(held, q)
			continue
		}
		train = append(train, q)
	}
	fig.Queries = len(train)
	fmt.Fprintf(os.Stderr, "retrieval-train: %d texts excluded; entries %d kept, %d removed; queries %d train, %d held out, %d removed\n",
		len(excluded), len(kept), len(removed), len(train), len(held), fig.QueriesRemoved)

	tok, err := jieba.New()
	if err != nil {
		return nil, err
	}
	defer tok.Close()
	parts, shardOf := shardEntries(kept, *shards)
	split := func(qs []kb.Labeled) [][]kb.Labeled {
		out := make([][]kb.Labeled, len(parts))
		for _, q := range qs {
			out[shardOf[q.ID]] = append(out[shardOf[q.ID]], q)
		}
		return out
	}
	trainBy, heldBy := split(train), split(held)
	start := time.Now()
	cfg := kb.TrainConfig{Hidden: *hidden, Epochs: *epochs, Note: *note, Trees: *trees, Depth: *depth}
	if *noAssoc {
		cfg.Associations = kb.Skip
	}
	if *noContrast {
		cfg.Contrast = kb.Skip
	}
	tr := kb.NewTrainer(cfg)
	err = eachShard(ctx, tok, nil, *candidates, parts, func(s int, idx *kb.Index) error {
		fmt.Fprintf(os.Stderr, "retrieval-train: shard %d/%d: %d entries, %d queries\n", s+1, len(parts), len(parts[s]), len(trainBy[s]))
		return tr.Add(ctx, idx, trainBy[s])
	})
	if err != nil {
		return nil, err
	}
	if *mixKB != "" {
		mix, err := loadRetrievalKB(*mixKB)
		if err != nil {
			return nil, err
		}
		n, err := addMixLists(ctx, tr, tok, mix, *mixWeight, *candidates)
		if err != nil {
			return nil, err
		}
		fig.MixQueries = n
		fmt.Fprintf(os.Stderr, "retrieval-train: mixed in %d similar questions of %s, %d copies\n", n, *mixKB, *mixWeight)
	}
	r, rep, err := tr.Fit(ctx)
	if err != nil {
		return nil, err
	}
	fig.TrainSeconds = round(time.Since(start).Seconds(), 1)
	fig.Used, fig.Loss = rep.Used, round(rep.Loss, 4)
	f, err := os.Create(*out)
	if err != nil {
		return nil, err
	}
	if _, err := r.WriteTo(f); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if len(held) > 0 {
		var r1, mrr float64
		for s, part := range parts {
			ev, err := kb.New(tok, kb.WithRanker(r), kb.WithCandidates(*candidates))
			if err != nil {
				return nil, err
			}
			if err := ev.Reload(ctx, part); err != nil {
				ev.Close()
				return nil, err
			}
			for _, q := range heldBy[s] {
				hits, err := ev.Search(ctx, kb.Query{Text: q.Query, Limit: 10})
				if err != nil {
					ev.Close()
					return nil, err
				}
				for i, h := range hits {
					if h.FAQ.ID == q.ID {
						if i == 0 {
							r1++
						}
						mrr += 1 / float64(i+1)
						break
					}
				}
			}
			ev.Close()
		}
		fig.HeldOutQueries = len(held)
		fig.HeldOutFraction = *holdout
		fig.HeldOutRecall1 = round(r1/float64(len(held)), 4)
		fig.HeldOutMRR10 = round(mrr/float64(len(held)), 4)
	}
	return fig, nil
}

// loadRetrievalSet reads a knowledge base and its labelled queries.
func loadRetrievalSet(kbPath, queriesPath string) ([]kb.FAQ, []kb.Labeled, error) {
	faqs, err := loadRetrievalKB(kbPath)
	if err != nil {
		return nil, nil, err
	}
	qs, err := readLabeledQueries(queriesPath)
	if err != nil {
		return nil, nil, err
	}
	return faqs, qs, nil
}

func loadRetrievalKB(path string) ([]kb.FAQ, error) {
	faqs, rep, err := kb.LoadFile(path, kb.SkipInvalid())
	if err != nil {
		return nil, err
	}
	if rep != nil {
		if err := rep.Err(); err != nil {
			fmt.Fprintf(os.Stderr, "retrieval: skipped bad records: %v\n", err)
		}
	}
	return faqs, nil
}

func readLabeledQueries(path string) ([]kb.Labeled, error) { return evaluate.ReadLabeledQueries(path) }

func readRankerFile(path string) (*kb.Ranker, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return kb.ReadRanker(f)
}

// excludedTexts returns every text (question, similar question, query) of
// the evaluation files, which nothing may be trained or tuned on.
func excludedTexts(exKB, exQueries string) (map[string]bool, error) {
	excluded := map[string]bool{}
	if exKB != "" {
		ex, err := loadRetrievalKB(exKB)
		if err != nil {
			return nil, err
		}
		for _, f := range ex {
			excluded[f.Question] = true
			for _, s := range f.Similar {
				excluded[s] = true
			}
		}
	}
	if exQueries != "" {
		ex, err := readLabeledQueries(exQueries)
		if err != nil {
			return nil, err
		}
		for _, q := range ex {
			excluded[q.Query] = true
		}
	}
	return excluded, nil
}

// withoutTexts returns the entries that share no text with excluded, and
// the ids of the others.
func withoutTexts(faqs []kb.FAQ, excluded map[string]bool) ([]kb.FAQ, map[string]bool) {
	removed := map[string]bool{}
	var kept []kb.FAQ
	for _, f := range faqs {
		hit := excluded[f.Question]
		for _, s := range f.Similar {
			hit = hit || excluded[s]
		}
		if hit {
			removed[f.ID] = true
			continue
		}
		kept = append(kept, f)
	}
	return kept, removed
}

// shardEntries splits the entries into n knowledge bases by a seeded
// shuffle, the size of those searched later; shardOf says where each
// entry went (its queries go with it).
func shardEntries(faqs []kb.FAQ, n int) (parts [][]kb.FAQ, shardOf map[string]int) {
	parts = make([][]kb.FAQ, max(n, 1))
	shardOf = map[string]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, i := range rng.Perm(len(faqs)) {
		s := len(shardOf) % len(parts)
		parts[s] = append(parts[s], faqs[i])
		shardOf[faqs[i].ID] = s
	}
	return parts, shardOf
}

// eachShard indexes each part in turn (ranked by r; nil: first stage
// only) and hands the index to fn, closing it after.
func eachShard(ctx context.Context, tok *jieba.Tokenizer, r *kb.Ranker, candidates int, parts [][]kb.FAQ, fn func(s int, idx *kb.Index) error) error {
	for s, part := range parts {
		idx, err := kb.New(tok, kb.WithRanker(r), kb.WithCandidates(candidates))
		if err != nil {
			return err
		}
		err = idx.Reload(ctx, part)
		if err == nil {
			err = fn(s, idx)
		}
		idx.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
