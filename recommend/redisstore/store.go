package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/recommend"
)

// Config configures [New]. Every zero field takes its documented default.
type Config struct {
	// Prefix starts every key the store writes, so that deployments (or
	// tests) sharing a server keep apart. It must not contain '{' or '}',
	// which would change the keys' Redis Cluster hash tags. Default "duxin".
	Prefix string
	// PerUser is how many events are kept per user; past it the oldest go
	// first. Default 200, as [recommend.MemoryConfig].
	PerUser int
	// PerUserFeedback is how many questions' feedback is kept per user;
	// past it the least recently updated (to the microsecond; ties by
	// question id) goes first. Default 256.
	PerUserFeedback int
	// TTL bounds how long a user's data lives. Events dated before
	// clock − TTL are not returned, are dropped by Append and are trimmed
	// from the user's history on every write; feedback last updated before
	// then likewise. A user's keys expire TTL after their last write.
	// Default 90 days (the longest a learned need lasts); negative keeps
	// everything until pushed out by the caps (and the keys never expire). A positive TTL under a
	// millisecond is an error. Question totals never expire.
	TTL time.Duration
	// MaxSkew is how far after the clock an event may be dated: Append
	// refuses a later one (it would outlive the TTL). Default 10 minutes;
	// negative means no limit.
	MaxSkew time.Duration
	// Clock tells the time for the TTL, MaxSkew, feedback without a Time
	// and the crowd's window ([Store.Crowd]). Default time.Now. Redis's
	// own clock is never used, so every replica that shares the server
	// must keep roughly the same time.
	Clock func() time.Time
}

// Store is a [recommend.EventStore], [recommend.FeedbackStore],
// [recommend.RecentAppender], [recommend.UserReader] and
// [recommend.CrowdReader] kept in Redis. It
// holds no state of its own besides its configuration, so any number of
// Stores in any number of processes may share one server. It is safe for
// concurrent use.
type Store struct {
	c     redis.UniversalClient
	cfg   Config
	stats string // key of the question totals
}

// Compile-time checks of the capabilities the engine looks for.
var (
	_ recommend.EventStore     = (*Store)(nil)
	_ recommend.RecentAppender = (*Store)(nil)
	_ recommend.UserReader     = (*Store)(nil)
	_ recommend.FeedbackStore  = (*Store)(nil)
	_ recommend.CrowdReader    = (*Store)(nil)
)

// New returns a store that keeps its data through client, which it uses
// but does not own: the caller closes it after the last call. New does no
// I/O. A nil client or an invalid Config is an error wrapping
// [recommend.ErrInvalidOption]; every problem is reported.
func New(client redis.UniversalClient, cfg Config) (*Store, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: redisstore.%s", recommend.ErrInvalidOption, fmt.Sprintf(format, args...)))
	}
	if client == nil {
		bad("New: nil client")
	}
	if strings.ContainsAny(cfg.Prefix, "{}") {
		bad("Config.Prefix = %q: must not contain '{' or '}'", cfg.Prefix)
	}
	if cfg.PerUser < 0 {
		bad("Config.PerUser = %d, want >= 0", cfg.PerUser)
	}
	if cfg.PerUserFeedback < 0 {
		bad("Config.PerUserFeedback = %d, want >= 0", cfg.PerUserFeedback)
	}
	if cfg.TTL > 0 && cfg.TTL < time.Millisecond {
		bad("Config.TTL = %v: want at least 1ms, or negative for none", cfg.TTL)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "duxin"
	}
	if cfg.PerUser == 0 {
		cfg.PerUser = recommend.DefaultPerUser
	}
	if cfg.PerUserFeedback == 0 {
		cfg.PerUserFeedback = recommend.DefaultPerUserFeedback
	}
	if cfg.TTL == 0 {
		cfg.TTL = recommend.DefaultTTL
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = recommend.DefaultMaxSkew
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Store{c: client, cfg: cfg, stats: cfg.Prefix + ":q"}, nil
}

// userKeys are the keys of one user's data; they share a hash tag, so
// they live in one Redis Cluster slot and one script may touch them all.
type userKeys struct {
	events, seq, ids  string // sorted set, counter, hash
	feedback, updated string // hash, sorted set
}

// keys returns the user's keys: Prefix:{u:<escaped user>}:<name>.
func (s *Store) keys(user string) userKeys {
	var b strings.Builder
	b.Grow(len(s.cfg.Prefix) + 4 + len(user) + 2)
	b.WriteString(s.cfg.Prefix)
	b.WriteString(":{u:")
	escapeUser(&b, user)
	b.WriteString("}:")
	base := b.String()
	return userKeys{events: base + "ev", seq: base + "seq", ids: base + "id", feedback: base + "fb", updated: base + "fbt"}
}

// escapeUser writes user with every byte other than an ASCII letter,
// digit, '-', '_' or '.' as %XX (uppercase hex). The result never
// contains '}', so it cannot end the hash tag early, and different users
// never share keys.
func escapeUser(b *strings.Builder, user string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(user); i++ {
		c := user[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
}

// cutoff returns the earliest time not expired at now; zero without a TTL.
func (s *Store) cutoff(now time.Time) time.Time {
	if s.cfg.TTL < 0 {
		return time.Time{}
	}
	return now.Add(-s.cfg.TTL)
}

// ttlMillis is the keys' expiry for PEXPIRE; 0 means none.
func (s *Store) ttlMillis() int64 {
	if s.cfg.TTL < 0 {
		return 0
	}
	return s.cfg.TTL.Milliseconds()
}

// cutoffScore is the score below which an entry is surely expired, as a
// script argument: "" without a TTL.
func (s *Store) cutoffScore(now time.Time) string {
	c := s.cutoff(now)
	if c.IsZero() {
		return ""
	}
	return fmt.Sprint(c.UnixMicro())
}

// call is one script run in a pipeline.
type call struct {
	script *redis.Script
	keys   []string
	args   []any
	cmd    *redis.Cmd
}

// run sends the calls and the commands extra queues in one pipeline: one
// round trip. Calls refused with NOSCRIPT (a restarted or flushed server
// no longer has the script) are sent again with EVAL, which also caches
// the script: one more round trip, once per server start. The first error
// of any command is returned.
func (s *Store) run(ctx context.Context, calls []call, extra func(redis.Pipeliner) []redis.Cmder) error {
	pipe := s.c.Pipeline()
	for i := range calls {
		c := &calls[i]
		c.cmd = c.script.EvalSha(ctx, pipe, c.keys, c.args...)
	}
	var others []redis.Cmder
	if extra != nil {
		others = extra(pipe)
	}
	_, err := pipe.Exec(ctx)
	if err != nil && ctx.Err() != nil {
		return ctxErr(ctx, err)
	}
	for _, cmd := range others {
		if err := cmd.Err(); err != nil {
			return err
		}
	}
	var retry []*call
	for i := range calls {
		c := &calls[i]
		if err := c.cmd.Err(); err != nil {
			if !isNoScript(err) {
				return err
			}
			retry = append(retry, c)
		}
	}
	if len(retry) == 0 {
		return err // nil, unless the pipeline failed with no command to blame
	}
	pipe = s.c.Pipeline()
	for _, c := range retry {
		c.cmd = c.script.Eval(ctx, pipe, c.keys, c.args...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return ctxErr(ctx, err)
	}
	return nil
}

// ctxErr returns err, wrapping the context's error too when the context
// has ended: a client that honours contexts may report their end as an
// I/O timeout.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

func isNoScript(err error) bool {
	return errors.Is(err, redis.ErrNoScript) || redis.HasErrorPrefix(err, "NOSCRIPT")
}
