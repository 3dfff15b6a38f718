package benchmarks_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/internal/redistest"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/replica/redisreplica"
)

// roundTrips counts the commands and pipelines a go-redis client sends:
// one per network round trip.
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}
func (c *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(1); return next(ctx, cmds) }
}

// redisClient connects to the benchmark's Redis ($DUXIN_REDIS_URL or a
// private redis-server) and returns the client, a fresh key prefix and the
// round-trip counter.
func redisClient(b *testing.B) (redis.UniversalClient, string, *roundTrips) {
	b.Helper()
	url := redistest.URL(b)
	c, err := redisstore.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	rt := &roundTrips{}
	c.AddHook(rt)
	return c, redistest.Prefix(b, url), rt
}

func percentiles(b *testing.B, lat []time.Duration, unit string, scale time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/float64(scale), "p50_"+unit)
	b.ReportMetric(float64(lat[len(lat)*99/100])/float64(scale), "p99_"+unit)
}

// BenchmarkRecommendStore measures Recommend (Limit 10, the 10k knowledge
// base and 200 events of history of BenchmarkRecommend) with the events and
// feedback in MemoryStore (the baseline) and in Redis on loopback, and the
// Redis round trips per call: "redis" with the engine's default question
// totals cache, "redis-nocache" reading the totals on every request.
func BenchmarkRecommendStore(b *testing.B) {
	rb := newRecBench(b)
	ctx := context.Background()
	clock := recommend.WithClock(func() time.Time { return rb.now })
	run := func(b *testing.B, events recommend.EventStore, feedback recommend.FeedbackStore, rt *roundTrips, opts ...recommend.Option) {
		eng, err := recommend.NewEngine(rb.kb, events, feedback, append([]recommend.Option{recommend.WithModel(rb.model), clock}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		// Some impressions, so that exploration reads the totals.
		if err := eng.Feedback(ctx, recommend.Feedback{User: "other", Question: rb.faqs[0].ID, Kind: recommend.Impression}); err != nil {
			b.Fatal(err)
		}
		req := recommend.Request{User: "bench", Limit: 10}
		if _, err := eng.Recommend(ctx, req); err != nil {
			b.Fatal(err)
		}
		var n0 int64
		if rt != nil {
			n0 = rt.n.Load()
		}
		b.ReportAllocs()
		var lat []time.Duration
		for b.Loop() {
			t0 := time.Now()
			s, err := eng.Recommend(ctx, req)
			lat = append(lat, time.Since(t0))
			if err != nil || len(s) != 10 {
				b.Fatalf("Recommend: %d suggestions, %v", len(s), err)
			}
		}
		percentiles(b, lat, "us", time.Microsecond)
		if rt != nil {
			b.ReportMetric(float64(rt.n.Load()-n0)/float64(len(lat)), "roundtrips/op")
		}
	}
	b.Run("memory", func(b *testing.B) { run(b, rb.store, rb.store, nil) })
	redisRun := func(b *testing.B, opts ...recommend.Option) {
		c, prefix, rt := redisClient(b)
		s, err := redisstore.New(c, redisstore.Config{Prefix: prefix, TTL: -1})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Append(ctx, rb.history...); err != nil {
			b.Fatal(err)
		}
		run(b, s, s, rt, opts...)
	}
	b.Run("redis", func(b *testing.B) { redisRun(b) })
	b.Run("redis-nocache", func(b *testing.B) { redisRun(b, recommend.WithStatsCache(0)) })
}

// BenchmarkRecordStore measures Record throughput, one event per call and
// batches of 10, into MemoryStore and Redis (8 goroutines; events/s).
func BenchmarkRecordStore(b *testing.B) {
	k, err := simulate.SampleKB()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	run := func(b *testing.B, s recommend.EventStore, f recommend.FeedbackStore, batch int) {
		eng, err := recommend.NewEngine(k, s, f)
		if err != nil {
			b.Fatal(err)
		}
		var seq atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(4) // 4 × GOMAXPROCS goroutines
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			evs := make([]recommend.Event, batch)
			for pb.Next() {
				n := seq.Add(1)
				for i := range evs {
					evs[i] = recommend.Event{ID: fmt.Sprintf("e%d-%d", n, i), User: fmt.Sprintf("u%d", n%1000), Time: time.Now(),
						Type: "transfer.success", Attrs: map[string]string{"channel": "bank_card"}}
				}
				if err := eng.Record(ctx, evs...); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(seq.Load())*float64(batch)/time.Since(start).Seconds(), "events/s")
	}
	for _, batch := range []int{1, 10} {
		b.Run(fmt.Sprintf("memory/batch=%d", batch), func(b *testing.B) {
			s, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
			if err != nil {
				b.Fatal(err)
			}
			run(b, s, s, batch)
		})
		b.Run(fmt.Sprintf("redis/batch=%d", batch), func(b *testing.B) {
			c, prefix, _ := redisClient(b)
			s, err := redisstore.New(c, redisstore.Config{Prefix: prefix})
			if err != nil {
				b.Fatal(err)
			}
			run(b, s, s, batch)
		})
	}
}

// BenchmarkKBFeedLag measures how long a knowledge-base edit takes to be
// served by another replica: one entry upserted every 10 ms (100 edits/s)
// through the Redis feed, which a follower applies to its own index
// (jieba, the default ranker, the sample knowledge base); lag is from the
// writer's call to the follower serving the edit. "local" is the baseline
// in the same run: the same edits by Index.Upsert on the index itself.
func BenchmarkKBFeedLag(b *testing.B) {
	faqs, err := simulate.SampleFAQs()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	edits := func(b *testing.B, apply func(kb.FAQ) error) {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var lat []time.Duration
		i := 0
		for b.Loop() {
			<-tick.C
			e := faqs[i%len(faqs)]
			e.Question += fmt.Sprintf("（第%d次修订）", i)
			i++
			t0 := time.Now()
			if err := apply(e); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		percentiles(b, lat, "lag_ms", time.Millisecond)
	}
	b.Run("local", func(b *testing.B) {
		ix := newKBIndex(b, faqs)
		edits(b, func(e kb.FAQ) error { return ix.Upsert(ctx, e) })
	})
	b.Run("redis-feed", func(b *testing.B) {
		c, prefix, _ := redisClient(b)
		feed, err := redisreplica.NewFeed(c, redisreplica.Config{Prefix: prefix})
		if err != nil {
			b.Fatal(err)
		}
		w, err := replica.NewWriter(feed, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Reload(ctx, faqs); err != nil {
			b.Fatal(err)
		}
		ix := newKBIndex(b, nil)
		f, err := replica.NewFollower(ix, feed, replica.FollowConfig{})
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { f.Run(runCtx) })
		defer wg.Wait()
		defer stop()
		edits(b, func(e kb.FAQ) error {
			v, err := feed.Append(ctx, replica.Change{Op: replica.OpUpsert, FAQs: []kb.FAQ{e}})
			if err != nil {
				return err
			}
			return f.WaitFor(ctx, v)
		})
	})
}
