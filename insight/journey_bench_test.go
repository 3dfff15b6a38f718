package insight_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/duxin-ai/duxin/insight"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// BenchmarkJourney reads a simulated log (its asks start visits of their
// own) from JSON Lines, as duxin report does: events/s and bytes per
// event say what a 1M-event log costs.
func BenchmarkJourney(b *testing.B) {
	lg, err := simulate.Generate(simulate.Config{Users: 4000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := recommend.WriteEvents(&buf, lg.Events...); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		rep, err := insight.ReadJourney(ctx, bytes.NewReader(buf.Bytes()), "events.jsonl", insight.JourneyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Visits == 0 {
			b.Fatal("no visit")
		}
	}
	b.ReportMetric(float64(len(lg.Events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
