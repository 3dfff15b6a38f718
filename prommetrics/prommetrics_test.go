package prommetrics_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/duxin-ai/duxin/prommetrics"
	"github.com/duxin-ai/duxin/recommend"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := prommetrics.New(reg, prommetrics.Config{Versions: func() map[string]string {
		return map[string]string{"recommend": "abc", "kb": "42"}
	}})
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveCall(&recommend.Call{Op: "recommend", Duration: 2 * time.Millisecond,
		Stages:  []recommend.Stage{{Name: "read", Duration: time.Millisecond}, {Name: "score", Duration: time.Millisecond}},
		Sources: []recommend.ReasonKind{recommend.ReasonLearned, recommend.ReasonLearned, recommend.ReasonPopular}})
	down := errors.New("down")
	m.ObserveCall(&recommend.Call{Op: "recommend", StoreErr: down, Degraded: true, Err: down,
		Sources: []recommend.ReasonKind{recommend.ReasonPopular}})
	m.ObserveCall(&recommend.Call{Op: "record", StoreErr: down, Err: down})

	want := `
# HELP duxin_recommend_suggestions_total Suggestions returned, by the kind of their strongest reason.
# TYPE duxin_recommend_suggestions_total counter
duxin_recommend_suggestions_total{source="learned"} 2
duxin_recommend_suggestions_total{source="popular"} 2
# HELP duxin_recommend_store_errors_total Engine calls whose store call failed.
# TYPE duxin_recommend_store_errors_total counter
duxin_recommend_store_errors_total{op="record"} 1
duxin_recommend_store_errors_total{op="recommend"} 1
# HELP duxin_recommend_degraded_total Recommend calls answered without the stores.
# TYPE duxin_recommend_degraded_total counter
duxin_recommend_degraded_total 1
# HELP duxin_served_version_info The versions this replica serves, by kind (value 1).
# TYPE duxin_served_version_info gauge
duxin_served_version_info{kind="kb",version="42"} 1
duxin_served_version_info{kind="recommend",version="abc"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"duxin_recommend_suggestions_total", "duxin_recommend_store_errors_total",
		"duxin_recommend_degraded_total", "duxin_served_version_info"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "duxin_recommend_stage_seconds"); n != 2 {
		t.Errorf("%d stage series, want 2", n)
	}
	// A second registration of the same names fails and leaves nothing behind.
	if _, err := prommetrics.New(reg, prommetrics.Config{}); err == nil {
		t.Error("registering twice succeeded")
	}
	if _, err := prommetrics.New(nil, prommetrics.Config{}); err == nil {
		t.Error("nil registerer accepted")
	}
}
