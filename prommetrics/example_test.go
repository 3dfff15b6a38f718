package prommetrics_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/duxin-ai/duxin/prommetrics"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// The engine's metrics on a registry a host serves at /metrics.
func Example() {
	reg := prometheus.NewRegistry()
	var engine *recommend.Engine
	m, err := prommetrics.New(reg, prommetrics.Config{Versions: func() map[string]string {
		return map[string]string{"recommend": engine.Model().Info().ID[:12]}
	}})
	if err != nil {
		log.Fatal(err)
	}
	cat, err := simulate.SampleKB()
	if err != nil {
		log.Fatal(err)
	}
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
	if err != nil {
		log.Fatal(err)
	}
	engine, err = recommend.NewEngine(cat, store, store, recommend.WithObserver(m))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := engine.Recommend(context.Background(), recommend.Request{User: "u1", Limit: 3}); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux() // the host's
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	fmt.Println(testutil.CollectAndCount(reg, "duxin_recommend_call_seconds"), testutil.CollectAndCount(reg, "duxin_served_version_info"))
	// Output: 1 1
}
