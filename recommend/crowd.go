package recommend

import (
	"context"
	"maps"
	"time"
)

// The crowd: how often each question was asked lately by all users
// together, in buckets of fixed width. A store that counts it
// ([CrowdReader]) lets every replica notice a question surging for
// everyone (an incident) without a retrain.
const (
	// CrowdBucketWidth is the time one [CrowdBucket] covers. Buckets are
	// aligned to Unix time: bucket n covers the Unix seconds
	// [n×600, (n+1)×600), whatever the time zone.
	CrowdBucketWidth = 10 * time.Minute
	// CrowdBuckets is how many buckets a store keeps: the one holding its
	// clock's time and the CrowdBuckets−1 before it, 6 hours.
	CrowdBuckets = 36
	// MaxCrowdQuestions bounds the distinct questions counted in one
	// bucket: once a bucket has counted this many, asks of further
	// questions are not counted in it (the questions already there still
	// are). A knowledge base has fewer questions than that, so only asks
	// of ids outside it are lost; the bound keeps a store's crowd within
	// CrowdBuckets × MaxCrowdQuestions counters whatever it is sent.
	MaxCrowdQuestions = 4096
)

// CrowdBucket is what all users asked in one [CrowdBucketWidth] of time.
type CrowdBucket struct {
	// Start is when the bucket begins, in UTC, a multiple of
	// CrowdBucketWidth since the Unix epoch; it covers
	// [Start, Start+CrowdBucketWidth).
	Start time.Time
	// Asks counts the asks (events of Type [TypeAsk]) dated in the bucket,
	// by question id ([Event.Question]); every count is at least 1.
	Asks map[string]int64
}

// CrowdReader is an optional capability of an [EventStore]: the count of
// every user's recent asks, by question, in buckets of
// [CrowdBucketWidth]. The store counts an ask when Append accepts it: not
// when it is invalid, dropped for the TTL, or skipped as a retry (an
// [Event.ID] the store already keeps for the user), so a retried write is
// not counted twice. An ask dated after the store's clock (as far as
// MaxSkew allows) is counted in the bucket of the clock's time, an ask
// dated before the kept window not at all. The store keeps the
// [CrowdBuckets] buckets up to the one holding its clock's time (6
// hours), whatever its TTL, and at most [MaxCrowdQuestions] questions per
// bucket. [MemoryStore] and recommend/redisstore's Store implement it;
// every replica sharing a networked store reads the same counts.
//
// Implementations must be safe for concurrent use.
type CrowdReader interface {
	// Crowd returns the kept buckets whose Start is not before since
	// truncated to the bucket width (so the bucket holding since is
	// included), oldest first, leaving out empty ones. A zero since, or
	// one before the kept window, returns all that are kept; one after the
	// store's clock returns none. The maps may be shared with the store:
	// callers must not modify them.
	Crowd(ctx context.Context, since time.Time) ([]CrowdBucket, error)
}

// crowdWidthSeconds is CrowdBucketWidth in seconds.
const crowdWidthSeconds = int64(CrowdBucketWidth / time.Second)

// crowdBucketOf returns the number of the bucket holding t: its Unix
// seconds divided by the width, rounded down (also before 1970).
func crowdBucketOf(t time.Time) int64 {
	// Truncate counts from the zero Time, a whole number of days before
	// the Unix epoch: the same boundaries, also before 1970.
	return t.Truncate(CrowdBucketWidth).Unix() / crowdWidthSeconds
}

// crowdStart returns when bucket n begins, in UTC.
func crowdStart(n int64) time.Time { return time.Unix(n*crowdWidthSeconds, 0).UTC() }

// crowdCounter counts asks by question in [CrowdBucketWidth] buckets over
// the last [CrowdBuckets] of them: the crowd of [MemoryStore], and a
// log's crowd as of each of its events when fed the log in time order.
// Its memory is bounded: CrowdBuckets buckets of at most
// [MaxCrowdQuestions] counts each, and as many again in the copies
// buckets hands out. The zero value is an empty counter. It is not safe
// for concurrent use.
type crowdCounter struct {
	// ring holds bucket n at index n mod CrowdBuckets; a slot whose num is
	// not the bucket asked for holds nothing of it.
	ring   [CrowdBuckets]crowdSlot
	newest int64 // the latest bucket counted in; valid when any
	any    bool
}

type crowdSlot struct {
	num  int64
	asks map[string]int64 // nil: empty
	// snap is a copy of asks that buckets has handed out, nil once asks
	// has changed since; callers share it, so it is never written.
	snap map[string]int64
}

// add counts e if it is an ask, in the bucket of e.Time. An ask dated
// CrowdBuckets or more buckets before the newest one counted is ignored.
func (c *crowdCounter) add(e *Event) {
	if e.Type != TypeAsk {
		return
	}
	c.count(e.Question, e.Time)
}

// count counts one ask of question in the bucket of t, as add does.
func (c *crowdCounter) count(question string, t time.Time) {
	n := crowdBucketOf(t)
	if c.any && n <= c.newest-CrowdBuckets {
		return // before the window
	}
	if !c.any || n > c.newest {
		c.newest, c.any = n, true
	}
	s := &c.ring[crowdIndex(n)]
	if s.num != n || s.asks == nil {
		// The slot held an older bucket, now out of the window (the slot's
		// bucket ≡ n mod CrowdBuckets, and n > newest − CrowdBuckets).
		*s = crowdSlot{num: n, asks: make(map[string]int64)}
	}
	if _, ok := s.asks[question]; !ok && len(s.asks) >= MaxCrowdQuestions {
		return
	}
	s.asks[question]++
	s.snap = nil
}

// buckets appends to dst the non-empty buckets, oldest first, from the one
// holding since (a zero since: no bound) to the one holding now, at most
// the CrowdBuckets up to now's. Buckets older than that window are
// dropped, freeing their memory; buckets after now's are kept but not
// returned. The maps are shared by every caller until the bucket changes:
// they must not be modified.
func (c *crowdCounter) buckets(since, now time.Time, dst []CrowdBucket) []CrowdBucket {
	hi := crowdBucketOf(now)
	lo := hi - (CrowdBuckets - 1)
	for i := range c.ring {
		if s := &c.ring[i]; s.asks != nil && s.num < lo {
			*s = crowdSlot{}
		}
	}
	if !since.IsZero() {
		lo = max(lo, crowdBucketOf(since))
	}
	for n := lo; n <= hi; n++ {
		s := &c.ring[crowdIndex(n)]
		if s.num != n || len(s.asks) == 0 {
			continue
		}
		if s.snap == nil {
			s.snap = maps.Clone(s.asks)
		}
		dst = append(dst, CrowdBucket{Start: crowdStart(n), Asks: s.snap})
	}
	return dst
}

// crowdIndex is bucket n's slot in the ring.
func crowdIndex(n int64) int {
	i := n % CrowdBuckets
	if i < 0 {
		i += CrowdBuckets
	}
	return int(i)
}
