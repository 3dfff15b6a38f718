package recommend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"iter"
	"math"
	"slices"
	"strings"
	"time"
)

// Training on a log of any size: [TrainStream] reads the events once. What
// needs every event is counted over the whole stream as it passes — the
// popularity and trend of each question, each question's share of the
// asks and the crowd's asks by moment (for the crowd kernel) — while the
// models that learn from users' histories (the need model, the kinds of
// user, the sequence model, the cut points and the weights) are fitted on
// a uniform sample of users that fits TrainOptions.MemoryBudget. A user is
// in the sample when a hash of their id (FNV-1a, 64 bits, mixed) falls below a
// cut that starts at the whole range and halves each time the kept events
// outgrow the budget, so the sample is the same for any order of the
// stream, and another process (a second pass, a replica) that keeps the
// same fraction keeps the same users. A log that fits is not sampled:
// TrainStream then gives the model [Train] gives for the same events.
const (
	// DefaultMemoryBudget is TrainOptions.MemoryBudget's default: 1 GiB.
	DefaultMemoryBudget = 1 << 30
	// MinMemoryBudget is the least budget a training accepts.
	MinMemoryBudget = 64 << 20
	// MaxUserEvents caps the events training keeps for one user: the
	// latest. (The need model reads at most TrainOptions.History events
	// before each ask; a user with more than this in a log is a bot or a
	// test account.)
	MaxUserEvents = 20000
	// trainEventCost is what training holds per kept event beyond the
	// event itself, at its peak (the need model's cases, the held-out
	// prefixes, the sequence model's steps, the garbage collector's
	// headroom), measured as peak resident memory on simulated logs of
	// 0.3M to 1M events (benchmarks/scale).
	trainEventCost = 2000
	// trainFixedCost is the budget's share kept for what does not grow
	// with the sample: the stream's counts, the catalog, the models.
	trainFixedCost = 48 << 20
)

// ScanEvents returns the events of a JSON Lines log (as [ReadEvents] reads
// it) one at a time, for [TrainStream]: a log of any size is read in
// constant memory. The first bad line ends the sequence with its
// [*FieldError].
func ScanEvents(r io.Reader, name string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		stopped := errors.New("stopped")
		err := DecodeEvents(r, name, func(e Event) error {
			if !yield(e, nil) {
				return stopped
			}
			return nil
		})
		if err != nil && err != stopped {
			yield(Event{}, err)
		}
	}
}

// TrainStream is [Train] on a log read once from events, in bounded memory
// (TrainOptions.MemoryBudget): the counts over every event, the models
// over a uniform sample of users (see the comment at the top of this
// file). The model's [ModelInfo] counts the whole stream (Users estimated
// from the sample when there is one) and, when the log was sampled, how
// many users and events the models learned from. An error the sequence
// yields ends the training and is returned as it is (a [*FieldError] from
// [ScanEvents] names the file and line).
func TrainStream(ctx context.Context, events iter.Seq2[Event, error], cat Catalog, opts TrainOptions) (*Model, error) {
	return trainStream(ctx, events, cat, opts, true)
}

// trainStream is TrainStream; with copy, the sample holds copies of the
// events (sharing their repeated strings) rather than the caller's.
func trainStream(ctx context.Context, events iter.Seq2[Event, error], cat Catalog, opts TrainOptions, copy bool) (*Model, error) {
	budget := opts.MemoryBudget
	if budget == 0 {
		budget = DefaultMemoryBudget
	}
	if budget < MinMemoryBudget {
		return nil, fmt.Errorf("%w: a memory budget of %d bytes: at least %d (64 MiB)", ErrInvalidOption, budget, MinMemoryBudget)
	}
	halfLife := opts.TrendHalfLife
	if halfLife == 0 {
		halfLife = 24 * time.Hour
	}
	if halfLife < 0 {
		return nil, fmt.Errorf("%w: negative TrainOptions field", ErrInvalidOption)
	}
	t := newTally(halfLife)
	s := newUserSample(budget-trainFixedCost, copy)
	i := 0
	for e, err := range events {
		if err != nil {
			return nil, err
		}
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("recommend: train: event %d: %w", i, err)
		}
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("recommend: train: %w", err)
			}
		}
		i++
		if e.Type == TypeFeedback {
			continue // what was shown is not a cause of the need; see TypeFeedback
		}
		if t.add(&e) {
			s.reserve(crowdAskBytes)
		}
		s.add(e)
	}
	users := s.users()
	if len(users) == 0 && len(t.crowd) > 0 {
		return nil, fmt.Errorf("%w: a memory budget of %d bytes holds the counts of this log's %d asks but no user's events: raise it",
			ErrInvalidOption, budget, len(t.crowd))
	}
	return train(ctx, users, t, s, cat, opts)
}

// tally counts what needs every event of a stream: the events, and every
// ask's time and question, from which (in time order, so that the order of
// the stream changes nothing) the counts and the crowd come.
type tally struct {
	events    int
	halfLife  time.Duration
	questions map[string]string // interned
	crowd     []crowdAsk
	sorted    bool
}

type crowdAsk struct {
	at int64
	q  string
}

func newTally(halfLife time.Duration) *tally {
	return &tally{halfLife: halfLife, questions: map[string]string{}}
}

// tallyOf returns the tally of users' events.
func tallyOf(users [][]Event, halfLife time.Duration) *tally {
	t := newTally(halfLife)
	for _, u := range users {
		for i := range u {
			t.add(&u[i])
		}
	}
	return t
}

// add counts e, and reports whether it keeps something of it (an ask).
func (t *tally) add(e *Event) bool {
	t.events++
	if e.Type != TypeAsk {
		return false
	}
	q, ok := t.questions[e.Question]
	if !ok {
		q = strings.Clone(e.Question)
		t.questions[q] = q
	}
	t.crowd = append(t.crowd, crowdAsk{e.Time.Unix(), q})
	t.sorted = false
	return true
}

// crowdAskBytes is what the tally keeps of an ask, its slice's growth
// included.
const crowdAskBytes = 48

// asks returns every ask in time order (by question within a second).
func (t *tally) asks() []crowdAsk {
	if !t.sorted {
		slices.SortFunc(t.crowd, func(a, b crowdAsk) int {
			if a.at != b.at {
				return cmp.Compare(a.at, b.at)
			}
			return strings.Compare(a.q, b.q)
		})
		t.sorted = true
	}
	return t.crowd
}

// count gives m the popularity and trend of every question.
func (t *tally) count(m *Model) {
	for _, a := range t.asks() {
		m.count(a.q, time.Unix(a.at, 0))
	}
}

// shares returns each question's share of the asks.
func (t *tally) shares() map[string]float64 {
	out := make(map[string]float64, len(t.questions))
	for _, a := range t.crowd {
		out[a.q]++
	}
	for q := range out {
		out[q] /= float64(len(t.crowd))
	}
	return out
}

// userSample keeps the events of the users whose hash falls below cut,
// within budget bytes.
type userSample struct {
	budget, bytes int64
	cut           uint64 // keep hash < cut; 0 after the first halving means none
	halved        bool
	copy          bool           // intern the events' strings and copy their attributes
	index         map[string]int // user → position in byUser
	byUser        []sampledUser
	strs          map[string]string // interned types, keys and short values
}

type sampledUser struct {
	hash   uint64
	bytes  int64
	events []Event
}

func newUserSample(budget int64, copy bool) *userSample {
	return &userSample{budget: budget, cut: math.MaxUint64, index: map[string]int{}, strs: map[string]string{}, copy: copy}
}

// userHash is FNV-1a of user, mixed by MurmurHash3's finalizer: FNV's
// high bits, which the cut reads, vary little between ids such as u00017
// and u00018.
func userHash(user string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(user))
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// reserve counts n bytes the stream keeps whatever the sample (the
// tally's), so that the sample makes room for them.
func (s *userSample) reserve(n int64) {
	s.bytes += n
	for s.bytes > s.budget && len(s.byUser) > 0 {
		s.halve()
	}
}

// sampled reports whether users were left out.
func (s *userSample) sampled() bool { return s.halved }

// fraction is the share of the hash range the sample keeps.
func (s *userSample) fraction() float64 {
	if !s.halved {
		return 1
	}
	return float64(s.cut) / math.Exp2(64)
}

func (s *userSample) add(e Event) {
	i, ok := s.index[e.User]
	if !ok {
		h := userHash(e.User)
		if s.halved && h >= s.cut {
			return
		}
		i = len(s.byUser)
		key := strings.Clone(e.User)
		s.index[key] = i
		s.byUser = append(s.byUser, sampledUser{hash: h})
		if s.copy {
			e.User = key
		}
	} else if s.copy {
		e.User = s.byUser[i].events[0].User
	}
	u := &s.byUser[i]
	if s.copy {
		s.intern(&e)
	}
	c := eventBytes(&e)
	u.events = append(u.events, e)
	u.bytes += c
	s.bytes += c
	if len(u.events) >= 2*MaxUserEvents {
		s.trim(u)
	}
	for s.bytes > s.budget && len(s.byUser) > 0 {
		s.halve()
	}
}

// trim keeps u's latest MaxUserEvents events.
func (s *userSample) trim(u *sampledUser) {
	slices.SortStableFunc(u.events, func(a, b Event) int { return a.Time.Compare(b.Time) })
	drop := u.events[:len(u.events)-MaxUserEvents]
	var c int64
	for i := range drop {
		c += eventBytes(&drop[i])
	}
	u.events = slices.Clone(u.events[len(drop):])
	u.bytes -= c
	s.bytes -= c
}

// halve halves the cut and drops the users above it.
func (s *userSample) halve() {
	if !s.halved {
		s.cut, s.halved = 1<<63, true
	} else {
		s.cut /= 2
	}
	kept := s.byUser[:0]
	clear(s.index)
	for _, u := range s.byUser {
		if u.hash < s.cut {
			s.index[u.events[0].User] = len(kept)
			kept = append(kept, u)
		} else {
			s.bytes -= u.bytes
		}
	}
	clear(s.byUser[len(kept):])
	s.byUser = kept
}

// intern makes e share the strings the sample already holds: the event
// type, the question, attribute keys and short values (add shares the
// user's id).
func (s *userSample) intern(e *Event) {
	e.Type = s.str(e.Type)
	e.Question = s.str(e.Question)
	if len(e.Attrs) > 0 {
		a := make(map[string]string, len(e.Attrs))
		for k, v := range e.Attrs {
			a[s.str(k)] = s.str(v)
		}
		e.Attrs = a
	}
}

// maxInterned caps the strings the sample interns, and internable their
// length: ids and amounts are too many to be worth it.
const (
	maxInterned = 1 << 18
	internable  = 32
)

func (s *userSample) str(x string) string {
	if x == "" || len(x) > internable {
		return x
	}
	if y, ok := s.strs[x]; ok {
		return y
	}
	if len(s.strs) >= maxInterned {
		return x
	}
	y := strings.Clone(x)
	s.strs[y] = y
	return y
}

// eventBytes is what keeping e costs training: the event, its strings
// (shared ones counted anyway: an upper bound), its attributes' map and
// trainEventCost.
func eventBytes(e *Event) int64 {
	n := 144 + len(e.ID) + len(e.Object) + len(e.Text) + trainEventCost
	if len(e.Attrs) > 0 {
		n += 48
		for k, v := range e.Attrs {
			n += 48 + len(k) + len(v)
		}
	}
	return int64(n)
}

// users returns the sample's users' events sorted by time (stable), users
// sorted by id.
func (s *userSample) users() [][]Event {
	out := make([][]Event, 0, len(s.byUser))
	for i := range s.byUser {
		u := s.byUser[i].events
		slices.SortStableFunc(u, func(a, b Event) int { return a.Time.Compare(b.Time) })
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b []Event) int { return strings.Compare(a[0].User, b[0].User) })
	return out
}
