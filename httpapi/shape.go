package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/kb"
)

// checkShape checks a syntactically valid JSON body against the Go type t
// it is about to be decoded into, for what encoding/json lets through or
// reports without saying where: an object key must be one of t's field
// names exactly (encoding/json matches names ignoring case) and appear once
// (encoding/json keeps the last), and each value must suit its field. The
// error is the first problem in document order, with the field's path,
// list indexes included ("triggers[0].window").
func checkShape(body []byte, t reflect.Type) error {
	return walkShape(body, t, "")
}

// shapeError is a problem at a path of the body.
type shapeError struct{ path, problem string }

func (e *shapeError) Error() string {
	if e.path == "" {
		return e.problem
	}
	return fmt.Sprintf("field %q: %s", e.path, e.problem)
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
	durationType    = reflect.TypeFor[kb.Duration]()
)

func walkShape(raw []byte, t reflect.Type, path string) error {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return nil // encoding/json leaves the zero value
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if pt := reflect.PointerTo(t); pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return shapeLeaf(raw, t, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		if raw[0] != '{' {
			return &shapeError{path, fmt.Sprintf("want %s, got %s", want(t), kindOf(raw))}
		}
		fields := jsonFields(t)
		return eachMember(raw, path, func(key string, val []byte) error {
			f, ok := fields[key]
			if !ok {
				return unknownField(join(path, key), key, fields)
			}
			if f.quoted {
				return nil // ",string": encoding/json judges
			}
			return walkShape(val, f.typ, join(path, key))
		})
	case reflect.Map:
		if raw[0] != '{' {
			return &shapeError{path, fmt.Sprintf("want %s, got %s", want(t), kindOf(raw))}
		}
		return eachMember(raw, path, func(key string, val []byte) error {
			return walkShape(val, t.Elem(), join(path, key))
		})
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return shapeLeaf(raw, t, path) // bytes, as base64
		}
		if raw[0] != '[' {
			return &shapeError{path, fmt.Sprintf("want %s, got %s", want(t), kindOf(raw))}
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil // not for us to judge: the decoder reports it
		}
		for i, e := range elems {
			if err := walkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Interface:
		return nil
	}
	return shapeLeaf(raw, t, path)
}

// shapeLeaf checks a value that is not an object or list of ours by
// decoding it alone.
func shapeLeaf(raw []byte, t reflect.Type, path string) error {
	err := json.Unmarshal(raw, reflect.New(t).Interface())
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	switch {
	case t == timeType:
		got := kindOf(raw)
		var s string
		if json.Unmarshal(raw, &s) == nil && len([]rune(s)) <= 40 {
			got = strconv.Quote(s)
		}
		return &shapeError{path, fmt.Sprintf("want %s, got %s", want(t), got)}
	case errors.As(err, &te):
		got := kindOf(raw)
		if got == "number" && strings.HasPrefix(want(t), "a ") && strings.HasSuffix(want(t), "number") && len(raw) <= 24 {
			got = string(raw) // out of range, or a fraction for a whole number
		}
		return &shapeError{path, fmt.Sprintf("want %s, got %s", want(t), got)}
	}
	// The type's own decoder refused the value: its message says why.
	msg := err.Error()
	if i := strings.Index(msg, ": "); i > 0 && !strings.Contains(msg[:i], " ") {
		msg = msg[i+2:] // "kb: bad duration …" → "bad duration …"
	}
	return &shapeError{path, msg}
}

// eachMember calls fn with each key and value of the object raw, in
// order, refusing a key given twice.
func eachMember(raw []byte, path string, fn func(key string, val []byte) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil
		}
		if seen[key] {
			return &shapeError{"", fmt.Sprintf("field %q given twice", join(path, key))}
		}
		seen[key] = true
		if err := fn(key, val); err != nil {
			return err
		}
	}
	return nil
}

func unknownField(path, key string, fields map[string]field) error {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return &shapeError{"", fmt.Sprintf("unknown field %q (names are case-sensitive: %q)", path, name)}
		}
	}
	return &shapeError{"", fmt.Sprintf("unknown field %q", path)}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// kindOf names the kind of JSON value raw is.
func kindOf(raw []byte) string {
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "list"
	case 't', 'f':
		return string(raw)
	}
	return "number"
}

// want describes what a value decoded into t must be, in the client's
// terms.
func want(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "an RFC 3339 time such as \"2006-01-02T15:04:05+08:00\""
	case t == durationType:
		return "a duration such as \"90s\", \"2h\" or \"7d\""
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "a string"
}

// field is one JSON field of a struct.
type field struct {
	typ    reflect.Type
	quoted bool // the ",string" option
}

// jsonFields maps the JSON names of t's fields, as encoding/json names
// them, to the fields; fields of embedded structs are promoted unless a
// shallower field has the name.
func jsonFields(t reflect.Type) map[string]field {
	out := map[string]field{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = field{typ: f.Type, quoted: strings.Contains(","+opts+",", ",string,")}
	}
	for _, et := range embedded {
		for name, f := range jsonFields(et) {
			if _, ok := out[name]; !ok {
				out[name] = f
			}
		}
	}
	return out
}
