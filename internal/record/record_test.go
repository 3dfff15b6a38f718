package record

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMessage(t *testing.T) {
	cause := errors.New("kb: kb: bad duration \"3x\"")
	tests := []struct {
		name  string
		at    Place
		field string
		cause error
		want  string
	}{
		{"file and line", Place{File: "faq.jsonl", Line: 12}, "triggers[0].window", cause, `kb: faq.jsonl:12: field "triggers[0].window": bad duration "3x"`},
		{"file only", Place{File: "faq.jsonl"}, "", cause, `kb: faq.jsonl: bad duration "3x"`},
		{"line only", Place{Line: 3}, "id", cause, `kb: line 3: field "id": bad duration "3x"`},
		{"item", Place{Item: "example 3"}, "text", cause, `kb: example 3: field "text": bad duration "3x"`},
		{"file wins over item", Place{File: "f", Line: 2, Item: "example 3"}, "", cause, `kb: f:2: bad duration "3x"`},
		{"nowhere", Place{}, "", cause, `kb: bad duration "3x"`},
		{"nil cause", Place{File: "f", Line: 3}, "time", nil, `kb: f:3: field "time": invalid record`},
		{"quoted field", Place{Line: 1}, `a"b`, errors.New("x"), `kb: line 1: field "a\"b": x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message("kb", tt.at, tt.field, tt.cause); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	base := errors.New("recommend: no ask events to train on")
	err := Wrap("recommend", "train", base)
	if got, want := err.Error(), "recommend: train: no ask events to train on"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, base) {
		t.Error("errors.Is does not see the cause")
	}
	if Wrap("recommend", "train", nil) != nil {
		t.Error("Wrap of nil is not nil")
	}
}

func TestJSONError(t *testing.T) {
	tests := []struct {
		json string
		dst  any
		want string
	}{
		{`"noon"`, new(int64), "want an integer, got a string"},
		{`1.5`, new(int64), "want an integer, got 1.5"},
		{`{"a":1}`, new(map[string]string), "want a string, got a number"},
		{`[1]`, new(map[string]json.RawMessage), "want an object, got an array"},
		{`true`, new(string), "want a string, got true or false"},
		{`{}`, new([]string), "want an array, got an object"},
		{`"x"`, new(float64), "want a number, got a string"},
	}
	for _, tt := range tests {
		err := JSONError(json.Unmarshal([]byte(tt.json), tt.dst))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s into %T: got %v, want %q", tt.json, tt.dst, err, tt.want)
		}
	}
	syn := json.Unmarshal([]byte(`{`), new(any))
	if got := JSONError(syn); got != syn {
		t.Errorf("a syntax error changed: %v", got)
	}
}

func TestKind(t *testing.T) {
	for raw, want := range map[string]string{`"a"`: "a string", ` 1`: "a number", `{}`: "an object", `[]`: "an array", `true`: "true or false", `null`: "null", ``: "nothing"} {
		if got := Kind([]byte(raw)); got != want {
			t.Errorf("Kind(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestReadAllBound(t *testing.T) {
	if _, err := ReadAll(io.LimitReader(zeros{}, MaxBytes)); err != nil {
		t.Errorf("MaxBytes exactly: %v", err)
	}
	_, err := ReadAll(zeros{}) // endless: must stop
	if err == nil || !errors.Is(err, ErrTooLarge) {
		t.Errorf("endless input: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestReaderLines(t *testing.T) {
	r := NewReader(strings.NewReader("a\nbb\n\nccc\n"))
	data, err := io.ReadAll(r)
	if err != nil || string(data) != "a\nbb\n\nccc\n" {
		t.Fatalf("read %q, %v", data, err)
	}
	if got := r.Line(2); got != 2 {
		t.Errorf("Line(2) = %d, want 2", got)
	}
	if got := r.Mark(5); got != 3 {
		t.Errorf("Mark(5) = %d, want 3", got)
	}
	if c, ok := r.At(6); !ok || c != 'c' {
		t.Errorf("At(6) = %q, %v", c, ok)
	}
	if _, ok := r.At(4); ok {
		t.Error("At before the mark answered")
	}
	if got := r.Mark(2); got != 3 { // before the mark: stays
		t.Errorf("Mark(2) = %d, want 3", got)
	}
	if got := r.Line(100); got != 5 {
		t.Errorf("Line(100) = %d, want 5", got)
	}
}

func TestReaderBound(t *testing.T) {
	r := NewReader(zeros{})
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := r.Read(buf)
		n += k
		if err != nil {
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("err %v", err)
			}
			break
		}
		if n > 2*MaxBytes {
			t.Fatal("read past twice the bound")
		}
	}
	if n < MaxBytes {
		t.Errorf("stopped after %d bytes, before the bound", n)
	}
	// After a mark the budget starts again.
	r.Mark(int64(n))
	if _, err := r.Read(buf); err != nil {
		t.Errorf("read after a mark: %v", err)
	}
}
