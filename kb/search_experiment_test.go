package kb

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// TestSearchDepthExperiment measures what the search pipeline's latency
// choices (how many first-stage candidates the ranker scores, which query
// terms the first stage searches) cost in quality. It runs only when
// DUXIN_KB_SEARCH_EXPERIMENT is set and the shared data is present. The split
// is TestRankerExperiment's: afqmc-full minus every text of afqmc (never
// looked at here), validation = FNV-32a(query) % 5 == 0 of the rest, the
// entries dealt into 7 shards. A ranker is trained on the training split
// (400 depth-3 trees, no sample mix; or read from
// DUXIN_KB_SEARCH_EXPERIMENT_RANKER when that file exists, written there
// otherwise), then every validation query goes through Index.Search with
// that ranker at each candidate depth (DUXIN_KB_SEARCH_EXPERIMENT_DEPTHS, a
// JSON list) and each document-frequency cut-off of the first stage's terms
// (DUXIN_KB_SEARCH_EXPERIMENT_MAXDF), and the test prints Recall@1, MRR@10
// and the share of queries whose entry the first stage found at all.
func TestSearchDepthExperiment(t *testing.T) {
	if os.Getenv("DUXIN_KB_SEARCH_EXPERIMENT") == "" {
		t.Skip("set DUXIN_KB_SEARCH_EXPERIMENT=1 to run the search depth experiment")
	}
	kept, train, val, parts, shardOf := experimentSplit(t)
	tok, err := jieba.New()
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	shards := len(parts)
	ctx := context.Background()
	ixs := make([]*Index, shards)
	for s, part := range parts {
		ix, err := New(tok, WithRanker(nil), WithCandidates(100))
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if err := ix.Reload(ctx, part); err != nil {
			t.Fatal(err)
		}
		ixs[s] = ix
	}
	rankerPath := os.Getenv("DUXIN_KB_SEARCH_EXPERIMENT_RANKER")
	var r *Ranker
	if rankerPath != "" {
		if f, err := os.Open(rankerPath); err == nil {
			r, err = ReadRanker(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("ranker read from %s", rankerPath)
		}
	}
	if r == nil {
		start := time.Now()
		tr := NewTrainer(TrainConfig{Epochs: 60, L2: 1e-4, Seed: 1, AssocFolds: 4, Trees: 400, Depth: 3, Note: "search depth experiment"})
		for s, ix := range ixs {
			var ts []Labeled
			for _, q := range train {
				if shardOf[q.ID] == s {
					ts = append(ts, q)
				}
			}
			if err := tr.Add(ctx, ix, ts); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		r, _, err = tr.Fit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("ranker trained in %.0fs", time.Since(start).Seconds())
		if rankerPath != "" {
			f, err := os.Create(rankerPath)
			if err != nil {
				t.Fatal(err)
			}
			r.WriteTo(f)
			f.Close()
		}
	}
	depths := []int{100, 70, 50, 40, 30}
	if s := os.Getenv("DUXIN_KB_SEARCH_EXPERIMENT_DEPTHS"); s != "" {
		depths = nil
		if err := json.Unmarshal([]byte(s), &depths); err != nil {
			t.Fatal(err)
		}
	}
	maxDFs := []float64{ixs[0].opts.maxDF}
	if s := os.Getenv("DUXIN_KB_SEARCH_EXPERIMENT_MAXDF"); s != "" {
		maxDFs = nil
		if err := json.Unmarshal([]byte(s), &maxDFs); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("entries %d, validation queries %d", len(kept), len(val))
	for _, maxDF := range maxDFs {
		for _, k := range depths {
			for _, ix := range ixs {
				ix.opts.maxDF = maxDF
			}
			searchDepth(t, ixs, shardOf, val, r, k, maxDF)
		}
	}
}

// searchDepth runs the validation queries through Index.Search with r and
// k candidates and logs the figures.
func searchDepth(t *testing.T, ixs []*Index, shardOf map[string]int, val []Labeled, r *Ranker, k int, maxDF float64) {
	ctx := context.Background()
	var r1, mrr, found float64
	var lat []time.Duration
	for s, ix := range ixs {
		ix.opts.candidates = k
		if err := ix.SetRanker(ctx, r); err != nil {
			t.Fatal(err)
		}
		for _, q := range val {
			if shardOf[q.ID] != s {
				continue
			}
			t0 := time.Now()
			hits, err := ix.Search(ctx, Query{Text: q.Query, Limit: k})
			lat = append(lat, time.Since(t0))
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range hits {
				if h.FAQ.ID != q.ID {
					continue
				}
				found++
				if i == 0 {
					r1++
				}
				if i < 10 {
					mrr += 1 / float64(i+1)
				}
				break
			}
		}
	}
	slices.Sort(lat)
	n := float64(len(val))
	t.Logf("maxDF %.3f candidates %3d: val R@1 %.4f MRR@10 %.4f found %.4f (p50 %.2f ms, p99 %.2f ms, contended)", maxDF, k, r1/n, mrr/n, found/n,
		float64(lat[len(lat)/2].Microseconds())/1000, float64(lat[len(lat)*99/100].Microseconds())/1000)
}
