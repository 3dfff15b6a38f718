package insight

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReportPageRenders: every section renders from a laid-out view, an
// empty section says so instead of drawing nothing, and the page loads
// nothing from the network.
func TestReportPageRenders(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	day := time.Date(2025, 11, 1, 0, 0, 0, 0, loc)
	rate := []chartPoint{{day, 0.93}, {day.Add(24 * time.Hour), 0.95}}
	v := &pageView{
		Log: "events.jsonl", Events: 1234, Period: "2025-11-01 – 2025-11-02", Zone: "Asia/Shanghai",
		Figures:     []pageFigure{{"94.1%", "self-service rate"}},
		SelfService: layoutChart(900, 220, []chartSeries{{Name: "self-service rate", Class: "rate", Points: rate}}, nil, func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }, loc),
		Reasons:     []pageRow{{Name: "unanswered", Count: 12, Share: "60.0%"}},
		Gaps:        []pageGap{{Question: "数字人民币怎么开通", Count: 40, Queries: []string{"数字人民币怎么开通", "数币钱包"}}},
		GapsNote:    "40 of 100 searches unanswered",
	}
	var b bytes.Buffer
	if err := v.write(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`id="figures"`, "94.1%", `class="rate"`, `id="reasons"`, `id="gaps"`, "数币钱包", "No question asked in the log.", "No visit in the log."} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the page refers to the network")
	}
}
