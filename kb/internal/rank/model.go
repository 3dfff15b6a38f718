package rank

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Model is a ranker: the model that scores one text of a candidate entry
// from its features, and the learned tables some features need. A Model is
// immutable once built (Read, Train) and safe for concurrent use.
type Model struct {
	mean, scale [numFeatures]float64
	// score = w·z + Σ_h out[h]·tanh(hbias[h] + hidden[h]·z) + Σ trees(z),
	// z the standardized features; linear when hidden and trees are empty.
	w      [numFeatures]float64
	hidden [][numFeatures]float64
	hbias  []float64
	out    []float64
	// assoc, when set, is the learned word-association table behind the
	// assoc_* features.
	assoc *assoc
	// contrast, when set, is the learned word-contrast model behind the
	// contrast* features.
	contrast *contrast
	// trees are gradient-boosted regression trees over the standardized
	// features, added to the score.
	trees []regTree
	// perfect holds trees compiled for scoring when perfectOK (see
	// compile).
	perfect   perfectTrees
	perfectOK bool
	note      string
	// calib, when set, turns scores into confidences (see Calibration).
	calib *Calibration
	// batches and queries pool search scratch space (see scoreBatch and
	// NewQuery).
	batches sync.Pool
	queries sync.Pool
}

// newModel returns a model whose every feature has mean 0 and scale 1.
func newModel(note string) *Model {
	m := &Model{note: note}
	for i := range m.scale {
		m.scale[i] = 1
	}
	return m
}

// Note is the free text stored with the model (how it was trained).
func (m *Model) Note() string { return m.note }

// Calibration returns the model's calibration, if it has one.
func (m *Model) Calibration() (Calibration, bool) {
	if m.calib == nil {
		return Calibration{}, false
	}
	return *m.calib, true
}

// WithCalibration returns a copy of m that computes confidences with c; m
// is unchanged.
func (m *Model) WithCalibration(c Calibration) *Model {
	out := &Model{mean: m.mean, scale: m.scale, w: m.w, hidden: m.hidden, hbias: m.hbias, out: m.out,
		assoc: m.assoc, contrast: m.contrast, trees: m.trees, note: m.note, calib: &c}
	out.compile()
	return out
}

// compile prepares m's trees for fast scoring; call it whenever m.trees
// changes.
func (m *Model) compile() { m.perfect, m.perfectOK = compileTrees(m.trees) }

// Check reports values that would make scores meaningless.
func (m *Model) Check() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for i := range numFeatures {
		if bad(m.mean[i]) || bad(m.w[i]) || bad(m.scale[i]) || m.scale[i] <= 0 {
			return fmt.Errorf("feature %q: bad mean, scale or weight", featureNames[i])
		}
		for h := range m.hidden {
			if bad(m.hidden[h][i]) {
				return fmt.Errorf("hidden unit %d: bad weight", h)
			}
		}
	}
	for h := range m.hidden {
		if bad(m.hbias[h]) || bad(m.out[h]) {
			return fmt.Errorf("hidden unit %d: bad weight", h)
		}
	}
	return nil
}

// checkModels reports a model feature m was trained on (its mean and
// scale show it had values) when m lacks the model that computes it:
// without the model the feature is 0, so the file has lost part of what it
// was trained with (an edited or merged file) and its scores would be
// meaningless. A ranker trained without the model saw only zeros there
// (mean 0, scale 1); so did one from before kb had the feature.
func (m *Model) checkModels() error {
	trained := func(j int) bool { return m.mean[j] != 0 || m.scale[j] != 1 }
	for _, t := range []struct {
		name        string
		has         bool
		first, last int
	}{
		{"association table (assoc)", m.assoc != nil, firstAssocFeature, firstShapeFeature},
		{"contrast model (contrast)", m.contrast != nil, firstContrastFeature, firstContrastFeature + numContrastFeatures},
	} {
		if t.has {
			continue
		}
		for j := t.first; j < t.last; j++ {
			if trained(j) {
				return fmt.Errorf("feature %q was trained on, but the file has no %s", featureNames[j], t.name)
			}
		}
	}
	return nil
}

// Candidate is an entry the first stage found, as Score reads it.
type Candidate struct {
	// Texts are the entry's texts, its question first.
	Texts []Text
	// BM25 is each text's first-stage score, 0 for a text the first
	// stage did not return.
	BM25 []float64
	// Rank is the entry's first-stage rank, from 0.
	Rank int
}

// parallelTexts is the number of candidate texts from which Score splits
// the work over two goroutines: below it, starting a goroutine costs more
// than it saves.
const parallelTexts = 24

// Score returns m's score of every text of cands for q, candidate by
// candidate, each candidate's texts in order. top is the query's best
// first-stage score (BM25 is divided by it), st the Stats the texts are
// counted in: the caller keeps them still (holds the index's read lock)
// until Score returns. Score first prepares q's term IDFs for st, then
// computes each text's features in a fresh vector and scores them in
// batches (see scoreBatch, which scores each vector on its own). With more
// than one processor and enough texts, it splits the texts in two halves
// scored on two goroutines, each with its own batch; q, the texts, st and
// m are only read meanwhile.
func (m *Model) Score(q *Query, cands []*Candidate, top float64, st *Stats) []float64 {
	q.Prepare(st)
	n := 0
	for _, c := range cands {
		n += len(c.Texts)
	}
	// fill appends the feature vectors of cands' texts to b.xs.
	fill := func(b *scoreBatch, cands []*Candidate) {
		for _, c := range cands {
			for k := range c.Texts {
				b.xs = append(b.xs, [numFeatures]float64{})
				q.features(&b.xs[len(b.xs)-1], &c.Texts[k], k, c.BM25[k]/top, c.Rank, st)
			}
		}
	}
	b := m.getBatch()
	defer m.putBatch(b)
	if n < parallelTexts || runtime.GOMAXPROCS(0) < 2 {
		fill(b, cands)
		return slices.Clone(m.scoreBatch(b))
	}
	// Split where half of the texts are done.
	mid, at := 0, 0
	for mid < len(cands)-1 && 2*at < n {
		at += len(cands[mid].Texts)
		mid++
	}
	hb := m.getBatch()
	defer m.putBatch(hb)
	var wg sync.WaitGroup
	wg.Go(func() {
		fill(hb, cands[mid:])
		m.scoreBatch(hb)
	})
	fill(b, cands[:mid])
	mine := m.scoreBatch(b)
	wg.Wait()
	out := make([]float64, 0, n)
	out = append(out, mine...)
	return append(out, hb.out...)
}

// exactFeature is the index of the "exact" feature, exactBonus what a
// text whose folded form equals the query's adds to its score: such a
// text is what the user asked for, but the training sets hold no such
// pairs (AFQMC's paraphrases differ, the sample KB's folds are searched
// without their own texts), so the model cannot learn it and, from the
// association features, sometimes preferred a shorter text of another
// entry (花呗怎么提额 -> 借呗提额).
const (
	exactFeature = 21
	exactBonus   = 100
)

// score is the model's output for raw feature vector x.
func (m *Model) score(x *[numFeatures]float64) float64 {
	var z [numFeatures]float64
	for i := range numFeatures {
		z[i] = (x[i] - m.mean[i]) / m.scale[i]
	}
	return m.linearScore(&z) + m.treeScore(&z) + exactBonus*x[exactFeature]
}

// scoreBatch is the model's output for each raw feature vector of b.xs,
// the same as score gives; it returns b.out. Scoring tree by tree over all
// vectors lets the processor overlap the vectors' traversals.
func (m *Model) scoreBatch(b *scoreBatch) []float64 {
	n := len(b.xs)
	b.zs = slices.Grow(b.zs[:0], n)[:n]
	b.out = slices.Grow(b.out[:0], n)[:n]
	b.lin = slices.Grow(b.lin[:0], n)[:n]
	for j := range b.xs {
		z := &b.zs[j]
		for i := range numFeatures {
			z[i] = (b.xs[j][i] - m.mean[i]) / m.scale[i]
		}
		b.lin[j] = m.linearScore(z)
	}
	if m.perfectOK {
		clear(b.out)
		m.perfect.evalBatch(b.zs, b.out)
	} else {
		for j := range b.zs {
			b.out[j] = m.treeScore(&b.zs[j])
		}
	}
	for j := range b.out {
		b.out[j] = b.lin[j] + b.out[j] + exactBonus*b.xs[j][exactFeature]
	}
	return b.out
}

// scoreBatch holds a search's feature vectors and the scratch space
// Model.scoreBatch needs; searches reuse them through the model's pool.
type scoreBatch struct {
	xs, zs   [][numFeatures]float64
	lin, out []float64
}

func (m *Model) getBatch() *scoreBatch {
	if b, ok := m.batches.Get().(*scoreBatch); ok {
		return b
	}
	return &scoreBatch{}
}

func (m *Model) putBatch(b *scoreBatch) {
	b.xs = b.xs[:0]
	m.batches.Put(b)
}

// linearScore is the linear and hidden-unit part of the score of
// standardized features z.
func (m *Model) linearScore(z *[numFeatures]float64) float64 {
	s := 0.0
	for i := range numFeatures {
		s += m.w[i] * z[i]
	}
	for h := range m.hidden {
		a := m.hbias[h]
		for i := range numFeatures {
			a += m.hidden[h][i] * z[i]
		}
		s += m.out[h] * math.Tanh(a)
	}
	return s
}

// treeScore is the sum of m's trees at z.
func (m *Model) treeScore(z *[numFeatures]float64) float64 {
	if m.perfectOK {
		return m.perfect.eval(z)
	}
	s := 0.0
	for i := range m.trees {
		s += m.trees[i].eval(z)
	}
	return s
}
