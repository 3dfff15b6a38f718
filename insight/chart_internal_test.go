package insight

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLayoutChart(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	t0 := time.Date(2025, 11, 1, 0, 0, 0, 0, loc)
	var line, low, high []chartPoint
	for h := 0; h < 48; h++ {
		v := float64(h % 24)
		if h == 10 {
			v = math.NaN() // a gap
		}
		tm := t0.Add(time.Duration(h) * time.Hour)
		line = append(line, chartPoint{tm, v})
		low = append(low, chartPoint{tm, 0})
		high = append(high, chartPoint{tm, 37})
	}
	c := layoutChart(800, 200, []chartSeries{{Name: "asks", Class: "actual", Points: line}},
		[]chartBand{{Class: "band", Low: low, High: high}}, func(v float64) string { return strconv.Itoa(int(v)) }, loc)
	if c == nil {
		t.Fatal("no chart for 48 points")
	}
	if got := c.Lines[0].Points; got != 47 {
		t.Errorf("line has %d points, want 47 (one NaN left out)", got)
	}
	if !strings.HasPrefix(c.Lines[0].D, "M56.0 172.0 ") {
		t.Errorf("line starts %.20q: want the first point (value 0) at the plot's bottom left", c.Lines[0].D)
	}
	if !strings.HasSuffix(c.Bands[0].D, "Z") || c.Bands[0].Points != 48 {
		t.Errorf("band %d points, path ends %q", c.Bands[0].Points, c.Bands[0].D[len(c.Bands[0].D)-8:])
	}
	// The top of the value axis is 37 rounded up to 50.
	if top := c.YTicks[len(c.YTicks)-1]; top.Label != "50" || top.Y != c.Top {
		t.Errorf("top tick %+v, want 50 at y=%v", top, c.Top)
	}
	// Two days: ticks at whole hours, each within the plot, labelled in loc.
	if len(c.XTicks) < 4 || len(c.XTicks) > 9 {
		t.Fatalf("%d time ticks", len(c.XTicks))
	}
	if c.XTicks[0].Label != "11-01 00:00" || c.XTicks[0].X != c.Left {
		t.Errorf("first tick %+v", c.XTicks[0])
	}
	for _, tk := range c.XTicks {
		if tk.X < c.Left || tk.X > c.Right {
			t.Errorf("tick %+v outside the plot", tk)
		}
	}
	if layoutChart(800, 200, []chartSeries{{Points: []chartPoint{{t0, math.Inf(1)}}}}, nil, func(v float64) string { return "" }, loc) != nil {
		t.Error("a chart with nothing drawable is not nil")
	}
}

func TestChartTicksAcrossWeeks(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	t0 := time.Date(2025, 9, 25, 13, 0, 0, 0, loc)
	ticks := chartTicks(t0, t0.Add(70*24*time.Hour), loc)
	if len(ticks) == 0 || len(ticks) > 9 {
		t.Fatalf("%d ticks over 70 days", len(ticks))
	}
	for _, tk := range ticks {
		if h, m, _ := tk.In(loc).Clock(); h != 0 || m != 0 {
			t.Errorf("tick %v not at midnight", tk)
		}
	}
}
