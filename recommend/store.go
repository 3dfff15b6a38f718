package recommend

import (
	"context"
	"fmt"
	"time"
)

// Defaults of what a store keeps per user, shared by [MemoryStore] and the
// networked stores (recommend/redisstore), so that every store keeps the
// history a request reads ([WithHistory] defaults to DefaultPerUser events).
const (
	// DefaultPerUser is how many events a store keeps per user.
	DefaultPerUser = 200
	// DefaultPerUserFeedback is how many questions' feedback it keeps per user.
	DefaultPerUserFeedback = 256
	// DefaultTTL is how long it keeps events and feedback.
	DefaultTTL = 90 * 24 * time.Hour
	// DefaultMaxSkew is how far after its clock an event may be dated.
	DefaultMaxSkew = 10 * time.Minute
)

// EventStore keeps users' recent events. Implementations must be safe for
// concurrent use; a networked store implements the same two methods.
type EventStore interface {
	// Append stores events; it rejects an invalid event (see
	// [Event.Validate]) with an error and stores none of them. An event
	// with an [Event.ID] the store already keeps for that user is stored
	// once, so a retried write is not counted twice.
	Append(ctx context.Context, events ...Event) error
	// Recent returns up to limit of the user's most recent events with Time
	// not before since, oldest first (ties in arrival order). limit ≤ 0
	// means all that are kept; a zero since means no lower bound. Callers
	// must not modify the returned events' Attrs.
	Recent(ctx context.Context, user string, since time.Time, limit int) ([]Event, error)
}

// RecentAppender is an optional capability of an [EventStore]: Recent that
// appends to dst instead of allocating, which lets [Engine.Recommend] reuse
// one buffer across requests. [MemoryStore] implements it.
type RecentAppender interface {
	AppendRecent(ctx context.Context, dst []Event, user string, since time.Time, limit int) ([]Event, error)
}

// UserReader is an optional capability of a store that keeps both a
// user's events and their feedback: both in one read, which a networked
// store serves in one round trip. [Engine] uses it when its EventStore and
// FeedbackStore are the same value. The events are what
// [EventStore.Recent] returns, appended to dst; the feedback is what
// [FeedbackStore.UserFeedback] returns. [MemoryStore] implements it.
type UserReader interface {
	ReadUser(ctx context.Context, dst []Event, user string, since time.Time, limit int) ([]Event, []UserFeedback, error)
}

// FeedbackKind says what a user did with a suggestion.
type FeedbackKind int

// The kinds of feedback.
const (
	// Impression: the suggestion was shown.
	Impression FeedbackKind = iota + 1
	// Click: the user opened the suggestion.
	Click
	// Dismiss: the user said they do not want it; it is never suggested
	// to them again while the store keeps the feedback.
	Dismiss
	// Resolve: the user's problem with this question is solved (for
	// example they answered "helpful"); it is excluded for a while
	// (see [WithResolvedFor]).
	Resolve
)

// String returns the kind's lowercase name.
func (k FeedbackKind) String() string {
	switch k {
	case Impression:
		return "impression"
	case Click:
		return "click"
	case Dismiss:
		return "dismiss"
	case Resolve:
		return "resolve"
	}
	return fmt.Sprintf("FeedbackKind(%d)", int(k))
}

// ParseFeedbackKind returns the kind [FeedbackKind.String] names s
// ("click"), or 0 if s names none.
func ParseFeedbackKind(s string) FeedbackKind {
	for k := Impression; k <= Resolve; k++ {
		if k.String() == s {
			return k
		}
	}
	return 0
}

// Feedback is one reaction of a user to a suggested question.
type Feedback struct {
	User     string
	Question string // knowledge-base id
	Kind     FeedbackKind
	// Time is when it happened; zero means the receiver's clock.
	Time time.Time
}

// Validate reports the first problem that makes f unusable: a missing user
// or question, one longer than [MaxFieldBytes], an unknown kind. The error
// wraps [ErrInvalidFeedback]; stores check with it.
func (f *Feedback) Validate() error {
	switch {
	case f.User == "":
		return fmt.Errorf("%w: missing user", ErrInvalidFeedback)
	case f.Question == "":
		return fmt.Errorf("%w: missing question", ErrInvalidFeedback)
	case len(f.User) > MaxFieldBytes || len(f.Question) > MaxFieldBytes:
		return fmt.Errorf("%w: user or question longer than %d bytes", ErrInvalidFeedback, MaxFieldBytes)
	case f.Kind < Impression || f.Kind > Resolve:
		return fmt.Errorf("%w: unknown kind %d", ErrInvalidFeedback, int(f.Kind))
	}
	return nil
}

// UserFeedback is what one user did with one question.
type UserFeedback struct {
	Question    string
	Impressions int
	Clicks      int
	// Dismissed and Resolved are the times of the latest such feedback,
	// zero if none.
	Dismissed time.Time
	Resolved  time.Time
}

// QuestionStats are the totals of a question over all users.
type QuestionStats struct {
	Impressions int64
	Clicks      int64
}

// FeedbackStore keeps feedback on suggestions. Implementations must be safe
// for concurrent use.
type FeedbackStore interface {
	// AddFeedback stores feedback; an invalid item (missing user or
	// question, unknown kind) is an error wrapping [ErrInvalidFeedback]
	// and nothing is stored. A zero Time is the store's clock.
	AddFeedback(ctx context.Context, fb ...Feedback) error
	// UserFeedback returns the user's feedback per question, sorted by
	// question id.
	UserFeedback(ctx context.Context, user string) ([]UserFeedback, error)
	// QuestionStats returns the totals of each question, aligned with
	// questions; unknown questions have zero totals.
	QuestionStats(ctx context.Context, questions []string) ([]QuestionStats, error)
}
