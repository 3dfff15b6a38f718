package recommend

import (
	"encoding/binary"
	"slices"
	"sync"
)

// resolvedCacheSize bounds each of the two generations of a resolvedCache.
const resolvedCacheSize = 8192

// resolvedCache remembers what events give a model's need model — their
// causes, or a visit's or a state's context values (see schema.resolve) —
// by the event's content. A request re-reads the user's whole history, so
// the same events come back on every request of a user, and users share
// events (a transfer to a bank card); resolving one builds and looks up a
// handful of string keys, a lookup here one. It belongs to one model,
// which is immutable, so an entry never goes stale; it is bounded like
// lookupCache: when the current generation is full it becomes the old
// one, and entries still used are promoted back. The zero value is ready.
type resolvedCache struct {
	mu       sync.RWMutex
	cur, old map[string]eventRefs // shared: read only
}

// refScratch is a request's space for resolving its history (kept with
// the view).
type refScratch struct {
	refs  []eventRefs
	key   []byte   // every looked-up event's key, one after the other
	spans [][2]int // by event: where its key is in key
	names []string // one event's attribute names, sorted
	fresh []int    // events to add to (or promote in) the cache
	one   eventRefs
}

// historyRefs returns what each event of hist gives m's need model, for
// schema.build's refs: resolved through m's cache, except events that
// build does not read (neither a visit nor a state, and at least maxAge
// old at now), which give nothing. The slices are shared: read only.
func (m *Model) historyRefs(hist []Event, now int64, maxAge float64, kr *keyer, sc *refScratch) []eventRefs {
	refs := grow(sc.refs, len(hist))
	clear(refs)
	sc.refs = refs
	sc.key, sc.spans, sc.fresh = sc.key[:0], grow(sc.spans, len(hist)), sc.fresh[:0]
	c := &m.resolved
	c.mu.RLock()
	for i := range hist {
		e := &hist[i]
		if e.Type != TypeOpen && !isState(e.Type) && !(float64(now-e.Time.Unix()) < maxAge) {
			continue
		}
		start := len(sc.key)
		sc.key = sc.appendKey(sc.key, e)
		sc.spans[i] = [2]int{start, len(sc.key)}
		key := sc.key[start:]
		if r, ok := c.cur[string(key)]; ok {
			refs[i] = r
			continue
		}
		if r, ok := c.old[string(key)]; ok {
			refs[i] = r // to promote
		}
		sc.fresh = append(sc.fresh, i)
	}
	c.mu.RUnlock()
	if len(sc.fresh) == 0 {
		return refs
	}
	for _, i := range sc.fresh {
		if refs[i].causes != nil || refs[i].ctx != nil {
			continue // promoted from the old generation
		}
		m.schema.resolve(&hist[i], modelSink{m.needs}, kr, &sc.one)
		refs[i] = eventRefs{causes: slices.Clip(slices.Clone(sc.one.causes)), ctx: slices.Clip(slices.Clone(sc.one.ctx))}
		if refs[i].causes == nil && refs[i].ctx == nil {
			refs[i].causes = []causeRef{} // resolved to nothing, which is cached too
		}
	}
	c.mu.Lock()
	for _, i := range sc.fresh {
		if len(c.cur) >= resolvedCacheSize {
			c.old, c.cur = c.cur, nil
		}
		if c.cur == nil {
			c.cur = make(map[string]eventRefs)
		}
		c.cur[string(sc.key[sc.spans[i][0]:sc.spans[i][1]])] = refs[i]
	}
	c.mu.Unlock()
	return refs
}

// appendKey appends to dst everything of e that resolving it may read —
// all but its ID, user and time — each field and attribute length-prefixed,
// the attributes sorted by name.
func (sc *refScratch) appendKey(dst []byte, e *Event) []byte {
	str := func(s string) {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	str(e.Type)
	str(e.Object)
	str(e.Question)
	str(e.Text)
	sc.names = sc.names[:0]
	for n := range e.Attrs {
		sc.names = append(sc.names, n)
	}
	slices.Sort(sc.names)
	dst = binary.AppendUvarint(dst, uint64(len(sc.names)))
	for _, n := range sc.names {
		str(n)
		str(e.Attrs[n])
	}
	return dst
}
