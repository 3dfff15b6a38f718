package recommend

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// MemoryConfig configures [NewMemoryStore]. Every zero field takes its
// documented default.
//
// An event costs about 500 bytes of heap (two short attributes; measured by
// BenchmarkMemoryStoreBytesPerEvent), so the store holds at most about
// PerUser × MaxUsers × 500 bytes: 1 GB with the defaults. A service with
// more users than that keeps their events in a networked store.
type MemoryConfig struct {
	// PerUser is how many events are kept per user (a ring buffer: the
	// oldest goes first). Default 200, what a request reads by default
	// ([WithHistory]).
	PerUser int
	// PerUserFeedback is how many questions' feedback is kept per user; the
	// least recently updated goes first. Default 256.
	PerUserFeedback int
	// TTL drops events and feedback older than this, by the store's clock.
	// Default 90 days (the longest a learned need lasts); negative keeps
	// them until pushed out.
	TTL time.Duration
	// MaxUsers caps the users kept; past it the least recently written
	// user is evicted whole. Default 10,000.
	MaxUsers int
	// MaxQuestions caps the questions whose totals (QuestionStats) are
	// kept; past it the least recently updated is forgotten. Default
	// 100,000.
	MaxQuestions int
	// MaxSkew is how far after the store's clock an event may be dated:
	// Append refuses a later one (it would never expire). Default 10
	// minutes; negative means no limit.
	MaxSkew time.Duration
	// Clock tells the time for TTL, for feedback without a Time and for
	// the crowd's window ([MemoryStore.Crowd]). Default time.Now.
	Clock func() time.Time
}

// MemoryStore is the default [EventStore] and [FeedbackStore]: bounded, in
// process memory, safe for concurrent use. Question totals
// ([MemoryStore.QuestionStats]) never expire; the least recently updated
// are forgotten past MaxQuestions. It counts every user's recent asks
// for [MemoryStore.Crowd] ([CrowdReader]), in at most [CrowdBuckets] ×
// [MaxCrowdQuestions] counters (twice that while readers hold copies),
// whatever MaxUsers and TTL are; the counts are this process's alone, so
// replicas that must agree share a networked store.
type MemoryStore struct {
	cfg MemoryConfig

	mu    sync.Mutex
	users map[string]*list.Element // of *memUser, most recently written first
	lru   *list.List
	stats *simplelru.LRU[string, *QuestionStats]
	crowd crowdCounter
}

var _ CrowdReader = (*MemoryStore)(nil)

type memUser struct {
	id   string
	ring []Event // capacity PerUser; logical order starts at head
	head int
	n    int
	fb   map[string]*memFeedback
}

type memFeedback struct {
	UserFeedback
	updated time.Time
}

// NewMemoryStore returns an empty store. Negative PerUser,
// PerUserFeedback, MaxUsers or MaxQuestions are errors wrapping
// [ErrInvalidOption].
func NewMemoryStore(cfg MemoryConfig) (*MemoryStore, error) {
	var errs []error
	if cfg.PerUser < 0 {
		errs = append(errs, fmt.Errorf("%w: MemoryConfig.PerUser = %d, want >= 0", ErrInvalidOption, cfg.PerUser))
	}
	if cfg.PerUserFeedback < 0 {
		errs = append(errs, fmt.Errorf("%w: MemoryConfig.PerUserFeedback = %d, want >= 0", ErrInvalidOption, cfg.PerUserFeedback))
	}
	if cfg.MaxQuestions < 0 {
		errs = append(errs, fmt.Errorf("%w: MemoryConfig.MaxQuestions = %d, want >= 0", ErrInvalidOption, cfg.MaxQuestions))
	}
	if cfg.MaxUsers < 0 {
		errs = append(errs, fmt.Errorf("%w: MemoryConfig.MaxUsers = %d, want >= 0", ErrInvalidOption, cfg.MaxUsers))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.PerUser == 0 {
		cfg.PerUser = DefaultPerUser
	}
	if cfg.PerUserFeedback == 0 {
		cfg.PerUserFeedback = DefaultPerUserFeedback
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxUsers == 0 {
		cfg.MaxUsers = 10_000
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MaxSkew == 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	if cfg.MaxQuestions == 0 {
		cfg.MaxQuestions = 100_000
	}
	stats, err := simplelru.NewLRU[string, *QuestionStats](cfg.MaxQuestions, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: MemoryConfig.MaxQuestions: %v", ErrInvalidOption, err)
	}
	return &MemoryStore{cfg: cfg, users: map[string]*list.Element{}, lru: list.New(), stats: stats}, nil
}

// touch returns the user's record, creating it (and evicting the least
// recently written user past MaxUsers) if needed. Caller holds mu.
func (s *MemoryStore) touch(id string) *memUser {
	if el, ok := s.users[id]; ok {
		s.lru.MoveToFront(el)
		return el.Value.(*memUser)
	}
	u := &memUser{id: id}
	s.users[id] = s.lru.PushFront(u)
	for s.lru.Len() > s.cfg.MaxUsers {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.users, old.Value.(*memUser).id)
	}
	return u
}

func (s *MemoryStore) expired(t, now time.Time) bool {
	return s.cfg.TTL > 0 && t.Before(now.Add(-s.cfg.TTL))
}

// Append implements [EventStore]. Events are copied (Attrs too). An event
// already past the TTL is dropped silently; one dated more than MaxSkew
// after the clock is an error, and nothing is stored. Each ask stored is
// counted for [MemoryStore.Crowd]; a retried one (an ID the user's kept
// events have) is skipped, and not counted again.
func (s *MemoryStore) Append(ctx context.Context, events ...Event) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recommend: append: %w", err)
	}
	now := s.cfg.Clock()
	if err := checkEvents(events, now, s.cfg.MaxSkew); err != nil {
		return fmt.Errorf("recommend: append: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range events {
		if s.expired(e.Time, now) {
			continue
		}
		if e.ID != "" && s.holds(e.User, e.ID) {
			continue // a retried write
		}
		if e.Type == TypeAsk {
			s.countAsk(e.Question, e.Time, now)
		}
		if e.Attrs != nil {
			e.Attrs = maps.Clone(e.Attrs)
		}
		s.touch(e.User).push(e, s.cfg.PerUser)
	}
	return nil
}

// countAsk counts an ask dated t in the crowd: in now's bucket if t is
// after now, not at all if t is before now's window. The caller holds mu.
func (s *MemoryStore) countAsk(question string, t, now time.Time) {
	if t.After(now) {
		t = now
	}
	if crowdBucketOf(t) <= crowdBucketOf(now)-CrowdBuckets {
		return
	}
	s.crowd.count(question, t)
}

// Crowd implements [CrowdReader]: the asks Append counted, in the window
// that ends with the bucket of the store's clock. The maps are shared with
// the store and with other callers until the bucket changes: callers must
// not modify them.
func (s *MemoryStore) Crowd(ctx context.Context, since time.Time) ([]CrowdBucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recommend: crowd: %w", err)
	}
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.crowd.buckets(since, now, nil), nil
}

// holds reports whether the user's kept events include one with this id.
// The caller holds mu.
func (s *MemoryStore) holds(user, id string) bool {
	el, ok := s.users[user]
	if !ok {
		return false
	}
	u := el.Value.(*memUser)
	for i := range u.n {
		if u.at(i).ID == id {
			return true
		}
	}
	return false
}

func (u *memUser) at(i int) *Event { return &u.ring[(u.head+i)%len(u.ring)] }

// push inserts e in time order (after events with the same time), dropping
// the oldest event when the ring is full. The ring grows as needed up to
// capacity (head stays 0 until it is full).
func (u *memUser) push(e Event, capacity int) {
	if u.n == len(u.ring) && len(u.ring) < capacity {
		u.ring = append(u.ring, Event{})
	}
	// Position: after the last event not later than e.
	pos := u.n
	for pos > 0 && u.at(pos-1).Time.After(e.Time) {
		pos--
	}
	if u.n == len(u.ring) {
		if pos == 0 {
			return // older than everything kept in a full ring
		}
		// Drop the oldest; positions shift down by one.
		u.ring[u.head] = Event{}
		u.head = (u.head + 1) % len(u.ring)
		u.n--
		pos--
	}
	for i := u.n; i > pos; i-- {
		*u.at(i) = *u.at(i - 1)
	}
	*u.at(pos) = e
	u.n++
}

// Recent implements [EventStore].
func (s *MemoryStore) Recent(ctx context.Context, user string, since time.Time, limit int) ([]Event, error) {
	return s.AppendRecent(ctx, nil, user, since, limit)
}

// AppendRecent implements [RecentAppender]: [MemoryStore.Recent] appended to dst.
func (s *MemoryStore) AppendRecent(ctx context.Context, dst []Event, user string, since time.Time, limit int) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return dst, fmt.Errorf("recommend: recent: %w", err)
	}
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendRecent(dst, user, since, limit, now), nil
}

// ReadUser implements [UserReader].
func (s *MemoryStore) ReadUser(ctx context.Context, dst []Event, user string, since time.Time, limit int) ([]Event, []UserFeedback, error) {
	if err := ctx.Err(); err != nil {
		return dst, nil, fmt.Errorf("recommend: read user: %w", err)
	}
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendRecent(dst, user, since, limit, now), s.userFeedback(user, now), nil
}

// appendRecent is AppendRecent under mu.
func (s *MemoryStore) appendRecent(dst []Event, user string, since time.Time, limit int, now time.Time) []Event {
	el, ok := s.users[user]
	if !ok {
		return dst
	}
	u := el.Value.(*memUser)
	lo := 0
	for lo < u.n && (s.expired(u.at(lo).Time, now) || (!since.IsZero() && u.at(lo).Time.Before(since))) {
		lo++
	}
	if limit > 0 && u.n-lo > limit {
		lo = u.n - limit
	}
	dst = slices.Grow(dst, u.n-lo)
	for i := lo; i < u.n; i++ {
		dst = append(dst, *u.at(i))
	}
	return dst
}

// AddFeedback implements [FeedbackStore].
func (s *MemoryStore) AddFeedback(ctx context.Context, fb ...Feedback) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recommend: add feedback: %w", err)
	}
	for i := range fb {
		if err := fb[i].Validate(); err != nil {
			return fmt.Errorf("recommend: feedback %d: %w", i, err)
		}
	}
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range fb {
		t := f.Time
		if t.IsZero() {
			t = now
		}
		st, ok := s.stats.Get(f.Question)
		if !ok {
			st = &QuestionStats{}
			s.stats.Add(f.Question, st)
		}
		switch f.Kind {
		case Impression:
			st.Impressions++
		case Click:
			st.Clicks++
		}
		u := s.touch(f.User)
		if u.fb == nil {
			u.fb = map[string]*memFeedback{}
		}
		q := u.fb[f.Question]
		if q == nil {
			if len(u.fb) >= s.cfg.PerUserFeedback {
				u.evictFeedback()
			}
			q = &memFeedback{UserFeedback: UserFeedback{Question: f.Question}}
			u.fb[f.Question] = q
		}
		if t.After(q.updated) {
			q.updated = t
		}
		switch f.Kind {
		case Impression:
			q.Impressions++
		case Click:
			q.Clicks++
		case Dismiss:
			if t.After(q.Dismissed) {
				q.Dismissed = t
			}
		case Resolve:
			if t.After(q.Resolved) {
				q.Resolved = t
			}
		}
	}
	return nil
}

// evictFeedback drops the least recently updated question (ties by id).
func (u *memUser) evictFeedback() {
	var victim *memFeedback
	for _, q := range u.fb {
		if victim == nil || q.updated.Before(victim.updated) ||
			(q.updated.Equal(victim.updated) && q.Question < victim.Question) {
			victim = q
		}
	}
	if victim != nil {
		delete(u.fb, victim.Question)
	}
}

// UserFeedback implements [FeedbackStore].
func (s *MemoryStore) UserFeedback(ctx context.Context, user string) ([]UserFeedback, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recommend: user feedback: %w", err)
	}
	now := s.cfg.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userFeedback(user, now), nil
}

// userFeedback is UserFeedback under mu.
func (s *MemoryStore) userFeedback(user string, now time.Time) []UserFeedback {
	el, ok := s.users[user]
	if !ok {
		return nil
	}
	u := el.Value.(*memUser)
	out := make([]UserFeedback, 0, len(u.fb))
	for _, q := range u.fb {
		if s.expired(q.updated, now) {
			continue
		}
		out = append(out, q.UserFeedback)
	}
	slices.SortFunc(out, func(a, b UserFeedback) int { return strings.Compare(a.Question, b.Question) })
	return out
}

// QuestionStats implements [FeedbackStore].
func (s *MemoryStore) QuestionStats(ctx context.Context, questions []string) ([]QuestionStats, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recommend: question stats: %w", err)
	}
	out := make([]QuestionStats, len(questions))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range questions {
		if st, ok := s.stats.Peek(q); ok {
			out[i] = *st
		}
	}
	return out, nil
}
