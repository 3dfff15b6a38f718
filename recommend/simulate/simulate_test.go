package simulate_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

func TestGenerateDeterministic(t *testing.T) {
	a, err := simulate.Generate(simulate.Config{Users: 50, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, err := simulate.Generate(simulate.Config{Users: 50, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var wa, wb bytes.Buffer
	if err := recommend.WriteEvents(&wa, a.Events...); err != nil {
		t.Fatal(err)
	}
	if err := recommend.WriteEvents(&wb, b.Events...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wa.Bytes(), wb.Bytes()) {
		t.Fatal("same seed, different logs")
	}
	c, err := simulate.Generate(simulate.Config{Users: 50, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	var wc bytes.Buffer
	if err := recommend.WriteEvents(&wc, c.Events...); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(wa.Bytes(), wc.Bytes()) {
		t.Fatal("different seeds, same log")
	}
	// Every event is valid and reads back; truths are distributions and
	// line up with the ask events.
	back, err := recommend.ReadEvents(&wa, "sim")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(a.Events) {
		t.Fatalf("read %d events, wrote %d", len(back), len(a.Events))
	}
	k := 0
	for _, e := range a.Events {
		if e.Type != recommend.TypeAsk {
			continue
		}
		tr := a.Asks[k]
		k++
		if tr.User != e.User || tr.Question != e.Question || !tr.Time.Equal(e.Time) {
			t.Fatalf("truth %d = %+v, event %+v", k, tr, e)
		}
		s := 0.0
		for _, p := range tr.Probs {
			s += p
		}
		if math.Abs(s-1) > 1e-9 {
			t.Fatalf("truth %d sums to %v", k, s)
		}
		if a.Prob(tr, tr.Question) == 0 {
			t.Fatalf("truth %d: asked a question of probability 0", k)
		}
	}
	if k != len(a.Asks) || k == 0 {
		t.Fatalf("%d ask events, %d truths", k, len(a.Asks))
	}
	t.Logf("%d events, %d asks", len(a.Events), k)
}

func TestPersonas(t *testing.T) {
	kbase, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	_ = kbase
	for _, p := range simulate.Personas() {
		for _, e := range p.Trajectory("demo", simulateNow) {
			if err := e.Validate(); err != nil {
				t.Errorf("%s: %v", p.Name, err)
			}
		}
	}
}
