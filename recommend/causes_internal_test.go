package recommend

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestSchema checks how attributes become causes: few distinct values are
// categorical, many numbers are bucketed by learned cut points, many free
// values are ignored; an event gives its type, each value and each pair.
func TestSchema(t *testing.T) {
	l := newSchemaLearner()
	at := time.Unix(1e9, 0)
	for i := range 400 {
		l.add(&Event{User: "u", Time: at, Type: "pay", Attrs: map[string]string{
			"method": []string{"card", "balance"}[i%2],
			"amount": fmt.Sprintf("%d.00", i*10),
			"memo":   fmt.Sprintf("note %d", i),
		}})
	}
	s := l.schema()
	if k := s["pay|method"].Kind; k != attrCategorical {
		t.Errorf("method kind %v", k)
	}
	if a := s["pay|amount"]; a.Kind != attrNumeric || len(a.Cuts) != numericBuckets-1 || !slices.IsSorted(a.Cuts) {
		t.Errorf("amount schema %+v", a)
	}
	if k := s["pay|memo"].Kind; k != attrFree {
		t.Errorf("memo kind %v", k)
	}
	var got []string
	s.eventCauses(&keyer{}, &Event{Type: "pay", Attrs: map[string]string{"method": "card", "amount": "3990.00", "memo": "x"}},
		func(key []byte) { got = append(got, string(key)) })
	want := []string{"e:pay", "e:pay|amount#3", "e:pay|amount#3&method=card", "e:pay|method=card"}
	if !slices.Equal(got, want) {
		t.Errorf("causes %v, want %v", got, want)
	}
	// Bucket edges: below the first cut, at a cut (goes up), a number that
	// does not parse (no bucket).
	for v, want := range map[string]string{"0": "amount#0", fmt.Sprint(s["pay|amount"].Cuts[0]): "amount#1", "abc": ""} {
		if got := s.attrValue("pay", "amount", v); got != want {
			t.Errorf("attrValue(amount=%s) = %q, want %q", v, got, want)
		}
	}
	// An attribute never seen in training is not used.
	if got := s.attrValue("pay", "colour", "red"); got != "" {
		t.Errorf("unknown attribute gives %q", got)
	}
}

// attrValue returns the cause fragment "k=v" (or "k#bucket") of an
// attribute, or "" if the schema does not use it.
func (s schema) attrValue(typ, k, v string) string {
	b, ok := s.appendAttrValue(nil, &keyer{}, typ, k, v)
	if !ok {
		return ""
	}
	return string(b)
}

func TestBestK(t *testing.T) {
	xs := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}
	before := func(a, b int) bool {
		if xs[a] != xs[b] {
			return xs[a] > xs[b]
		}
		return a < b // ties by index
	}
	for _, tc := range []struct {
		k    int
		want []int
	}{
		{0, nil},
		{3, []int{5, 7, 4}},
		{5, []int{5, 7, 4, 8, 2}},
		{20, []int{5, 7, 4, 8, 2, 0, 9, 6, 1, 3}},
	} {
		got := bestK(len(xs), tc.k, before, []int{-1})[1:] // appends after what top holds
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("bestK(k=%d) = %v, want %v", tc.k, got, tc.want)
		}
	}
}
