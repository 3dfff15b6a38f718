package recommend

import (
	"encoding/binary"
	"slices"
	"sync"

	"github.com/duxin-ai/duxin/internal/seqrec"
)

// resolvedCacheSize bounds each of the two generations of a resolvedCache.
const resolvedCacheSize = 8192

// resolvedCache remembers what events give a model, by the event's
// content: to its need model, causes or a visit's or a state's context
// values (see schema.resolve); to its sequence model, tokens (see
// schema.appendKnownSteps). A request re-reads the user's whole history,
// so the same events come back on every request of a user, and users
// share events (a transfer to a bank card); resolving one builds and looks
// up a handful of string keys, a lookup here one. It belongs to one model,
// which is immutable, so an entry never goes stale; it is bounded like
// lookupCache: when the current generation is full it becomes the old
// one, and entries still used are promoted back. The zero value is ready.
type resolvedCache struct {
	mu       sync.RWMutex
	cur, old map[string]resolvedEvent // shared: read only
}

// resolvedEvent is what one event gives a model.
type resolvedEvent struct {
	refs eventRefs // to the need model (none without one)
	toks []string  // to the sequence model (none without one)
	kind int32     // the kinds of user's word (see kindWord), -1 for none
	kx   float64   // and its weight
	ok   bool      // resolved: the zero value is not
}

// refScratch is a request's space for resolving its history (kept with
// the view).
type refScratch struct {
	evs   []resolvedEvent // by event of the history
	refs  []eventRefs     // by event: evs' refs, for schema.build
	key   []byte          // every looked-up event's key, one after the other
	spans [][2]int        // by event: where its key is in key
	attrs [][2]string     // one event's attributes, sorted by name
	fresh []int           // events to add to (or promote in) the cache
	one   eventRefs
	tok   []seqrec.Step
}

// resolveHistory sets sc.evs to what each event of hist gives m, through
// m's cache: the need model's part of every event schema.build reads (a
// visit, a state, or younger than maxAge at now; every event when the
// model has kinds of user, whose posterior reads them all) and the
// sequence model's of the events from seqFrom on. Other events give
// nothing. The slices are shared: read only.
func (m *Model) resolveHistory(hist []Event, now int64, maxAge float64, seqFrom int, kr *keyer, sc *refScratch) {
	evs := grow(sc.evs, len(hist))
	clear(evs)
	sc.evs = evs
	sc.key, sc.spans, sc.fresh = sc.key[:0], grow(sc.spans, len(hist)), sc.fresh[:0]
	c := &m.resolved
	c.mu.RLock()
	for i := range hist {
		e := &hist[i]
		if i < seqFrom && (m.needs == nil || m.kinds == nil && e.Type != TypeOpen && !isState(e.Type) && !(float64(now-e.Time.Unix()) < maxAge)) {
			sc.spans[i] = [2]int{-1, -1}
			continue
		}
		start := len(sc.key)
		sc.key = sc.appendKey(sc.key, e)
		sc.spans[i] = [2]int{start, len(sc.key)}
		key := sc.key[start:]
		if r, ok := c.cur[string(key)]; ok {
			evs[i] = r
			continue
		}
		evs[i] = c.old[string(key)] // if there, to promote
		sc.fresh = append(sc.fresh, i)
	}
	c.mu.RUnlock()
	if len(sc.fresh) == 0 {
		return
	}
	for _, i := range sc.fresh {
		if !evs[i].ok {
			evs[i] = m.resolve(&hist[i], kr, sc)
		}
	}
	c.mu.Lock()
	for _, i := range sc.fresh {
		if len(c.cur) >= resolvedCacheSize {
			c.old, c.cur = c.cur, nil
		}
		if c.cur == nil {
			c.cur = make(map[string]resolvedEvent)
		}
		c.cur[string(sc.key[sc.spans[i][0]:sc.spans[i][1]])] = evs[i]
	}
	c.mu.Unlock()
}

// resolve returns what e gives m, in slices of its own.
func (m *Model) resolve(e *Event, kr *keyer, sc *refScratch) resolvedEvent {
	r := resolvedEvent{kind: -1, ok: true}
	if m.kinds != nil {
		if key, x, ok := kindWord(kr, e); ok {
			if w, known := m.kinds.words[string(key)]; known {
				r.kind, r.kx = w, x
			}
		}
	}
	if m.needs != nil {
		m.schema.resolve(e, modelSink{m.needs}, kr, &sc.one)
		r.refs = eventRefs{causes: slices.Clip(slices.Clone(sc.one.causes)), ctx: slices.Clip(slices.Clone(sc.one.ctx))}
	}
	if m.seq != nil && m.seq.NumItems() > 0 {
		sc.tok = m.schema.appendKnownSteps(sc.tok[:0], kr, e, m.seq)
		for _, s := range sc.tok {
			r.toks = append(r.toks, s.Token)
		}
	}
	return r
}

// keyOf returns the key of event i of the history last resolved, nil if
// it was not looked up.
func (sc *refScratch) keyOf(i int) []byte {
	if i >= len(sc.spans) || sc.spans[i][0] < 0 {
		return nil
	}
	return sc.key[sc.spans[i][0]:sc.spans[i][1]]
}

// posterior is kinds.posterior over the history last resolved (by the
// model of k): the same sums in the same order, from each event's word
// as resolved rather than looked up again.
func (sc *refScratch) posterior(k *kinds, post []float64) bool {
	copy(post, k.logPrior)
	any := false
	for i := range sc.evs {
		w, x := sc.evs[i].kind, sc.evs[i].kx
		if !sc.evs[i].ok || w < 0 {
			continue
		}
		any = true
		k.addWord(post, w, x)
	}
	return finishPosterior(post, any)
}

// historyRefs returns the need model's part of sc.evs, for schema.build.
func (sc *refScratch) historyRefs() []eventRefs {
	sc.refs = grow(sc.refs, len(sc.evs))
	for i := range sc.evs {
		sc.refs[i] = sc.evs[i].refs
	}
	return sc.refs
}

// release drops the view's references to a model's cache.
func (sc *refScratch) release() {
	clear(sc.evs)
	clear(sc.refs)
}

// appendKey appends to dst everything of e that resolving it may read —
// all but its ID, user and time — each field and attribute length-prefixed,
// the attributes sorted by name.
func (sc *refScratch) appendKey(dst []byte, e *Event) []byte {
	dst = appendField(dst, e.Type)
	dst = appendField(dst, e.Object)
	dst = appendField(dst, e.Question)
	dst = appendField(dst, e.Text)
	sc.attrs = sc.attrs[:0]
	for n, v := range e.Attrs {
		sc.attrs = append(sc.attrs, [2]string{n, v})
	}
	for i := 1; i < len(sc.attrs); i++ { // by name (distinct); few: insertion
		for j := i; j > 0 && sc.attrs[j][0] < sc.attrs[j-1][0]; j-- {
			sc.attrs[j], sc.attrs[j-1] = sc.attrs[j-1], sc.attrs[j]
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(sc.attrs)))
	for _, a := range sc.attrs {
		dst = appendField(appendField(dst, a[0]), a[1])
	}
	return dst
}

// appendField appends s to dst, length first.
func appendField(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}
