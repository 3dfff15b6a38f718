package insight

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The report's charts are SVG drawn here, so that report.html needs no
// script and no network: time chartSeries over a shared time axis, with an
// optional chartBand (a forecast's interval).

// chartPoint is one value of a chartSeries at a time.
type chartPoint struct {
	T time.Time
	V float64
}

// chartSeries is one line of a chart; Class styles it in the page.
type chartSeries struct {
	Name, Class string
	Points      []chartPoint
}

// chartBand is a shaded interval between Low and High, aligned by index.
type chartBand struct {
	Class     string
	Low, High []chartPoint
}

// chartSVG is a chart laid out for the template: paths in the viewBox
// 0 0 Width Height, axes ticks with their labels.
type chartSVG struct {
	Width, Height            float64
	Left, Top, Right, Bottom float64 // the plot area
	Lines                    []chartPath
	Bands                    []chartPath
	XTicks, YTicks           []chartTick
}

type chartPath struct {
	Name, Class, D string
	Points         int
}

type chartTick struct {
	X, Y  float64
	Label string
}

// layoutChart lays lines and bands out in a width×height chart: time from
// the earliest to the latest chartPoint, values from 0 (or the least, if
// negative) to the greatest; yFormat labels the value ticks, loc the time
// ticks. It returns nil when there is no chartPoint to draw.
func layoutChart(width, height float64, lines []chartSeries, bands []chartBand, yFormat func(float64) string, loc *time.Location) *chartSVG {
	var t0, t1 time.Time
	lo, hi := 0.0, math.Inf(-1)
	see := func(p chartPoint) {
		if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			return
		}
		if t0.IsZero() || p.T.Before(t0) {
			t0 = p.T
		}
		if t1.IsZero() || p.T.After(t1) {
			t1 = p.T
		}
		lo, hi = min(lo, p.V), max(hi, p.V)
	}
	for _, s := range lines {
		for _, p := range s.Points {
			see(p)
		}
	}
	for _, b := range bands {
		for _, p := range b.Low {
			see(p)
		}
		for _, p := range b.High {
			see(p)
		}
	}
	if t0.IsZero() {
		return nil
	}
	if hi <= lo {
		hi = lo + 1
	}
	hi = chartCeil(hi)
	c := &chartSVG{Width: width, Height: height, Left: 56, Top: 12, Right: width - 12, Bottom: height - 28}
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		if span == 0 {
			return (c.Left + c.Right) / 2
		}
		return c.Left + (c.Right-c.Left)*t.Sub(t0).Seconds()/span
	}
	y := func(v float64) float64 { return c.Bottom - (c.Bottom-c.Top)*(v-lo)/(hi-lo) }
	for _, s := range lines {
		var d strings.Builder
		n := 0
		for _, p := range s.Points {
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
				continue // a gap in the line
			}
			cmd := "L"
			if n == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s ", cmd, chartNum(x(p.T)), chartNum(y(p.V)))
			n++
		}
		c.Lines = append(c.Lines, chartPath{Name: s.Name, Class: s.Class, D: strings.TrimSpace(d.String()), Points: n})
	}
	for _, b := range bands {
		n := min(len(b.Low), len(b.High))
		if n == 0 {
			continue
		}
		var d strings.Builder
		for i := 0; i < n; i++ {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s ", cmd, chartNum(x(b.High[i].T)), chartNum(y(b.High[i].V)))
		}
		for i := n - 1; i >= 0; i-- {
			fmt.Fprintf(&d, "L%s %s ", chartNum(x(b.Low[i].T)), chartNum(y(b.Low[i].V)))
		}
		d.WriteString("Z")
		c.Bands = append(c.Bands, chartPath{Class: b.Class, D: d.String(), Points: n})
	}
	for i := 0; i <= 4; i++ {
		v := lo + (hi-lo)*float64(i)/4
		c.YTicks = append(c.YTicks, chartTick{X: c.Left - 6, Y: y(v), Label: yFormat(v)})
	}
	for _, t := range chartTicks(t0, t1, loc) {
		c.XTicks = append(c.XTicks, chartTick{X: x(t), Y: c.Bottom + 16, Label: chartTickLabel(t, t1.Sub(t0), loc)})
	}
	return c
}

// chartTicks returns at most about eight ticks between t0 and t1, at whole
// hours or days of loc.
func chartTicks(t0, t1 time.Time, loc *time.Location) []time.Time {
	span := t1.Sub(t0)
	steps := []time.Duration{time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	for span/step > 8 {
		step *= 2
	}
	l := t0.In(loc)
	var t time.Time
	if step < 24*time.Hour {
		t = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc)
	} else {
		t = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	}
	var out []time.Time
	for ; !t.After(t1); t = chartStep(t, step, loc) {
		if !t.Before(t0) {
			out = append(out, t)
		}
	}
	return out
}

// chartStep adds step to t, in calendar days when step is whole days (so that
// ticks stay at midnight across a change of clocks).
func chartStep(t time.Time, step time.Duration, loc *time.Location) time.Time {
	if step%(24*time.Hour) == 0 {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day()+int(step/(24*time.Hour)), 0, 0, 0, 0, loc)
	}
	return t.Add(step)
}

func chartTickLabel(t time.Time, span time.Duration, loc *time.Location) string {
	l := t.In(loc)
	if span <= 3*24*time.Hour {
		return l.Format("01-02 15:04")
	}
	return l.Format("01-02")
}

// chartCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func chartCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

func chartNum(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
