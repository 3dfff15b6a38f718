package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/internal/redistest"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/recommend/storetest"
)

// fixture is a store on the test's server ($DUXIN_REDIS_URL or a private
// one) under a key prefix of its own, with its client.
type fixture struct {
	*redisstore.Store
	c      redis.UniversalClient
	prefix string
}

func newStore(t testing.TB, cfg redisstore.Config) fixture {
	t.Helper()
	return newStoreAt(t, redistest.URL(t), cfg)
}

func newStoreAt(t testing.TB, url string, cfg redisstore.Config) fixture {
	t.Helper()
	c, err := redisstore.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cfg.Prefix = redistest.Prefix(t, url)
	s, err := redisstore.New(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s, c, cfg.Prefix}
}

// keys returns the fixture's keys of the users whose escaped id matches
// the glob user.
func (f fixture) keys(t *testing.T, user string) []string {
	t.Helper()
	var keys []string
	it := f.c.Scan(context.Background(), 0, f.prefix+":{u:"+user+"}:*", 1000).Iterator()
	for it.Next(context.Background()) {
		keys = append(keys, it.Val())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestEventStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) recommend.EventStore {
		return newStore(t, redisstore.Config{}).Store
	})
}

func TestCrowd(t *testing.T) {
	storetest.RunCrowd(t, func(t *testing.T, clock func() time.Time) recommend.EventStore {
		return newStore(t, redisstore.Config{Clock: clock}).Store
	})
}

func TestFeedbackStore(t *testing.T) {
	storetest.RunFeedback(t, func(t *testing.T) recommend.FeedbackStore {
		return newStore(t, redisstore.Config{}).Store
	})
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestNewRejectsBadConfig(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	tests := []struct {
		name   string
		client redis.UniversalClient
		cfg    redisstore.Config
		want   []string // in the error text
	}{
		{"nil client", nil, redisstore.Config{}, []string{"nil client"}},
		{"brace in prefix", c, redisstore.Config{Prefix: "a{b"}, []string{"Prefix"}},
		{"negative caps", c, redisstore.Config{PerUser: -1, PerUserFeedback: -2}, []string{"PerUser = -1", "PerUserFeedback = -2"}},
		{"TTL under a millisecond", c, redisstore.Config{TTL: time.Microsecond}, []string{"TTL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := redisstore.New(tc.client, tc.cfg)
			if !errors.Is(err, recommend.ErrInvalidOption) {
				t.Fatalf("New error = %v, want ErrInvalidOption", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := redisstore.New(c, redisstore.Config{TTL: -1, MaxSkew: -1}); err != nil {
		t.Errorf("negative TTL and MaxSkew: %v", err)
	}
}

func TestPerUserCaps(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{PerUser: 3, PerUserFeedback: 2})
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var in []recommend.Event
	for i := range 5 {
		in = append(in, recommend.Event{ID: fmt.Sprint("e", i), User: "u1", Time: base.Add(time.Duration(i) * time.Minute), Type: "bill.view"})
	}
	if err := s.Append(ctx, in...); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(ctx, "u1", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in[2:], got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("Recent after 5 appends with PerUser 3 (-want +got):\n%s", d)
	}
	// e0 was pushed out, so its identity is forgotten with it: a late
	// retry is older than everything kept and is pushed out at once.
	// e4 is still kept, so its retry is skipped.
	if err := s.Append(ctx, in[0], in[4]); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recent(ctx, "u1", time.Time{}, 0); err != nil || len(got) != 3 || got[0].ID != "e2" {
		t.Errorf("after retrying e0 and e4: %v, %v; want e2 e3 e4", got, err)
	}

	fb := func(q string, min int) recommend.Feedback {
		return recommend.Feedback{User: "u1", Question: q, Kind: recommend.Impression, Time: base.Add(time.Duration(min) * time.Minute)}
	}
	// a updated at 1, b at 2, a again at 3: b is the least recently
	// updated when c arrives.
	if err := s.AddFeedback(ctx, fb("a", 1), fb("b", 2), fb("a", 3), fb("c", 4)); err != nil {
		t.Fatal(err)
	}
	ufs, err := s.UserFeedback(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.UserFeedback{{Question: "a", Impressions: 2}, {Question: "c", Impressions: 1}}
	if d := cmp.Diff(want, ufs); d != "" {
		t.Errorf("UserFeedback with PerUserFeedback 2 (-want +got):\n%s", d)
	}
}

func TestTTL(t *testing.T) {
	ctx := context.Background()
	clk := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := newStore(t, redisstore.Config{TTL: time.Hour, Clock: clk.Now})
	c := s.c
	at := func(min int) time.Time { return clk.Now().Add(time.Duration(min) * time.Minute) }
	err := s.Append(ctx,
		recommend.Event{User: "u1", Time: at(-90), Type: "too.old"}, // dropped: past the TTL already
		recommend.Event{User: "u1", Time: at(-30), Type: "a"},
		recommend.Event{User: "u1", Time: at(-10), Type: "b"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddFeedback(ctx,
		recommend.Feedback{User: "u1", Question: "q1", Kind: recommend.Dismiss, Time: at(-30)},
		recommend.Feedback{User: "u1", Question: "q2", Kind: recommend.Click}, // the clock's time
	); err != nil {
		t.Fatal(err)
	}
	types := func() []string {
		t.Helper()
		evs, err := s.Recent(ctx, "u1", time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range evs {
			out = append(out, e.Type)
		}
		return out
	}
	questions := func() []string {
		t.Helper()
		fbs, err := s.UserFeedback(ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range fbs {
			out = append(out, f.Question)
		}
		return out
	}
	if d := cmp.Diff([]string{"a", "b"}, types()); d != "" {
		t.Errorf("events at start (-want +got):\n%s", d)
	}
	keys := s.keys(t, "u1")
	if len(keys) != 4 { // ev, seq, fb, fbt; no id, as no event had an ID
		t.Errorf("keys = %v, want 4", keys)
	}
	for _, k := range keys {
		if ttl := c.PTTL(ctx, k).Val(); ttl <= 0 || ttl > time.Hour {
			t.Errorf("PTTL(%s) = %v, want in (0, 1h]", k, ttl)
		}
	}

	clk.Add(40 * time.Minute) // a (70 min old) and q1 (70 min) expire
	if d := cmp.Diff([]string{"b"}, types()); d != "" {
		t.Errorf("events 40 minutes later (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"q2"}, questions()); d != "" {
		t.Errorf("feedback 40 minutes later (-want +got):\n%s", d)
	}
	// A write trims what has expired.
	evKey := keyLike(t, keys, ":ev")
	fbKey := keyLike(t, keys, ":fb")
	if n := c.ZCard(ctx, evKey).Val(); n != 2 {
		t.Errorf("before a write, %d events stored; want 2", n)
	}
	if err := s.Append(ctx, recommend.Event{User: "u1", Time: at(0), Type: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFeedback(ctx, recommend.Feedback{User: "u1", Question: "q3", Kind: recommend.Impression}); err != nil {
		t.Fatal(err)
	}
	if n := c.ZCard(ctx, evKey).Val(); n != 2 {
		t.Errorf("after a write, %d events stored; want 2 (b, c)", n)
	}
	if n := c.HLen(ctx, fbKey).Val(); n != 2 {
		t.Errorf("after a write, %d feedback records stored; want 2 (q2, q3)", n)
	}
}

func TestNoTTL(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{TTL: -1})
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Append(ctx, recommend.Event{ID: "x", User: "u1", Time: old, Type: "a"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(ctx, "u1", time.Time{}, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("Recent = %v, %v; want the 2001 event", got, err)
	}
	for _, k := range s.keys(t, "u1") {
		if ttl := s.c.PTTL(ctx, k).Val(); ttl != -1 {
			t.Errorf("PTTL(%s) = %v, want -1 (no expiry)", k, ttl)
		}
	}
}

// Times keep their nanoseconds, and events within one microsecond keep
// time order, then arrival order.
func TestTimePrecisionAndOrder(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{})
	base := time.Now().Add(-time.Minute).Truncate(time.Microsecond)
	loc := time.FixedZone("CST", 8*3600)
	in := []recommend.Event{
		{User: "u1", Time: base.Add(999), Type: "c"},
		{User: "u1", Time: base.Add(1).In(loc), Type: "b1"},
		{User: "u1", Time: base, Type: "a"},
		{User: "u1", Time: base.Add(1), Type: "b2"},
		{User: "u1", Time: base.Add(-1), Type: "before"},
	}
	if err := s.Append(ctx, in...); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(ctx, "u1", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.Event{in[4], in[2], in[1], in[3], in[0]}
	if d := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("Recent (-want +got):\n%s", d)
	}
	for _, e := range got {
		if e.Time.Location() != time.UTC {
			t.Errorf("%s: time in %v, want UTC", e.Type, e.Time.Location())
		}
	}
	// since falls inside a microsecond.
	got, err = s.Recent(ctx, "u1", base.Add(1), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[2:], got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("Recent since base+1ns (-want +got):\n%s", d)
	}
	got, err = s.Recent(ctx, "u1", base.Add(1), 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[2:], got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("Recent since base+1ns, limit 10 (-want +got):\n%s", d)
	}

	fbt := base.Add(123456789)
	err = s.AddFeedback(ctx, recommend.Feedback{User: "u1", Question: "q", Kind: recommend.Resolve, Time: fbt},
		recommend.Feedback{User: "u1", Question: "q", Kind: recommend.Resolve, Time: fbt.Add(-1)})
	if err != nil {
		t.Fatal(err)
	}
	fbs, err := s.UserFeedback(ctx, "u1")
	if err != nil || len(fbs) != 1 || !fbs[0].Resolved.Equal(fbt) {
		t.Errorf("UserFeedback = %v, %v; want q resolved at %v", fbs, err, fbt)
	}
}

// Users whose ids differ only in bytes that need escaping are kept apart,
// and all keys of one user share one hash tag.
func TestUserIDsAreEscaped(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{})
	users := []string{"a}b", "a%7Db", "a{b", "用户", "a b", "a\x00b", "{}"}
	now := time.Now().Add(-time.Minute)
	for i, u := range users {
		if err := s.Append(ctx, recommend.Event{ID: "e", User: u, Time: now, Type: fmt.Sprint("t", i)}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddFeedback(ctx, recommend.Feedback{User: u, Question: fmt.Sprint("q", i), Kind: recommend.Click}); err != nil {
			t.Fatal(err)
		}
	}
	for i, u := range users {
		evs, fbs, err := s.ReadUser(ctx, nil, u, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Type != fmt.Sprint("t", i) || evs[0].User != u || len(fbs) != 1 || fbs[0].Question != fmt.Sprint("q", i) {
			t.Errorf("user %q: events %v, feedback %v; want only its own", u, evs, fbs)
		}
	}
	tags := map[string]int{}
	for _, k := range s.keys(t, "*") {
		open := strings.IndexByte(k, '{')
		end := strings.IndexByte(k[open:], '}')
		tags[k[open:open+end+1]]++
	}
	if len(tags) != len(users) {
		t.Errorf("hash tags %v, want one per user (%d)", tags, len(users))
	}
	for tag, n := range tags {
		if n != 5 { // ev, seq, id, fb, fbt
			t.Errorf("hash tag %s has %d keys, want 5", tag, n)
		}
	}
}

// A Redis error is returned, wrapped, never swallowed.
func TestRedisErrorsReturned(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{})
	now := time.Now().Add(-time.Minute)
	if err := s.Append(ctx, recommend.Event{User: "u1", Time: now, Type: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFeedback(ctx, recommend.Feedback{User: "u1", Question: "q", Kind: recommend.Click}); err != nil {
		t.Fatal(err)
	}
	for _, k := range append(s.keys(t, "u1"), s.prefix+":q") {
		if err := s.c.Set(ctx, k, "not what the store wrote", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(op string, err error) {
		t.Helper()
		var re redis.Error
		if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "redisstore: ") {
			t.Errorf("%s error = %v, want a wrapped Redis error", op, err)
		}
	}
	check("Append", s.Append(ctx, recommend.Event{User: "u1", Time: now, Type: "b"}))
	_, err := s.Recent(ctx, "u1", time.Time{}, 0)
	check("Recent", err)
	_, _, err = s.ReadUser(ctx, nil, "u1", time.Time{}, 0)
	check("ReadUser", err)
	check("AddFeedback", s.AddFeedback(ctx, recommend.Feedback{User: "u1", Question: "q", Kind: recommend.Click}))
	_, err = s.UserFeedback(ctx, "u1")
	check("UserFeedback", err)
	_, err = s.QuestionStats(ctx, []string{"q"})
	check("QuestionStats", err)
	crowdKeys := s.crowdKeys(t)
	if len(crowdKeys) != 0 {
		t.Fatalf("crowd keys %v after an Append without asks", crowdKeys)
	}
	if err := s.Append(ctx, recommend.Event{ID: "e1", User: "u3", Time: now, Type: recommend.TypeAsk, Question: "q"}); err != nil {
		t.Fatal(err)
	}
	crowdKeys = s.crowdKeys(t)
	for _, k := range crowdKeys {
		if err := s.c.Set(ctx, k, "not what the store wrote", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	check("Append of an ask", s.Append(ctx, recommend.Event{ID: "e2", User: "u3", Time: now, Type: recommend.TypeAsk, Question: "q"}))
	_, err = s.Crowd(ctx, time.Time{})
	check("Crowd", err)
	s.c.Del(ctx, crowdKeys...)
	if err := s.c.HSet(ctx, s.prefix+":{crowd}:"+fmt.Sprint(now.Unix()/600), "q", "many").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Crowd(ctx, time.Time{}); err == nil || !strings.Contains(err.Error(), "corrupt count") {
		t.Errorf("Crowd of a corrupt count: %v, want an error", err)
	}

	// Data the store cannot decode is an error too.
	s.c.Del(ctx, s.prefix+":q")
	if err := s.c.ZAdd(ctx, s.prefix+":{u:u2}:ev", redis.Z{Score: float64(now.UnixMicro()), Member: "garbage"}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.c.HSet(ctx, s.prefix+":{u:u2}:fb", "q", "1 2 3").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recent(ctx, "u2", time.Time{}, 0); err == nil || !strings.Contains(err.Error(), "corrupt event") {
		t.Errorf("Recent of a corrupt event: %v, want an error", err)
	}
	if _, err := s.UserFeedback(ctx, "u2"); err == nil || !strings.Contains(err.Error(), "corrupt feedback") {
		t.Errorf("UserFeedback of a corrupt record: %v, want an error", err)
	}
	if err := s.AddFeedback(ctx, recommend.Feedback{User: "u2", Question: "q", Kind: recommend.Click}); err == nil || !strings.Contains(err.Error(), "corrupt feedback") {
		t.Errorf("AddFeedback over a corrupt record: %v, want an error", err)
	}
}

// counter counts round trips: a command or a pipeline is one.
type counter struct{ n atomic.Int64 }

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// warmUp dials a connection for commands and one for pipelines (go-redis
// keeps a pool of each), so that no handshake passes the hooks later.
func warmUp(t testing.TB, c redis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error { return p.Ping(ctx).Err() }); err != nil {
		t.Fatal(err)
	}
}

// rounds returns how many round trips f makes.
func (c *counter) rounds(f func()) int64 {
	before := c.n.Load()
	f()
	return c.n.Load() - before
}

func TestOneRoundTripPerCall(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{})
	warmUp(t, s.c)
	var cnt counter
	s.c.AddHook(&cnt)
	now := time.Now().Add(-time.Hour)
	var batch []recommend.Event
	var fbs []recommend.Feedback
	for i := range 50 {
		u := fmt.Sprint("u", i%5)
		batch = append(batch, recommend.Event{ID: fmt.Sprint("e", i), User: u, Time: now.Add(time.Duration(i) * time.Second),
			Type: recommend.TypeAsk, Question: fmt.Sprint("q", i%7), Attrs: map[string]string{"channel": "bank_card"}})
		fbs = append(fbs, recommend.Feedback{User: u, Question: fmt.Sprint("q", i%7), Kind: recommend.FeedbackKind(1 + i%4)})
	}
	// The first calls on a fresh server also load the scripts: two round trips.
	if n := cnt.rounds(func() {
		if err := s.Append(ctx, batch[:1]...); err != nil {
			t.Fatal(err)
		}
		if err := s.AddFeedback(ctx, fbs[:1]...); err != nil {
			t.Fatal(err)
		}
	}); n > 4 {
		t.Errorf("first Append and AddFeedback: %d round trips, want at most 4", n)
	}
	tests := []struct {
		name string
		f    func() error
	}{
		{"Append of 50 events for 5 users", func() error { return s.Append(ctx, batch...) }},
		{"AddFeedback of 50 items for 5 users", func() error { return s.AddFeedback(ctx, fbs...) }},
		{"Recent", func() error { _, err := s.Recent(ctx, "u1", time.Time{}, 5); return err }},
		{"AppendRecent", func() error { _, err := s.AppendRecent(ctx, nil, "u1", now, 0); return err }},
		{"ReadUser", func() error {
			evs, fb, err := s.ReadUser(ctx, nil, "u1", time.Time{}, 0)
			if err == nil && (len(evs) != 10 || len(fb) == 0) {
				err = fmt.Errorf("ReadUser read %d events and %d feedback records, want 10 and some", len(evs), len(fb))
			}
			return err
		}},
		{"UserFeedback", func() error { _, err := s.UserFeedback(ctx, "u1"); return err }},
		{"QuestionStats", func() error { _, err := s.QuestionStats(ctx, []string{"q1", "q2", "q3"}); return err }},
		{"Crowd of the whole window", func() error {
			bs, err := s.Crowd(ctx, time.Time{})
			if n := crowdTotal(bs, "q1"); err == nil && n != 7 { // asks 1, 8, …, 43
				err = fmt.Errorf("Crowd counted q1 %d times, want 7", n)
			}
			return err
		}},
		{"Append of asks already counted", func() error { return s.Append(ctx, batch...) }},
	}
	for _, tc := range tests {
		var err error
		if n := cnt.rounds(func() { err = tc.f() }); n != 1 {
			t.Errorf("%s: %d round trips, want 1", tc.name, n)
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// A dead server is an error from every call, not a panic or an empty
// answer; once it is back, the same Store works, with the scripts loaded
// again and every acknowledged write still there.
func TestServerKilledAndRestarted(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	// Without go-redis's retries (3 by default, with backoff) a call to
	// the dead server fails in half a second rather than two.
	s := newStoreAt(t, srv.URL()+"?max_retries=-1", redisstore.Config{})
	now := time.Now().Add(-time.Minute)
	acked := []recommend.Event{
		{ID: "e1", User: "u1", Time: now, Type: "transfer.fail", Attrs: map[string]string{"channel": "bank_card"}},
		{ID: "e2", User: "u1", Time: now.Add(time.Second), Type: recommend.TypeAsk, Question: "q1"},
	}
	if err := s.Append(ctx, acked...); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFeedback(ctx, recommend.Feedback{User: "u1", Question: "q1", Kind: recommend.Dismiss, Time: now}); err != nil {
		t.Fatal(err)
	}

	srv.Kill()
	later := recommend.Event{ID: "e3", User: "u1", Time: now.Add(2 * time.Second), Type: "bill.view"}
	if err := s.Append(ctx, later); err == nil || !strings.HasPrefix(err.Error(), "redisstore: append: ") {
		t.Errorf("Append to a dead server: %v, want a redisstore error", err)
	}
	if evs, fbs, err := s.ReadUser(ctx, nil, "u1", time.Time{}, 0); err == nil {
		t.Errorf("ReadUser from a dead server = %v, %v, nil; want an error", evs, fbs)
	}
	if err := s.AddFeedback(ctx, recommend.Feedback{User: "u1", Question: "q2", Kind: recommend.Click}); err == nil {
		t.Error("AddFeedback to a dead server: nil error")
	}
	if _, err := s.QuestionStats(ctx, []string{"q1"}); err == nil {
		t.Error("QuestionStats from a dead server: nil error")
	}
	if _, err := s.Crowd(ctx, time.Time{}); err == nil || !strings.HasPrefix(err.Error(), "redisstore: crowd: ") {
		t.Errorf("Crowd from a dead server: %v, want a redisstore error", err)
	}

	srv.Restart(t)
	// e2 again: a retry, stored and counted once; the scripts are loaded
	// again.
	if err := s.Append(ctx, later, acked[1]); err != nil {
		t.Fatalf("Append after restart: %v", err)
	}
	if err := s.Append(ctx, recommend.Event{ID: "e4", User: "u2", Time: now, Type: recommend.TypeAsk, Question: "q1"}); err != nil {
		t.Fatalf("Append after restart: %v", err)
	}
	if bs, err := s.Crowd(ctx, time.Time{}); err != nil || crowdTotal(bs, "q1") != 2 {
		t.Errorf("Crowd after restart = %v, %v; want q1 counted twice (e2 and e4)", bs, err)
	}
	evs, fbs, err := s.ReadUser(ctx, nil, "u1", time.Time{}, 0)
	if err != nil {
		t.Fatalf("ReadUser after restart: %v", err)
	}
	if d := cmp.Diff(append(acked, later), evs, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("events after restart (-want +got):\n%s", d)
	}
	if len(fbs) != 1 || fbs[0].Question != "q1" || !fbs[0].Dismissed.Equal(now) {
		t.Errorf("feedback after restart = %v, want q1 dismissed", fbs)
	}
	if err := s.AddFeedback(ctx, recommend.Feedback{User: "u1", Question: "q2", Kind: recommend.Click}); err != nil {
		t.Errorf("AddFeedback after restart: %v", err)
	}
}

// crowdKeys returns the fixture's crowd keys.
func (f fixture) crowdKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	it := f.c.Scan(context.Background(), 0, f.prefix+":{crowd}:*", 1000).Iterator()
	for it.Next(context.Background()) {
		keys = append(keys, it.Val())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// crowdTotal is how many asks of q the buckets count.
func crowdTotal(bs []recommend.CrowdBucket, q string) int64 {
	var n int64
	for _, b := range bs {
		n += b.Asks[q]
	}
	return n
}

// The crowd's keys: a hash per bucket that lives until a bucket after it
// leaves the window, and the identities of the asks counted, trimmed as
// their buckets leave; all in the slot of the hash tag {crowd}. An ask
// Append drops for a TTL shorter than the window is not counted.
func TestCrowdKeys(t *testing.T) {
	ctx := context.Background()
	clk := &clock{now: time.Date(2025, 3, 1, 15, 4, 0, 0, time.UTC)}
	s := newStore(t, redisstore.Config{TTL: 2 * time.Hour, Clock: clk.Now})
	hm := func(h, m int) time.Time { return time.Date(2025, 3, 1, h, m, 0, 0, time.UTC) }
	ask := func(id, user string, at time.Time) recommend.Event {
		return recommend.Event{ID: id, User: user, Time: at, Type: recommend.TypeAsk, Question: "q"}
	}
	err := s.Append(ctx,
		ask("e1", "u1", hm(15, 3)),
		ask("e2", "u1", hm(13, 30)),
		ask("", "u2", hm(13, 31)),  // no ID: nothing remembered
		ask("e3", "u2", hm(12, 0)), // past the TTL: neither stored nor counted
		recommend.Event{ID: "e4", User: "u2", Time: hm(15, 0), Type: "bill.view"},
	)
	if err != nil {
		t.Fatal(err)
	}
	bucket := func(at time.Time) string { return s.prefix + ":{crowd}:" + fmt.Sprint(at.Unix()/600) }
	ids := s.prefix + ":{crowd}:ids"
	if d := cmp.Diff([]string{bucket(hm(13, 30)), bucket(hm(15, 0)), ids}, s.crowdKeys(t)); d != "" {
		t.Errorf("crowd keys (-want +got):\n%s", d)
	}
	for _, k := range s.crowdKeys(t) {
		if !strings.HasPrefix(k, s.prefix+":{crowd}:") || strings.Count(k, "{") != 1 {
			t.Errorf("key %s: want %s:{crowd}:… (one hash tag, so one Cluster slot)", k, s.prefix)
		}
	}
	// Each bucket lives until a bucket after it leaves the window, by the
	// store's clock: the 15:00 bucket leaves at 21:00, so lives 6h6m more.
	for _, tc := range []struct {
		key  string
		want time.Duration
	}{
		{bucket(hm(15, 0)), 6*time.Hour + 6*time.Minute},
		{bucket(hm(13, 30)), 4*time.Hour + 36*time.Minute},
		{ids, 6*time.Hour + 10*time.Minute},
	} {
		if got := s.c.PTTL(ctx, tc.key).Val(); got > tc.want || got < tc.want-time.Minute {
			t.Errorf("PTTL(%s) = %v, want %v", tc.key, got, tc.want)
		}
	}
	members := func() []string {
		t.Helper()
		m, err := s.c.ZRange(ctx, ids, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if d := cmp.Diff([]string{"2:u1e2", "2:u1e1"}, members()); d != "" {
		t.Errorf("identities (-want +got):\n%s", d)
	}
	// Identities are kept a bucket longer than the window and forgotten
	// at a write: at 19:30 the window starts at 13:40, so the 13:30
	// bucket's are kept; at 19:40 they go.
	clk.Add(4*time.Hour + 26*time.Minute)
	if err := s.Append(ctx, ask("e5", "u1", clk.Now())); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"2:u1e2", "2:u1e1", "2:u1e5"}, members()); d != "" {
		t.Errorf("identities at 19:30 (-want +got):\n%s", d)
	}
	clk.Add(10 * time.Minute)
	if err := s.Append(ctx, ask("e6", "u1", clk.Now())); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"2:u1e1", "2:u1e5", "2:u1e6"}, members()); d != "" {
		t.Errorf("identities at 19:40 (-want +got):\n%s", d)
	}
}

// keyLike returns the key ending in suffix.
func keyLike(t *testing.T, keys []string, suffix string) string {
	t.Helper()
	for _, k := range keys {
		if strings.HasSuffix(k, suffix) {
			return k
		}
	}
	t.Fatalf("no key ending in %s among %v", suffix, keys)
	return ""
}

// An engine over the Redis store suggests what it suggests over the
// in-memory default, given the same events and feedback.
func TestEngineSameAsMemoryStore(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cat, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	mem, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	red := newStore(t, redisstore.Config{Clock: clock}).Store
	var got [2][]string
	for i, st := range []interface {
		recommend.EventStore
		recommend.FeedbackStore
	}{mem, red} {
		eng, err := recommend.NewEngine(cat, st, st, recommend.WithClock(clock))
		if err != nil {
			t.Fatal(err)
		}
		err = eng.Record(ctx,
			recommend.Event{ID: "e1", User: "u1", Time: now.Add(-3 * time.Minute), Type: "transfer.fail",
				Attrs: map[string]string{"channel": "bank_card", "reason": "risk_control"}},
			recommend.Event{ID: "e2", User: "u1", Time: now.Add(-2 * time.Minute), Type: recommend.TypeSearch, Text: "转账限额"},
		)
		if err != nil {
			t.Fatal(err)
		}
		first, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 5})
		if err != nil || len(first) == 0 {
			t.Fatalf("Recommend = %v, %v", first, err)
		}
		if err := eng.Feedback(ctx, recommend.Feedback{User: "u1", Question: first[0].FAQ.ID, Kind: recommend.Dismiss}); err != nil {
			t.Fatal(err)
		}
		sugg, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sugg {
			if s.FAQ.ID == first[0].FAQ.ID {
				t.Errorf("store %d: dismissed %s suggested again", i, s.FAQ.ID)
			}
			got[i] = append(got[i], fmt.Sprintf("%s %.6f", s.FAQ.ID, s.Score))
		}
	}
	if d := cmp.Diff(got[0], got[1]); d != "" {
		t.Errorf("suggestions (-memory +redis):\n%s", d)
	}
}

// Every field survives the trip, whatever bytes it holds.
func TestEventFieldsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{})
	now := time.Now().Add(-time.Minute)
	attrs := map[string]string{"": "", "a1:": "v:1", "12": "34", "中文": "值\n", "empty": ""}
	delete(attrs, "") // an empty name is invalid
	for i := len(attrs); i < recommend.MaxAttrs; i++ {
		attrs[fmt.Sprint("k", i)] = strings.Repeat("v", 56)
	}
	attrs["k9"] = strings.Repeat("v", recommend.MaxFieldBytes)
	size := 0
	for k, v := range attrs {
		size += len(k) + len(v)
	}
	attrs["k31"] += strings.Repeat("v", recommend.MaxAttrsBytes-size) // MaxAttrsBytes in all
	in := []recommend.Event{
		{ID: strings.Repeat("i", recommend.MaxFieldBytes), User: "u1", Time: now, Type: "t9:x", Object: "o5:a", Attrs: attrs,
			Question: "q:1", Text: strings.Repeat("转账\x00a1:", recommend.MaxTextBytes/11)},
		{ID: "中", User: "u1", Time: now.Add(time.Nanosecond), Type: recommend.TypeAsk, Question: "y3:abc"},
		{User: "u1", Time: now.Add(2), Type: "a"},
	}
	for i := range in {
		if err := in[i].Validate(); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := s.Append(ctx, in...); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(ctx, "u1", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("Recent (-want +got):\n%s", d)
	}
}

// A context's deadline bounds a call to a server that does not answer (here
// one busy running a script), so recommend.WithStoreTimeout works.
func TestDeadlineBoundsCall(t *testing.T) {
	ctx := context.Background()
	s := newStoreAt(t, redistest.Start(t).URL(), redisstore.Config{}) // a private server: this test blocks it
	warmUp(t, s.c)
	if err := s.Append(ctx, recommend.Event{User: "u1", Time: time.Now(), Type: "a"}); err != nil {
		t.Fatal(err)
	}
	busy := make(chan error, 1)
	go func() {
		// Keep the server busy for a second.
		busy <- s.c.Eval(ctx, `local t0 = redis.call('TIME')
repeat local t = redis.call('TIME') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 1000000
return 1`, nil).Err()
	}()
	time.Sleep(100 * time.Millisecond) // let the script start
	for _, op := range []struct {
		name string
		f    func(context.Context) error
	}{
		{"ReadUser", func(ctx context.Context) error { _, _, err := s.ReadUser(ctx, nil, "u1", time.Time{}, 0); return err }},
		{"Append", func(ctx context.Context) error {
			return s.Append(ctx, recommend.Event{User: "u1", Time: time.Now(), Type: "b"})
		}},
	} {
		c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		start := time.Now()
		err := op.f(c)
		cancel()
		if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 500*time.Millisecond {
			t.Errorf("%s on a busy server: %v after %v; want DeadlineExceeded after about 100ms", op.name, err, took)
		}
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
}

// An event written by a later version, with a field this one does not
// know, still reads.
func TestReadsUnknownFields(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, redisstore.Config{})
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	tf := fmt.Sprintf("%d.000000000", at.Unix())
	member := "000" + "0000000000000001" + "002" + "e1" + fmt.Sprintf("t%d:%sy1:az7:new:onea1:kv1:v", len(tf), tf)
	if err := s.c.ZAdd(ctx, s.prefix+":{u:u1}:ev", redis.Z{Score: float64(at.UnixMicro()), Member: member}).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recent(ctx, "u1", time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.Event{{ID: "e1", User: "u1", Time: at, Type: "a", Attrs: map[string]string{"k": "v"}}}
	if d := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("Recent (-want +got):\n%s", d)
	}
}
