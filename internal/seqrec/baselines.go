package seqrec

import (
	"maps"
	"slices"
)

// itemSet is a sorted item vocabulary shared by the baselines.
type itemSet struct {
	items []string
	idx   map[string]int
}

func newItemSet(train [][]Step, isTarget func(string) bool) itemSet {
	set := map[string]bool{}
	for _, seq := range train {
		for _, s := range seq {
			if isTarget == nil || isTarget(s.Token) {
				set[s.Token] = true
			}
		}
	}
	is := itemSet{items: slices.Sorted(maps.Keys(set)), idx: map[string]int{}}
	for i, it := range is.items {
		is.idx[it] = i
	}
	return is
}

// ItemIndex maps an item token to its id.
func (s *itemSet) ItemIndex(token string) (int, bool) {
	i, ok := s.idx[token]
	return i, ok
}

// Popularity scores every item by how often it was a target in training,
// whatever the history: the non-personalized baseline. It is read-only
// after construction and safe for concurrent use.
type Popularity struct {
	itemSet
	count []float64
}

// NewPopularity counts the targets (isTarget; nil means every token) of
// train.
func NewPopularity(train [][]Step, isTarget func(string) bool) *Popularity {
	p := &Popularity{itemSet: newItemSet(train, isTarget)}
	p.count = make([]float64, len(p.items))
	for _, seq := range train {
		for _, s := range seq {
			if i, ok := p.idx[s.Token]; ok {
				p.count[i]++
			}
		}
	}
	return p
}

// Scores returns every item's training count; history is ignored.
func (p *Popularity) Scores(_ []Step, _ int64, dst []float64) []float64 {
	return append(dst[:0], p.count...)
}

// Transition is the first-order Markov baseline: an item scores how often
// it directly followed the history's last token in training. Popularity,
// scaled below one transition, breaks ties, so items never seen after that
// token rank by popularity instead of tying. It is read-only after
// construction and safe for concurrent use.
type Transition struct {
	itemSet
	pop  []float64
	next map[string][]edge // previous token → following items, sorted
}

// NewTransition counts the direct transitions into targets (isTarget; nil
// means every token) in train.
func NewTransition(train [][]Step, isTarget func(string) bool) *Transition {
	t := &Transition{itemSet: newItemSet(train, isTarget), next: map[string][]edge{}}
	t.pop = make([]float64, len(t.items))
	acc := map[string]map[int32]float64{}
	for _, seq := range train {
		for j, s := range seq {
			b, ok := t.idx[s.Token]
			if !ok {
				continue
			}
			t.pop[b]++
			if j == 0 {
				continue
			}
			prev := seq[j-1].Token
			if acc[prev] == nil {
				acc[prev] = map[int32]float64{}
			}
			acc[prev][int32(b)]++
		}
	}
	maxPop := slices.Max(append([]float64{1}, t.pop...))
	for i := range t.pop {
		t.pop[i] /= maxPop + 1 // < 1, below any transition count
	}
	for prev, row := range acc {
		es := make([]edge, 0, len(row))
		for b, w := range row {
			es = append(es, edge{b, w})
		}
		slices.SortFunc(es, func(x, y edge) int { return int(x.item - y.item) })
		t.next[prev] = es
	}
	return t
}

// Scores returns every item's transition count from the last history step
// plus its scaled popularity.
func (t *Transition) Scores(history []Step, _ int64, dst []float64) []float64 {
	dst = append(dst[:0], t.pop...)
	if len(history) == 0 {
		return dst
	}
	for _, e := range t.next[history[len(history)-1].Token] {
		dst[e.item] += e.w
	}
	return dst
}
