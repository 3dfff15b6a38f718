package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxBytes bounds one record — a line of JSON Lines, a CSV record, an
// element of a JSON array — and a file read whole (YAML): 16 MiB, the bound
// of recommend's phrasebook.
const MaxBytes = 16 << 20

// MaxSize is [MaxBytes] in words, for messages.
const MaxSize = "16 MiB"

// Place says where a record is: File and Line when it was read from a file
// (either may be unknown), else Item, such as "example 3".
type Place struct {
	File string
	Line int
	Item string
}

// String returns "file:line", "file", "line 3", the item, or "".
func (p Place) String() string {
	switch {
	case p.File != "" && p.Line > 0:
		return p.File + ":" + strconv.Itoa(p.Line)
	case p.File != "":
		return p.File
	case p.Line > 0:
		return "line " + strconv.Itoa(p.Line)
	}
	return p.Item
}

// Message formats a record error: pkg, the place, the quoted field and the
// cause, each part left out when empty, as
//
//	pkg: file:line: field "name": cause
//
// The cause's leading "pkg: " (any number of them) is dropped so the prefix
// is said once. A nil cause reads "invalid record".
func Message(pkg string, at Place, field string, cause error) string {
	var b strings.Builder
	b.WriteString(pkg)
	b.WriteString(": ")
	if s := at.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if field != "" {
		fmt.Fprintf(&b, "field %q: ", field)
	}
	b.WriteString(Trim(pkg, cause))
	return b.String()
}

// Trim returns err's message without its leading "pkg: " prefixes, or
// "invalid record" for a nil err.
func Trim(pkg string, err error) string {
	if err == nil {
		return "invalid record"
	}
	msg := err.Error()
	for strings.HasPrefix(msg, pkg+": ") {
		msg = msg[len(pkg)+2:]
	}
	return msg
}

// Wrap returns err with context, read as "pkg: context: cause" with the
// cause's own "pkg: " prefix dropped; errors.Is and errors.As see err. It
// returns nil for a nil err.
func Wrap(pkg, context string, err error) error {
	if err == nil {
		return nil
	}
	return &wrapped{prefix: pkg + ": " + context + ": ", pkg: pkg, err: err}
}

type wrapped struct {
	prefix, pkg string
	err         error
}

func (w *wrapped) Error() string { return w.prefix + Trim(w.pkg, w.err) }
func (w *wrapped) Unwrap() error { return w.err }

// Kind names the type of a well-formed JSON value in words: "a string",
// "a number", "an object", "an array", "true or false" or "null".
func Kind(raw []byte) string {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '"':
			return "a string"
		case '{':
			return "an object"
		case '[':
			return "an array"
		case 't', 'f':
			return "true or false"
		case 'n':
			return "null"
		}
		return "a number"
	}
	return "nothing"
}

// JSONError rewrites an error of encoding/json in words a user knows: a
// type mismatch becomes "want a number, got a string" instead of naming Go
// types. Other errors are returned as they are.
func JSONError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	got := te.Value
	switch {
	case got == "string" || got == "number" || got == "array" || got == "object":
		got = article(got) + " " + got
	case got == "bool":
		got = "true or false"
	case strings.HasPrefix(got, "number "):
		got = strings.TrimPrefix(got, "number ")
	}
	want := "another type"
	if te.Type != nil {
		want = goKind(te.Type.String())
	}
	return fmt.Errorf("want %s, got %s", want, got)
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an"
	}
	return "a"
}

// goKind names the JSON a Go type decodes from.
func goKind(t string) string {
	switch {
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "struct"):
		return "an object"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "another type"
}

// ErrTooLong is the error of a [Reader] whose record ran past its bound.
var ErrTooLong = errors.New("longer than " + MaxSize)

// ErrTooLarge is the error of [ReadAll] for input over its bound.
var ErrTooLarge = errors.New("file larger than " + MaxSize)

// ReadAll reads r to its end, failing with [ErrTooLarge] when it holds
// more than [MaxBytes].
func ReadAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBytes {
		return nil, ErrTooLarge
	}
	return data, nil
}

// chunk bounds one Read of a [Reader], so a decoder reading through it reads
// at most that far ahead of the record it is decoding.
const chunk = 64 << 10

// Reader passes a stream to a decoder, telling the line of any byte offset
// at or after the current record's start, and failing a Read with
// [ErrTooLong] once the decoder has read more than [MaxBytes] plus a
// little read-ahead since the record's start: a guard against exhausting
// memory, to be followed by an exact check of each record's size. It keeps
// only the bytes from the record's start on.
type Reader struct {
	r    io.Reader
	buf  []byte // buf[start:] holds the bytes at offsets base, base+1, …
	base int64
	line int // 1-based line at offset base
	// start is where the bytes of base begin in buf; the bytes before it are
	// dropped when they are half of buf.
	start int
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r, line: 1} }

// Read implements io.Reader.
func (t *Reader) Read(p []byte) (int, error) {
	if len(t.buf)-t.start > MaxBytes+2*chunk {
		return 0, ErrTooLong
	}
	p = p[:min(len(p), chunk)]
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// span returns the read bytes from the mark up to off.
func (t *Reader) span(off int64) []byte {
	kept := t.buf[t.start:]
	return kept[:min(max(off-t.base, 0), int64(len(kept)))]
}

// Mark makes off (clamped to what has been read) the start of the next
// record and returns its 1-based line. Offsets before the previous mark
// count as the previous mark.
func (t *Reader) Mark(off int64) int {
	s := t.span(off)
	t.line += bytes.Count(s, []byte{'\n'})
	t.start += len(s)
	t.base += int64(len(s))
	if t.start > len(t.buf)/2 {
		t.buf = append(t.buf[:0], t.buf[t.start:]...)
		t.start = 0
	}
	return t.line
}

// Line returns the 1-based line of off without moving the mark.
func (t *Reader) Line(off int64) int {
	return t.line + bytes.Count(t.span(off), []byte{'\n'})
}

// At returns the byte at offset off if it has been read and is not before
// the mark.
func (t *Reader) At(off int64) (byte, bool) {
	kept := t.buf[t.start:]
	k := off - t.base
	if k < 0 || k >= int64(len(kept)) {
		return 0, false
	}
	return kept[k], true
}
