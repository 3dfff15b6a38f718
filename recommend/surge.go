package recommend

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/internal/needs"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// The crowd as evidence of the need model: when everyone is asking one
// question more than usual (an incident: 转账失败 for every user for hours),
// that question's need rises for every user, through one weight the model
// learns from the surges in its training log ([needs.Crowd]). The signal
// is each question's share of everyone's recent asks — counts decayed with
// crowdHalfLife over the CrowdBuckets buckets of a store ([CrowdReader]),
// smoothed with crowdPrior asks at the usual shares — less its usual share
// (its share of the training log's asks): the excess, in the units of the
// need model's rates. A share below the usual is no evidence; nor is a
// question asked fewer than crowdMinAsks (decayed) times, which keeps the
// evidence to the few questions that do surge.
const (
	crowdHalfLife = time.Hour
	crowdPrior    = 20.0
	crowdMinAsks  = 1.0
	crowdZ        = 3.0
	// crowdWindow is how far back a request reads the crowd: the whole
	// of what a store keeps.
	crowdWindow = CrowdBuckets * CrowdBucketWidth
	// crowdCacheFor is how long an engine reuses the crowd it read, on the
	// wall clock and in request time both.
	crowdCacheFor = 5 * time.Second
)

// crowdSignal sums decayed asks by question: those in count, and those in
// win (sorted by question) times scale.
type crowdSignal struct {
	count map[string]float64
	total float64
	win   []questionCount
	scale float64
}

// add counts n asks of q in a bucket whose middle is age seconds before
// the moment.
func (s *crowdSignal) add(q string, n float64, age float64) {
	if s.count == nil {
		s.count = map[string]float64{}
	}
	x := n * math.Exp2(-max(age, 0)/crowdHalfLife.Seconds())
	s.count[q] += x
	s.total += x
}

// addBuckets counts buckets (from a store) as of now.
func (s *crowdSignal) addBuckets(buckets []CrowdBucket, now time.Time) {
	for _, b := range buckets {
		if b.Start.After(now) {
			continue
		}
		age := now.Sub(b.Start.Add(CrowdBucketWidth / 2)).Seconds()
		for q, n := range b.Asks {
			s.add(q, float64(n), age)
		}
	}
}

// evidence appends the crowd evidence for the need model to dst: each
// question of the model whose smoothed recent share passes its usual
// share (share), by the excess; in question order.
func (s *crowdSignal) evidence(dst []needs.Evidence, share func(q string) float64, sink causeSink) []needs.Evidence {
	n := len(dst)
	total := s.total
	for _, c := range s.win {
		total += c.n * s.scale
	}
	one := func(q string, c float64) {
		if c < crowdMinAsks {
			return
		}
		u := share(q)
		n := total + crowdPrior
		x := (c+crowdPrior*u)/n - u - crowdZ*math.Sqrt(u*(1-u)/n)
		if !(x > 0) {
			return
		}
		t, ok := sink.target(q)
		if !ok {
			return
		}
		dst = append(dst, needs.Evidence{Cause: needs.Crowd, About: t, Value: x})
	}
	for _, c := range s.win {
		one(c.q, c.n*s.scale+s.count[c.q])
	}
	for q, c := range s.count {
		if _, inWin := slices.BinarySearchFunc(s.win, q, func(c questionCount, q string) int { return strings.Compare(c.q, q) }); !inWin {
			one(q, c)
		}
	}
	slices.SortFunc(dst[n:], func(a, b needs.Evidence) int { return cmp.Compare(a.About, b.About) })
	return dst
}

// crowdLog is the asks of a log in time order, to give each moment of it
// the crowd a store would have counted then: the asks before it in the
// CrowdBuckets buckets up to its own.
type crowdLog struct {
	asks []crowdAsk // in time order
	// Whole buckets, aggregated once: a moment adds each earlier bucket
	// of its window with one decay factor, at a cost in the questions
	// asked then rather than in the asks.
	buckets map[int64][]questionCount
	// windows remembers the last buckets' windows (see window).
	windows *simplelru.LRU[int64, []questionCount]
}

type questionCount struct {
	q string
	n float64
}

func newCrowdLog(asks []crowdAsk) *crowdLog {
	windows, _ := simplelru.NewLRU[int64, []questionCount](crowdMemo, nil)
	l := &crowdLog{asks: asks, buckets: map[int64][]questionCount{}, windows: windows}
	for i := 0; i < len(asks); {
		b := crowdBucketOf(time.Unix(asks[i].at, 0))
		n := map[string]float64{}
		for ; i < len(asks) && crowdBucketOf(time.Unix(asks[i].at, 0)) == b; i++ {
			n[asks[i].q]++
		}
		qc := make([]questionCount, 0, len(n))
		for q, c := range n {
			qc = append(qc, questionCount{q, c})
		}
		slices.SortFunc(qc, func(a, b questionCount) int { return strings.Compare(a.q, b.q) })
		l.buckets[b] = qc
	}
	return l
}

// signal fills s with the crowd as of now (Unix seconds): the asks before
// now in the buckets a store keeps then, each aged from its bucket's
// middle as a store's counts are. The whole buckets before the moment's
// own are summed once per bucket, decayed to its middle (window), and
// scaled to the moment: 2^(-age/h) is 2^(-(now-mid)/h)·2^(-(mid-b)/h).
func (l *crowdLog) signal(s *crowdSignal, now int64) {
	clear(s.count)
	s.total = 0
	cur := crowdBucketOf(time.Unix(now, 0))
	mid := cur*crowdWidthSeconds + crowdWidthSeconds/2
	s.win, s.scale = l.window(cur), math.Exp2(-float64(now-mid)/crowdHalfLife.Seconds())
	// The moment's own bucket: only the asks before it.
	at := func(a crowdAsk, t int64) int { return cmp.Compare(a.at, t) }
	lo, _ := slices.BinarySearchFunc(l.asks, cur*crowdWidthSeconds, at)
	hi, _ := slices.BinarySearchFunc(l.asks, now, at)
	age := float64(now - mid)
	for _, a := range l.asks[lo:hi] {
		s.add(a.q, 1, age)
	}
}

// window returns the asks of the CrowdBuckets-1 buckets before bucket cur,
// decayed to cur's middle, by question.
func (l *crowdLog) window(cur int64) []questionCount {
	if w, ok := l.windows.Get(cur); ok {
		return w
	}
	n := map[string]float64{}
	for b := cur - (CrowdBuckets - 1); b < cur; b++ {
		f := math.Exp2(-float64((cur-b)*crowdWidthSeconds) / crowdHalfLife.Seconds())
		for _, c := range l.buckets[b] {
			n[c.q] += c.n * f
		}
	}
	w := make([]questionCount, 0, len(n))
	for q, c := range n {
		w = append(w, questionCount{q, c})
	}
	slices.SortFunc(w, func(a, b questionCount) int { return strings.Compare(a.q, b.q) })
	l.windows.Add(cur, w)
	return w
}

// crowdCache is an engine's last read of the crowd, as evidence for one
// model.
type crowdCache struct {
	mu    sync.Mutex
	model *Model
	at    time.Time // the request time it is for
	wall  time.Time // when it was read
	ev    []needs.Evidence
}

// crowdEvidence returns the crowd evidence for m at now: from the cache
// when it is fresh, else read from the event store (when it counts the
// crowd and m learned a weight for it). A failed read is logged and gives
// none, cached as well: the crowd is a hint, not worth failing or slowing
// a request for. The result is shared: callers must not modify it.
func (e *Engine) crowdEvidence(ctx context.Context, m *Model, now time.Time) []needs.Evidence {
	cr, ok := e.events.(CrowdReader)
	if !ok || m.needs == nil || m.needs.CrowdWeight() == 0 {
		return nil
	}
	c := &e.crowd
	wall := time.Now()
	c.mu.Lock()
	if c.model == m && wall.Sub(c.wall) < crowdCacheFor && c.wall.Sub(wall) < crowdCacheFor && now.Sub(c.at).Abs() < crowdCacheFor {
		ev := c.ev
		c.mu.Unlock()
		return ev
	}
	c.mu.Unlock()
	if e.opts.storeWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.opts.storeWait)
		defer cancel()
	}
	buckets, err := cr.Crowd(ctx, now.Add(-crowdWindow))
	var ev []needs.Evidence
	if err != nil {
		e.opts.logger.Warn("recommend: crowd read failed", "err", err)
	} else {
		var s crowdSignal
		s.addBuckets(buckets, now)
		ev = s.evidence(nil, m.share, modelSink{m.needs})
	}
	c.mu.Lock()
	c.model, c.at, c.wall, c.ev = m, now, wall, ev
	c.mu.Unlock()
	return ev
}

// share returns q's share of the asks the model was trained on.
func (m *Model) share(q string) float64 {
	if m.popTotal <= 0 {
		return 0
	}
	return m.pop[q] / m.popTotal
}

// crowdWorld gives the moments of a training log the crowd's evidence:
// the log's asks as a store would have counted them by then, against the
// log's usual shares.
type crowdWorld struct {
	log   *crowdLog
	share func(q string) float64
	sig   crowdSignal
	// memo holds the evidence of recent moments: the cases of many users
	// share moments on logs with coarse clocks (a day, an hour).
	memo *simplelru.LRU[int64, []needs.Evidence]
}

// newCrowdWorld returns the crowd of a log's asks (t's); share nil means
// each question's share of them.
func newCrowdWorld(t *tally, share func(q string) float64) *crowdWorld {
	if share == nil {
		s := t.shares()
		share = func(q string) float64 { return s[q] }
	}
	memo, _ := simplelru.NewLRU[int64, []needs.Evidence](crowdMemo, nil)
	return &crowdWorld{log: newCrowdLog(t.asks()), share: share, memo: memo}
}

// crowdMemo is how many moments' evidence a crowdWorld remembers.
const crowdMemo = 4096

// evidence appends the crowd's evidence at now (Unix seconds) to dst. A
// world serves one need model's target ids (sink's; the models fitted
// from one builder share them).
func (w *crowdWorld) evidence(dst []needs.Evidence, now int64, sink causeSink) []needs.Evidence {
	if ev, ok := w.memo.Get(now); ok {
		return append(dst, ev...)
	}
	w.log.signal(&w.sig, now)
	n := len(dst)
	dst = w.sig.evidence(dst, w.share, sink)
	w.memo.Add(now, slices.Clone(dst[n:]))
	return dst
}
