package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/recommend"
)

// maxCrowdIDs bounds the identities of recent asks the crowd remembers
// (the :{crowd}:ids sorted set), so that a flood of asks cannot grow it
// without end: past it the oldest buckets' identities go first, and a
// retry of one of those asks would be counted again. 2^20 identities are
// about 100 MB, the asks of 6 hours at 48 a second.
const maxCrowdIDs = 1 << 20

// crowdWidthSeconds is recommend.CrowdBucketWidth in seconds.
const crowdWidthSeconds = int64(recommend.CrowdBucketWidth / time.Second)

// crowdBucketOf returns the number of the bucket holding t: its Unix
// seconds divided by the width, rounded down, as recommend counts.
func crowdBucketOf(t time.Time) int64 {
	return t.Truncate(recommend.CrowdBucketWidth).Unix() / crowdWidthSeconds
}

// crowdStart returns when bucket n begins, in UTC.
func crowdStart(n int64) time.Time { return time.Unix(n*crowdWidthSeconds, 0).UTC() }

// crowdScript counts one Append's asks in the crowd. KEYS: ids (sorted
// set: the identities of the asks counted, scored by bucket number), then
// the hashes of the buckets the asks fall in (question → count). ARGV:
// the lowest bucket number whose identities are kept, MaxCrowdQuestions,
// maxCrowdIDs, the TTL of ids in milliseconds, then for each bucket hash
// its number and TTL in milliseconds, then three per ask: the index of
// its bucket among the hashes (1-based), its identity ("" for an ask
// without an ID: always counted) and its question. An ask whose identity
// ids holds is skipped; a question new to a bucket that already counts
// MaxCrowdQuestions questions is not counted. Returns how many asks were
// counted.
//
// The keys share the hash tag {crowd}, so in a Redis Cluster they are in
// one slot and the script may touch them all.
var crowdScript = redis.NewScript(`
local ids = KEYS[1]
local oldest, maxq, maxids, idsttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local nb = #KEYS - 1
redis.call('ZREMRANGEBYSCORE', ids, '-inf', '(' .. oldest)
local counted = 0
for i = 5 + 2 * nb, #ARGV, 3 do
  local k, id, q = tonumber(ARGV[i]), ARGV[i + 1], ARGV[i + 2]
  local key = KEYS[k + 1]
  if id == '' or redis.call('ZADD', ids, 'NX', ARGV[3 + 2 * k], id) == 1 then
    if redis.call('HLEN', key) < maxq or redis.call('HEXISTS', key, q) == 1 then
      redis.call('HINCRBY', key, q, 1)
      counted = counted + 1
    end
  end
end
for k = 1, nb do redis.call('PEXPIRE', KEYS[k + 1], ARGV[4 + 2 * k]) end
local n = redis.call('ZCARD', ids)
if n > maxids then redis.call('ZREMRANGEBYRANK', ids, 0, n - maxids - 1) end
if n > 0 then redis.call('PEXPIRE', ids, idsttl) end
return counted
`)

// crowdKey is the key of bucket n's hash.
func (s *Store) crowdKey(n int64) string {
	return s.cfg.Prefix + ":{crowd}:" + strconv.FormatInt(n, 10)
}

// crowdBatch collects the asks of one Append for crowdScript.
type crowdBatch struct {
	now     time.Time
	buckets []int64       // the bucket numbers, in first-seen order
	index   map[int64]int // bucket number → 1-based index in buckets
	asks    []any         // triples: bucket index, identity, question
}

// add adds an ask Append accepted: dated after now, it counts in now's
// bucket; dated before now's window, not at all.
func (b *crowdBatch) add(e *recommend.Event) {
	t := e.Time
	if t.After(b.now) {
		t = b.now
	}
	n := crowdBucketOf(t)
	if n <= crowdBucketOf(b.now)-recommend.CrowdBuckets {
		return
	}
	k, ok := b.index[n]
	if !ok {
		if b.index == nil {
			b.index = map[int64]int{}
		}
		b.buckets = append(b.buckets, n)
		k = len(b.buckets)
		b.index[n] = k
	}
	id := ""
	if e.ID != "" {
		// Length-prefixed, so that no two (user, ID) pairs share an identity.
		id = strconv.Itoa(len(e.User)) + ":" + e.User + e.ID
	}
	b.asks = append(b.asks, k, id, e.Question)
}

// call returns the script run counting the batch, ok false when it has no
// ask to count.
func (b *crowdBatch) call(s *Store) (c call, ok bool) {
	if len(b.asks) == 0 {
		return call{}, false
	}
	cur := crowdBucketOf(b.now)
	keys := make([]string, 0, 1+len(b.buckets))
	keys = append(keys, s.cfg.Prefix+":{crowd}:ids")
	args := make([]any, 0, 4+2*len(b.buckets)+len(b.asks))
	// Identities are kept one bucket longer than the window, and every
	// key lives a bucket past the time it leaves the window, so that a
	// replica whose clock is a little behind still finds them.
	window := time.Duration(recommend.CrowdBuckets+1) * recommend.CrowdBucketWidth
	args = append(args, cur-recommend.CrowdBuckets, recommend.MaxCrowdQuestions, maxCrowdIDs, window.Milliseconds())
	for _, n := range b.buckets {
		keys = append(keys, s.crowdKey(n))
		args = append(args, n, crowdStart(n+recommend.CrowdBuckets+1).Sub(b.now).Milliseconds())
	}
	args = append(args, b.asks...)
	return call{script: crowdScript, keys: keys, args: args}, true
}

// Crowd implements [recommend.CrowdReader] with one pipeline of an
// HGETALL per bucket of the window from since's bucket to the clock's (at
// most recommend.CrowdBuckets); the keys share a hash tag, so in a Cluster
// it goes to one node: one round trip. A since after the clock's bucket
// is answered without a round trip. A count the store did not write is
// an error.
func (s *Store) Crowd(ctx context.Context, since time.Time) ([]recommend.CrowdBucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisstore: crowd: %w", err)
	}
	hi := crowdBucketOf(s.cfg.Clock())
	lo := hi - (recommend.CrowdBuckets - 1)
	if !since.IsZero() {
		lo = max(lo, crowdBucketOf(since))
	}
	if lo > hi {
		return nil, nil
	}
	pipe := s.c.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, 0, hi-lo+1)
	for n := lo; n <= hi; n++ {
		cmds = append(cmds, pipe.HGetAll(ctx, s.crowdKey(n)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redisstore: crowd: %w", ctxErr(ctx, err))
	}
	var out []recommend.CrowdBucket
	for i, cmd := range cmds {
		m := cmd.Val()
		if len(m) == 0 {
			continue
		}
		n := lo + int64(i)
		asks := make(map[string]int64, len(m))
		for q, v := range m {
			c, err := strconv.ParseInt(v, 10, 64)
			if err != nil || c <= 0 {
				return nil, fmt.Errorf("redisstore: crowd: corrupt count %.40q of %.40q in bucket %d (%s)", v, q, n, crowdStart(n).Format(time.RFC3339))
			}
			asks[q] = c
		}
		out = append(out, recommend.CrowdBucket{Start: crowdStart(n), Asks: asks})
	}
	return out, nil
}
