package intent

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/record"
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

// Errors of the readers, besides [ErrSyntax], [ErrEmptyText] and
// [ErrEmptyIntent]; each comes in an [*ExampleError].
var (
	// ErrUnknownField reports a JSON field, CSV column or Rasa nlu key the
	// reader does not know, such as a typo (intnt, exmples): it would
	// otherwise drop data silently.
	ErrUnknownField = errors.New("intent: unknown field")
	// ErrTooLarge reports a line or CSV record longer than 16 MiB, or a
	// YAML file larger than that; reading stops there.
	ErrTooLarge = errors.New("intent: too large")
)

// ExampleError reports a bad training example or a line of a training file
// that could not be read.
type ExampleError struct {
	File  string // file name as given to the loader, or ""
	Line  int    // 1-based line, or 0 when unknown
	Index int    // position in the slice given to Train, or -1
	Field string // "text", "intent", an unknown field's name, or "" when the whole line is bad
	Err   error  // wraps one of ErrEmptyText, ErrEmptyIntent, ErrSyntax, ErrUnknownField, ErrTooLarge
}

// Error reads like
//
//	intent: nlu.yml:7: field "intnt": unknown field (want "intent", "synonym", "regex" or "lookup")
//
// with the example's index ("example 3") in place of file and line when
// neither is known.
func (e *ExampleError) Error() string {
	at := record.Place{File: e.File, Line: e.Line}
	if e.Index >= 0 {
		at.Item = "example " + strconv.Itoa(e.Index)
	}
	return record.Message("intent", at, e.Field, e.Err)
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

// tooLarge is the error of a record over record.MaxBytes at line.
func tooLarge(name string, line int, what string) *ExampleError {
	return &ExampleError{File: name, Line: line, Index: -1, Err: fmt.Errorf("%w: %s longer than %s", ErrTooLarge, what, record.MaxSize)}
}

// ReadJSONL reads examples from JSON Lines: one {"text": ..., "intent": ...}
// object per line. Blank lines are skipped; any other field is an error
// ([ErrUnknownField]). name is used in errors and in each example's Source.
// Bad lines are reported, up to 20, joined with errors.Join; each is an
// [*ExampleError], and no examples are returned with them. Reading stops at the 20th bad line, 1 MiB after the
// first, or at a line longer than 16 MiB ([ErrTooLarge]).
func ReadJSONL(r io.Reader, name string) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), record.MaxBytes)
	var out []Example
	var errs errorList
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		errs.read(len(sc.Bytes()) + 1)
		if errs.stop() {
			errs.stopped(name, line)
			break
		}
		if len(b) == 0 {
			continue
		}
		bad := func(field string, err error) {
			errs.add(&ExampleError{File: name, Line: line, Index: -1, Field: field, Err: err})
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			if json.Valid(b) {
				bad("", fmt.Errorf("%w: want a JSON object, got %s", ErrSyntax, record.Kind(b)))
			} else {
				bad("", fmt.Errorf("%w: %v", ErrSyntax, err))
			}
			continue
		}
		ex := Example{Source: Source{File: name, Line: line}}
		ok := true
		for _, k := range slices.Sorted(maps.Keys(raw)) {
			if k != "text" && k != "intent" {
				bad(k, fmt.Errorf("%w (want \"text\" and \"intent\")", ErrUnknownField))
				ok = false
			}
		}
		for _, f := range []struct {
			name string
			dst  *string
		}{{"text", &ex.Text}, {"intent", &ex.Intent}} {
			v, found := raw[f.name]
			if !found {
				bad(f.name, fmt.Errorf("%w: missing", emptyErr(f.name)))
				ok = false
				continue
			}
			if err := json.Unmarshal(v, f.dst); err != nil {
				bad(f.name, fmt.Errorf("%w: %v", ErrSyntax, record.JSONError(err)))
				ok = false
			}
		}
		if !ok || errs.check(ex, -1) {
			continue
		}
		if errs.none() {
			out = append(out, ex)
		}
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		errs.add(tooLarge(name, line+1, "line"))
	case err != nil:
		return nil, record.Wrap("intent", "read "+name, err)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// csvColumns are the columns of ReadCSV.
var csvColumns = []string{"text", "intent"}

// ReadCSV reads examples from CSV (RFC 4180) whose first row is a header
// naming a "text" and an "intent" column, in any order; any other column is
// an error ([ErrUnknownField]). Lines are physical lines of the file, so a
// quoted field spanning lines is reported at its first line. Errors are
// reported as by [ReadJSONL]; a record longer than 16 MiB is [ErrTooLarge].
func ReadCSV(r io.Reader, name string) ([]Example, error) {
	lines := record.NewReader(r)
	cr := csv.NewReader(lines)
	cr.FieldsPerRecord = -1
	var errs errorList
	fatal := func(err error, line int) ([]Example, error) {
		if errors.Is(err, record.ErrTooLong) {
			errs.add(tooLarge(name, line, "record"))
			return nil, errs.err()
		}
		errs.add(csvError(name, err))
		return nil, errs.err()
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return fatal(err, 1)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		_, dup := col[h]
		switch {
		case !slices.Contains(csvColumns, h):
			errs.add(&ExampleError{File: name, Line: 1, Index: -1, Field: h, Err: fmt.Errorf("%w (want \"text\" and \"intent\")", ErrUnknownField)})
		case dup:
			errs.add(&ExampleError{File: name, Line: 1, Index: -1, Field: h, Err: fmt.Errorf("%w: column %q given twice in the header", ErrSyntax, h)})
		default:
			col[h] = i
		}
	}
	for _, f := range csvColumns {
		if _, ok := col[f]; !ok {
			errs.add(&ExampleError{File: name, Line: 1, Index: -1, Field: f, Err: fmt.Errorf("%w: no %q column in the header", ErrSyntax, f)})
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	var out []Example
	for {
		off := cr.InputOffset()
		next := lines.Mark(off)
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		errs.read(int(cr.InputOffset() - off))
		if errs.stop() {
			errs.stopped(name, next)
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return fatal(err, next)
			}
			errs.add(csvError(name, err))
			continue
		}
		if cr.InputOffset()-off > record.MaxBytes {
			errs.add(tooLarge(name, next, "record"))
			break
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
		if errs.none() {
			out = append(out, ex)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ExampleError{File: name, Line: pe.Line, Index: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, pe.Err)}
	}
	return record.Wrap("intent", "read "+name, err)
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
		return nil, record.Wrap("intent", "read", err)
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

// errorList collects up to maxErrors errors, and says when a reader should
// stop: at maxErrors, or maxAfter bytes after the first error, so that a
// bad line 2 of a huge file does not cost reading all of it.
type errorList struct {
	errs  []error
	more  int
	after int // bytes read since the first error
}

const (
	maxErrors = 20
	maxAfter  = 1 << 20
)

func (l *errorList) add(err error) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, err)
	} else {
		l.more++
	}
}

// none reports whether no error was added: until then a reader keeps its
// examples, after it only looks for more errors.
func (l *errorList) none() bool { return len(l.errs) == 0 }

// read counts n bytes read.
func (l *errorList) read(n int) {
	if !l.none() {
		l.after += n
	}
}

// stop reports whether the reader should read no further.
func (l *errorList) stop() bool { return len(l.errs) >= maxErrors || l.after > maxAfter }

// stopped records that reading stopped before line of name.
func (l *errorList) stopped(name string, line int) {
	l.errs = append(l.errs, fmt.Errorf("intent: %s: stopped reading at line %d, after the errors above", name, line))
}

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
