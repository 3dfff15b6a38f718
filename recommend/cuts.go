package recommend

import (
	"cmp"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// How a numeric attribute's cut points are chosen. Each value the log
// gives the attribute is paired with its outcome: the questions the same
// user asked within cutWindow after the event. The cuts are the ones under
// which the bucket a value falls in best predicts, question by question,
// whether it is asked: for each question a Bernoulli rate per bucket
// (additively smoothed), and the log-likelihood of the outcomes gained
// over one rate for all values. Gains are counted as the Bayesian
// information criterion would for a model that gives a question rates of
// its own per bucket only where that pays: a question's gain counts only
// beyond ½·log n per cut (its extra rates), and each cut pays ½·log n more
// (its position). At most numericBuckets-1 cuts; an attribute whose value
// changes nothing gets none, and then gives no cause.
//
// Why per question and not one multinomial of "the next question, or
// none": a value typically raises one or two questions among a hundred.
// The multinomial pays (outcomes-1)/2·log n per cut for all of them and
// buries a question that is rare overall, however concentrated: on the
// help-center-live log the installment question after large Huabei
// payments scored as much as a merchant id's noise (28 nats under a
// penalty of 94), while per question it scores 86 and the merchant ids 2
// at most.
//
// The search places cuts greedily on a grid of candidates at quantiles of
// the values; each cut then moves to its best position among the values
// near it, and last to the roundest number its likelihood allows (50000
// rather than 49873.15: the threshold an operator would have written).
// Everything is deterministic.
const (
	// cutWindow (seconds) is how long after an event its outcome's asks
	// come. A need an event raises is asked about within hours (on the
	// help-center-live log, 89% of the limit questions that follow a
	// transfer of 50,000 or more come within 24 h, half within 1.3 h),
	// while questions with no logged cause follow at any time (a third of
	// those within 24 h): a day keeps most of the signal and leaves most
	// of the noise out. (Three and seven days find the same cuts there,
	// less sharply.)
	cutWindow = 24 * 60 * 60
	// cutSamples caps the (value, outcome) samples kept per attribute: a
	// seeded reservoir sample of the log's values.
	cutSamples = 1 << 15
	// cutAsks caps the questions of one outcome: the first distinct ones.
	cutAsks = 4
	// cutQuestions caps the questions told apart per attribute: the most
	// frequent in its samples; the others count as one ("another
	// question"). A catalog's worth: the question a value raises is often
	// rare overall (the installment question above ranks 61st among the
	// questions asked after a payment).
	cutQuestions = 128
	// cutCandidates caps the grid the greedy search places cuts on.
	cutCandidates = 64
	// cutMinBucket is the least number of samples in a bucket (and at
	// least 1% of them).
	cutMinBucket = 32
	// cutSmoothing is the pseudo-count of asking, and of not asking, a
	// question in a bucket.
	cutSmoothing = 0.5
	// cutSupport (nats) is how much score a cut may give up to sit at a
	// rounder number: 1.92, half the 95% point of χ² with one degree of
	// freedom, so the number lies in the 95% support interval for the
	// cut.
	cutSupport = 1.92
)

// cutSample is one value of a numeric attribute and its outcome: the
// learner's numbers (from 1) of the questions asked, 0 after the last.
type cutSample struct {
	x  float64
	qs [cutAsks]int32
}

// reservoir keeps a uniform sample of at most cutSamples of the values
// added to it, drawn with its own seeded generator: the same values in the
// same order give the same sample.
type reservoir struct {
	seen int
	s    []cutSample
	rng  *rand.Rand
}

// newReservoir returns the reservoir of attribute key under seed.
func newReservoir(seed uint64, key string) *reservoir {
	h := fnv.New64a()
	h.Write([]byte(key))
	return &reservoir{rng: rand.New(rand.NewPCG(seed, h.Sum64()))}
}

func (r *reservoir) add(c cutSample) {
	r.seen++
	if len(r.s) < cutSamples {
		r.s = append(r.s, c)
	} else if j := r.rng.IntN(r.seen); j < cutSamples {
		r.s[j] = c
	}
}

// chooseCuts returns at most maxCuts ascending cut points for samples (it
// sorts them), or none when no cut is worth its penalty.
func chooseCuts(samples []cutSample, maxCuts int) []float64 {
	// By value alone: cuts fall between distinct values, so the order of
	// equal ones changes nothing. (Values are never NaN.)
	slices.SortFunc(samples, func(a, b cutSample) int { return cmp.Compare(a.x, b.x) })
	c := newCutter(samples)
	if c == nil || maxCuts <= 0 {
		return nil
	}
	pos := c.greedy(maxCuts)
	// Settled, one cut fewer can score higher (two cuts either side of a
	// threshold the grid missed, each kept from it by the least bucket
	// size): while removing one and settling the others does, it goes.
	c.settle(pos)
	for score := c.score(pos); len(pos) > 0; {
		var best []int
		for i := range pos {
			p := slices.Delete(slices.Clone(pos), i, i+1)
			c.settle(p)
			if s := c.score(p); s > score {
				best, score = p, s
			}
		}
		if best == nil {
			break
		}
		pos = best
	}
	if len(pos) == 0 {
		return nil
	}
	cuts := make([]float64, len(pos))
	for i := range pos {
		pos[i], cuts[i] = c.refine(pos, i, true)
	}
	return cuts
}

// cutter holds sorted samples with their outcomes in dense classes.
type cutter struct {
	xs      []float64
	cls     []uint8 // cutAsks classes per sample, noClass after the last
	k       int     // classes
	total   []int   // samples per class
	minSize int     // samples per bucket
	half    float64 // ½·log n
	grid    []int   // candidate positions, ascending
	check   [][]int // check[j]: the samples per class before j·checkEvery
	// klog[k] is k·log(k+α), nlog[n] n·log(n+2α), for binLL.
	klog, nlog []float64
}

// checkEvery is the spacing of the cutter's running counts.
const checkEvery = 256

const noClass = math.MaxUint8

// newCutter returns a cutter for sorted samples, or nil when they cannot
// be cut: too few, or no question asked.
func newCutter(s []cutSample) *cutter {
	n := len(s)
	c := &cutter{xs: make([]float64, n), cls: make([]uint8, n*cutAsks), minSize: max(cutMinBucket, n/100),
		half: math.Log(float64(n)) / 2}
	if n < 2*c.minSize {
		return nil
	}
	count := map[int32]int{}
	for _, x := range s {
		for _, q := range x.qs {
			if q != 0 {
				count[q]++
			}
		}
	}
	if len(count) == 0 {
		return nil
	}
	// Classes: the most frequent questions (ties by number), then the
	// others together.
	qs := make([]int32, 0, len(count))
	for q := range count {
		qs = append(qs, q)
	}
	slices.SortFunc(qs, func(a, b int32) int { return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b)) })
	classOf := make(map[int32]uint8, len(qs))
	for i, q := range qs {
		classOf[q] = uint8(min(i, cutQuestions))
	}
	c.k = min(len(qs), cutQuestions+1)
	c.total = make([]int, c.k)
	for i, x := range s {
		c.xs[i] = x.x
		row := c.cls[i*cutAsks : (i+1)*cutAsks]
		j := 0
		for _, q := range x.qs {
			if q == 0 {
				break
			}
			if cl := classOf[q]; !slices.Contains(row[:j], cl) {
				row[j] = cl
				j++
				c.total[cl]++
			}
		}
		for ; j < cutAsks; j++ {
			row[j] = noClass
		}
	}
	c.grid = c.candidates()
	c.klog, c.nlog = make([]float64, n+1), make([]float64, n+1)
	for i := 1; i <= n; i++ {
		c.klog[i] = float64(i) * math.Log(float64(i)+cutSmoothing)
		c.nlog[i] = float64(i) * math.Log(float64(i)+2*cutSmoothing)
	}
	run := make([]int, c.k)
	for i := 0; i < n; i += checkEvery {
		c.check = append(c.check, slices.Clone(run))
		c.addCounts(run, i, min(i+checkEvery, n), 1)
	}
	return c
}

// countsIn sets counts to the samples per class from lo to hi.
func (c *cutter) countsIn(counts []int, lo, hi int) {
	clear(counts)
	c.countsBefore(counts, hi, 1)
	c.countsBefore(counts, lo, -1)
}

// countsBefore adds sign times the samples per class before i to counts.
func (c *cutter) countsBefore(counts []int, i, sign int) {
	j := i / checkEvery
	if j == len(c.check) { // i == n, a multiple of checkEvery
		j--
	}
	for q, k := range c.check[j] {
		counts[q] += sign * k
	}
	c.addCounts(counts, j*checkEvery, i, sign)
}

// isGap reports whether a cut may sit before sample g: between two
// distinct values.
func (c *cutter) isGap(g int) bool { return g > 0 && g < len(c.xs) && c.xs[g-1] < c.xs[g] }

// candidates returns up to cutCandidates cut positions at quantiles, each
// the first gap at or after its quantile that leaves room for a bucket on
// both sides.
func (c *cutter) candidates() []int {
	n := len(c.xs)
	var out []int
	for q := 1; q <= cutCandidates; q++ {
		g := max(n*q/(cutCandidates+1), c.minSize)
		for g <= n-c.minSize && !c.isGap(g) {
			g++
		}
		if g > n-c.minSize {
			break
		}
		if len(out) == 0 || g > out[len(out)-1] {
			out = append(out, g)
		}
	}
	return out
}

// binLL is the log-likelihood of a question asked after k of n samples
// at the bucket's smoothed rate p = (k+α)/(n+2α): k·log p + (n-k)·log(1-p).
func (c *cutter) binLL(k, n int) float64 { return c.klog[k] + c.klog[n-k] - c.nlog[n] }

// addCounts adds the classes of samples lo to hi to counts.
func (c *cutter) addCounts(counts []int, lo, hi int, sign int) {
	for _, cl := range c.cls[lo*cutAsks : hi*cutAsks] {
		if cl != noClass {
			counts[cl] += sign
		}
	}
}

// gains sets g[q] to what the buckets pos makes add to question q's
// log-likelihood.
func (c *cutter) gains(pos []int, g []float64) {
	for q := range g {
		g[q] = -c.binLL(c.total[q], len(c.xs))
	}
	counts := make([]int, c.k)
	lo := 0
	for i := 0; i <= len(pos); i++ {
		hi := len(c.xs)
		if i < len(pos) {
			hi = pos[i]
		}
		c.countsIn(counts, lo, hi)
		for q, k := range counts {
			g[q] += c.binLL(k, hi-lo)
		}
		lo = hi
	}
}

// sparseScore is the score of per-question gains g under cuts cuts: each
// question's gain beyond its rates' penalty, less the cuts' positions'.
func (c *cutter) sparseScore(g []float64, cuts int) float64 {
	pen := float64(cuts) * c.half
	s := -pen
	for _, x := range g {
		s += max(0, x-pen)
	}
	return s
}

// score is the score of the buckets pos makes.
func (c *cutter) score(pos []int) float64 {
	g := make([]float64, c.k)
	c.gains(pos, g)
	return c.sparseScore(g, len(pos))
}

// greedy places at most maxCuts cuts on the grid, one at a time, each
// where it raises the score most, while one does.
func (c *cutter) greedy(maxCuts int) []int {
	var pos []int
	best := c.score(nil)
	for len(pos) < maxCuts {
		var next []int
		for _, g := range c.grid {
			i, found := slices.BinarySearch(pos, g)
			if found || i > 0 && g-pos[i-1] < c.minSize || i < len(pos) && pos[i]-g < c.minSize {
				continue
			}
			p := slices.Insert(slices.Clone(pos), i, g)
			if s := c.score(p); s > best {
				best, next = s, p
			}
		}
		if next == nil {
			break
		}
		pos = next
	}
	return pos
}

// settle moves each cut of pos to its best position near it, in turn,
// until none moves (at most three rounds).
func (c *cutter) settle(pos []int) {
	for range 3 {
		moved := false
		for i := range pos {
			p, _ := c.refine(pos, i, false)
			moved = moved || p != pos[i]
			pos[i] = p
		}
		if !moved {
			return
		}
	}
}

// refine returns the best position for cut i, the others staying, among
// the gaps between the grid candidates either side of it (and a bucket
// from its neighbours), and its cut point (the number between the values
// either side of it). With round, the position is the one whose cut point
// is the roundest number among those within cutSupport of the best (the
// higher score on a tie).
func (c *cutter) refine(pos []int, i int, round bool) (int, float64) {
	lo, hi := 0, len(c.xs)
	if i > 0 {
		lo = pos[i-1]
	}
	if i+1 < len(pos) {
		hi = pos[i+1]
	}
	j, _ := slices.BinarySearch(c.grid, pos[i])
	from, to := lo, hi
	if j > 0 {
		from = max(from, c.grid[j-1])
	}
	if j+1 < len(c.grid) && c.grid[j] == pos[i] {
		to = min(to, c.grid[j+1])
	} else if j < len(c.grid) && c.grid[j] > pos[i] {
		to = min(to, c.grid[j])
	}
	from, to = max(from, lo+c.minSize), min(to, hi-c.minSize)
	// What the other buckets give each question stays; the two either
	// side of the cut change as it moves.
	base := make([]float64, c.k)
	c.gains(slices.Delete(slices.Clone(pos), i, i+1), base)
	left, right := make([]int, c.k), make([]int, c.k)
	c.countsIn(right, lo, hi)
	for q := range base {
		base[q] -= c.binLL(right[q], hi-lo)
	}
	c.countsIn(left, lo, from)
	c.countsIn(right, from, hi)
	g := make([]float64, c.k)
	type option struct {
		at    int
		score float64
	}
	var opts []option
	best := math.Inf(-1)
	for at := from; at <= to; at++ {
		if at > from {
			c.addCounts(left, at-1, at, 1)
			c.addCounts(right, at-1, at, -1)
		}
		if !c.isGap(at) {
			continue
		}
		for q := range g {
			g[q] = base[q] + c.binLL(left[q], at-lo) + c.binLL(right[q], hi-at)
		}
		s := c.sparseScore(g, len(pos))
		opts = append(opts, option{at, s})
		best = max(best, s)
	}
	at, score, bestExp := pos[i], math.Inf(-1), math.MinInt
	for _, o := range opts {
		e := 0
		if round {
			if o.score < best-cutSupport {
				continue
			}
			_, e = roundIn(c.xs[o.at-1], c.xs[o.at])
		}
		if e > bestExp || e == bestExp && o.score > score {
			at, score, bestExp = o.at, o.score, e
		}
	}
	return at, roundCut(c.xs[at-1], c.xs[at])
}

// roundCut is the cut point between neighbouring values a < b.
func roundCut(a, b float64) float64 {
	x, _ := roundIn(a, b)
	return x
}

// roundIn returns the roundest number x with a < x ≤ b (a < b) — a
// multiple of the largest power of ten that has one there, the one nearest
// the middle — and that power's exponent. Where floating point leaves no
// such decimal it returns b.
func roundIn(a, b float64) (float64, int) {
	mid := a/2 + b/2
	top := int(math.Floor(math.Log10(max(math.Abs(a), math.Abs(b))))) + 1
	for e := top; e >= -15; e-- {
		p := math.Pow10(e)
		lo, hi := math.Floor(a/p)+1, math.Floor(b/p)
		if lo > hi {
			continue
		}
		x := min(max(math.Round(mid/p), lo), hi) * p
		if e < 0 { // the nearest float to the decimal
			x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'f', -e, 64), 64)
		}
		if a < x && x <= b {
			return x, e
		}
	}
	return b, math.MinInt
}
