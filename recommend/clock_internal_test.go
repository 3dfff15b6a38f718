package recommend

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestClockExposure: over any span, the hours, the weekdays and the days
// of the month each add up to the span, each hour gets its share, and a
// period gets its overlap with the span.
func TestClockExposure(t *testing.T) {
	p := Period{Name: "p", Start: time.Date(2025, 11, 1, 0, 0, 0, 0, beijing), End: time.Date(2025, 11, 3, 12, 0, 0, 0, beijing)}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600) // no zone rules here: the DST day is not tested
	}
	for _, loc := range []*time.Location{beijing, time.UTC, ny} {
		c, err := newClock(Calendar{Location: loc, Periods: []Period{p}})
		if err != nil {
			t.Fatal(err)
		}
		for _, span := range [][2]time.Time{
			{time.Date(2025, 10, 30, 13, 20, 5, 0, loc), time.Date(2025, 11, 7, 2, 10, 0, 0, loc)}, // a DST change in New York
			{time.Date(2025, 11, 2, 13, 20, 0, 0, loc), time.Date(2025, 11, 2, 13, 50, 0, 0, loc)}, // within an hour
			{time.Date(2025, 11, 2, 0, 0, 0, 0, loc), time.Date(2025, 11, 4, 0, 0, 0, 0, loc)},     // whole days
		} {
			from, to := span[0].Unix(), span[1].Unix()
			sum := map[string]float64{}
			byKey := map[string]float64{}
			var kr keyer
			c.exposure(&kr, from, to, func(key []byte, sec float64) {
				k := string(key)
				sum[k[:strings.IndexByte(k, '=')+1]] += sec
				byKey[k] += sec
			})
			want := float64(to - from)
			for _, kind := range []string{clockHour, clockWday, clockMday} {
				if math.Abs(sum[kind]-want) > 3600 {
					t.Errorf("%s %v: %s adds up to %v s, want %v", loc, span, kind, sum[kind], want)
				}
			}
			wantP := math.Max(0, float64(min(to, p.End.Unix())-max(from, p.Start.Unix())))
			if got := byKey[clockPeriod+"p"]; got != wantP {
				t.Errorf("%s %v: the period gets %v s, want %v", loc, span, got, wantP)
			}
			// Every hour is counted where the causes say it is in force.
			for at := from; at < to; at += 1800 {
				c.causes(&kr, at, func(key []byte) {
					if byKey[string(key)] <= 0 {
						t.Errorf("%s: %s is in force at %s but has no exposure", loc, key, time.Unix(at, 0).In(loc))
					}
				})
			}
		}
	}
}
