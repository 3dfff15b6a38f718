package rank

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// regTree is a regression tree over standardized features, stored as
// parallel node arrays: node i splits on feature feat[i] (z < thr[i] goes
// to left[i], else right[i]) or, when feat[i] < 0, is a leaf worth val[i].
type regTree struct {
	feat        []int
	thr         []float64
	left, right []int
	val         []float64
}

func (t *regTree) eval(z *[numFeatures]float64) float64 {
	i := 0
	for t.feat[i] >= 0 {
		if z[t.feat[i]] < t.thr[i] {
			i = t.left[i]
		} else {
			i = t.right[i]
		}
	}
	return t.val[i]
}

// treeFile is a tree's JSON form; features are named.
type treeFile struct {
	Feature   []string  `json:"feature"`
	Threshold []float64 `json:"threshold"`
	Left      []int     `json:"left"`
	Right     []int     `json:"right"`
	Value     []float64 `json:"value"`
}

func (t *regTree) file() treeFile {
	f := treeFile{Threshold: t.thr, Left: t.left, Right: t.right, Value: t.val}
	for _, j := range t.feat {
		name := ""
		if j >= 0 {
			name = featureNames[j]
		}
		f.Feature = append(f.Feature, name)
	}
	return f
}

func treeFromFile(f treeFile) (regTree, error) {
	n := len(f.Feature)
	if n == 0 || len(f.Threshold) != n || len(f.Left) != n || len(f.Right) != n || len(f.Value) != n {
		return regTree{}, fmt.Errorf("tree with %d features, %d thresholds, %d left, %d right, %d values",
			n, len(f.Threshold), len(f.Left), len(f.Right), len(f.Value))
	}
	t := regTree{thr: f.Threshold, left: f.Left, right: f.Right, val: f.Value, feat: make([]int, n)}
	for i, name := range f.Feature {
		if name == "" {
			t.feat[i] = -1
			continue
		}
		j := slices.Index(featureNames[:], name)
		if j < 0 {
			return regTree{}, fmt.Errorf("tree node %d: unknown feature %q", i, name)
		}
		// Children must come after their parent, so eval always ends.
		if t.left[i] <= i || t.right[i] <= i || t.left[i] >= n || t.right[i] >= n {
			return regTree{}, fmt.Errorf("tree node %d: bad children %d, %d", i, t.left[i], t.right[i])
		}
		t.feat[i] = j
	}
	for i := range n {
		if math.IsNaN(t.thr[i]) || math.IsNaN(t.val[i]) || math.IsInf(t.val[i], 0) {
			return regTree{}, fmt.Errorf("tree node %d: bad threshold or value", i)
		}
	}
	return t, nil
}

// Tree boosting parameters (see TrainConfig.Trees).
const (
	treeBins       = 48
	treeLambda     = 1.0
	treeMinHessian = 2.0
)

// fitTrees adds cfg.Trees gradient-boosted trees to r, each fitted by
// Newton steps to the softmax cross-entropy of the lists' positives given
// r's current scores. lists hold standardized features.
func fitTrees(ctx context.Context, r *Model, lists []List, cfg TrainConfig) error {
	var rows int
	for _, l := range lists {
		rows += len(l.x)
	}
	// Bin every feature by quantiles of its values.
	cuts := make([][]float64, numFeatures)
	bins := make([][numFeatures]uint8, 0, rows)
	vals := make([]float64, 0, rows)
	for j := range numFeatures {
		vals = vals[:0]
		for _, l := range lists {
			for _, x := range l.x {
				vals = append(vals, x[j])
			}
		}
		slices.Sort(vals)
		var c []float64
		for b := 1; b < treeBins; b++ {
			v := vals[b*len(vals)/treeBins]
			if v > vals[0] && (len(c) == 0 || v > c[len(c)-1]) {
				c = append(c, v)
			}
		}
		cuts[j] = c
	}
	score := make([]float64, 0, rows)
	for _, l := range lists {
		for _, x := range l.x {
			var b [numFeatures]uint8
			for j := range numFeatures {
				b[j] = uint8(sortSearch(cuts[j], x[j]))
			}
			bins = append(bins, b)
			score = append(score, r.linearScore(&x))
		}
	}
	grad := make([]float64, rows)
	hess := make([]float64, rows)
	idx := make([]int32, rows)
	depth := cfg.Depth
	for range cfg.Trees {
		if err := ctx.Err(); err != nil {
			return err
		}
		off := 0
		for _, l := range lists {
			s := score[off : off+len(l.x)]
			mx := slices.Max(s)
			z := 0.0
			for _, v := range s {
				z += math.Exp(v - mx)
			}
			for j, v := range s {
				p := math.Exp(v-mx) / z
				g := p
				if j == l.pos {
					g--
				}
				grad[off+j] = g
				hess[off+j] = max(p*(1-p), 1e-6)
			}
			off += len(l.x)
		}
		for i := range idx {
			idx[i] = int32(i)
		}
		t := regTree{}
		var grow func(rows []int32, d int) int
		grow = func(rs []int32, d int) int {
			node := len(t.feat)
			t.feat = append(t.feat, -1)
			t.thr = append(t.thr, 0)
			t.left = append(t.left, 0)
			t.right = append(t.right, 0)
			t.val = append(t.val, 0)
			var G, H float64
			for _, i := range rs {
				G += grad[i]
				H += hess[i]
			}
			t.val[node] = -cfg.Shrinkage * G / (H + treeLambda)
			if d == depth || H < 2*treeMinHessian {
				return node
			}
			var hg, hh [numFeatures][treeBins]float64
			for _, i := range rs {
				g, h := grad[i], hess[i]
				b := &bins[i]
				for j := range numFeatures {
					hg[j][b[j]] += g
					hh[j][b[j]] += h
				}
			}
			parent := G * G / (H + treeLambda)
			bestGain, bestF, bestB := 1e-9, -1, 0
			for j := range numFeatures {
				var gl, hl float64
				for b := 0; b < len(cuts[j]); b++ {
					gl += hg[j][b]
					hl += hh[j][b]
					gr, hr := G-gl, H-hl
					if hl < treeMinHessian || hr < treeMinHessian {
						continue
					}
					gain := gl*gl/(hl+treeLambda) + gr*gr/(hr+treeLambda) - parent
					if gain > bestGain {
						bestGain, bestF, bestB = gain, j, b
					}
				}
			}
			if bestF < 0 {
				return node
			}
			// Rows with bin <= bestB go left: their value is below cuts[bestF][bestB].
			lo, hi := 0, len(rs)
			for lo < hi {
				if int(bins[rs[lo]][bestF]) <= bestB {
					lo++
				} else {
					hi--
					rs[lo], rs[hi] = rs[hi], rs[lo]
				}
			}
			t.feat[node], t.thr[node] = bestF, cuts[bestF][bestB]
			l := grow(rs[:lo], d+1)
			rgt := grow(rs[lo:], d+1)
			t.left[node], t.right[node] = l, rgt
			return node
		}
		grow(idx, 0)
		off = 0
		for _, l := range lists {
			for j := range l.x {
				score[off+j] += t.eval(&l.x[j])
			}
			off += len(l.x)
		}
		r.trees = append(r.trees, t)
	}
	return nil
}

// sortSearch returns the number of cuts at or below v, the bin of v:
// bin b holds values in [cuts[b-1], cuts[b]).
func sortSearch(cuts []float64, v float64) int {
	lo, hi := 0, len(cuts)
	for lo < hi {
		m := (lo + hi) / 2
		if cuts[m] <= v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// perfectTrees is a ranker's trees compiled for scoring: every tree padded
// to the same depth and stored as a perfect binary tree, so that a
// traversal is a fixed number of compare-and-index steps without branches
// to mispredict, and all trees share one array. A leaf above the full depth
// becomes inner nodes whose threshold is +Inf and whose leaves all hold its
// value, so the padding changes no score.
type perfectTrees struct {
	depth int
	inner []perfectNode // per tree, 2^depth - 1 nodes in heap order
	leaf  []float64     // per tree, 2^depth values
}

type perfectNode struct {
	thr  float64
	feat int32
}

// maxPerfectDepth bounds the depth compileTrees pads to; deeper trees are
// scored node by node.
const maxPerfectDepth = 10

// compileTrees returns trees in perfect form, or ok false when they are
// deeper than maxPerfectDepth.
func compileTrees(trees []regTree) (p perfectTrees, ok bool) {
	for i := range trees {
		p.depth = max(p.depth, treeDepth(&trees[i], 0))
	}
	if p.depth > maxPerfectDepth {
		return perfectTrees{}, false
	}
	nInner, nLeaf := 1<<p.depth-1, 1<<p.depth
	p.inner = make([]perfectNode, nInner*len(trees))
	p.leaf = make([]float64, nLeaf*len(trees))
	for i := range trees {
		t := &trees[i]
		inner, leaf := p.inner[i*nInner:(i+1)*nInner], p.leaf[i*nLeaf:(i+1)*nLeaf]
		var fill func(src, pos int)
		fill = func(src, pos int) {
			if pos >= nInner {
				leaf[pos-nInner] = t.val[src]
				return
			}
			if t.feat[src] < 0 {
				inner[pos] = perfectNode{thr: math.Inf(1)}
				fill(src, 2*pos+1)
				fill(src, 2*pos+2)
				return
			}
			inner[pos] = perfectNode{thr: t.thr[src], feat: int32(t.feat[src])}
			fill(t.left[src], 2*pos+1)
			fill(t.right[src], 2*pos+2)
		}
		fill(0, 0)
	}
	return p, true
}

// treeDepth is the number of inner nodes on the longest path from node i.
func treeDepth(t *regTree, i int) int {
	if t.feat[i] < 0 {
		return 0
	}
	return 1 + max(treeDepth(t, t.left[i]), treeDepth(t, t.right[i]))
}

// eval is the sum of the trees' values at z; it equals the sum of
// regTree.eval over the trees p was compiled from.
func (p *perfectTrees) eval(z *[numFeatures]float64) float64 {
	nInner, nLeaf := 1<<p.depth-1, 1<<p.depth
	s := 0.0
	for t := 0; t*nLeaf < len(p.leaf); t++ {
		inner := p.inner[t*nInner : (t+1)*nInner]
		i := 0
		for range p.depth {
			n := inner[i]
			// As regTree.eval: below the threshold goes left, anything
			// else (NaN included) right.
			right := 0
			if !(z[n.feat] < n.thr) {
				right = 1
			}
			i = 2*i + 1 + right
		}
		s += p.leaf[t*nLeaf+i-nInner]
	}
	return s
}

// evalBatch adds the trees' values at each of zs to out, tree by tree, in
// the order eval adds them.
func (p *perfectTrees) evalBatch(zs [][numFeatures]float64, out []float64) {
	nInner, nLeaf := 1<<p.depth-1, 1<<p.depth
	out = out[:len(zs)]
	if p.depth == 3 {
		p.evalBatch3(zs, out)
		return
	}
	for t := 0; t*nLeaf < len(p.leaf); t++ {
		inner := p.inner[t*nInner : (t+1)*nInner]
		leaf := p.leaf[t*nLeaf : (t+1)*nLeaf]
		for j := range zs {
			z := &zs[j]
			i := 0
			for range p.depth {
				n := inner[i]
				right := 0
				if !(z[n.feat] < n.thr) {
					right = 1
				}
				i = 2*i + 1 + right
			}
			out[j] += leaf[i-nInner]
		}
	}
}

// evalBatch3 is evalBatch for depth-3 trees (kb's default), unrolled so
// that a traversal keeps its state in registers.
func (p *perfectTrees) evalBatch3(zs [][numFeatures]float64, out []float64) {
	for t := 0; 8*t+8 <= len(p.leaf); t++ {
		in := (*[7]perfectNode)(p.inner[7*t : 7*t+7])
		leaf := (*[8]float64)(p.leaf[8*t : 8*t+8])
		for j := range zs {
			z := &zs[j]
			// As regTree.eval: below the threshold goes left, anything
			// else (NaN included) right.
			i := right(z[in[0].feat], in[0].thr)
			n := &in[1+i]
			i = 2*i + right(z[n.feat], n.thr)
			n = &in[3+i]
			i = 2*i + right(z[n.feat], n.thr)
			out[j] += leaf[i&7]
		}
	}
}

// right is 1 when a traversal at value v goes right of threshold thr.
func right(v, thr float64) int {
	if v < thr {
		return 0
	}
	return 1
}
