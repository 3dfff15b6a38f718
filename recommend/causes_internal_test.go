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
	l := newSchemaLearner(1)
	at := time.Unix(1e9, 0)
	var u []Event
	for i := range 400 {
		// A day and more apart: each payment's outcome is its own ask.
		at = at.Add(25 * time.Hour)
		u = append(u, Event{User: "u", Time: at, Type: "pay", Attrs: map[string]string{
			"method": []string{"card", "balance"}[i%2],
			"amount": fmt.Sprintf("%d.00", i*10),
			"memo":   fmt.Sprintf("note %d", i),
		}})
		// A payment of 2,000 or more is asked about, a smaller one
		// otherwise.
		q := "small"
		if i*10 >= 2000 {
			q = "big"
		}
		u = append(u, Event{User: "u", Time: at.Add(time.Minute), Type: TypeAsk, Question: q})
	}
	l.addUser(u)
	s := l.schema()
	if k := s["pay|method"].Kind; k != attrCategorical {
		t.Errorf("method kind %v", k)
	}
	if a := s["pay|amount"]; a.Kind != attrNumeric || !slices.Equal(a.Cuts, []float64{2000}) {
		t.Errorf("amount schema %+v, want numeric cut at 2000", a)
	}
	if k := s["pay|memo"].Kind; k != attrFree {
		t.Errorf("memo kind %v", k)
	}
	var got []string
	s.eventCauses(&keyer{}, &Event{Type: "pay", Attrs: map[string]string{"method": "card", "amount": "3990.00", "memo": "x"}},
		func(key []byte) { got = append(got, string(key)) })
	want := []string{"e:pay", "e:pay|amount#1", "e:pay|amount#1&method=card", "e:pay|method=card"}
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
