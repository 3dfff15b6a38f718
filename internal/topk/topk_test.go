package topk_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/internal/topk"
)

type item struct {
	score float64
	id    int
}

var opts = gocmp.Options{gocmp.AllowUnexported(item{}), cmpopts.EquateEmpty()}

// before: higher score first, ties by smaller id.
func before(a, b item) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.id < b.id
}

// sortTruncate is the reference: sort everything, keep k.
func sortTruncate(xs []item, k int) []item {
	s := slices.Clone(xs)
	slices.SortFunc(s, func(a, b item) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return a.id - b.id
	})
	return s[:max(0, min(k, len(s)))]
}

// items returns n items with scores from few distinct values (many ties),
// ids 0..n-1 in shuffled order.
func items(r *rand.Rand, n, distinct int) []item {
	xs := make([]item, n)
	for i := range xs {
		xs[i] = item{float64(r.IntN(distinct)), i}
	}
	r.Shuffle(n, func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	return xs
}

func TestTable(t *testing.T) {
	xs := []item{{3, 0}, {1, 1}, {4, 2}, {1, 3}, {5, 4}, {9, 5}, {2, 6}, {6, 7}, {5, 8}, {3, 9}}
	for _, tt := range []struct {
		k    int
		want []int // ids
	}{
		{-1, nil},
		{0, nil},
		{1, []int{5}},
		{3, []int{5, 7, 4}},
		{5, []int{5, 7, 4, 8, 2}}, // 5 (id 4) before 5 (id 8)
		{9, []int{5, 7, 4, 8, 2, 0, 9, 6, 1}},
		{10, []int{5, 7, 4, 8, 2, 0, 9, 6, 1, 3}},
		{20, []int{5, 7, 4, 8, 2, 0, 9, 6, 1, 3}}, // k > n
	} {
		top := topk.New(tt.k, before, nil)
		for _, x := range xs {
			top.Push(x)
		}
		ids := func(s []item) []int {
			var out []int
			for _, x := range s {
				out = append(out, x.id)
			}
			return out
		}
		if d := gocmp.Diff(tt.want, ids(top.Sorted())); d != "" {
			t.Errorf("Top k=%d (-want +got):\n%s", tt.k, d)
		}
		if d := gocmp.Diff(tt.want, ids(topk.Select(slices.Clone(xs), tt.k, before))); d != "" {
			t.Errorf("Select k=%d (-want +got):\n%s", tt.k, d)
		}
	}
}

// TestAgainstSort compares both selections with sort-then-truncate on
// random inputs full of tied scores, in every arrival order the shuffle
// gives.
func TestAgainstSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	same := func(a, b []item) bool { return slices.Equal(a, b) }
	for range 2000 {
		n, k := r.IntN(60), r.IntN(70)-5
		xs := items(r, n, 1+r.IntN(8))
		want := sortTruncate(xs, k)

		top := topk.New(k, before, nil)
		var dropped []item
		for i, x := range xs {
			if d, ok := top.Push(x); ok {
				dropped = append(dropped, d)
			}
			if top.Len() != min(max(k, 0), i+1) || top.Full() != (k > 0 && i+1 >= k) {
				t.Fatalf("after %d pushes with k=%d: Len = %d, Full = %v", i+1, k, top.Len(), top.Full())
			}
		}
		if top.Len() > 0 {
			if w := top.Worst(); w != want[len(want)-1] {
				t.Fatalf("n=%d k=%d: Worst = %v, want %v", n, k, w, want[len(want)-1])
			}
		}
		got := top.Sorted()
		if !same(want, got) {
			t.Fatalf("n=%d k=%d: Sorted = %v, want %v", n, k, got, want)
		}
		if top.Len() != 0 {
			t.Fatal("Sorted did not empty the Top")
		}
		// Every value is kept or dropped, once.
		if all := append(slices.Clone(got), dropped...); !same(sortTruncate(xs, n), sortTruncate(all, n)) {
			t.Fatalf("n=%d k=%d: kept %v and dropped %v are not the input %v", n, k, got, dropped, xs)
		}

		// The fast path Full documents leaves the result as it is.
		fast := topk.New(k, before, nil)
		for _, x := range xs {
			if fast.Full() && !before(x, fast.Worst()) {
				continue
			}
			fast.Push(x)
		}
		if got := fast.Sorted(); !same(want, got) {
			t.Fatalf("n=%d k=%d: with the Full fast path = %v, want %v", n, k, got, want)
		}

		s := slices.Clone(xs)
		if sel := topk.Select(s, k, before); !same(want, sel) {
			t.Fatalf("n=%d k=%d: Select = %v, want %v", n, k, sel, want)
		}
		if !same(sortTruncate(xs, n), sortTruncate(s, n)) {
			t.Fatalf("n=%d k=%d: Select left %v, not a permutation of %v", n, k, s, xs)
		}
	}
}

func TestBufferReuse(t *testing.T) {
	xs := items(rand.New(rand.NewPCG(3, 4)), 1000, 50)
	buf := make([]item, 0, 10)
	allocs := testing.AllocsPerRun(20, func() {
		top := topk.New(10, before, buf)
		for _, x := range xs {
			top.Push(x)
		}
		buf = top.Sorted()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per selection with a large enough buffer", allocs)
	}
	if d := gocmp.Diff(sortTruncate(xs, 10), buf, opts); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	top := topk.New(3, before, buf)
	for _, x := range xs[:5] {
		top.Push(x)
	}
	if v := top.Values(); len(v) != 3 || &v[0] != &buf[0] || top.Len() != 0 {
		t.Errorf("Values = %v, want 3 values in buf's array and an empty Top", v)
	}
}

// BenchmarkTop compares the heap with sorting everything and truncating,
// for 10,000 values with many ties.
func BenchmarkTop(b *testing.B) {
	xs := items(rand.New(rand.NewPCG(5, 6)), 10_000, 1000)
	for _, k := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("k=%d/heap", k), func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]item, 0, k)
			for b.Loop() {
				top := topk.New(k, before, buf)
				for _, x := range xs {
					top.Push(x)
				}
				buf = top.Sorted()
			}
		})
		b.Run(fmt.Sprintf("k=%d/select", k), func(b *testing.B) {
			b.ReportAllocs()
			s := slices.Clone(xs)
			for b.Loop() {
				copy(s, xs)
				topk.Select(s, k, before)
			}
		})
		b.Run(fmt.Sprintf("k=%d/sort-truncate", k), func(b *testing.B) {
			b.ReportAllocs()
			s := slices.Clone(xs)
			for b.Loop() {
				copy(s, xs)
				slices.SortFunc(s, func(a, b item) int {
					if c := cmp.Compare(b.score, a.score); c != 0 {
						return c
					}
					return a.id - b.id
				})
				_ = s[:k]
			}
		})
	}
}
