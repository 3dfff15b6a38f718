package offdomain

import (
	"slices"
	"testing"
)

// TestSetsDeterministicAndDisjoint: each set is the same on every call,
// holds every kind, and shares no query with the other.
func TestSetsDeterministicAndDisjoint(t *testing.T) {
	tuneQs, held := Tune(), HeldOut()
	if !slices.Equal(tuneQs, Tune()) || !slices.Equal(held, HeldOut()) {
		t.Fatal("a second call returned other queries")
	}
	inTune := map[string]bool{}
	for _, q := range tuneQs {
		inTune[q.Text] = true
	}
	for name, qs := range map[string][]Query{"Tune": tuneQs, "HeldOut": held} {
		per := map[string]int{}
		for _, q := range qs {
			per[q.Kind]++
		}
		for _, k := range Kinds {
			if per[k] < perKind/2 {
				t.Errorf("%s has %d queries of kind %q, want at least %d", name, per[k], k, perKind/2)
			}
		}
	}
	for _, q := range held {
		if inTune[q.Text] {
			t.Errorf("held-out query %q is also in the tuning set", q.Text)
		}
	}
}
