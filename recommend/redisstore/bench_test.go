package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
)

// BenchmarkStore measures the calls a request and a write make, against
// the test's server; roundtrips/op counts commands plus pipelines.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	s := newStore(b, redisstore.Config{})
	warmUp(b, s.c)
	var cnt counter
	s.c.AddHook(&cnt)
	now := time.Now()
	event := func(user string, i int) recommend.Event {
		return recommend.Event{User: user, Time: now.Add(time.Duration(i)*time.Millisecond - time.Hour), Type: "transfer.fail", Object: "t" + strconv.Itoa(i),
			Attrs: map[string]string{"channel": "bank_card", "reason": "risk_control"}}
	}

	// A batch of 10 events of one user, each with an ID, spread over 100
	// users (so histories fill and get trimmed).
	b.Run("Append", func(b *testing.B) {
		batches := make([][]recommend.Event, b.N+1)
		for i := range batches {
			user := fmt.Sprint("u", i%100)
			for j := range 10 {
				e := event(user, i*10+j)
				e.ID = fmt.Sprint("e", i, "-", j)
				batches[i] = append(batches[i], e)
			}
		}
		if err := s.Append(ctx, batches[b.N]...); err != nil { // loads the script
			b.Fatal(err)
		}
		before := cnt.n.Load()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := s.Append(ctx, batches[i]...); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(cnt.n.Load()-before)/float64(b.N), "roundtrips/op")
	})

	// The same, but asks (of 200 questions), which Append also counts in
	// the crowd: still one round trip.
	b.Run("AppendAsks", func(b *testing.B) {
		batches := make([][]recommend.Event, b.N+1)
		for i := range batches {
			user := fmt.Sprint("u", i%100)
			for j := range 10 {
				e := event(user, i*10+j)
				e.Type, e.Question, e.Object = recommend.TypeAsk, fmt.Sprint("q", (i*10+j)%200), ""
				e.ID = fmt.Sprint("a", i, "-", j)
				batches[i] = append(batches[i], e)
			}
		}
		if err := s.Append(ctx, batches[b.N]...); err != nil { // loads the scripts
			b.Fatal(err)
		}
		before := cnt.n.Load()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := s.Append(ctx, batches[i]...); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(cnt.n.Load()-before)/float64(b.N), "roundtrips/op")
	})

	// The whole crowd window: 36 buckets of 100 questions each, on a
	// store of its own.
	b.Run("Crowd", func(b *testing.B) {
		c := newStore(b, redisstore.Config{})
		warmUp(b, c.c)
		var cnt counter
		c.c.AddHook(&cnt)
		for k := range recommend.CrowdBuckets {
			var batch []recommend.Event
			for q := range 100 {
				batch = append(batch, recommend.Event{User: fmt.Sprint("u", q), Time: now.Add(-time.Duration(k) * recommend.CrowdBucketWidth),
					Type: recommend.TypeAsk, Question: fmt.Sprint("q", q)})
			}
			if err := c.Append(ctx, batch...); err != nil {
				b.Fatal(err)
			}
		}
		before := cnt.n.Load()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			bs, err := c.Crowd(ctx, time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			if len(bs) != recommend.CrowdBuckets || len(bs[0].Asks) != 100 {
				b.Fatalf("read %d buckets (the first of %d questions), want %d of 100", len(bs), len(bs[0].Asks), recommend.CrowdBuckets)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(cnt.n.Load()-before)/float64(b.N), "roundtrips/op")
	})

	// A user with 200 events and feedback on 20 questions, read whole,
	// into a reused buffer.
	b.Run("ReadUser", func(b *testing.B) {
		const user = "reader"
		var hist []recommend.Event
		for i := range 200 {
			hist = append(hist, event(user, i))
		}
		if err := s.Append(ctx, hist...); err != nil {
			b.Fatal(err)
		}
		var fbs []recommend.Feedback
		for i := range 20 {
			fbs = append(fbs, recommend.Feedback{User: user, Question: fmt.Sprint("q", i), Kind: recommend.FeedbackKind(1 + i%4)})
		}
		if err := s.AddFeedback(ctx, fbs...); err != nil {
			b.Fatal(err)
		}
		var dst []recommend.Event
		before := cnt.n.Load()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			evs, fb, err := s.ReadUser(ctx, dst[:0], user, time.Time{}, 200)
			if err != nil {
				b.Fatal(err)
			}
			if len(evs) != 200 || len(fb) != 20 {
				b.Fatalf("read %d events and %d feedback records, want 200 and 20", len(evs), len(fb))
			}
			dst = evs
		}
		b.StopTimer()
		b.ReportMetric(float64(cnt.n.Load()-before)/float64(b.N), "roundtrips/op")
	})
}
