package recommend

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

// Catalog is the knowledge base as the engine and [Train] read it: search
// and get ([kb.KnowledgeBase]), every entry (for trigger rules, categories,
// validity and the questions a model may suggest), and the entries related
// to one. *kb.Index implements it; recommend/catalogtest checks an
// implementation.
type Catalog interface {
	kb.KnowledgeBase
	// All returns every entry, in a stable order.
	All(ctx context.Context) ([]kb.FAQ, error)
	// Related returns up to limit entries related to entry id, best first,
	// not including id itself; an unknown id gives an error wrapping
	// kb.ErrNotFound or no hits.
	Related(ctx context.Context, id string, limit int) ([]kb.Hit, error)
}

// Revisioner is an optional capability of a [Catalog]: a number that
// changes whenever the catalog's content does. An engine whose catalog has
// it reads the catalog again on the first request after the number
// changed, so edits to the knowledge base (on this replica, or applied
// from a change feed) reach the suggestions without [Engine.Reload].
// *kb.Index implements it ([kb.Index.Revision]).
type Revisioner interface {
	Revision() uint64
}

// ruleGroup is one trigger rule and every entry that has it: entries
// sharing a rule are matched once per event.
type ruleGroup struct {
	t     kb.Trigger
	rule  string      // e.g. transfer.success{channel=bank_card}/2h
	attrs [][2]string // t.Attrs as name, value pairs: matched without a map iteration
	faqs  []int
}

// catalog is the engine's read-only view of the knowledge base.
type catalog struct {
	faqs      []kb.FAQ
	idx       map[string]int
	byType    map[string][]*ruleGroup
	maxWindow time.Duration
	byPrio    []int   // entries by Priority desc, then id: the last-resort fill
	catOf     []int32 // entry → its category's number, for diversifying
	nCats     int     // how many distinct categories (the empty one counts)
	lookups   lookupCache
	trig      triggerCache
	rev       uint64 // the source's Revision when read, if it has one
}

// triggerCache remembers, by an event's content (its resolvedCache key),
// the catalog's trigger rules whose attributes the event has, in byType
// order: a request matches every event of the history again, each against
// every rule of its type. Bounded like lookupCache.
type triggerCache struct {
	mu       sync.RWMutex
	cur, old map[string][]*ruleGroup // shared: read only
}

// matching returns the rule groups of e's type whose attributes e has,
// through the cache under key.
func (c *catalog) matching(e *Event, key []byte) []*ruleGroup {
	t := &c.trig
	t.mu.RLock()
	gs, ok := t.cur[string(key)]
	if !ok {
		gs, ok = t.old[string(key)]
		if ok {
			t.mu.RUnlock()
			t.put(key, gs)
			return gs
		}
	}
	t.mu.RUnlock()
	if ok {
		return gs
	}
	for _, g := range c.byType[e.Type] {
		if g.matches(e.Attrs) {
			gs = append(gs, g)
		}
	}
	t.put(key, gs)
	return gs
}

func (t *triggerCache) put(key []byte, gs []*ruleGroup) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.cur) >= resolvedCacheSize {
		t.old, t.cur = t.cur, nil
	}
	if t.cur == nil {
		t.cur = make(map[string][]*ruleGroup)
	}
	t.cur[string(key)] = gs
}

func newCatalog(faqs []kb.FAQ) *catalog {
	c := &catalog{faqs: faqs, idx: make(map[string]int, len(faqs)), byType: map[string][]*ruleGroup{},
		catOf: make([]int32, len(faqs))}
	groups := map[string]*ruleGroup{}
	cats := map[string]int32{}
	for i, f := range faqs {
		k, ok := cats[f.Category]
		if !ok {
			k = int32(len(cats))
			cats[f.Category] = k
		}
		c.catOf[i] = k
		if _, dup := c.idx[f.ID]; dup {
			continue
		}
		c.idx[f.ID] = i
		c.byPrio = append(c.byPrio, i)
		for _, t := range f.Triggers {
			if t.Event == "" || t.Window <= 0 || t.Weight <= 0 {
				continue
			}
			name := ruleName(t)
			key := fmt.Sprintf("%s#%v", name, t.Weight)
			g := groups[key]
			if g == nil {
				g = &ruleGroup{t: t, rule: name}
				for _, k := range slices.Sorted(maps.Keys(t.Attrs)) {
					g.attrs = append(g.attrs, [2]string{k, t.Attrs[k]})
				}
				groups[key] = g
				c.byType[t.Event] = append(c.byType[t.Event], g)
			}
			if !slices.Contains(g.faqs, i) {
				g.faqs = append(g.faqs, i)
			}
			c.maxWindow = max(c.maxWindow, time.Duration(t.Window))
		}
	}
	c.nCats = len(cats)
	slices.SortFunc(c.byPrio, func(a, b int) int {
		if faqs[a].Priority != faqs[b].Priority {
			return faqs[b].Priority - faqs[a].Priority
		}
		return strings.Compare(faqs[a].ID, faqs[b].ID)
	})
	return c
}

// loadCatalog reads every entry of cat.
func loadCatalog(ctx context.Context, cat Catalog) (*catalog, error) {
	faqs, err := cat.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("recommend: read catalog: %w", err)
	}
	return newCatalog(faqs), nil
}

func ruleName(t kb.Trigger) string {
	var b strings.Builder
	b.WriteString(t.Event)
	if len(t.Attrs) > 0 {
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(t.Attrs)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k + "=" + t.Attrs[k])
		}
		b.WriteByte('}')
	}
	fmt.Fprintf(&b, "/%s", formatWindow(time.Duration(t.Window)))
	return b.String()
}

func formatWindow(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// matches reports whether an event's attributes have every value of g's
// trigger.
func (g *ruleGroup) matches(have map[string]string) bool {
	for _, kv := range g.attrs {
		if have[kv[0]] != kv[1] {
			return false
		}
	}
	return true
}
