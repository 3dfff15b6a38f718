package intent_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/record/recordtest"
)

// read runs the reader of name's extension.
func read(r io.Reader, name string) ([]intent.Example, error) {
	switch {
	case strings.HasSuffix(name, ".jsonl"):
		return intent.ReadJSONL(r, name)
	case strings.HasSuffix(name, ".csv"):
		return intent.ReadCSV(r, name)
	}
	return intent.ReadYAML(r, name)
}

// TestReadUnknownFields: a typo in a key must not drop data silently; the
// error names the key, the file and the line.
func TestReadUnknownFields(t *testing.T) {
	tests := []struct {
		name, input string
		want        string // the whole message
	}{
		{"a.jsonl", `{"text":"转账","intent":"transfer"}` + "\n" + `{"text":"查账单","intnt":"bill"}` + "\n",
			`intent: a.jsonl:2: field "intnt": unknown field (want "text" and "intent")` + "\n" +
				`intent: a.jsonl:2: field "intent": empty intent: missing`},
		{"a.csv", "text,intent,label\n转账,transfer,x\n",
			`intent: a.csv:1: field "label": unknown field (want "text" and "intent")`},
		{"a.csv", "text,intent,Text\n转账,transfer,x\n",
			`intent: a.csv:1: field "text": syntax error: column "text" given twice in the header`},
		{"a.yml", "nlu:\n- intent: transfer\n  examples: |\n    - 我要转账\n- intnt: roaming\n  examples: |\n    - 开通漫游\n",
			`intent: a.yml:5: field "intnt": unknown field (want "intent", "synonym", "regex" or "lookup")`},
		{"a.yml", "nlu:\n- intent: roaming\n  exmples: |\n    - 开通漫游\n",
			`intent: a.yml:3: field "exmples": unknown field (want "intent", "examples" or "metadata")`},
		{"a.yml", "nlu:\n- synonym: 花呗\n  examples: |\n    - 花唄\n  intent: x\n",
			`intent: a.yml:2: field "synonym": unknown field (want "intent", "examples" or "metadata")`},
		{"a.yml", "nlu:\n- regex: card\n  exampels: |\n    - \\d{4}\n",
			`intent: a.yml:3: field "exampels": unknown field (want "regex" or "examples")`},
		{"a.yml", "nlu:\n- examples: |\n    - 开通漫游\n",
			`intent: a.yml:2: syntax error: nlu item has none of "intent", "synonym", "regex" and "lookup"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := read(strings.NewReader(tt.input), tt.name)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %d examples, error\n%v\nwant\n%s", len(got), err, tt.want)
			}
			if got != nil {
				t.Errorf("examples returned with the error: %v", got)
			}
		})
	}
	// Metadata, and the other top-level keys of a Rasa file, are fine.
	ok := "version: \"3.1\"\nresponses: {}\nnlu:\n- intent: roaming\n  metadata: {owner: x}\n  examples: |\n    - 开通漫游\n- lookup: city\n  examples: |\n    - 北京\n"
	if got, err := intent.ReadYAML(strings.NewReader(ok), "ok.yml"); err != nil || len(got) != 1 {
		t.Errorf("good file: %d examples, %v", len(got), err)
	}
}

// TestReadWording: no Go type names in a message.
func TestReadWording(t *testing.T) {
	tests := []struct{ input, want string }{
		{`["转账","transfer"]`, `intent: a.jsonl:1: syntax error: want a JSON object, got an array`},
		{`{"text":["转账"],"intent":"x"}`, `intent: a.jsonl:1: field "text": syntax error: want a string, got an array`},
		{`{"text":"转账","intent":7}`, `intent: a.jsonl:1: field "intent": syntax error: want a string, got a number`},
	}
	for _, tt := range tests {
		_, err := intent.ReadJSONL(strings.NewReader(tt.input), "a.jsonl")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error\n%v\nwant\n%s", tt.input, err, tt.want)
		}
	}
}

func TestExampleErrorForms(t *testing.T) {
	tests := []struct {
		err  *intent.ExampleError
		want string
	}{
		{&intent.ExampleError{File: "a.jsonl", Line: 3, Index: -1, Field: "text", Err: intent.ErrEmptyText}, `intent: a.jsonl:3: field "text": empty text`},
		{&intent.ExampleError{Index: 4, Field: "intent", Err: intent.ErrEmptyIntent}, `intent: example 4: field "intent": empty intent`},
		{&intent.ExampleError{File: "a.jsonl", Index: -1}, `intent: a.jsonl: invalid record`},
		{&intent.ExampleError{Line: 2, Index: -1, Err: fmt.Errorf("intent: %w", intent.ErrSyntax)}, `intent: line 2: syntax error`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

// TestReadStopsAfterBadLine: a bad line 2 is reported without reading the
// whole file.
func TestReadStopsAfterBadLine(t *testing.T) {
	tests := []struct {
		name, head string
		line       func(int) string
	}{
		{"big.jsonl", `{"text":"转账","intent":"transfer"}` + "\n" + `{"text":"","intent":"x"}` + "\n",
			func(i int) string { return fmt.Sprintf(`{"text":"转账%d","intent":"transfer"}`+"\n", i) }},
		{"big.csv", "text,intent\n,x\n", func(i int) string { return fmt.Sprintf("转账%d,transfer\n", i) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(&recordtest.Endless{Head: tt.head, Next: tt.line, Limit: 4 << 20}, tt.name)
			if !errors.Is(err, intent.ErrEmptyText) || errors.Is(err, recordtest.ErrReadOn) {
				t.Fatalf("error %v, want only the empty text", err)
			}
			if !strings.Contains(err.Error(), tt.name+`:2: field "text": empty text`) || !strings.Contains(err.Error(), "stopped reading at line") {
				t.Errorf("error %v", err)
			}
		})
	}
}

// huge is a reader of head, n bytes of 'a', then tail.
func huge(head string, n int, tail string) io.Reader {
	return io.MultiReader(strings.NewReader(head), io.LimitReader(as{}, int64(n)), strings.NewReader(tail))
}

type as struct{}

func (as) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestReadTooLarge(t *testing.T) {
	const n = 16<<20 + 1
	tests := []struct {
		name string
		in   io.Reader
		want string
	}{
		{"big.jsonl", huge(`{"text":"转账","intent":"transfer"}`+"\n"+`{"intent":"x","text":"`, n, "\"}\n"), "intent: big.jsonl:2: too large: line longer than 16 MiB"},
		{"big.csv", huge("text,intent\n转账,transfer\n", n, ",x\n"), "intent: big.csv:3: too large: record longer than 16 MiB"},
		{"big.yml", huge("nlu:\n- intent: x\n  examples: |\n    - ", n, "\n"), "intent: big.yml: too large: file larger than 16 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(tt.in, tt.name)
			if !errors.Is(err, intent.ErrTooLarge) || err.Error() != tt.want {
				t.Errorf("error\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}
