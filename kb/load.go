package kb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	records "github.com/duxin-ai/duxin/internal/record"
)

// Format names an input format of [Load].
type Format string

// The formats Load reads. All share FAQ's field names (id, question, similar,
// answer, category, tags, triggers, priority, valid_from, valid_until); unknown
// fields are errors.
const (
	// FormatJSONL is JSON Lines, the canonical format: one JSON object per
	// line; blank lines are ignored.
	FormatJSONL Format = "jsonl"
	// FormatJSON is a single JSON array of objects.
	FormatJSON Format = "json"
	// FormatCSV is comma-separated values with a header row naming the
	// columns, in any order; id and question are required:
	//
	//	id,question,similar,answer,category,tags,triggers,priority,valid_from,valid_until
	//
	// similar and tags are "|"-separated lists (so they cannot contain "|");
	// triggers is a compact JSON array of trigger objects, such as
	// [{"event":"transfer.success","window":"2h","weight":0.9}]; priority is
	// an integer; valid_from and valid_until are RFC 3339 times; an empty
	// cell leaves the field at its zero value.
	FormatCSV Format = "csv"
	// FormatYAML is a YAML sequence of mappings.
	FormatYAML Format = "yaml"
)

// LoadOption configures [Load] and [LoadFile].
type LoadOption func(*loadOptions)

type loadOptions struct {
	skip   bool
	format Format
	file   string
}

// SkipInvalid makes Load skip bad records instead of failing: it returns every
// good record and lists each skipped one in [LoadReport.Skipped]. Input that
// cannot be split into records (a JSON array or YAML document that does not
// parse, a bad CSV header) still fails the whole load.
func SkipInvalid() LoadOption { return func(o *loadOptions) { o.skip = true } }

// WithFormat forces the input format of [LoadFile] instead of deriving it from
// the file's extension. Load ignores it.
func WithFormat(f Format) LoadOption { return func(o *loadOptions) { o.format = f } }

// WithFileName sets the file name that errors and the report mention; by
// default Load names none and LoadFile uses the path it was given.
func WithFileName(name string) LoadOption { return func(o *loadOptions) { o.file = name } }

// LoadReport summarises a successful load.
type LoadReport struct {
	// File is the name errors use (see [WithFileName]).
	File string
	// Records counts the records read, good and skipped.
	Records int
	// Skipped lists the records left out under [SkipInvalid], in input order;
	// empty otherwise.
	Skipped []*RecordError
}

// Err returns the skipped records' errors joined with [errors.Join], or nil
// when none was skipped.
func (r *LoadReport) Err() error {
	if r == nil || len(r.Skipped) == 0 {
		return nil
	}
	errs := make([]error, len(r.Skipped))
	for i, e := range r.Skipped {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Load reads FAQ entries from r in the given format, returning them in input
// order.
//
// Every record is checked the same way whatever the format: id and question
// must be non-empty, ids unique, every string valid UTF-8; each trigger needs
// an event, a positive window and a weight in (0, 1]; valid_until must be after
// valid_from. Text is trimmed of surrounding white space, and empty or
// repeated similar questions and tags are dropped (as are similar questions
// equal to the standard question). A leading UTF-8 byte-order mark is ignored;
// empty input yields no entries.
//
// By default the first bad record fails the load: Load returns nil entries, a
// nil report and a [*RecordError]. With [SkipInvalid] bad records are left out
// and listed in the report. Errors for input that cannot be split into records
// wrap [ErrSyntax]; an unsupported format wraps [ErrUnknownFormat].
//
// Load reads r as a stream and stops at the first bad record (unless
// [SkipInvalid]), so a bad line 2 is reported without reading the rest.
// JSON Lines, a JSON array and CSV are read one record at a time; YAML is
// read whole. A record (a line, an array entry, a CSV record) or a YAML
// file larger than 16 MiB fails the load with [ErrTooLarge], even under
// SkipInvalid.
func Load(r io.Reader, format Format, opts ...LoadOption) ([]FAQ, *LoadReport, error) {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	decode := decoderFor(format)
	if decode == nil {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownFormat, string(format))
	}
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	l := &loader{skip: o.skip, ids: make(map[string]int)}
	l.report.File = o.file
	if err := decode(br, l.add); err != nil {
		var re *RecordError
		if errors.As(err, &re) && re.File == "" {
			re.File = o.file
		}
		var rd *readError
		if errors.As(err, &rd) {
			return nil, nil, records.Wrap("kb", strings.TrimSpace("load "+o.file), rd.err)
		}
		return nil, nil, err
	}
	return l.entries, &l.report, nil
}

// readError is a failure of the reader Load was given, not of its data.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// LoadFile opens path and loads it with [Load]. The format comes from the
// extension (.jsonl, .json, .csv, .yaml or .yml, in any case) unless
// [WithFormat] forces one; errors name path unless [WithFileName] says
// otherwise.
func LoadFile(path string, opts ...LoadOption) ([]FAQ, *LoadReport, error) {
	o := loadOptions{file: path}
	for _, opt := range opts {
		opt(&o)
	}
	format := o.format
	if format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".jsonl":
			format = FormatJSONL
		case ".json":
			format = FormatJSON
		case ".csv":
			format = FormatCSV
		case ".yaml", ".yml":
			format = FormatYAML
		default:
			return nil, nil, fmt.Errorf("%w: cannot tell the format of %q from its extension", ErrUnknownFormat, path)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("kb: load: %w", err)
	}
	defer f.Close()
	return Load(f, format, append(opts, WithFileName(o.file))...)
}

// decoderFor returns the decoder of a format, or nil. A decoder splits input
// into records and passes each to emit; it returns emit's error, a
// *RecordError for input it cannot split or a *readError.
func decoderFor(f Format) func(r io.Reader, emit func(record) error) error {
	switch f {
	case FormatJSONL:
		return decodeJSONL
	case FormatJSON:
		return decodeJSONArray
	case FormatCSV:
		return decodeCSV
	case FormatYAML:
		return decodeYAML
	}
	return nil
}

// record is one entry as a format decoded it, before conversion to FAQ.
type record struct {
	line    int      // line where the record starts
	members []member // fields in input order
	err     *fieldError
}

// member is one field of a record.
type member struct {
	key  string
	line int // line of the value; 0 when the format does not tell
	val  value
}

// value is a field value of any format; FAQ conversion is written once
// against it.
type value interface {
	null() bool
	str() (string, error)
	integer() (int, error)
	float() (float64, error)
	object() ([]member, error)
	list() ([]value, error)
	line() int
}

// fieldError is a record error before it gets a file and line.
type fieldError struct {
	field string
	line  int
	err   error
}

type loader struct {
	skip    bool
	ids     map[string]int // id → line of first use
	entries []FAQ
	report  LoadReport
}

func (l *loader) add(rec record) error {
	l.report.Records++
	fe := rec.err
	var f FAQ
	if fe == nil {
		f, fe = buildFAQ(rec.members)
	}
	if fe == nil {
		fe = validateFAQ(&f)
	}
	if fe == nil {
		if first, dup := l.ids[f.ID]; dup {
			fe = &fieldError{field: "id", err: fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, f.ID, first)}
		}
	}
	if fe != nil {
		re := &RecordError{File: l.report.File, Line: rec.line, ID: recordID(rec.members), Field: fe.field, Err: fe.err}
		if ln := fe.line; ln > 0 {
			re.Line = ln
		} else if ln := lineOfField(rec.members, fe.field); ln > 0 {
			re.Line = ln
		}
		if !l.skip {
			return re
		}
		l.report.Skipped = append(l.report.Skipped, re)
		return nil
	}
	l.ids[f.ID] = rec.line
	l.entries = append(l.entries, f)
	return nil
}

// recordID returns the record's trimmed id when it can be read.
func recordID(ms []member) string {
	for _, m := range ms {
		if m.key == "id" {
			if s, err := m.val.str(); err == nil {
				return strings.TrimSpace(s)
			}
			return ""
		}
	}
	return ""
}

// lineOfField returns the line of the top-level member the field path starts
// with, or 0.
func lineOfField(ms []member, field string) int {
	top, _, _ := strings.Cut(field, ".")
	top, _, _ = strings.Cut(top, "[")
	for _, m := range ms {
		if m.key == top {
			return m.line
		}
	}
	return 0
}

// buildFAQ converts decoded fields to an FAQ, checking names and types.
func buildFAQ(ms []member) (FAQ, *fieldError) {
	var f FAQ
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if seen[m.key] {
			return FAQ{}, &fieldError{field: m.key, line: m.line, err: ErrDuplicateField}
		}
		seen[m.key] = true
		var err *fieldError
		switch m.key {
		case "id":
			err = setString(&f.ID, m)
		case "question":
			err = setString(&f.Question, m)
		case "answer":
			err = setString(&f.Answer, m)
		case "category":
			err = setString(&f.Category, m)
		case "similar":
			f.Similar, err = stringList(m)
		case "tags":
			f.Tags, err = stringList(m)
		case "triggers":
			f.Triggers, err = triggerList(m)
		case "priority":
			n, e := m.val.integer()
			f.Priority, err = n, wrapField(m.key, m.val, e)
		case "valid_from":
			f.ValidFrom, err = timeValue(m)
		case "valid_until":
			f.ValidUntil, err = timeValue(m)
		default:
			err = &fieldError{field: m.key, line: m.line, err: unknownField(faqFields)}
		}
		if err != nil {
			return FAQ{}, err
		}
	}
	return f, nil
}

// The fields of an entry and of a trigger, for errors.
var (
	faqFields     = []string{"id", "question", "similar", "answer", "category", "tags", "triggers", "priority", "valid_from", "valid_until"}
	triggerFields = []string{"event", "attrs", "window", "weight"}
)

// unknownField is the cause of an unknown field; the error names the field,
// and this lists the ones there are.
func unknownField(known []string) error {
	q := make([]string, len(known))
	for i, k := range known {
		q[i] = strconv.Quote(k)
	}
	return fmt.Errorf("%w (want %s or %s)", ErrUnknownField, strings.Join(q[:len(q)-1], ", "), q[len(q)-1])
}

func wrapField(field string, v value, err error) *fieldError {
	if err == nil {
		return nil
	}
	return &fieldError{field: field, line: v.line(), err: err}
}

func setString(dst *string, m member) *fieldError {
	s, err := m.val.str()
	*dst = s
	return wrapField(m.key, m.val, err)
}

func stringList(m member) ([]string, *fieldError) {
	items, err := m.val.list()
	if err != nil {
		return nil, wrapField(m.key, m.val, err)
	}
	var out []string
	for i, it := range items {
		s, err := it.str()
		if err != nil {
			return nil, wrapField(fmt.Sprintf("%s[%d]", m.key, i), it, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func timeValue(m member) (time.Time, *fieldError) {
	s, err := m.val.str()
	if err != nil {
		return time.Time{}, wrapField(m.key, m.val, err)
	}
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, wrapField(m.key, m.val, fmt.Errorf("%w: time %q is not RFC 3339", ErrBadValue, s))
	}
	return t, nil
}

func triggerList(m member) ([]Trigger, *fieldError) {
	items, err := m.val.list()
	if err != nil {
		return nil, wrapField(m.key, m.val, withKind(ErrBadTrigger, err))
	}
	var out []Trigger
	for i, it := range items {
		t, fe := buildTrigger(fmt.Sprintf("%s[%d]", m.key, i), it)
		if fe != nil {
			fe.err = withKind(ErrBadTrigger, fe.err)
			return nil, fe
		}
		out = append(out, t)
	}
	return out, nil
}

func buildTrigger(path string, v value) (Trigger, *fieldError) {
	var t Trigger
	ms, err := v.object()
	if err != nil {
		return t, wrapField(path, v, err)
	}
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		field := path + "." + m.key
		if seen[m.key] {
			return t, &fieldError{field: field, line: m.line, err: ErrDuplicateField}
		}
		seen[m.key] = true
		switch m.key {
		case "event":
			s, err := m.val.str()
			if err != nil {
				return t, wrapField(field, m.val, err)
			}
			t.Event = s
		case "attrs":
			attrs, err := m.val.object()
			if err != nil {
				return t, wrapField(field, m.val, err)
			}
			for _, a := range attrs {
				s, err := a.val.str()
				if err != nil {
					return t, wrapField(field+"."+a.key, a.val, err)
				}
				if t.Attrs == nil {
					t.Attrs = make(map[string]string, len(attrs))
				}
				if _, dup := t.Attrs[a.key]; dup {
					return t, &fieldError{field: field + "." + a.key, line: a.line, err: ErrDuplicateField}
				}
				t.Attrs[a.key] = s
			}
		case "window":
			s, err := m.val.str()
			if err != nil {
				return t, wrapField(field, m.val, err)
			}
			if t.Window, err = ParseDuration(s); err != nil {
				return t, wrapField(field, m.val, err)
			}
		case "weight":
			w, err := m.val.float()
			if err != nil {
				return t, wrapField(field, m.val, err)
			}
			t.Weight = w
		default:
			return t, &fieldError{field: field, line: m.line, err: unknownField(triggerFields)}
		}
	}
	return t, nil
}

// validateFAQ checks and normalises one entry; it is the one place where the
// rules shared by every format live.
func validateFAQ(f *FAQ) *fieldError {
	bad := func(field string, err error) *fieldError { return &fieldError{field: field, err: err} }
	badUTF8 := func(field string) *fieldError { return bad(field, ErrInvalidUTF8) }
	for _, c := range []struct {
		field string
		s     string
	}{{"id", f.ID}, {"question", f.Question}, {"answer", f.Answer}, {"category", f.Category}} {
		if !utf8.ValidString(c.s) {
			return badUTF8(c.field)
		}
	}
	for i, s := range f.Similar {
		if !utf8.ValidString(s) {
			return badUTF8(fmt.Sprintf("similar[%d]", i))
		}
	}
	for i, s := range f.Tags {
		if !utf8.ValidString(s) {
			return badUTF8(fmt.Sprintf("tags[%d]", i))
		}
	}
	for i, t := range f.Triggers {
		path := fmt.Sprintf("triggers[%d]", i)
		if !utf8.ValidString(t.Event) {
			return badUTF8(path + ".event")
		}
		for _, k := range slices.Sorted(maps.Keys(t.Attrs)) {
			if !utf8.ValidString(k) || !utf8.ValidString(t.Attrs[k]) {
				return badUTF8(path + ".attrs." + k)
			}
		}
	}

	f.ID = strings.TrimSpace(f.ID)
	f.Question = strings.TrimSpace(f.Question)
	f.Answer = strings.TrimSpace(f.Answer)
	f.Category = strings.TrimSpace(f.Category)
	if f.ID == "" {
		return bad("id", ErrEmptyID)
	}
	if f.Question == "" {
		return bad("question", ErrEmptyQuestion)
	}
	if fe := checkLengths(f); fe != nil {
		return fe
	}
	f.Similar = cleanList(f.Similar, f.Question)
	f.Tags = cleanList(f.Tags, "")

	for i := range f.Triggers {
		t := &f.Triggers[i]
		path := fmt.Sprintf("triggers[%d]", i)
		t.Event = strings.TrimSpace(t.Event)
		if t.Event == "" {
			return bad(path+".event", withKind(ErrBadTrigger, errors.New("kb: empty event")))
		}
		if len(t.Attrs) == 0 {
			t.Attrs = nil
		}
		for _, k := range slices.Sorted(maps.Keys(t.Attrs)) {
			if strings.TrimSpace(k) == "" {
				return bad(path+".attrs", withKind(ErrBadTrigger, errors.New("kb: empty attribute name")))
			}
		}
		if t.Window <= 0 {
			return bad(path+".window", withKind(ErrBadTrigger, fmt.Errorf("%w: missing window", ErrBadDuration)))
		}
		if !(t.Weight > 0 && t.Weight <= 1) { // also rejects NaN
			return bad(path+".weight", withKind(ErrBadTrigger, fmt.Errorf("kb: weight %v not in (0, 1]", t.Weight)))
		}
	}
	if len(f.Triggers) == 0 {
		f.Triggers = nil
	}
	if !f.ValidFrom.IsZero() && !f.ValidUntil.IsZero() && !f.ValidUntil.After(f.ValidFrom) {
		return bad("valid_until", ErrBadValidity)
	}
	return nil
}

// cleanList trims items and drops empty ones, repeats and those equal to
// except; it returns nil rather than an empty slice.
func cleanList(items []string, except string) []string {
	var out []string
	for _, s := range items {
		s = strings.TrimSpace(s)
		if s == "" || s == except || slices.Contains(out, s) {
			continue
		}
		out = append(out, s)
	}
	return out
}
