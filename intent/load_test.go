package intent_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/intent"
)

// TestFormatsLoadTheSameFixture reads testdata/wallet in each format and
// expects the same examples.
func TestFormatsLoadTheSameFixture(t *testing.T) {
	want, err := intent.ReadFile("testdata/wallet.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 80 {
		t.Fatalf("wallet.jsonl: %d examples, want >= 80", len(want))
	}
	for _, path := range []string{"testdata/wallet.csv", "testdata/wallet.yml"} {
		t.Run(path, func(t *testing.T) {
			got, err := intent.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ignore := cmpopts.IgnoreFields(intent.Example{}, "Source")
			if d := cmp.Diff(want, got, ignore); d != "" {
				t.Errorf("examples differ from wallet.jsonl (-want +got):\n%s", d)
			}
			for _, ex := range got {
				if ex.Source.File != path || ex.Source.Line < 1 {
					t.Fatalf("example %q has source %v", ex.Text, ex.Source)
				}
			}
		})
	}
}

// TestSourceLines checks that each loader records the line an example is on.
func TestSourceLines(t *testing.T) {
	tests := []struct {
		name, input string
		read        func(r *strings.Reader, name string) ([]intent.Example, error)
		want        []intent.Example
	}{
		{
			name:  "x.jsonl",
			input: "\n{\"text\": \"花呗怎么还\", \"intent\": \"repay\"}\n\n{\"text\": \"转账\", \"intent\": \"transfer\"}\n",
			read:  func(r *strings.Reader, n string) ([]intent.Example, error) { return intent.ReadJSONL(r, n) },
			want: []intent.Example{
				{Text: "花呗怎么还", Intent: "repay", Source: intent.Source{File: "x.jsonl", Line: 2}},
				{Text: "转账", Intent: "transfer", Source: intent.Source{File: "x.jsonl", Line: 4}},
			},
		},
		{
			name:  "x.csv",
			input: "intent,text\nrepay,花呗怎么还\ntransfer,\"转账,\n给妈妈\"\nbill,查账单\n",
			read:  func(r *strings.Reader, n string) ([]intent.Example, error) { return intent.ReadCSV(r, n) },
			want: []intent.Example{
				{Text: "花呗怎么还", Intent: "repay", Source: intent.Source{File: "x.csv", Line: 2}},
				{Text: "转账,\n给妈妈", Intent: "transfer", Source: intent.Source{File: "x.csv", Line: 3}},
				{Text: "查账单", Intent: "bill", Source: intent.Source{File: "x.csv", Line: 5}},
			},
		},
		{
			name:  "x.yml",
			input: "version: \"3.1\"\nnlu:\n- regex: card\n  examples: |\n    - \\d{4}\n- intent: repay\n  examples: |\n    - 花呗怎么还\n    # a comment\n    - 还[500](amount)块\n",
			read:  func(r *strings.Reader, n string) ([]intent.Example, error) { return intent.ReadYAML(r, n) },
			want: []intent.Example{
				{Text: "花呗怎么还", Intent: "repay", Source: intent.Source{File: "x.yml", Line: 8}},
				{Text: "还500块", Intent: "repay", Source: intent.Source{File: "x.yml", Line: 10}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read(strings.NewReader(tt.input), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestReadErrors checks that bad input is reported with file, line and
// field, and wraps the right sentinel.
func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string // substrings of the error
		sentinel    error
	}{
		{"a.jsonl", "{\"text\": \"转账\", \"intent\": \"transfer\"}\n{\"text\": \"\", \"intent\": \"x\"}\n",
			[]string{`a.jsonl:2: field "text": empty text`}, intent.ErrEmptyText},
		{"a.jsonl", "{\"text\": \"转账\"}\n", []string{`a.jsonl:1: field "intent": empty intent: missing`}, intent.ErrEmptyIntent},
		{"a.jsonl", "{\"text\": 5, \"intent\": \"x\"}\n", []string{`a.jsonl:1: field "text": syntax error: want a string, got a number`}, intent.ErrSyntax},
		{"a.jsonl", "ok\n{\"text\": \"a\", \"intent\": \" \"}\n", []string{"a.jsonl:1: syntax error", `a.jsonl:2: field "intent": empty intent`}, intent.ErrSyntax},
		{"a.csv", "text,label\n转账,transfer\n", []string{`a.csv:1: field "intent": syntax error: no "intent" column`}, intent.ErrSyntax},
		{"a.csv", "text,intent\n转账,transfer\n查账单,\n", []string{`a.csv:3: field "intent": empty intent`}, intent.ErrEmptyIntent},
		{"a.csv", "text,intent\n转账,transfer\n\"查账单,bill\n", []string{"a.csv:3: syntax error"}, intent.ErrSyntax},
		{"a.yml", "nlu:\n- intent: repay\n  examples: |\n    - 花呗怎么还\n    还款\n", []string{`a.yml:5: field "examples": syntax error`}, intent.ErrSyntax},
		{"a.yml", "nlu:\n- intent: \"\"\n  examples: |\n    - 花呗怎么还\n", []string{`a.yml:2: field "intent": empty intent`}, intent.ErrEmptyIntent},
		{"a.yml", "nlu:\n- intent: repay\n  examples:\n  - 花呗\n", []string{`a.yml:4: field "examples": syntax error`}, intent.ErrSyntax},
		{"a.yml", "version: 3\n", []string{`a.yml:1: field "nlu": syntax error: no nlu key`}, intent.ErrSyntax},
		{"a.yml", "nlu: [\n", []string{"a.yml", "syntax error"}, intent.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.want[0], func(t *testing.T) {
			var err error
			r := strings.NewReader(tt.input)
			switch {
			case strings.HasSuffix(tt.name, ".jsonl"):
				_, err = intent.ReadJSONL(r, tt.name)
			case strings.HasSuffix(tt.name, ".csv"):
				_, err = intent.ReadCSV(r, tt.name)
			default:
				_, err = intent.ReadYAML(r, tt.name)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %q does not wrap %v", err, tt.sentinel)
			}
			var ee *intent.ExampleError
			if !errors.As(err, &ee) || ee.File != tt.name {
				t.Errorf("error %q is not an *ExampleError naming %s", err, tt.name)
			}
		})
	}
}

func TestReadFileUnknownExtension(t *testing.T) {
	_, err := intent.ReadFile("nlu.yaml.txt")
	const want = `intent: nlu.yaml.txt: syntax error: unknown extension ".txt" (want .jsonl, .json, .ndjson, .csv, .yml or .yaml)`
	if !errors.Is(err, intent.ErrSyntax) || err.Error() != want {
		t.Errorf("got %v, want ErrSyntax saying\n%s", err, want)
	}
}

func TestCheck(t *testing.T) {
	src := func(line int) intent.Source { return intent.Source{File: "t.jsonl", Line: line} }
	exs := []intent.Example{
		{Text: "花呗怎么还", Intent: "repay", Source: src(1)},
		{Text: "转账", Intent: "transfer", Source: src(2)},
		{Text: "花唄怎麼還", Intent: "repay", Source: src(3)}, // traditional: a duplicate
		{Text: "转账", Intent: "bill", Source: src(4)},     // conflict
		{Text: "查账单", Intent: "bill", Source: src(5)},
	}
	r := intent.Check(exs)
	want := intent.Report{
		Examples:   5,
		Labels:     3,
		PerLabel:   map[string]int{"repay": 2, "transfer": 1, "bill": 2},
		Duplicates: []intent.Repeat{{Example: exs[2], First: src(1)}},
		Conflicts:  []intent.Conflict{{Text: "转账", Examples: []intent.Example{exs[1], exs[3]}}},
	}
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	err := r.Err()
	if !errors.Is(err, intent.ErrConflict) || !strings.Contains(err.Error(), `"transfer" at t.jsonl:2, "bill" at t.jsonl:4`) {
		t.Errorf("Err() = %v", err)
	}
	if err := intent.Check(exs[:3]).Err(); err != nil {
		t.Errorf("duplicates only: Err() = %v, want nil", err)
	}
}
