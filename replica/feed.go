package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/kb"
)

// Op is the kind of a knowledge-base change.
type Op uint8

// The changes a feed carries: those of [kb.Index].
const (
	OpUpsert Op = iota + 1 // FAQs added or replaced
	OpDelete               // IDs removed
	OpReload               // the whole knowledge base replaced by FAQs
)

func (o Op) String() string {
	switch o {
	case OpUpsert:
		return "upsert"
	case OpDelete:
		return "delete"
	case OpReload:
		return "reload"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Change is one edit of the knowledge base, as a feed carries it.
type Change struct {
	// Version numbers the change: the feed's first change is 1, and each
	// next one is one more, so a gap tells a reader it missed some.
	Version uint64
	Op      Op
	// FAQs are the entries of an upsert. A reload's entries are not
	// carried: a reader takes a snapshot ([Feed.Snapshot]).
	FAQs []kb.FAQ
	// IDs are the entries a delete removes.
	IDs []string
}

// Errors of a Feed's Read; test with errors.Is.
var (
	// ErrTrimmed: the changes after the given version are no longer all
	// kept (trimmed). The reader takes a snapshot and goes on from its
	// version.
	ErrTrimmed = errors.New("replica: feed no longer holds the changes asked for")
	// ErrBehind: the feed is at a version older than the given one: it was
	// reset, or its store lost its data (a Redis that restarted empty).
	// Its snapshot is older than what the reader serves, so a [Follower]
	// does not take it (see [Follower] for what it does instead).
	ErrBehind = errors.New("replica: feed is behind this replica")
)

// Feed is a knowledge base's change feed, shared by every replica: a copy
// of the entries (the snapshot) and the numbered changes that led to it.
// Implementations are safe for concurrent use: [MemFeed] here, a Redis
// stream in replica/redisreplica.
type Feed interface {
	// Append applies a change to the feed's copy and appends it to the
	// feed, at once (a reader sees both or neither), and returns its
	// version. For OpReload, c.FAQs replace the copy. c.Version is
	// ignored. Append does not check entries; [Writer] does.
	Append(ctx context.Context, c Change) (version uint64, err error)
	// Snapshot returns every entry of the copy, ordered by id, and the
	// version of the last change applied to it (0 for none).
	Snapshot(ctx context.Context) (faqs []kb.FAQ, version uint64, err error)
	// Read returns the changes after version after, oldest first, waiting
	// up to wait for the first when there is none yet (it may then return
	// none). It returns an error wrapping [ErrTrimmed] when it no longer
	// holds every change after after, and one wrapping [ErrBehind] when
	// its version is older than after.
	Read(ctx context.Context, after uint64, wait time.Duration) ([]Change, error)
}

// Writer edits a knowledge base through a feed: it checks each edit as
// [kb.Index] would ([kb.Check]), so no replica is handed an edit it must
// refuse, appends it, and, with a local Follower, returns once this
// replica serves it (read-your-writes). It implements [kb.Writer].
type Writer struct {
	feed  Feed
	local *Follower
}

// NewWriter returns a Writer on feed; local, if not nil, is this
// replica's Follower, which Upsert, Delete and Reload wait for.
func NewWriter(feed Feed, local *Follower) (*Writer, error) {
	if feed == nil {
		return nil, errors.New("replica: NewWriter: nil feed")
	}
	return &Writer{feed: feed, local: local}, nil
}

// Upsert implements [kb.Writer].
func (w *Writer) Upsert(ctx context.Context, faqs ...kb.FAQ) error {
	if len(faqs) == 0 {
		return nil
	}
	if err := kb.Check(faqs...); err != nil {
		return fmt.Errorf("replica: upsert: %w", err)
	}
	_, err := w.append(ctx, Change{Op: OpUpsert, FAQs: faqs})
	return err
}

// Delete implements [kb.Writer].
func (w *Writer) Delete(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if slices.Contains(ids, "") {
		return fmt.Errorf("replica: delete: %w", kb.ErrEmptyID)
	}
	_, err := w.append(ctx, Change{Op: OpDelete, IDs: ids})
	return err
}

// Reload replaces the whole knowledge base with faqs.
func (w *Writer) Reload(ctx context.Context, faqs []kb.FAQ) error {
	if err := kb.Check(faqs...); err != nil {
		return fmt.Errorf("replica: reload: %w", err)
	}
	_, err := w.append(ctx, Change{Op: OpReload, FAQs: faqs})
	return err
}

func (w *Writer) append(ctx context.Context, c Change) (uint64, error) {
	if w.local != nil {
		// A halted replica would never serve the edit: refuse it before it
		// reaches the feed.
		if st := w.local.Status(); st.Halted {
			return 0, fmt.Errorf("%w; the %s is refused until this replica follows the feed again", st.Err, c.Op)
		}
	}
	v, err := w.feed.Append(ctx, c)
	if err != nil {
		return 0, fmt.Errorf("replica: %s: %w", c.Op, err)
	}
	if w.local != nil {
		if err := w.local.WaitFor(ctx, v); err != nil {
			return v, fmt.Errorf("replica: %s is in the feed as version %d, but this replica has not applied it yet: %w", c.Op, v, err)
		}
	}
	return v, nil
}

// FollowConfig configures NewFollower. Every zero field takes its default.
type FollowConfig struct {
	// Wait is how long one read of the feed waits for a change; default 1
	// second.
	Wait time.Duration
	// Retry is the longest pause after a failed read or apply (it doubles
	// from 50 ms); default 2 seconds.
	Retry time.Duration
	// Logger receives a line per snapshot and per failure; default none.
	Logger *slog.Logger
}

// Follower applies a feed's changes, in order, to this replica's index.
// It starts from a snapshot (a Reload of the index), then applies each
// change with the index's own all-or-none Upsert, Delete or Reload, so a
// search sees a change whole or not at all. After a lost connection it
// goes on from the last version it applied; when the feed no longer holds
// the changes after it, it takes a snapshot again. It is safe for
// concurrent use.
//
// # A feed that went backwards
//
// A feed whose version is older than the one the follower serves
// ([ErrBehind]: its store restarted without its data, or was reset) is
// never applied: its snapshot would replace the knowledge base with an
// older or empty one on every replica at once. The follower halts
// instead: its index keeps serving the version it had, [FollowStatus]
// says Halted with the reason in Err, Run logs it as an error, and
// nothing more is applied — nor written through a [Writer] on it — until
// an operator chooses, on each halted replica, one of:
//
//   - [Follower.Republish] on one replica that holds the data to keep:
//     its entries replace the feed's (a reload), and it follows on from
//     there. Call it on one replica only: a second call replaces the
//     first's entries with its own.
//   - [Follower.Resnapshot] on the others (or on all, to accept what the
//     feed holds now): the feed's snapshot is taken whatever its version.
//
// Restarting a replica has the effect of Resnapshot. The follower sees a
// reset only by a version lower than its own: a reset feed that received
// more changes than the follower had applied before the follower read it
// again cannot be told from the old one.
type Follower struct {
	ix   *kb.Index
	feed Feed
	cfg  FollowConfig

	syncMu sync.Mutex // one Sync at a time
	mu     sync.Mutex
	st     FollowStatus
	moved  chan struct{} // closed and replaced when st.Version changes
}

// FollowStatus is where a Follower is.
type FollowStatus struct {
	// Version is the feed version the index serves (0 before the first
	// snapshot).
	Version   uint64
	AppliedAt time.Time
	// Snapshots counts the snapshots taken.
	Snapshots int
	// Halted is set when the feed went behind Version (see [Follower]):
	// the index keeps serving Version and nothing is applied until
	// [Follower.Republish] or [Follower.Resnapshot]. Err, wrapping
	// [ErrBehind], says where the feed is.
	Halted bool
	// Err is the last read's or apply's error; nil once one succeeds.
	Err error
}

// NewFollower returns a follower that keeps ix at feed's latest version.
// It does no I/O: call [Follower.Sync] to catch up before serving, and
// [Follower.Run] to follow. ix should be changed only through the feed
// from then on: a direct edit is overwritten by the next snapshot.
func NewFollower(ix *kb.Index, feed Feed, cfg FollowConfig) (*Follower, error) {
	if ix == nil || feed == nil {
		return nil, errors.New("replica: NewFollower: nil index or feed")
	}
	if cfg.Wait < 0 || cfg.Retry < 0 {
		return nil, fmt.Errorf("replica: NewFollower: Wait = %v, Retry = %v, want >= 0", cfg.Wait, cfg.Retry)
	}
	if cfg.Wait == 0 {
		cfg.Wait = time.Second
	}
	if cfg.Retry == 0 {
		cfg.Retry = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Follower{ix: ix, feed: feed, cfg: cfg, moved: make(chan struct{})}, nil
}

// Status returns where the follower is.
func (f *Follower) Status() FollowStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

// Version returns the feed version the index serves.
func (f *Follower) Version() uint64 { return f.Status().Version }

// WaitFor returns once the index serves version v or later, or ctx's
// error, or an error wrapping [ErrBehind] when the follower is halted.
func (f *Follower) WaitFor(ctx context.Context, v uint64) error {
	for {
		f.mu.Lock()
		cur, moved, halted, herr := f.st.Version, f.moved, f.st.Halted, f.st.Err
		f.mu.Unlock()
		if cur >= v {
			return nil
		}
		if halted {
			return fmt.Errorf("%w (waited for version %d, at %d)", herr, v, cur)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica: wait for version %d (at %d): %w", v, cur, ctx.Err())
		case <-moved:
		}
	}
}

// Sync catches up once: a snapshot if the follower has none (or the feed
// lost its place), then every change the feed holds, without waiting for
// new ones. It returns the first error; what was applied before it stays.
// It takes at most one snapshot for each time the feed lost its place: a
// feed that still lacks the changes after its own snapshot is an error,
// not a reason to take another. A halted follower (see [Follower]) reads
// nothing and returns its error, wrapping [ErrBehind].
func (f *Follower) Sync(ctx context.Context) error {
	return f.step(ctx, 0)
}

// step reads once (waiting up to wait) and applies what it read.
func (f *Follower) step(ctx context.Context, wait time.Duration) error {
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	if st := f.Status(); st.Halted {
		return st.Err
	}
	err := f.catchUp(ctx, wait)
	f.mu.Lock()
	f.st.Err = err
	if errors.Is(err, ErrBehind) {
		f.st.Halted = true
		close(f.moved) // wake WaitFor, which returns the error
		f.moved = make(chan struct{})
	}
	f.mu.Unlock()
	if errors.Is(err, ErrBehind) {
		f.cfg.Logger.Error("replica: the feed went behind this replica; it keeps serving its version and follows no more until an operator re-seeds the feed (Republish) or takes its snapshot (Resnapshot)",
			"version", f.Version(), "err", err)
	}
	return err
}

func (f *Follower) catchUp(ctx context.Context, wait time.Duration) error {
	// fresh is set by a snapshot and cleared by a change applied after
	// it: a feed that has lost our place right after its own snapshot
	// would lose it again, so it is an error, not a loop of snapshots.
	fresh := false
	if f.Status().Snapshots == 0 {
		if err := f.snapshot(ctx); err != nil {
			return err
		}
		fresh = true
	}
	for {
		cs, err := f.feed.Read(ctx, f.Version(), wait)
		if errors.Is(err, ErrTrimmed) {
			if fresh {
				return fmt.Errorf("%w, even after its own snapshot at version %d", err, f.Version())
			}
			f.cfg.Logger.Warn("replica: feed lost our place; taking a snapshot", "version", f.Version(), "err", err)
			if err := f.snapshot(ctx); err != nil {
				return err
			}
			fresh = true
			continue
		}
		if errors.Is(err, ErrBehind) {
			return err // it says where the feed is
		}
		if err != nil {
			return fmt.Errorf("replica: read feed after %d: %w", f.Version(), err)
		}
		if len(cs) == 0 {
			return nil
		}
		for _, c := range cs {
			if err := f.apply(ctx, c); err != nil {
				return err
			}
		}
		fresh = false
		wait = 0 // drain what is there, then return
	}
}

// snapshot takes the feed's snapshot, unless it is older than what the
// index serves (the feed went backwards: ErrBehind).
func (f *Follower) snapshot(ctx context.Context) error {
	return f.takeSnapshot(ctx, false)
}

func (f *Follower) takeSnapshot(ctx context.Context, anyVersion bool) error {
	faqs, v, err := f.feed.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("replica: snapshot: %w", err)
	}
	if cur := f.Version(); v < cur && !anyVersion {
		return fmt.Errorf("%w: its snapshot is at version %d (%d entries), this replica serves version %d; the feed was reset or lost its data",
			ErrBehind, v, len(faqs), cur)
	}
	if err := f.ix.Reload(ctx, faqs); err != nil {
		return fmt.Errorf("replica: apply snapshot at %d: %w", v, err)
	}
	f.mu.Lock()
	f.st.Snapshots++
	f.mu.Unlock()
	f.advance(v, true)
	f.cfg.Logger.Info("replica: snapshot applied", "version", v, "entries", len(faqs))
	return nil
}

func (f *Follower) apply(ctx context.Context, c Change) error {
	cur := f.Version()
	switch {
	case c.Version <= cur:
		return nil // already applied (a snapshot was ahead of the read)
	case c.Version != cur+1:
		return f.snapshot(ctx) // a gap: the feed does not hold what we missed
	}
	var err error
	switch c.Op {
	case OpUpsert:
		err = f.ix.Upsert(ctx, c.FAQs...)
	case OpDelete:
		err = f.ix.Delete(ctx, c.IDs...)
	case OpReload:
		return f.snapshot(ctx)
	default:
		err = fmt.Errorf("unknown op %v", c.Op)
	}
	if err != nil {
		return fmt.Errorf("replica: apply version %d (%s): %w", c.Version, c.Op, err)
	}
	f.advance(c.Version, false)
	return nil
}

// advance records that the index serves version v. Resnapshot and
// Republish may move the version back (a feed that was reset).
func (f *Follower) advance(v uint64, snapshot bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v == f.st.Version && !snapshot {
		return
	}
	f.st.Version, f.st.AppliedAt = v, time.Now()
	close(f.moved)
	f.moved = make(chan struct{})
}

// Republish re-seeds the feed from this replica, an operator's choice
// when the follower is halted (see [Follower]): it appends a reload of
// every entry the index serves, so that the feed holds them again, and
// follows on from that change's version, which it returns. The index is
// not changed. It fails unless the follower is halted.
func (f *Follower) Republish(ctx context.Context) (uint64, error) {
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	if !f.Status().Halted {
		return 0, errors.New("replica: republish: the follower is not halted (the feed is not behind it); nothing to re-seed")
	}
	faqs, err := f.ix.All(ctx)
	if err != nil {
		return 0, fmt.Errorf("replica: republish: %w", err)
	}
	if err := kb.Check(faqs...); err != nil {
		return 0, fmt.Errorf("replica: republish: %w", err)
	}
	v, err := f.feed.Append(ctx, Change{Op: OpReload, FAQs: faqs})
	if err != nil {
		return 0, fmt.Errorf("replica: republish: %w", err)
	}
	f.mu.Lock()
	f.st.Halted, f.st.Err = false, nil
	f.mu.Unlock()
	f.advance(v, true)
	f.cfg.Logger.Warn("replica: feed re-seeded from this replica", "version", v, "entries", len(faqs))
	return v, nil
}

// Resnapshot takes the feed's snapshot whatever its version, an
// operator's choice when the follower is halted (see [Follower]): the
// index then serves what the feed holds, even if that is older or empty,
// and the follower follows on from there.
func (f *Follower) Resnapshot(ctx context.Context) error {
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	if err := f.takeSnapshot(ctx, true); err != nil {
		return err
	}
	f.mu.Lock()
	f.st.Halted, f.st.Err = false, nil
	f.mu.Unlock()
	return nil
}

// Run follows the feed until ctx ends and returns ctx's error. Failures
// (the feed unreachable, an apply that failed) are logged and kept in
// Status; Run retries with a growing pause and resumes where it stopped.
func (f *Follower) Run(ctx context.Context) error {
	pause := 50 * time.Millisecond
	var last string
	for {
		err := f.step(ctx, f.cfg.Wait)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			if last != "" {
				f.cfg.Logger.Info("replica: following the feed again", "version", f.Version())
			}
			pause, last = 50*time.Millisecond, ""
			continue
		}
		if msg := err.Error(); msg != last {
			f.cfg.Logger.Warn("replica: feed follow failed; retrying", "version", f.Version(), "err", err)
			last = msg
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, f.cfg.Retry)
	}
}
