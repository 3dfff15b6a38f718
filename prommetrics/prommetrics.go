// Package prommetrics exposes duxin's metrics to Prometheus through
// client_golang: it is a [recommend.Observer] and a collector of the
// versions a replica serves. The core packages never import client_golang;
// a host that wants the metrics wires this package:
//
//	m, err := prommetrics.New(prometheus.DefaultRegisterer, prommetrics.Config{
//		Versions: func() map[string]string {
//			return map[string]string{"recommend": engine.Model().Info().ID, "kb": strconv.FormatUint(follower.Version(), 10)}
//		},
//	})
//	engine, err := recommend.NewEngine(ix, store, store, recommend.WithObserver(m))
//
// The metrics, all prefixed duxin_:
//
//	recommend_call_seconds{op}              histogram of engine calls (recommend, score, record, feedback)
//	recommend_stage_seconds{stage}          histogram of Recommend's stages (read, gather, score, explore, rank, explain)
//	recommend_suggestions_total{source}     suggestions by the kind of their strongest reason
//	recommend_errors_total{op}              calls that returned an error
//	recommend_store_errors_total{op}        calls whose store failed
//	recommend_degraded_total                Recommend calls answered without the stores
//	served_version_info{kind,version}       1 for each version the replica serves now
package prommetrics

import (
	"errors"
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duxin-ai/duxin/recommend"
)

// Config configures New. Every zero field takes its default.
type Config struct {
	// Namespace prefixes every metric name; default "duxin".
	Namespace string
	// Buckets are the latency histograms' bucket bounds in seconds;
	// default 100 µs to 1 s, exponential.
	Buckets []float64
	// Versions, if set, reports what the replica serves, by kind ("kb",
	// "recommend", "intent", "ranker"): it is called at each scrape and
	// exported as served_version_info.
	Versions func() map[string]string
}

// Metrics holds duxin's metrics. It implements [recommend.Observer] and is
// safe for concurrent use.
type Metrics struct {
	calls       *prometheus.HistogramVec
	stages      *prometheus.HistogramVec
	suggestions *prometheus.CounterVec
	errs        *prometheus.CounterVec
	storeErrs   *prometheus.CounterVec
	degraded    prometheus.Counter
}

// New creates the metrics and registers them with reg; a registration
// error (a name already registered) is returned and nothing stays
// registered.
func New(reg prometheus.Registerer, cfg Config) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("prommetrics: nil registerer")
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "duxin"
	}
	if cfg.Buckets == nil {
		cfg.Buckets = prometheus.ExponentialBucketsRange(100e-6, 1, 12)
	}
	ns := cfg.Namespace
	m := &Metrics{
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "recommend", Name: "call_seconds",
			Help: "Latency of recommend engine calls.", Buckets: cfg.Buckets}, []string{"op"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "recommend", Name: "stage_seconds",
			Help: "Latency of each stage of Recommend.", Buckets: cfg.Buckets}, []string{"stage"}),
		suggestions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "recommend", Name: "suggestions_total",
			Help: "Suggestions returned, by the kind of their strongest reason."}, []string{"source"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "recommend", Name: "errors_total",
			Help: "Engine calls that returned an error (degraded answers included)."}, []string{"op"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "recommend", Name: "store_errors_total",
			Help: "Engine calls whose store call failed."}, []string{"op"}),
		degraded: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "recommend", Name: "degraded_total",
			Help: "Recommend calls answered without the stores."}),
	}
	cs := []prometheus.Collector{m.calls, m.stages, m.suggestions, m.errs, m.storeErrs, m.degraded}
	if cfg.Versions != nil {
		cs = append(cs, &versions{
			desc: prometheus.NewDesc(prometheus.BuildFQName(ns, "", "served_version_info"),
				"The versions this replica serves, by kind (value 1).", []string{"kind", "version"}, nil),
			f: cfg.Versions,
		})
	}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return nil, err
		}
	}
	return m, nil
}

// ObserveCall implements [recommend.Observer].
func (m *Metrics) ObserveCall(c *recommend.Call) {
	m.calls.WithLabelValues(c.Op).Observe(c.Duration.Seconds())
	for _, s := range c.Stages {
		m.stages.WithLabelValues(s.Name).Observe(s.Duration.Seconds())
	}
	for _, k := range c.Sources {
		m.suggestions.WithLabelValues(string(k)).Inc()
	}
	if c.Err != nil {
		m.errs.WithLabelValues(c.Op).Inc()
	}
	if c.StoreErr != nil {
		m.storeErrs.WithLabelValues(c.Op).Inc()
	}
	if c.Degraded {
		m.degraded.Inc()
	}
}

// versions collects served_version_info from a function.
type versions struct {
	desc *prometheus.Desc
	f    func() map[string]string
}

func (v *versions) Describe(ch chan<- *prometheus.Desc) { ch <- v.desc }

func (v *versions) Collect(ch chan<- prometheus.Metric) {
	vs := v.f()
	for _, kind := range slices.Sorted(maps.Keys(vs)) {
		ch <- prometheus.MustNewConstMetric(v.desc, prometheus.GaugeValue, 1, kind, vs[kind])
	}
}

var _ recommend.Observer = (*Metrics)(nil)
