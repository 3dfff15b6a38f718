package kb

import (
	"context"
	"fmt"
	"slices"
)

// sameCategoryBonus is added to a related entry's score when it shares the
// entry's category: recommend wants neighbours from the same topic first.
const sameCategoryBonus = 0.5

// Related returns up to limit entries most like the entry id (more like
// this), best first, never the entry itself: each of its texts is searched
// as a query, an entry keeps its best score over those searches, and
// entries of the same category get a small bonus. Each hit's Matched and
// Fragment describe the related entry's text that matched best. limit 0
// means 10. An unknown id is an error wrapping [ErrNotFound].
func (ix *Index) Related(ctx context.Context, id string, limit int) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kb: related: %w", err)
	}
	if limit < 0 {
		return nil, fmt.Errorf("kb: related: negative limit %d", limit)
	}
	if limit == 0 {
		limit = 10
	}
	g, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	g.mu.RLock()
	self := g.entries[id]
	g.mu.RUnlock()
	if self == nil {
		return nil, fmt.Errorf("kb: related: %w: %q", ErrNotFound, id)
	}
	best := map[string]*candidate{}
	query := map[string]*analysis{}
	for k := range self.texts {
		qa := &self.texts[k]
		cands, err := ix.candidates(ctx, g, qa, "", nil, id, max(limit, ix.opts.candidates), nil)
		if err != nil {
			return nil, err
		}
		rq := g.prepareQuery(qa)
		g.score(cands, rq.query(), nil)
		rq.release()
		for _, c := range cands {
			if c.e.faq.Category != "" && c.e.faq.Category == self.faq.Category {
				c.score += sameCategoryBonus
			}
			if b := best[c.e.faq.ID]; b == nil || c.score > b.score {
				best[c.e.faq.ID] = c
				query[c.e.faq.ID] = qa
			}
		}
	}
	cands := make([]*candidate, 0, len(best))
	for _, c := range best {
		cands = append(cands, c)
	}
	slices.SortFunc(cands, byRank)
	if len(cands) > limit {
		cands = cands[:limit]
	}
	out := make([]Hit, 0, len(cands))
	for _, c := range cands {
		out = append(out, hits([]*candidate{c}, query[c.e.faq.ID], 1, nil, 0)...)
	}
	return out, nil
}
