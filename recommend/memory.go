package recommend

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// MemoryConfig configures [NewMemoryStore]. Every zero field takes its
// documented default.
//
// MaxBytes bounds the users' events and feedback, whatever they hold: the
// store estimates each event's and record's heap (its strings, its
// attribute map, its slot) and past MaxBytes evicts the least recently
// written users. The estimate is an upper bound: a typical event (two
// short attributes) takes about 570 bytes and is counted as about 640; the
// largest an event may be ([MaxAttrs] attributes in [MaxAttrsBytes],
// [MaxTextBytes] of text, every other field [MaxFieldBytes] long) takes
// about 7.1 KB and is counted as 7.7 KB (BenchmarkMemoryStoreBytesPerEvent
// measures both). So with the defaults the users' data takes at most about
// 1 GiB, whatever the store is sent: about 1.7 million typical events, or
// 140,000 of the largest. Besides MaxBytes the store keeps the question
// totals, of at most MaxQuestions questions (an id and two counters each),
// and the crowd's counters ([MemoryStore.Crowd]). A service with more
// users than that keeps their events in a networked store.
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
	// MaxBytes bounds the heap the users' events and feedback take, as
	// the store estimates it (see above); past it the least recently
	// written users are evicted whole, and when the user just written
	// alone takes more, its oldest events, then its least recently updated
	// feedback, go first (its newest event stays). Default 1 GiB
	// ([DefaultMemoryBytes]); at least 64 KiB; negative means no limit
	// (MaxUsers and PerUser still hold).
	MaxBytes int64
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
	bytes int64 // the users' estimated heap: the sum of their bytes
	stats *simplelru.LRU[string, *QuestionStats]
	crowd crowdCounter
}

var _ CrowdReader = (*MemoryStore)(nil)

type memUser struct {
	id    string
	ring  []Event // capacity PerUser; logical order starts at head
	head  int
	n     int
	fb    map[string]*memFeedback
	bytes int64 // estimated heap of the record, its events and feedback
}

type memFeedback struct {
	UserFeedback
	updated time.Time
}

// NewMemoryStore returns an empty store. Negative PerUser,
// PerUserFeedback, MaxUsers or MaxQuestions, and a MaxBytes from 1 to 64
// KiB − 1, are errors wrapping [ErrInvalidOption].
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
	if cfg.MaxBytes > 0 && cfg.MaxBytes < minMemoryBytes {
		errs = append(errs, fmt.Errorf("%w: MemoryConfig.MaxBytes = %d, want at least %d (64 KiB), 0 for the default or negative for no limit",
			ErrInvalidOption, cfg.MaxBytes, minMemoryBytes))
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
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMemoryBytes
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

// DefaultMemoryBytes is the default [MemoryConfig.MaxBytes]: 1 GiB.
const DefaultMemoryBytes = 1 << 30

// minMemoryBytes is the least MaxBytes: room for a few of the largest
// events of a few users.
const minMemoryBytes = 64 << 10

// touch returns the user's record, creating it (and evicting the least
// recently written user past MaxUsers) if needed. Caller holds mu.
func (s *MemoryStore) touch(id string) *memUser {
	if el, ok := s.users[id]; ok {
		s.lru.MoveToFront(el)
		return el.Value.(*memUser)
	}
	u := &memUser{id: id, bytes: userBytes(id)}
	s.users[id] = s.lru.PushFront(u)
	s.bytes += u.bytes
	for s.lru.Len() > s.cfg.MaxUsers {
		s.evict(s.lru.Back())
	}
	return u
}

// evict forgets a user. The caller holds mu.
func (s *MemoryStore) evict(el *list.Element) {
	u := el.Value.(*memUser)
	s.lru.Remove(el)
	delete(s.users, u.id)
	s.bytes -= u.bytes
}

// fit brings the store within MaxBytes after u was written: it evicts the
// least recently written users other than u, then drops u's oldest events
// but the newest, then its least recently updated feedback. The caller
// holds mu.
func (s *MemoryStore) fit(u *memUser) {
	for s.cfg.MaxBytes >= 0 && s.bytes > s.cfg.MaxBytes {
		var freed int64
		switch old := s.lru.Back(); {
		case old.Value.(*memUser) != u:
			s.evict(old)
			continue
		case u.n > 1:
			freed = u.dropOldest()
		case len(u.fb) > 0:
			freed = u.evictFeedback()
		default:
			return
		}
		u.bytes -= freed
		s.bytes -= freed
	}
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
			e.Attrs = copyAttrs(e.Attrs)
		}
		u := s.touch(e.User)
		d := u.push(e, s.cfg.PerUser)
		u.bytes += d
		s.bytes += d
		s.fit(u)
	}
	return nil
}

// copyAttrs copies an event's attributes into a map sized for them (a
// clone would keep the capacity the caller's map once had).
func copyAttrs(a map[string]string) map[string]string {
	c := make(map[string]string, len(a))
	for k, v := range a {
		c[k] = v
	}
	return c
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
// capacity (head stays 0 until it is full). It returns the change in the
// estimated bytes u holds.
func (u *memUser) push(e Event, capacity int) (delta int64) {
	if u.n == len(u.ring) && len(u.ring) < capacity {
		before := cap(u.ring)
		u.ring = append(u.ring, Event{})
		delta += int64(cap(u.ring)-before) * eventSlotBytes
	}
	// Position: after the last event not later than e.
	pos := u.n
	for pos > 0 && u.at(pos-1).Time.After(e.Time) {
		pos--
	}
	if u.n == len(u.ring) {
		if pos == 0 {
			return delta // older than everything kept in a full ring
		}
		// Drop the oldest; positions shift down by one.
		delta -= u.dropOldest()
		pos--
	}
	for i := u.n; i > pos; i-- {
		*u.at(i) = *u.at(i - 1)
	}
	*u.at(pos) = e
	u.n++
	return delta + memEventBytes(&e)
}

// dropOldest removes u's oldest event and returns its estimated bytes
// (its slot stays). u has an event.
func (u *memUser) dropOldest() int64 {
	b := memEventBytes(&u.ring[u.head])
	u.ring[u.head] = Event{}
	u.head = (u.head + 1) % len(u.ring)
	u.n--
	return b
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
				freed := u.evictFeedback()
				u.bytes -= freed
				s.bytes -= freed
			}
			q = &memFeedback{UserFeedback: UserFeedback{Question: f.Question}}
			u.fb[f.Question] = q
			u.bytes += feedbackBytes(f.Question)
			s.bytes += feedbackBytes(f.Question)
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
		s.fit(u)
	}
	return nil
}

// evictFeedback drops the least recently updated question (ties by id)
// and returns its estimated bytes.
func (u *memUser) evictFeedback() int64 {
	var victim *memFeedback
	for _, q := range u.fb {
		if victim == nil || q.updated.Before(victim.updated) ||
			(q.updated.Equal(victim.updated) && q.Question < victim.Question) {
			victim = q
		}
	}
	if victim == nil {
		return 0
	}
	delete(u.fb, victim.Question)
	return feedbackBytes(victim.Question)
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

// The store's estimate of the heap it holds, in bytes: an upper bound of
// what the allocator hands out for each piece (strings by size class, an
// attribute map by its groups of 8 slots), checked against the live heap
// by TestMemoryStoreEstimate.
const (
	// eventSlotBytes is an event's slot in a user's ring.
	eventSlotBytes = int64(unsafe.Sizeof(Event{}))
	// userRecordBytes is a memUser with its list element and its entry
	// in the users map.
	userRecordBytes = int64(unsafe.Sizeof(memUser{})) + int64(unsafe.Sizeof(list.Element{})) + 48
	// feedbackRecordBytes is a memFeedback with its entry in the map of
	// the user's feedback (grown in doublings: up to twice the slots).
	feedbackRecordBytes = int64(unsafe.Sizeof(memFeedback{})) + 64
)

// memEventBytes estimates what e holds besides its slot: its strings and
// its attribute map.
func memEventBytes(e *Event) int64 {
	n := strBytes(e.ID) + strBytes(e.User) + strBytes(e.Type) + strBytes(e.Object) + strBytes(e.Question) + strBytes(e.Text)
	if e.Attrs != nil {
		n += mapBytes(len(e.Attrs))
		for k, v := range e.Attrs {
			n += strBytes(k) + strBytes(v)
		}
	}
	return n
}

// userBytes estimates a user's record without events or feedback.
func userBytes(id string) int64 { return userRecordBytes + strBytes(id) }

// feedbackBytes estimates one question's feedback record of a user.
func feedbackBytes(question string) int64 { return feedbackRecordBytes + strBytes(question) }

// strBytes estimates the allocation of a string's bytes: its length
// rounded up to the allocator's size classes (at least 16 bytes; steps
// of 16 up to 128 bytes, of 32 to 256, and so on), which are never
// coarser than these steps.
func strBytes(s string) int64 {
	n := int64(len(s))
	switch {
	case n == 0:
		return 0
	case n <= 16:
		return 16
	}
	step := int64(16)
	for limit := int64(128); n > limit; limit *= 2 {
		step *= 2
	}
	return (n + step - 1) / step * step
}

// mapBytes estimates a map[string]string of n entries made for n: one
// group of 8 slots up to 8 entries, then about 75 bytes an entry.
func mapBytes(n int) int64 {
	if n <= 8 {
		return 336
	}
	return 80*int64(n) + 48
}
