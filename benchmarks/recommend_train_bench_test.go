package benchmarks_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/internal/seqrec"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// peakHeap samples the live heap every few milliseconds until stop is
// called, and returns its peak in bytes then.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// benchTrain times Train on events (a whole log, any order), beside the
// sequence model alone — the engine's learned part before the need model —
// on the same log. It reports the time per training, events/s and the peak
// live heap during training (MB; the log itself included).
func benchTrain(b *testing.B, events []recommend.Event, cat recommend.Catalog) {
	ctx := context.Background()
	b.Run("train", func(b *testing.B) {
		b.ReportAllocs()
		var peak uint64
		for b.Loop() {
			runtime.GC()
			stop := peakHeap()
			if _, err := recommend.Train(ctx, events, cat, recommend.TrainOptions{Seed: 1}); err != nil {
				b.Fatal(err)
			}
			peak = max(peak, stop())
		}
		b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	})
	b.Run("seqrec-baseline", func(b *testing.B) {
		byUser := map[string][]seqrec.Step{}
		for _, e := range events {
			tok := "ev:" + e.Type
			if e.Type == recommend.TypeAsk {
				tok = seqrec.AskPrefix + e.Question
			}
			byUser[e.User] = append(byUser[e.User], seqrec.Step{Token: tok, Time: e.Time.Unix()})
		}
		seqs := make([][]seqrec.Step, 0, len(byUser))
		for _, s := range byUser {
			seqs = append(seqs, s)
		}
		opts := seqrec.DefaultOptions()
		opts.IsTarget = seqrec.IsAsk
		b.ReportAllocs()
		var peak uint64
		for b.Loop() {
			runtime.GC()
			stop := peakHeap()
			if _, err := seqrec.Train(seqs, opts); err != nil {
				b.Fatal(err)
			}
			peak = max(peak, stop())
		}
		b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	})
}

// BenchmarkTrain1M trains on a simulated log of about a million events
// (60,000 wallet users over the sample knowledge base).
func BenchmarkTrain1M(b *testing.B) {
	log, err := simulate.Generate(simulate.Config{Users: 60000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	k, err := simulate.SampleKB()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d events, %d asks", len(log.Events), len(log.Asks))
	benchTrain(b, log.Events, k)
}

// BenchmarkTrainHelpcenter trains on the whole simulated help-center log of
// the shared data (recommend/helpcenter, about 270k events), without a
// catalog, as benchmarks/eval does; it skips without the data.
func BenchmarkTrainHelpcenter(b *testing.B) {
	path := filepath.Join(dataDir(), "recommend", "helpcenter", "events.jsonl")
	f, err := os.Open(path)
	if err != nil {
		b.Skipf("no help-center log: %v", err)
	}
	defer f.Close()
	events, err := recommend.ReadEvents(f, path)
	if err != nil {
		b.Fatal(err)
	}
	benchTrain(b, events, nil)
}

// dataDir returns the shared evaluation data folder: $DUXIN_DATA, else
// ../../shared/data beside the repository.
func dataDir() string {
	if d := os.Getenv("DUXIN_DATA"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "data")
}
