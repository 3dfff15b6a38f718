package replica

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/kb"
)

// MemFeed is a Feed in memory, for tests and for several indexes in one
// process. It keeps the last Keep changes. The zero value is not usable;
// call NewMemFeed.
type MemFeed struct {
	keep int

	mu      sync.Mutex
	entries map[string]kb.FAQ
	changes []Change // the last keep, oldest first
	version uint64
	grew    chan struct{} // closed and replaced on each Append
}

// NewMemFeed returns an empty feed that keeps the last keep changes
// (keep ≤ 0: 10,000).
func NewMemFeed(keep int) *MemFeed {
	if keep <= 0 {
		keep = 10_000
	}
	return &MemFeed{keep: keep, entries: map[string]kb.FAQ{}, grew: make(chan struct{})}
}

// Append implements [Feed].
func (m *MemFeed) Append(ctx context.Context, c Change) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c = Change{Op: c.Op, FAQs: slices.Clone(c.FAQs), IDs: slices.Clone(c.IDs)}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch c.Op {
	case OpUpsert:
		for _, f := range c.FAQs {
			m.entries[f.ID] = f
		}
	case OpDelete:
		for _, id := range c.IDs {
			delete(m.entries, id)
		}
	case OpReload:
		m.entries = make(map[string]kb.FAQ, len(c.FAQs))
		for _, f := range c.FAQs {
			m.entries[f.ID] = f
		}
		c.FAQs = nil
	default:
		return 0, fmt.Errorf("unknown op %v", c.Op)
	}
	m.version++
	c.Version = m.version
	m.changes = append(m.changes, c)
	if len(m.changes) > m.keep {
		m.changes = slices.Delete(m.changes, 0, len(m.changes)-m.keep)
	}
	close(m.grew)
	m.grew = make(chan struct{})
	return c.Version, nil
}

// Snapshot implements [Feed].
func (m *MemFeed) Snapshot(ctx context.Context) ([]kb.FAQ, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Collect(maps.Values(m.entries))
	slices.SortFunc(out, func(a, b kb.FAQ) int { return strings.Compare(a.ID, b.ID) })
	return out, m.version, nil
}

// Read implements [Feed].
func (m *MemFeed) Read(ctx context.Context, after uint64, wait time.Duration) ([]Change, error) {
	var timeout <-chan time.Time
	for {
		m.mu.Lock()
		v, grew := m.version, m.grew
		switch {
		case after > v:
			m.mu.Unlock()
			return nil, fmt.Errorf("%w: the feed is at version %d, this replica at %d; the feed was reset or lost its data", ErrBehind, v, after)
		case after < v:
			first := m.changes[0].Version
			if after+1 < first {
				m.mu.Unlock()
				return nil, fmt.Errorf("%w: asked after %d, the oldest kept is %d", ErrTrimmed, after, first)
			}
			out := slices.Clone(m.changes[after+1-first:])
			m.mu.Unlock()
			return out, nil
		}
		m.mu.Unlock()
		if wait <= 0 {
			return nil, ctx.Err()
		}
		if timeout == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeout:
			return nil, nil
		case <-grew:
		}
	}
}

var _ Feed = (*MemFeed)(nil)
