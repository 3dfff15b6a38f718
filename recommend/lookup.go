package recommend

import (
	"context"
	"fmt"
	"sync"

	"github.com/duxin-ai/duxin/kb"
)

// lookupCacheSize bounds each of the two generations of a lookupCache.
const lookupCacheSize = 2048

// lookupCache remembers the knowledge base's answers to the user-independent
// lookups a request makes — the related questions of an asked question, the
// hits of a search text — so that a help center reopened by the same user,
// or many users after the same event, do not search the knowledge base
// again on every request. It belongs to one catalog: [Engine.Reload] drops
// it with the catalog, which is when a changed knowledge base becomes
// visible. It is bounded: when the current generation is full it becomes
// the old one, and entries still used are promoted back.
type lookupCache struct {
	mu       sync.Mutex
	cur, old map[lookupKey][]kb.Hit
}

type lookupKey struct {
	related bool // Related(id) rather than Search(text)
	s       string
	limit   int
}

func (c *lookupCache) get(k lookupKey) ([]kb.Hit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.cur[k]; ok {
		return h, true
	}
	h, ok := c.old[k]
	if ok {
		c.putLocked(k, h)
	}
	return h, ok
}

func (c *lookupCache) put(k lookupKey, h []kb.Hit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, h)
}

func (c *lookupCache) putLocked(k lookupKey, h []kb.Hit) {
	if len(c.cur) >= lookupCacheSize {
		c.old, c.cur = c.cur, nil
	}
	if c.cur == nil {
		c.cur = make(map[lookupKey][]kb.Hit)
	}
	c.cur[k] = h
}

// related returns the entries related to id through the cache; an unknown
// id gives no hits and no error. The hits are shared: read only.
func (s *sources) related(ctx context.Context, id string) ([]kb.Hit, error) {
	var c *lookupCache
	if s.cat != nil {
		c = &s.cat.lookups
	}
	k := lookupKey{related: true, s: id, limit: relatedLimit}
	if c != nil {
		if h, ok := c.get(k); ok {
			return h, nil
		}
	}
	hits, err := s.kb.Related(ctx, id, relatedLimit)
	if isNotFound(err) {
		hits, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("recommend: related %q: %w", id, err)
	}
	if c != nil {
		c.put(k, hits)
	}
	return hits, nil
}

// search returns the knowledge base's hits for a search text through the
// cache. The hits are shared: read only.
func (s *sources) search(ctx context.Context, text string) ([]kb.Hit, error) {
	var c *lookupCache
	if s.cat != nil {
		c = &s.cat.lookups
	}
	k := lookupKey{s: text, limit: searchLimit}
	if c != nil {
		if h, ok := c.get(k); ok {
			return h, nil
		}
	}
	hits, err := s.kb.Search(ctx, kb.Query{Text: text, Limit: searchLimit})
	if err != nil {
		return nil, fmt.Errorf("recommend: search %q: %w", text, err)
	}
	if c != nil {
		c.put(k, hits)
	}
	return hits, nil
}
