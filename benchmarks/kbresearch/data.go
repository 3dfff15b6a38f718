package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// dataFlag adds the -data flag: the evaluation data folder.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", os.Getenv("DUXIN_DATA"), "evaluation data folder (holds retrieval/afqmc and retrieval/afqmc-full)")
}

// afqmcSplit is the data of the ranker and search-depth experiments.
type afqmcSplit struct {
	kept       []kb.FAQ
	train, val []kb.Labeled
	// parts are the kept entries dealt into shards; shardOf names each
	// entry's.
	parts   [][]kb.FAQ
	shardOf map[string]int
}

// byShard groups qs by the shard of their entry.
func (s *afqmcSplit) byShard(qs []kb.Labeled) [][]kb.Labeled {
	out := make([][]kb.Labeled, len(s.parts))
	for _, q := range qs {
		out[s.shardOf[q.ID]] = append(out[s.shardOf[q.ID]], q)
	}
	return out
}

// splitAFQMC reads afqmc-full from dir without every entry and query
// sharing a text with afqmc (the evaluation set), splits its queries into
// training and validation (FNV-32a(query) % 5 == fold) and deals the kept
// entries into 7 shards at random (seeded).
func splitAFQMC(dir string, fold int) (*afqmcSplit, error) {
	if dir == "" {
		return nil, errors.New("no evaluation data: set -data or DUXIN_DATA")
	}
	if fold < 0 || fold > 4 {
		return nil, fmt.Errorf("fold %d: want 0 to 4", fold)
	}
	full := filepath.Join(dir, "retrieval", "afqmc-full")
	eval := filepath.Join(dir, "retrieval", "afqmc")
	faqs, _, err := kb.LoadFile(filepath.Join(full, "kb.jsonl"), kb.SkipInvalid())
	if err != nil {
		return nil, err
	}
	exFAQs, _, err := kb.LoadFile(filepath.Join(eval, "kb.jsonl"), kb.SkipInvalid())
	if err != nil {
		return nil, err
	}
	exQueries, err := readLabeled(filepath.Join(eval, "queries.jsonl"))
	if err != nil {
		return nil, err
	}
	excluded := map[string]bool{}
	for _, f := range exFAQs {
		excluded[f.Question] = true
		for _, s := range f.Similar {
			excluded[s] = true
		}
	}
	for _, q := range exQueries {
		excluded[q.Query] = true
	}
	sp := &afqmcSplit{shardOf: map[string]int{}}
	removed := map[string]bool{}
	for _, f := range faqs {
		hit := excluded[f.Question]
		for _, s := range f.Similar {
			hit = hit || excluded[s]
		}
		if hit {
			removed[f.ID] = true
			continue
		}
		sp.kept = append(sp.kept, f)
	}
	queries, err := readLabeled(filepath.Join(full, "queries.jsonl"))
	if err != nil {
		return nil, err
	}
	for _, q := range queries {
		if excluded[q.Query] || removed[q.ID] {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(q.Query))
		if h.Sum32()%5 == uint32(fold) {
			sp.val = append(sp.val, q)
		} else {
			sp.train = append(sp.train, q)
		}
	}
	const shards = 7
	sp.parts = make([][]kb.FAQ, shards)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, i := range rng.Perm(len(sp.kept)) {
		s := len(sp.shardOf) % shards
		sp.parts[s] = append(sp.parts[s], sp.kept[i])
		sp.shardOf[sp.kept[i].ID] = s
	}
	return sp, nil
}

// readLabeled reads labeled queries, one JSON object a line.
func readLabeled(path string) ([]kb.Labeled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []kb.Labeled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var l kb.Labeled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// openShards indexes each part in its own index (ranked by r, nil: first
// stage only, with candidates candidates); the caller closes them.
func openShards(ctx context.Context, tok *jieba.Tokenizer, r *kb.Ranker, candidates int, parts [][]kb.FAQ) ([]*kb.Index, error) {
	var ixs []*kb.Index
	for _, part := range parts {
		ix, err := kb.New(tok, kb.WithRanker(r), kb.WithCandidates(candidates))
		if err == nil {
			ixs = append(ixs, ix)
			err = ix.Reload(ctx, part)
		}
		if err != nil {
			closeAll(ixs)
			return nil, err
		}
	}
	return ixs, nil
}

func closeAll(ixs []*kb.Index) {
	for _, ix := range ixs {
		ix.Close()
	}
}

// readRanker reads a ranker file.
func readRanker(path string) (*kb.Ranker, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return kb.ReadRanker(f)
}

// writeRanker writes r to path.
func writeRanker(path string, r *kb.Ranker) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := r.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
