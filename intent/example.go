package intent

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Example is one labelled training utterance.
type Example struct {
	// Text is the utterance as a user would type or say it.
	Text string `json:"text"`
	// Intent is its label; the out-of-scope label ("oos" by default) marks
	// utterances the host cannot serve.
	Intent string `json:"intent"`
	// Source says where the example was read from; loaders set it, and
	// errors and reports quote it. It is not part of the JSON form.
	Source Source `json:"-"`
}

// Source is a position in a training file.
type Source struct {
	File string // as given to the loader; "" when unknown
	Line int    // 1-based; 0 when unknown
}

// String returns "file:line", or what of it is known.
func (s Source) String() string {
	switch {
	case s.File != "" && s.Line > 0:
		return s.File + ":" + strconv.Itoa(s.Line)
	case s.Line > 0:
		return "line " + strconv.Itoa(s.Line)
	}
	return s.File
}

// ExampleError reports a bad training example or a line of a training file
// that could not be read.
type ExampleError struct {
	File  string // file name as given to the loader, or ""
	Line  int    // 1-based line, or 0 when unknown
	Index int    // position in the slice given to Train, or -1
	Field string // "text", "intent", or "" when the whole line is bad
	Err   error  // wraps one of ErrEmptyText, ErrEmptyIntent, ErrSyntax
}

func (e *ExampleError) Error() string {
	var b strings.Builder
	b.WriteString("intent: ")
	pos := Source{File: e.File, Line: e.Line}.String()
	switch {
	case pos != "":
		b.WriteString(pos)
	case e.Index >= 0:
		fmt.Fprintf(&b, "example %d", e.Index)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "intent: "))
	return b.String()
}

func (e *ExampleError) Unwrap() error { return e.Err }

type fieldError struct {
	field string
	err   error
}

func (ex Example) validate() *fieldError {
	if strings.TrimSpace(ex.Text) == "" {
		return &fieldError{"text", ErrEmptyText}
	}
	if strings.TrimSpace(ex.Intent) == "" {
		return &fieldError{"intent", ErrEmptyIntent}
	}
	if !utf8.ValidString(ex.Text) {
		return &fieldError{"text", fmt.Errorf("%w: invalid UTF-8", ErrSyntax)}
	}
	if !utf8.ValidString(ex.Intent) {
		return &fieldError{"intent", fmt.Errorf("%w: invalid UTF-8", ErrSyntax)}
	}
	return nil
}

// ReadJSONL reads examples from JSON Lines: one {"text": ..., "intent": ...}
// object per line. Blank lines are skipped; other fields are ignored. name
// is used in errors and in each example's Source. Every bad line is
// reported, up to 20, joined with errors.Join; each is an [*ExampleError].
func ReadJSONL(r io.Reader, name string) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var out []Example
	var errs errorList
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			errs.add(&ExampleError{File: name, Line: line, Index: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)})
			continue
		}
		ex := Example{Source: Source{File: name, Line: line}}
		bad := false
		for _, f := range []struct {
			name string
			dst  *string
		}{{"text", &ex.Text}, {"intent", &ex.Intent}} {
			v, ok := raw[f.name]
			if !ok {
				errs.add(&ExampleError{File: name, Line: line, Index: -1, Field: f.name, Err: fmt.Errorf("%w: missing", emptyErr(f.name))})
				bad = true
				continue
			}
			if err := json.Unmarshal(v, f.dst); err != nil {
				errs.add(&ExampleError{File: name, Line: line, Index: -1, Field: f.name, Err: fmt.Errorf("%w: not a string", ErrSyntax)})
				bad = true
			}
		}
		if bad {
			continue
		}
		if err := errs.check(ex, -1); err {
			continue
		}
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("intent: read %s: %w", name, err)
	}
	return out, errs.err()
}

// ReadCSV reads examples from CSV (RFC 4180) whose first row is a header
// naming a "text" and an "intent" column, in any order; other columns are
// ignored. Lines are physical lines of the file, so a quoted field spanning
// lines is reported at its first line.
func ReadCSV(r io.Reader, name string) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	var errs errorList
	for _, f := range []string{"text", "intent"} {
		if _, ok := col[f]; !ok {
			errs.add(&ExampleError{File: name, Line: 1, Index: -1, Field: f, Err: fmt.Errorf("%w: no %q column in the header", ErrSyntax, f)})
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			errs.add(csvError(name, err))
			if errs.full() || !errors.As(err, &pe) {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		ex := Example{Source: Source{File: name, Line: line}}
		if i := col["text"]; i < len(rec) {
			ex.Text = rec[i]
		}
		if i := col["intent"]; i < len(rec) {
			ex.Intent = rec[i]
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if errs.check(ex, -1) {
			continue
		}
		out = append(out, ex)
	}
	return out, errs.err()
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ExampleError{File: name, Line: pe.Line, Index: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, pe.Err)}
	}
	return fmt.Errorf("intent: read %s: %w", name, err)
}

// ReadFile reads a training file, choosing the format by its extension:
// .jsonl or .json for [ReadJSONL], .csv for [ReadCSV], .yml or .yaml for
// [ReadYAML].
func ReadFile(path string) ([]Example, error) {
	var read func(io.Reader, string) ([]Example, error)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".json", ".ndjson":
		read = ReadJSONL
	case ".csv":
		read = ReadCSV
	case ".yml", ".yaml":
		read = ReadYAML
	default:
		return nil, &ExampleError{File: path, Index: -1, Err: fmt.Errorf("%w: unknown extension %q (want .jsonl, .json, .ndjson, .csv, .yml or .yaml)",
			ErrSyntax, filepath.Ext(path))}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	defer f.Close()
	return read(f, path)
}

func emptyErr(field string) error {
	if field == "text" {
		return ErrEmptyText
	}
	return ErrEmptyIntent
}

// errorList collects up to maxErrors errors.
type errorList struct {
	errs []error
	more int
}

const maxErrors = 20

func (l *errorList) add(err error) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, err)
	} else {
		l.more++
	}
}

func (l *errorList) full() bool { return len(l.errs) >= maxErrors }

// check validates ex and records its error; it reports whether ex is bad.
func (l *errorList) check(ex Example, index int) bool {
	if fe := ex.validate(); fe != nil {
		l.add(&ExampleError{File: ex.Source.File, Line: ex.Source.Line, Index: index, Field: fe.field, Err: fe.err})
		return true
	}
	return false
}

func (l *errorList) err() error {
	if l.more > 0 {
		l.errs = append(l.errs, fmt.Errorf("intent: %d more errors", l.more))
	}
	return errors.Join(l.errs...)
}

// Report is what [Check] finds in a set of examples.
type Report struct {
	// Examples is the number of examples checked; Labels the number of
	// distinct intent labels.
	Examples, Labels int
	// PerLabel counts the examples of each label.
	PerLabel map[string]int
	// Duplicates are examples whose folded text and label repeat an earlier
	// example: harmless for training (they weigh more) but usually a
	// mistake. Each entry is the repeat; First is where the text was first
	// seen.
	Duplicates []Repeat
	// Conflicts are texts labelled with more than one intent, in order of
	// first appearance.
	Conflicts []Conflict
}

// Repeat is a duplicate example.
type Repeat struct {
	Example Example
	First   Source
}

// Conflict is one text labelled with several intents.
type Conflict struct {
	// Text is the folded text (width, script and case folded, spaces
	// collapsed) shared by the examples.
	Text string
	// Examples are all the examples with that text, in input order.
	Examples []Example
}

// Err returns nil when the report has no conflicts, else an error wrapping
// [ErrConflict] that names each conflict (up to 20) with its sources.
// Duplicates are not errors. Train accepts conflicting examples (the
// classifier learns a split decision); hosts that want strict data call
// Check and refuse on Err.
func (r Report) Err() error {
	if len(r.Conflicts) == 0 {
		return nil
	}
	var errs errorList
	for _, c := range r.Conflicts {
		parts := make([]string, len(c.Examples))
		for i, ex := range c.Examples {
			parts[i] = fmt.Sprintf("%q at %s", ex.Intent, ex.Source)
		}
		errs.add(fmt.Errorf("%w: %q is labelled %s", ErrConflict, c.Text, strings.Join(parts, ", ")))
	}
	return errs.err()
}

// Check finds duplicate and conflicting examples. Texts are compared after
// folding width, script (traditional to simplified) and case and collapsing
// spaces, so 花唄 and 花呗 are the same text.
func Check(examples []Example) Report {
	r := Report{Examples: len(examples), PerLabel: map[string]int{}}
	type seen struct {
		first map[string]Source // by label
		idx   []int
	}
	byText := map[string]*seen{}
	var order []string
	for i, ex := range examples {
		r.PerLabel[ex.Intent]++
		k := foldKey(ex.Text)
		s := byText[k]
		if s == nil {
			s = &seen{first: map[string]Source{}}
			byText[k] = s
			order = append(order, k)
		}
		s.idx = append(s.idx, i)
		if src, ok := s.first[ex.Intent]; ok {
			r.Duplicates = append(r.Duplicates, Repeat{Example: ex, First: src})
			continue
		}
		s.first[ex.Intent] = ex.Source
	}
	r.Labels = len(r.PerLabel)
	for _, k := range order {
		s := byText[k]
		if len(s.first) < 2 {
			continue
		}
		c := Conflict{Text: k}
		for _, i := range s.idx {
			c.Examples = append(c.Examples, examples[i])
		}
		r.Conflicts = append(r.Conflicts, c)
	}
	return r
}
