package kb_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/duxin-ai/duxin/internal/cputime"
	"github.com/duxin-ai/duxin/kb"
)

// dataDir returns the shared evaluation data folder, or "" when absent.
func dataDir() string {
	for _, d := range []string{os.Getenv("DUXIN_DATA"), filepath.Join("..", "..", "shared", "data")} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "retrieval", "afqmc-full", "kb.jsonl")); err == nil {
			return d
		}
	}
	return ""
}

type benchCorpus struct {
	name    string
	faqs    []kb.FAQ
	queries []string
}

// benchCorpora returns the bundled sample and, when the data folder is
// present, 1k, 10k and all 57k entries of afqmc-full with the queries whose
// entries they hold.
func benchCorpora(b testing.TB) []benchCorpus {
	sample := sampleFAQs(b)
	var sq []string
	for _, f := range sample {
		sq = append(sq, f.Similar...)
	}
	out := []benchCorpus{{name: "sample", faqs: sample, queries: sq}}
	d := dataDir()
	if d == "" {
		b.Log("shared data absent: only the bundled sample is benchmarked")
		return out
	}
	faqs, _, err := kb.LoadFile(filepath.Join(d, "retrieval", "afqmc-full", "kb.jsonl"), kb.SkipInvalid())
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(filepath.Join(d, "retrieval", "afqmc-full", "queries.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var labeled []kb.Labeled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l kb.Labeled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			b.Fatal(err)
		}
		labeled = append(labeled, l)
	}
	for _, n := range []int{1000, 10000, len(faqs)} {
		ids := map[string]bool{}
		for _, f := range faqs[:n] {
			ids[f.ID] = true
		}
		var qs []string
		for _, l := range labeled {
			if ids[l.ID] {
				qs = append(qs, l.Query)
			}
		}
		name := map[int]string{1000: "1k", 10000: "10k"}[n]
		if name == "" {
			name = "57k"
		}
		out = append(out, benchCorpus{name: name, faqs: faqs[:n], queries: qs})
	}
	return out
}

// plainBleve is the baseline: bleve's standard analyzer, one document per
// entry (question and similar questions together), a match query.
func plainBleve(b *testing.B, faqs []kb.FAQ) bleve.Index {
	dir := b.TempDir()
	m := bleve.NewIndexMapping()
	idx, err := bleve.New(filepath.Join(dir, "plain"), m)
	if err != nil {
		b.Fatal(err)
	}
	batch := idx.NewBatch()
	for _, f := range faqs {
		batch.Index(f.ID, map[string]any{"text": f.Question + "\n" + strings.Join(f.Similar, "\n")})
		if batch.Size() >= 1000 {
			if err := idx.Batch(batch); err != nil {
				b.Fatal(err)
			}
			batch.Reset()
		}
	}
	if err := idx.Batch(batch); err != nil {
		b.Fatal(err)
	}
	return idx
}

func BenchmarkIndex(b *testing.B) {
	tok := newJieba(b)
	for _, c := range benchCorpora(b) {
		b.Run(c.name+"/duxin", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ix, err := kb.New(tok)
				if err != nil {
					b.Fatal(err)
				}
				if err := ix.Reload(context.Background(), c.faqs); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				ix.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(len(c.faqs))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
		b.Run(c.name+"/plainbleve", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				idx := plainBleve(b, c.faqs)
				b.StopTimer()
				idx.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(len(c.faqs))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	tok := newJieba(b)
	ctx := context.Background()
	for _, c := range benchCorpora(b) {
		if len(c.queries) == 0 {
			continue
		}
		b.Run(c.name+"/duxin", func(b *testing.B) {
			ix, err := kb.New(tok)
			if err != nil {
				b.Fatal(err)
			}
			defer ix.Close()
			if err := ix.Reload(ctx, c.faqs); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			lat := make([]time.Duration, 0, b.N)
			i := 0
			cpu := cputime.Start()
			for b.Loop() {
				t0 := time.Now()
				if _, err := ix.Search(ctx, kb.Query{Text: c.queries[i%len(c.queries)]}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				i++
			}
			cpu.Report(b)
			reportLatency(b, lat)
		})
		b.Run(c.name+"/plainbleve", func(b *testing.B) {
			idx := plainBleve(b, c.faqs)
			defer idx.Close()
			b.ReportAllocs()
			lat := make([]time.Duration, 0, b.N)
			i := 0
			cpu := cputime.Start()
			for b.Loop() {
				t0 := time.Now()
				q := bleve.NewMatchQuery(c.queries[i%len(c.queries)])
				q.SetField("text")
				if _, err := idx.SearchInContext(ctx, bleve.NewSearchRequest(q)); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				i++
			}
			cpu.Report(b)
			reportLatency(b, lat)
		})
	}
}

// reportLatency reports the median and 99th percentile of lat: on a shared
// machine the median moves much less than the tail.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkDefaultRanker measures reading the built-in ranker, which every
// New and Open without WithRanker does.
func BenchmarkDefaultRanker(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kb.DefaultRanker(); err != nil {
			b.Fatal(err)
		}
	}
}
