// Package topk selects the k best of many values under a caller's order: a
// bounded heap that keeps the k best so far, for the selections where k is
// much smaller than the number of values (the best candidates of a
// recommendation, of a search, of a model's neighbours).
//
// The order is a function before(a, b) that reports whether a ranks ahead
// of b. It must be a strict total order over the values: break ties in the
// score with an index or an id, as the callers here do, and the result is
// the same whatever order the values come in. Results are best first.
//
//	top := topk.New(10, func(a, b hit) bool {
//		if a.score != b.score {
//			return a.score > b.score
//		}
//		return a.id < b.id
//	}, nil)
//	for _, h := range hits {
//		top.Push(h)
//	}
//	best := top.Sorted()
//
// [Select] does the same in place for values already in a slice.
//
// # Concurrency
//
// A [Top] is not safe for concurrent use.
package topk

// Top keeps the k best values pushed. The zero Top keeps nothing; make one
// with [New].
type Top[T any] struct {
	before func(a, b T) bool
	k      int
	h      []T // a heap with the worst kept value at h[0]
}

// New returns a Top that keeps the k best values by before (a strict total
// order: before(a, b) reports whether a ranks ahead of b). It keeps them in
// buf's array when that is large enough (buf's contents are ignored); buf
// may be nil. k ≤ 0 keeps nothing.
func New[T any](k int, before func(a, b T) bool, buf []T) Top[T] {
	return Top[T]{before: before, k: max(k, 0), h: buf[:0]}
}

// Push offers x. When that leaves a value out — x itself, or the worst
// kept value, which x replaces — Push returns it with ok true.
func (t *Top[T]) Push(x T) (dropped T, ok bool) {
	h := t.h
	switch {
	case len(h) < t.k:
		h = append(h, x)
		up(h, len(h)-1, t.before)
		t.h = h
		return dropped, false
	case len(h) == 0 || !t.before(x, h[0]):
		return x, true
	}
	dropped, h[0] = h[0], x
	down(h, 0, t.before)
	return dropped, true
}

// Len returns how many values t keeps: the number pushed, at most k.
func (t *Top[T]) Len() int { return len(t.h) }

// Full reports whether t keeps k values (k > 0): from then on a value gets
// in only if it ranks ahead of [Top.Worst]. In a hot loop where most
// values are left out, testing that first with a direct call of the order
// saves Push's call and its indirect call of before:
//
//	if top.Full() && !before(x, top.Worst()) {
//		continue
//	}
//	top.Push(x)
func (t *Top[T]) Full() bool { return len(t.h) == t.k && t.k > 0 }

// Worst returns the worst value t keeps, the one the next better value
// will replace when t holds k. t must not be empty.
func (t *Top[T]) Worst() T { return t.h[0] }

// Sorted returns the values t keeps, best first, and empties t. The slice
// is the caller's (it shares buf's array when New could use it).
func (t *Top[T]) Sorted() []T {
	h := t.h
	sortHeap(h, t.before)
	t.h = nil
	return h
}

// Values returns the values t keeps in no particular order, and empties t,
// for a caller that sorts them its own way.
func (t *Top[T]) Values() []T {
	h := t.h
	t.h = nil
	return h
}

// Select reorders xs so that it starts with its k best values by before (a
// strict total order, as for [New]), best first, and returns them:
// xs[:min(k, len(xs))]. The rest of xs holds the other values in no
// particular order. Select allocates nothing.
func Select[T any](xs []T, k int, before func(a, b T) bool) []T {
	k = max(0, min(k, len(xs)))
	if k == 0 {
		return xs[:0]
	}
	h := xs[:k]
	for i := k/2 - 1; i >= 0; i-- {
		down(h, i, before)
	}
	for i := k; i < len(xs); i++ {
		if before(xs[i], h[0]) {
			h[0], xs[i] = xs[i], h[0]
			down(h, 0, before)
		}
	}
	sortHeap(h, before)
	return h
}

// The heap keeps the worst value at the root: a parent never ranks ahead
// of its children.

// up moves h[i] towards the root while it is worse than its parent.
func up[T any](h []T, i int, before func(a, b T) bool) {
	for i > 0 {
		p := (i - 1) / 2
		if !before(h[p], h[i]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// down moves h[i] away from the root while a child is worse.
func down[T any](h []T, i int, before func(a, b T) bool) {
	for {
		w, l := i, 2*i+1
		if l >= len(h) {
			return
		}
		if before(h[w], h[l]) {
			w = l
		}
		if r := l + 1; r < len(h) && before(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[i], h[w] = h[w], h[i]
		i = w
	}
}

// sortHeap sorts heap h best first: the worst goes last, then the worst of
// the rest, and so on.
func sortHeap[T any](h []T, before func(a, b T) bool) {
	for end := len(h) - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		down(h[:end], 0, before)
	}
}
