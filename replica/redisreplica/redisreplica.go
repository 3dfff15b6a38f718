// Package redisreplica keeps duxin's replicated state on Redis: published
// models ([Registry], a [replica.Registry]) and the knowledge base's change
// feed ([Feed], a [replica.Feed] on a Redis stream). Users' events and
// feedback are in recommend/redisstore; one client serves all three.
//
// Keys, under a prefix per deployment (default "duxin"), each group in one
// hash slot so that it works on Redis Cluster:
//
//	duxin:{model:<name>}:<version>   a published model file (the last 5 kept)
//	duxin:{model:<name>}:current     the version served
//	duxin:{model:<name>}:history     the versions, newest first
//	duxin:{kb}:entries               the knowledge base: id → entry (JSON)
//	duxin:{kb}:seq                   the version of the last change
//	duxin:{kb}:log                   the changes, a stream with ids 0-<version>
//
// A model is published (data, pointer, history trimmed, old versions
// deleted) by one Lua script, so two publishers racing never leave current
// naming a deleted version. A change is applied to the entries and
// appended to the stream by one Lua script, so a snapshot (entries and
// version, read in one MULTI) and the stream always agree. The feed's
// version is the larger of seq and the stream's last id: a seq that was
// lost or set back while the stream kept its changes is repaired by the
// next append, followers do not take the stream's changes for a feed
// behind them, and an append never reuses a version. The stream keeps about the last Keep changes; a
// replica that fell further behind takes a snapshot.
//
// Redis persistence decides what survives a Redis restart: with appendonly
// and appendfsync always, every change that Append acknowledged does. A
// Redis that lost its data starts the feed again from version 0; a
// follower that served a later version sees the feed behind it
// ([replica.ErrBehind]) and halts, serving what it had, until an operator
// re-seeds the feed from it ([replica.Follower.Republish]) or has it take
// the feed's snapshot ([replica.Follower.Resnapshot]); see
// [replica.Follower].
package redisreplica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/replica"
)

// Config configures NewRegistry and NewFeed. Every zero field takes its
// default.
type Config struct {
	// Prefix starts every key; default "duxin". One Redis can serve
	// several deployments with different prefixes.
	Prefix string
	// Keep is about how many changes the feed's stream keeps; default
	// 10,000.
	Keep int64
}

func (c *Config) fill() error {
	if c.Prefix == "" {
		c.Prefix = "duxin"
	}
	if strings.ContainsAny(c.Prefix, "{}") || len(c.Prefix) > 128 {
		return fmt.Errorf("redisreplica: bad Prefix %q: at most 128 bytes, no braces", c.Prefix)
	}
	if c.Keep < 0 {
		return fmt.Errorf("redisreplica: Keep = %d, want >= 0", c.Keep)
	}
	if c.Keep == 0 {
		c.Keep = 10_000
	}
	return nil
}

// keepVersions is how many published versions of a name stay in Redis.
const keepVersions = 5

// Registry is a [replica.Registry] on Redis. It is safe for concurrent
// use and does not own the client.
type Registry struct {
	c      redis.UniversalClient
	prefix string
}

// NewRegistry returns a registry on c.
func NewRegistry(c redis.UniversalClient, cfg Config) (*Registry, error) {
	if c == nil {
		return nil, errors.New("redisreplica: nil client")
	}
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	return &Registry{c: c, prefix: cfg.Prefix}, nil
}

func (r *Registry) key(name, what string) string {
	return r.prefix + ":{model:" + name + "}:" + what
}

// publishScript stores a version and points the name at it, then trims
// the history and deletes the versions trimmed, all at once: a publish
// racing it (a rollback to an old version) cannot be deleted after it
// became current. Never deleted: the version current points at.
// KEYS: the version's key, current, history. ARGV: data, version, the
// key prefix of the name's versions, how many versions to keep.
var publishScript = redis.NewScript(`
local v = ARGV[2]
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], v)
redis.call('LREM', KEYS[3], 0, v)
redis.call('LPUSH', KEYS[3], v)
local keep = tonumber(ARGV[4])
local old = redis.call('LRANGE', KEYS[3], keep, -1)
redis.call('LTRIM', KEYS[3], 0, keep - 1)
for _, o in ipairs(old) do
	if o ~= v then
		redis.call('DEL', ARGV[3] .. o)
	end
end
return #old
`)

// Publish implements [replica.Registry]: the data, the pointer to it and
// the removal of versions beyond the last five, in one script.
func (r *Registry) Publish(ctx context.Context, name string, data []byte) (string, error) {
	if err := replica.CheckName(name); err != nil {
		return "", err
	}
	v := replica.VersionOf(data)
	keys := []string{r.key(name, v), r.key(name, "current"), r.key(name, "history")}
	if err := publishScript.Run(ctx, r.c, keys, data, v, r.key(name, ""), keepVersions).Err(); err != nil {
		return "", fmt.Errorf("redisreplica: publish %s: %w", name, err)
	}
	return v, nil
}

// Current implements [replica.Registry].
func (r *Registry) Current(ctx context.Context, name string) (string, error) {
	if err := replica.CheckName(name); err != nil {
		return "", err
	}
	v, err := r.c.Get(ctx, r.key(name, "current")).Result()
	if errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("%w under %q", replica.ErrNoVersion, name)
	}
	if err != nil {
		return "", fmt.Errorf("redisreplica: current %s: %w", name, err)
	}
	return v, nil
}

// Fetch implements [replica.Registry].
func (r *Registry) Fetch(ctx context.Context, name, version string) ([]byte, error) {
	if err := replica.CheckName(name); err != nil {
		return nil, err
	}
	data, err := r.c.Get(ctx, r.key(name, version)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisreplica: fetch %s@%.12s: no such version", name, version)
	}
	if err != nil {
		return nil, fmt.Errorf("redisreplica: fetch %s: %w", name, err)
	}
	if err := replica.Verify(name, version, data); err != nil {
		return nil, err
	}
	return data, nil
}

// Feed is a [replica.Feed] on Redis. It is safe for concurrent use and
// does not own the client.
type Feed struct {
	c                 redis.UniversalClient
	entries, seq, log string
	keep              int64
}

// NewFeed returns the knowledge-base feed on c.
func NewFeed(c redis.UniversalClient, cfg Config) (*Feed, error) {
	if c == nil {
		return nil, errors.New("redisreplica: nil client")
	}
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	p := cfg.Prefix + ":{kb}:"
	return &Feed{c: c, entries: p + "entries", seq: p + "seq", log: p + "log", keep: cfg.Keep}, nil
}

// appendScript applies a change to the entries and appends it to the log.
// The change's version is one more than the feed's: the larger of seq and
// the stream's last id, so a seq that fell behind the stream (lost, or
// reset by hand) neither fails the append nor numbers two changes alike.
// It appends first, so an append that fails writes nothing.
// KEYS: entries, seq, log. ARGV: op, keep, the log's data, then for upsert
// and reload id/entry pairs, for delete ids.
var appendScript = redis.NewScript(`
local op = ARGV[1]
if op ~= 'upsert' and op ~= 'reload' and op ~= 'delete' then
	return redis.error_reply('unknown op ' .. op)
end
local v = tonumber(redis.call('GET', KEYS[2]) or '0')
if v == nil then
	return redis.error_reply('the version in ' .. KEYS[2] .. ' is not a number')
end
local top = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
if #top > 0 then
	local t = tonumber(string.match(top[1][1], '^0%-(%d+)$'))
	if t ~= nil and t > v then
		v = t
	end
end
v = v + 1
local id = string.format('0-%d', v)
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[2], id, 'op', op, 'data', ARGV[3])
redis.call('SET', KEYS[2], string.format('%d', v))
if op == 'reload' then
	redis.call('DEL', KEYS[1])
end
if op == 'upsert' or op == 'reload' then
	for i = 4, #ARGV, 2 do
		redis.call('HSET', KEYS[1], ARGV[i], ARGV[i+1])
	end
else
	for i = 4, #ARGV do
		redis.call('HDEL', KEYS[1], ARGV[i])
	end
end
return v
`)

// Append implements [replica.Feed].
func (f *Feed) Append(ctx context.Context, c replica.Change) (uint64, error) {
	args := []any{c.Op.String(), f.keep, ""}
	switch c.Op {
	case replica.OpUpsert, replica.OpReload:
		for _, e := range c.FAQs {
			b, err := json.Marshal(e)
			if err != nil {
				return 0, fmt.Errorf("redisreplica: append: entry %q: %w", e.ID, err)
			}
			args = append(args, e.ID, b)
		}
		if c.Op == replica.OpUpsert {
			b, err := json.Marshal(c.FAQs)
			if err != nil {
				return 0, fmt.Errorf("redisreplica: append: %w", err)
			}
			args[2] = b
		}
	case replica.OpDelete:
		b, err := json.Marshal(c.IDs)
		if err != nil {
			return 0, fmt.Errorf("redisreplica: append: %w", err)
		}
		args[2] = b
		for _, id := range c.IDs {
			args = append(args, id)
		}
	default:
		return 0, fmt.Errorf("redisreplica: append: unknown op %v", c.Op)
	}
	v, err := appendScript.Run(ctx, f.c, []string{f.entries, f.seq, f.log}, args...).Int64()
	if err != nil {
		return 0, fmt.Errorf("redisreplica: append %s: %w", c.Op, err)
	}
	return uint64(v), nil
}

// Snapshot implements [replica.Feed]: the entries and the version in one
// transaction.
func (f *Feed) Snapshot(ctx context.Context) ([]kb.FAQ, uint64, error) {
	var all *redis.MapStringStringCmd
	var seq *redis.StringCmd
	var top *redis.XMessageSliceCmd
	_, err := f.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, f.entries)
		seq, top = f.version(ctx, p)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("redisreplica: snapshot: %w", err)
	}
	v, err := versionOf(seq, top)
	if err != nil {
		return nil, 0, fmt.Errorf("redisreplica: snapshot: %w", err)
	}
	out := make([]kb.FAQ, 0, len(all.Val()))
	for id, s := range all.Val() {
		var e kb.FAQ
		if err := json.Unmarshal([]byte(s), &e); err != nil {
			return nil, 0, fmt.Errorf("redisreplica: snapshot: entry %q: %w", id, err)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b kb.FAQ) int { return strings.Compare(a.ID, b.ID) })
	return out, v, nil
}

// version queues, on p, the reads versionOf needs: seq and the stream's
// last entry.
func (f *Feed) version(ctx context.Context, p redis.Pipeliner) (*redis.StringCmd, *redis.XMessageSliceCmd) {
	return p.Get(ctx, f.seq), p.XRevRangeN(ctx, f.log, "+", "-", 1)
}

// versionOf returns the feed's version: the larger of seq and the
// stream's last id, as appendScript numbers changes.
func versionOf(seq *redis.StringCmd, top *redis.XMessageSliceCmd) (uint64, error) {
	var v uint64
	s, err := seq.Result()
	switch {
	case errors.Is(err, redis.Nil):
	case err != nil:
		return 0, err
	default:
		if v, err = strconv.ParseUint(s, 10, 64); err != nil {
			return 0, fmt.Errorf("the version %q in seq is not a number", s)
		}
	}
	msgs, err := top.Result()
	if err != nil {
		return 0, err
	}
	if len(msgs) > 0 {
		if t, err := streamVersion(msgs[0].ID); err == nil && t > v {
			v = t
		}
	}
	return v, nil
}

// streamVersion returns the version of a stream id, 0-<version>.
func streamVersion(id string) (uint64, error) {
	ms, seq, ok := strings.Cut(id, "-")
	v, err := strconv.ParseUint(seq, 10, 64)
	if !ok || ms != "0" || err != nil {
		return 0, fmt.Errorf("stream entry %q: not a feed version", id)
	}
	return v, nil
}

// readBatch bounds the changes one Read returns.
const readBatch = 1000

// Read implements [replica.Feed] with XREAD, blocking up to wait.
func (f *Feed) Read(ctx context.Context, after uint64, wait time.Duration) ([]replica.Change, error) {
	block := time.Duration(-1)
	if wait > 0 {
		block = max(wait, time.Millisecond)
	}
	res, err := f.c.XRead(ctx, &redis.XReadArgs{
		Streams: []string{f.log, "0-" + strconv.FormatUint(after, 10)},
		Count:   readBatch,
		Block:   block,
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisreplica: read: %w", err)
	}
	var msgs []redis.XMessage
	if len(res) > 0 {
		msgs = res[0].Messages
	}
	if len(msgs) == 0 {
		// Nothing after us. Is the feed behind us (reset, or lost its
		// data), or trimmed past us? Read the stream and the version
		// again in one transaction: a change appended since the first
		// read is then seen with its version, not taken for a gap.
		var xr *redis.XStreamSliceCmd
		var seq *redis.StringCmd
		var top *redis.XMessageSliceCmd
		_, err := f.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			xr = p.XRead(ctx, &redis.XReadArgs{Streams: []string{f.log, "0-" + strconv.FormatUint(after, 10)}, Count: readBatch, Block: -1})
			seq, top = f.version(ctx, p)
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("redisreplica: read: %w", err)
		}
		cur, err := versionOf(seq, top)
		if err != nil {
			return nil, fmt.Errorf("redisreplica: read: %w", err)
		}
		if res, _ := xr.Result(); len(res) > 0 {
			msgs = res[0].Messages
		}
		switch {
		case len(msgs) > 0:
		case cur > after:
			return nil, fmt.Errorf("%w: asked after %d, the feed is at %d with nothing after", replica.ErrTrimmed, after, cur)
		case cur < after:
			return nil, fmt.Errorf("%w: the feed is at version %d, this replica at %d; the feed was reset or Redis lost its data", replica.ErrBehind, cur, after)
		default:
			return nil, nil
		}
	}
	out := make([]replica.Change, 0, len(msgs))
	for _, m := range msgs {
		c, err := decodeChange(m)
		if err != nil {
			return nil, fmt.Errorf("redisreplica: read: %w", err)
		}
		out = append(out, c)
	}
	if out[0].Version != after+1 {
		return nil, fmt.Errorf("%w: asked after %d, the oldest kept is %d", replica.ErrTrimmed, after, out[0].Version)
	}
	return out, nil
}

func decodeChange(m redis.XMessage) (replica.Change, error) {
	v, err := streamVersion(m.ID)
	if err != nil {
		return replica.Change{}, err
	}
	c := replica.Change{Version: v}
	op, _ := m.Values["op"].(string)
	data, _ := m.Values["data"].(string)
	switch op {
	case "upsert":
		c.Op = replica.OpUpsert
		err = json.Unmarshal([]byte(data), &c.FAQs)
	case "delete":
		c.Op = replica.OpDelete
		err = json.Unmarshal([]byte(data), &c.IDs)
	case "reload":
		c.Op = replica.OpReload
	default:
		err = fmt.Errorf("unknown op %q", op)
	}
	if err != nil {
		return replica.Change{}, fmt.Errorf("stream entry %s: %w", m.ID, err)
	}
	return c, nil
}

var (
	_ replica.Registry = (*Registry)(nil)
	_ replica.Feed     = (*Feed)(nil)
)
