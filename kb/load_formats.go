package kb

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	records "github.com/duxin-ai/duxin/internal/record"
)

func syntaxError(line int, format string, args ...any) *RecordError {
	return &RecordError{Line: line, Err: fmt.Errorf("%w: "+format, append([]any{ErrSyntax}, args...)...)}
}

// tooLarge is the error of a record larger than records.MaxBytes; what
// names the kind of record.
func tooLarge(line int, what string) *RecordError {
	return &RecordError{Line: line, Err: withKind(ErrTooLarge, fmt.Errorf("%s longer than %s", what, records.MaxSize))}
}

// ---- JSON ----

func decodeJSONL(r io.Reader, emit func(record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), records.MaxBytes)
	line := 0
	for sc.Scan() {
		line++
		ln := bytes.Trim(sc.Bytes(), " \t\r")
		if len(ln) == 0 {
			continue
		}
		if err := emit(jsonRecord(ln, line)); err != nil {
			return err
		}
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		return tooLarge(line+1, "line")
	case err != nil:
		return &readError{err}
	}
	return nil
}

func decodeJSONArray(r io.Reader, emit func(record) error) error {
	lines := records.NewReader(r)
	dec := json.NewDecoder(lines)
	start := int64(0) // offset of the entry being read
	fail := func(err error) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		switch {
		case errors.Is(err, records.ErrTooLong):
			return tooLarge(lines.Line(start), "entry")
		case errors.As(err, &se):
			off = se.Offset
		case err == io.ErrUnexpectedEOF || err == io.EOF:
			return syntaxError(lines.Line(off), "unexpected end of JSON input")
		default:
			return &readError{err}
		}
		return syntaxError(lines.Line(off), "%v", err)
	}
	tok, err := dec.Token()
	if err == io.EOF {
		return nil // empty input
	}
	if err != nil {
		return fail(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return syntaxError(1, "want a JSON array of entries")
	}
	for dec.More() {
		start = dec.InputOffset()
		for c, ok := lines.At(start); ok && bytes.IndexByte([]byte(" \t\r\n,"), c) >= 0; c, ok = lines.At(start) {
			start++
		}
		line := lines.Mark(start)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fail(err)
		}
		if dec.InputOffset()-start > records.MaxBytes {
			return tooLarge(line, "entry")
		}
		if err := emit(jsonRecord(raw, line)); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil && !errors.As(err, new(*json.SyntaxError)) {
			return fail(err)
		}
		return syntaxError(lines.Line(dec.InputOffset()), "data after the JSON array")
	}
	return nil
}

// jsonRecord decodes one JSON object; raw may be malformed.
func jsonRecord(raw []byte, line int) record {
	rec := record{line: line}
	if err := json.Unmarshal(raw, new(json.RawMessage)); err != nil {
		rec.err = &fieldError{err: fmt.Errorf("%w: %v", ErrSyntax, err)}
		return rec
	}
	if raw[0] != '{' {
		rec.err = &fieldError{err: fmt.Errorf("%w: want a JSON object, got %s", ErrSyntax, jsonValue(raw).kind())}
		return rec
	}
	ms, err := jsonValue(raw).object()
	if err != nil {
		rec.err = &fieldError{err: fmt.Errorf("%w: %v", ErrSyntax, err)}
	}
	rec.members = ms
	return rec
}

// jsonValue is one well-formed JSON value, as raw bytes: unlike
// encoding/json's decoded strings it still shows invalid UTF-8.
type jsonValue []byte

// kind names v's type in the words every reader uses.
func (v jsonValue) kind() string { return records.Kind(v) }

func (v jsonValue) null() bool { return v[0] == 'n' }
func (v jsonValue) line() int  { return 0 }

func (v jsonValue) want(what string) error {
	return fmt.Errorf("%w: want %s, got %s", ErrBadValue, what, v.kind())
}

func (v jsonValue) str() (string, error) {
	if v.null() {
		return "", nil
	}
	if v[0] != '"' {
		return "", v.want("a string")
	}
	if !utf8.Valid(v) {
		return "", ErrInvalidUTF8
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

func (v jsonValue) integer() (int, error) {
	if v.null() {
		return 0, nil
	}
	var n int
	if v.kind() != "a number" || json.Unmarshal(v, &n) != nil {
		return 0, fmt.Errorf("%w: want an integer, got %s", ErrBadValue, v)
	}
	return n, nil
}

func (v jsonValue) float() (float64, error) {
	if v.null() {
		return 0, nil
	}
	var f float64
	if v.kind() != "a number" || json.Unmarshal(v, &f) != nil {
		return 0, fmt.Errorf("%w: want a number, got %s", ErrBadValue, v)
	}
	return f, nil
}

func (v jsonValue) list() ([]value, error) {
	if v.null() {
		return nil, nil
	}
	if v[0] != '[' {
		return nil, v.want("an array")
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(v, &raws); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	out := make([]value, len(raws))
	for i, r := range raws {
		out[i] = jsonValue(r)
	}
	return out, nil
}

// object returns the members in input order, so that the first bad field is
// the one reported.
func (v jsonValue) object() ([]member, error) {
	if v.null() {
		return nil, nil
	}
	if v[0] != '{' {
		return nil, v.want("an object")
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		ms = append(ms, member{key: key, val: jsonValue(raw)})
	}
	return ms, nil
}

// ---- YAML ----

func decodeYAML(r io.Reader, emit func(record) error) error {
	data, err := records.ReadAll(r)
	if errors.Is(err, records.ErrTooLarge) {
		return &RecordError{Err: withKind(ErrTooLarge, err)}
	}
	if err != nil {
		return &readError{err}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil
		}
		return syntaxError(yamlErrorLine(err), "%v", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return syntaxError(yamlErrorLine(err), "%v", err)
		}
		return syntaxError(extra.Line, "more than one YAML document")
	}
	if n := firstAlias(&doc); n != nil {
		return syntaxError(n.Line, "YAML aliases (*%s) are not supported: write the value out", n.Value)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil
	}
	if root.Kind != yaml.SequenceNode {
		return syntaxError(root.Line, "want a YAML list of entries")
	}
	for _, n := range root.Content {
		rec := record{line: n.Line}
		if n.Kind != yaml.MappingNode {
			rec.err = &fieldError{err: fmt.Errorf("%w: entry is not a mapping", ErrSyntax)}
		} else {
			rec.members, _ = yamlValue{n}.object()
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// yamlErrorLine digs the line out of a yaml.v3 message ("yaml: line 3: ...").
func yamlErrorLine(err error) int {
	msg := err.Error()
	i := strings.Index(msg, "line ")
	if i < 0 {
		return 0
	}
	msg = msg[i+len("line "):]
	j := 0
	for j < len(msg) && msg[j] >= '0' && msg[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(msg[:j])
	return n
}

// firstAlias returns the first alias node of a YAML document, or nil.
// Aliases are refused: each one repeats what it names, so a small file of
// aliases to aliases can stand for millions of values.
func firstAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := firstAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// yamlValue is one YAML node.
type yamlValue struct{ n *yaml.Node }

func (v yamlValue) node() *yaml.Node { return v.n }
func (v yamlValue) line() int        { return v.n.Line }

func (v yamlValue) null() bool {
	n := v.node()
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (v yamlValue) kind() string {
	switch v.node().Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a scalar"
}

func (v yamlValue) str() (string, error) {
	if v.null() {
		return "", nil
	}
	if n := v.node(); n.Kind == yaml.ScalarNode {
		return n.Value, nil
	}
	return "", fmt.Errorf("%w: want a string, got %s", ErrBadValue, v.kind())
}

func (v yamlValue) integer() (int, error) {
	if v.null() {
		return 0, nil
	}
	var n int
	if v.node().Kind != yaml.ScalarNode || v.node().Decode(&n) != nil {
		return 0, fmt.Errorf("%w: want an integer, got %q", ErrBadValue, v.node().Value)
	}
	return n, nil
}

func (v yamlValue) float() (float64, error) {
	if v.null() {
		return 0, nil
	}
	var f float64
	if v.node().Kind != yaml.ScalarNode || v.node().Decode(&f) != nil {
		return 0, fmt.Errorf("%w: want a number, got %q", ErrBadValue, v.node().Value)
	}
	return f, nil
}

func (v yamlValue) list() ([]value, error) {
	if v.null() {
		return nil, nil
	}
	n := v.node()
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%w: want a list, got %s", ErrBadValue, v.kind())
	}
	out := make([]value, len(n.Content))
	for i, c := range n.Content {
		out[i] = yamlValue{c}
	}
	return out, nil
}

func (v yamlValue) object() ([]member, error) {
	if v.null() {
		return nil, nil
	}
	n := v.node()
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: want a mapping, got %s", ErrBadValue, v.kind())
	}
	ms := make([]member, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ms = append(ms, member{key: k.Value, line: k.Line, val: yamlValue{n.Content[i+1]}})
	}
	return ms, nil
}

// ---- CSV ----

// csvColumn reports whether a CSV header may name the column.
func csvColumn(name string) bool { return slices.Contains(faqFields, name) }

func decodeCSV(in io.Reader, emit func(record) error) error {
	lines := records.NewReader(in)
	r := csv.NewReader(lines)
	header, err := r.Read()
	for err == nil && len(header) == 1 && strings.TrimSpace(header[0]) == "" {
		header, err = r.Read() // blank lines before the header
	}
	if err == io.EOF {
		return nil // empty input
	}
	if err != nil {
		return csvFatal(err, 1)
	}
	headerLine, _ := r.FieldPos(0)
	for i, name := range header {
		name = strings.TrimSpace(name)
		header[i] = name
		switch {
		case !csvColumn(name):
			return &RecordError{Line: headerLine, Field: name, Err: unknownField(faqFields)}
		case strings.Count(","+strings.Join(header[:i+1], ",")+",", ","+name+",") > 1:
			return &RecordError{Line: headerLine, Field: name, Err: ErrDuplicateField}
		}
	}
	for _, need := range []string{"id", "question"} {
		if !strings.Contains(","+strings.Join(header, ",")+",", ","+need+",") {
			return syntaxError(headerLine, "CSV header lacks column %q", need)
		}
	}
	for {
		off := r.InputOffset()
		next := lines.Mark(off) // where the next record starts
		cells, err := r.Read()
		if err == io.EOF {
			return nil
		}
		var pe *csv.ParseError
		if err != nil && !(errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount)) {
			return csvFatal(err, next)
		}
		if r.InputOffset()-off > records.MaxBytes {
			return tooLarge(next, "record")
		}
		rec := record{}
		rec.line, _ = r.FieldPos(0)
		if err != nil {
			rec.line = pe.StartLine
			rec.err = &fieldError{err: fmt.Errorf("%w: record has %d fields, header has %d", ErrSyntax, len(cells), len(header))}
		} else {
			rec.members, rec.err = csvMembers(header, cells)
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
}

// csvFatal is the error that ends a CSV load; line is where the record
// being read started.
func csvFatal(err error, line int) error {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		return syntaxError(pe.Line, "%v", err)
	case errors.Is(err, records.ErrTooLong):
		return tooLarge(line, "record")
	}
	return &readError{err}
}

func csvMembers(header, cells []string) ([]member, *fieldError) {
	ms := make([]member, 0, len(header))
	for i, col := range header {
		cell := cells[i]
		switch col {
		case "triggers":
			cell = strings.TrimSpace(cell)
			if cell == "" {
				continue
			}
			if !json.Valid([]byte(cell)) {
				return ms, &fieldError{field: col, err: withKind(ErrBadTrigger, fmt.Errorf("%w: triggers cell is not a JSON array", ErrSyntax))}
			}
			ms = append(ms, member{key: col, val: jsonValue(cell)})
		case "similar", "tags":
			ms = append(ms, member{key: col, val: csvValue{s: cell, split: true}})
		default:
			ms = append(ms, member{key: col, val: csvValue{s: cell}})
		}
	}
	return ms, nil
}

// csvValue is one CSV cell; split cells hold "|"-separated lists.
type csvValue struct {
	s     string
	split bool
}

func (v csvValue) null() bool           { return strings.TrimSpace(v.s) == "" }
func (v csvValue) line() int            { return 0 }
func (v csvValue) str() (string, error) { return v.s, nil }

func (v csvValue) integer() (int, error) {
	if v.null() {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.s))
	if err != nil {
		return 0, fmt.Errorf("%w: want an integer, got %q", ErrBadValue, v.s)
	}
	return n, nil
}

func (v csvValue) float() (float64, error) {
	if v.null() {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
	if err != nil {
		return 0, fmt.Errorf("%w: want a number, got %q", ErrBadValue, v.s)
	}
	return f, nil
}

func (v csvValue) object() ([]member, error) {
	return nil, fmt.Errorf("%w: want an object, got a CSV cell", ErrBadValue)
}

func (v csvValue) list() ([]value, error) {
	if !v.split {
		return nil, fmt.Errorf("%w: want a list, got a CSV cell", ErrBadValue)
	}
	if v.null() {
		return nil, nil
	}
	parts := strings.Split(v.s, "|")
	out := make([]value, len(parts))
	for i, p := range parts {
		out[i] = csvValue{s: p}
	}
	return out, nil
}
