package textnorm

import (
	"testing"
	"unicode/utf8"
)

// TestT2SPairs checks the generated data itself: sorted, unique, no identity
// entries, no chains, and every target a valid rune.
func TestT2SPairs(t *testing.T) {
	keys := make(map[rune]bool, len(t2sPairs))
	for i, p := range t2sPairs {
		if i > 0 && p.from <= t2sPairs[i-1].from {
			t.Errorf("t2sPairs[%d] = %U not after %U", i, p.from, t2sPairs[i-1].from)
		}
		if p.from == p.to {
			t.Errorf("t2sPairs[%d]: identity entry %U", i, p.from)
		}
		if !utf8.ValidRune(p.from) || !utf8.ValidRune(p.to) {
			t.Errorf("t2sPairs[%d] = %U → %U: invalid rune", i, p.from, p.to)
		}
		keys[p.from] = true
	}
	for i, p := range t2sPairs {
		if keys[p.to] {
			t.Errorf("t2sPairs[%d] = %c → %c, but %c is itself a key", i, p.from, p.to, p.to)
		}
	}
}

// TestRuneTable checks that the two-level table answers exactly as the pair
// list says, for every code point and for a small hand-made list.
func TestRuneTable(t *testing.T) {
	check := func(t *testing.T, pairs []runePair) {
		want := make(map[rune]rune, len(pairs))
		for _, p := range pairs {
			want[p.from] = p.to
		}
		tab := newRuneTable(pairs)
		for r := rune(-2); r <= utf8.MaxRune+2; r++ {
			w, ok := want[r]
			if !ok {
				w = r
			}
			if got := tab.lookup(r); got != w {
				t.Fatalf("lookup(%U) = %U, want %U", r, got, w)
			}
		}
	}
	t.Run("generated", func(t *testing.T) { check(t, t2sPairs[:]) })
	t.Run("edges", func(t *testing.T) {
		check(t, []runePair{{0x00, 'x'}, {0xFF, 'y'}, {0x100, 'z'}, {0xFFFF, 0x10000}, {0x10000, 'a'}, {utf8.MaxRune, 'b'}})
	})
	t.Run("empty", func(t *testing.T) { check(t, nil) })
}
