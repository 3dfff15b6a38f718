package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/recommend"
)

// feedbackScript stores one user's feedback. KEYS: feedback (hash:
// question → record), updated (sorted set: question by last update, in
// microseconds). ARGV: PerUserFeedback, the keys' TTL in milliseconds (0:
// none), the expiry cutoff score ("": none), then four per item:
// question, kind (1 impression, 2 click, 3 dismiss, 4 resolve), time as
// "sec,nsec", time in microseconds.
//
// A record is "impressions clicks dismissed resolved updated", each time
// "sec,nsec" or "-" for none. Times are compared as (sec, nsec) pairs,
// exact in Lua's doubles; they are copied, never computed.
var feedbackScript = redis.NewScript(`
local fb, upd = KEYS[1], KEYS[2]
local cap, ttl, cutoff = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local function after(a, b)
  if b == '-' then return true end
  local as, an = string.match(a, '^(-?%d+),(%d+)$')
  local bs, bn = string.match(b, '^(-?%d+),(%d+)$')
  as, an, bs, bn = tonumber(as), tonumber(an), tonumber(bs), tonumber(bn)
  return as > bs or (as == bs and an > bn)
end
if cutoff ~= '' then
  local old = redis.call('ZRANGE', upd, '-inf', '(' .. cutoff, 'BYSCORE')
  for _, q in ipairs(old) do redis.call('HDEL', fb, q) end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', upd, '-inf', '(' .. cutoff) end
end
for i = 4, #ARGV, 4 do
  local q, kind, at, score = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local v = redis.call('HGET', fb, q)
  local imp, clk, dis, res, up
  if v then
    imp, clk, dis, res, up = string.match(v, '^(%d+) (%d+) (%S+) (%S+) (%S+)$')
    if not imp then return redis.error_reply('corrupt feedback record for ' .. q) end
    imp, clk = tonumber(imp), tonumber(clk)
  else
    if redis.call('ZCARD', upd) >= cap then
      local victim = redis.call('ZRANGE', upd, 0, 0)[1]
      redis.call('HDEL', fb, victim)
      redis.call('ZREM', upd, victim)
    end
    imp, clk, dis, res, up = 0, 0, '-', '-', '-'
  end
  if after(at, up) then
    up = at
    redis.call('ZADD', upd, score, q)
  end
  if kind == '1' then imp = imp + 1
  elseif kind == '2' then clk = clk + 1
  elseif kind == '3' then if after(at, dis) then dis = at end
  elseif kind == '4' then if after(at, res) then res = at end
  end
  redis.call('HSET', fb, q, string.format('%d %d ', imp, clk) .. dis .. ' ' .. res .. ' ' .. up)
end
if ttl > 0 then
  redis.call('PEXPIRE', fb, ttl)
  redis.call('PEXPIRE', upd, ttl)
end
return 0
`)

// AddFeedback implements [recommend.FeedbackStore]. It checks every item
// first and stores none if any is bad (missing user or question, one
// longer than [recommend.MaxFieldBytes], unknown kind), with an error
// wrapping [recommend.ErrInvalidFeedback]. The rest is one round trip: a
// script per user and the increments of the question totals, in one
// pipeline. As with [Store.Append], a Redis error may leave part of the
// call stored, and a retry counts impressions and clicks again.
func (s *Store) AddFeedback(ctx context.Context, fb ...recommend.Feedback) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: add feedback: %w", err)
	}
	for i := range fb {
		if err := fb[i].Validate(); err != nil {
			return fmt.Errorf("redisstore: add feedback: feedback %d: %w", i, err)
		}
	}
	if len(fb) == 0 {
		return nil
	}
	now := s.cfg.Clock()
	var (
		users   []string
		args    = map[string][]any{}
		totals  []string // fields of the question totals, in first-seen order
		byField = map[string]int64{}
	)
	for _, f := range fb {
		t := f.Time
		if t.IsZero() {
			t = now
		}
		a, ok := args[f.User]
		if !ok {
			a = []any{s.cfg.PerUserFeedback, s.ttlMillis(), s.cutoffScore(now)}
			users = append(users, f.User)
		}
		args[f.User] = append(a, f.Question, int(f.Kind), strconv.FormatInt(t.Unix(), 10)+","+strconv.Itoa(t.Nanosecond()), t.UnixMicro())
		var field string
		switch f.Kind {
		case recommend.Impression:
			field = "i:" + f.Question
		case recommend.Click:
			field = "c:" + f.Question
		default:
			continue
		}
		if _, ok := byField[field]; !ok {
			totals = append(totals, field)
		}
		byField[field]++
	}
	calls := make([]call, len(users))
	for i, u := range users {
		k := s.keys(u)
		calls[i] = call{script: feedbackScript, keys: []string{k.feedback, k.updated}, args: args[u]}
	}
	err := s.run(ctx, calls, func(p redis.Pipeliner) []redis.Cmder {
		cmds := make([]redis.Cmder, len(totals))
		for i, f := range totals {
			cmds[i] = p.HIncrBy(ctx, s.stats, f, byField[f])
		}
		return cmds
	})
	if err != nil {
		return fmt.Errorf("redisstore: add feedback: %w", err)
	}
	return nil
}

// UserFeedback implements [recommend.FeedbackStore] with one command.
func (s *Store) UserFeedback(ctx context.Context, user string) ([]recommend.UserFeedback, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisstore: user feedback: %w", err)
	}
	now := s.cfg.Clock()
	out, err := s.decodeFeedback(s.c.HGetAll(ctx, s.keys(user).feedback), now)
	if err != nil {
		return nil, fmt.Errorf("redisstore: user feedback: %w", ctxErr(ctx, err))
	}
	return out, nil
}

// decodeFeedback parses the records of a user's feedback hash, leaving
// out those last updated before the TTL's cutoff, sorted by question.
func (s *Store) decodeFeedback(cmd *redis.MapStringStringCmd, now time.Time) ([]recommend.UserFeedback, error) {
	m, err := cmd.Result()
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	cutoff := s.cutoff(now)
	out := make([]recommend.UserFeedback, 0, len(m))
	for q, v := range m {
		uf, updated, err := parseRecord(q, v)
		if err != nil {
			return nil, err
		}
		if !cutoff.IsZero() && updated.Before(cutoff) {
			continue
		}
		out = append(out, uf)
	}
	slices.SortFunc(out, func(a, b recommend.UserFeedback) int { return strings.Compare(a.Question, b.Question) })
	return out, nil
}

// parseRecord parses a record written by feedbackScript.
func parseRecord(q, v string) (uf recommend.UserFeedback, updated time.Time, err error) {
	f := strings.Split(v, " ")
	if len(f) != 5 {
		return uf, updated, fmt.Errorf("corrupt feedback record %q for %.40q", v, q)
	}
	uf.Question = q
	imp, err1 := strconv.Atoi(f[0])
	clk, err2 := strconv.Atoi(f[1])
	dis, err3 := parseTime(f[2])
	res, err4 := parseTime(f[3])
	updated, err5 := parseTime(f[4])
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil {
		return uf, updated, fmt.Errorf("corrupt feedback record %q for %.40q", v, q)
	}
	uf.Impressions, uf.Clicks, uf.Dismissed, uf.Resolved = imp, clk, dis, res
	return uf, updated, nil
}

// parseTime parses "sec,nsec" (UTC) or "-" (the zero time).
func parseTime(s string) (time.Time, error) {
	if s == "-" {
		return time.Time{}, nil
	}
	sec, nsec, ok := strings.Cut(s, ",")
	if !ok {
		return time.Time{}, fmt.Errorf("bad time %q", s)
	}
	a, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	b, err := strconv.ParseInt(nsec, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(a, b).UTC(), nil
}

// QuestionStats implements [recommend.FeedbackStore] with one HMGET.
func (s *Store) QuestionStats(ctx context.Context, questions []string) ([]recommend.QuestionStats, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisstore: question stats: %w", err)
	}
	out := make([]recommend.QuestionStats, len(questions))
	if len(questions) == 0 {
		return out, nil
	}
	fields := make([]string, 0, 2*len(questions))
	for _, q := range questions {
		fields = append(fields, "i:"+q, "c:"+q)
	}
	vals, err := s.c.HMGet(ctx, s.stats, fields...).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: question stats: %w", ctxErr(ctx, err))
	}
	if len(vals) != len(fields) {
		return nil, fmt.Errorf("redisstore: question stats: %d values for %d fields", len(vals), len(fields))
	}
	for i := range out {
		imp, err1 := count(vals[2*i])
		clk, err2 := count(vals[2*i+1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("redisstore: question stats: corrupt total of %.40q", questions[i])
		}
		out[i] = recommend.QuestionStats{Impressions: imp, Clicks: clk}
	}
	return out, nil
}

// count parses an HMGET value: nil (no such field) is 0.
func count(v any) (int64, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("unexpected %T", v)
}
