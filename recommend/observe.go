package recommend

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Observer receives a description of every finished engine call: a
// metrics adapter (duxin's Prometheus one is in package prommetrics) or a
// tracer. ObserveCall runs on the caller's goroutine before the call
// returns, so it must be quick and safe for concurrent use; c and its
// slices are valid only during the call.
type Observer interface {
	ObserveCall(c *Call)
}

// Call describes one finished engine call for an [Observer].
type Call struct {
	// Op is the method: "recommend", "score", "record" or "feedback".
	Op string
	// Duration is the whole call's.
	Duration time.Duration
	// Stages are the steps of a "recommend" call in order, each with the
	// time it took: read (the stores), gather, score, explore, rank
	// (diversify and fill), explain.
	Stages []Stage
	// Sources holds, for each suggestion of a "recommend" call in order,
	// the kind of its strongest reason: which source put it there.
	Sources []ReasonKind
	// StoreErr is the error of a store call that failed, if one did: the
	// call then failed (Err) or answered degraded (Degraded).
	StoreErr error
	// Degraded reports that the call answered without the stores (see
	// [ErrDegraded]).
	Degraded bool
	// Err is what the call returned.
	Err error
}

// Stage is the time one step of a call took.
type Stage struct {
	Name     string
	Duration time.Duration
}

// WithObserver sets an observer of every call (nil: none, the default).
func WithObserver(o Observer) Option { return func(opt *options) { opt.observer = o } }

// WithStatsCache sets how long the engine reuses the question totals
// ([FeedbackStore.QuestionStats]) that exploration reads: default 10
// seconds, which spares a networked store a round trip on most requests at
// the cost of exploring on totals up to that old. 0 reads them on every
// request.
func WithStatsCache(ttl time.Duration) Option { return func(o *options) { o.statsTTL = ttl } }

// statsCacheSize bounds the questions whose totals the engine keeps.
const statsCacheSize = 100_000

// statsCache keeps question totals for a while, least recently used out
// first.
type statsCache struct {
	ttl time.Duration
	mu  sync.Mutex
	lru *simplelru.LRU[string, statsEntry]
}

type statsEntry struct {
	QuestionStats
	at time.Time
}

func newStatsCache(ttl time.Duration) *statsCache {
	if ttl <= 0 {
		return nil
	}
	lru, _ := simplelru.NewLRU[string, statsEntry](statsCacheSize, nil) // size > 0: no error
	return &statsCache{ttl: ttl, lru: lru}
}

// get fills out with the cached totals of ids fresh at now and returns
// the indexes of those it does not hold.
func (c *statsCache) get(ids []string, now time.Time, out []QuestionStats, missing []int) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, id := range ids {
		if e, ok := c.lru.Get(id); ok && now.Sub(e.at) < c.ttl && !e.at.After(now) {
			out[k] = e.QuestionStats
			continue
		}
		missing = append(missing, k)
	}
	return missing
}

func (c *statsCache) put(ids []string, stats []QuestionStats, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, id := range ids {
		c.lru.Add(id, statsEntry{stats[k], now})
	}
}

// stopwatch times the stages of a call when an observer is set.
type stopwatch struct {
	call  Call
	start time.Time
	last  time.Time
	on    bool
}

func (w *stopwatch) begin(op string, on bool) {
	w.on = on
	if !on {
		return
	}
	w.call = Call{Op: op, Stages: make([]Stage, 0, 8)} // not in w: w stays on the caller's stack
	w.start = time.Now()
	w.last = w.start
}

// lap ends the stage name.
func (w *stopwatch) lap(name string) {
	if !w.on {
		return
	}
	now := time.Now()
	w.call.Stages = append(w.call.Stages, Stage{name, now.Sub(w.last)})
	w.last = now
}

// end reports the call to o.
func (w *stopwatch) end(o Observer, err error) {
	if !w.on {
		return
	}
	c := w.call // on the heap (the observer may keep it), w not
	c.Duration = time.Since(w.start)
	c.Err = err
	o.ObserveCall(&c)
}
