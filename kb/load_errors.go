package kb

import (
	"errors"

	records "github.com/duxin-ai/duxin/internal/record"
)

// Errors reported by [Load] and [LoadFile], wrapped in a [*RecordError] that
// names the file, line and field; test for them with [errors.Is]. A record
// without an id is reported with [ErrEmptyID].
var (
	// ErrDuplicateID reports an id already used by an earlier entry.
	ErrDuplicateID = errors.New("kb: duplicate id")
	// ErrEmptyQuestion reports an entry without a standard question.
	ErrEmptyQuestion = errors.New("kb: empty question")
	// ErrInvalidUTF8 reports a string that is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("kb: invalid utf-8")
	// ErrUnknownField reports a field (JSON or YAML key, CSV column) that FAQ does not have.
	ErrUnknownField = errors.New("kb: unknown field")
	// ErrDuplicateField reports a field given twice in one entry or CSV header.
	ErrDuplicateField = errors.New("kb: duplicate field")
	// ErrBadTrigger reports a trigger with an empty event, a non-positive
	// window, a weight outside (0, 1] or a malformed value; it is reported
	// together with the more specific cause, such as [ErrBadDuration].
	ErrBadTrigger = errors.New("kb: bad trigger")
	// ErrBadValue reports a value of the wrong type (a string where a number
	// belongs) or one that does not parse (a time that is not RFC 3339).
	ErrBadValue = errors.New("kb: bad value")
	// ErrBadValidity reports a valid_until that is not after valid_from.
	ErrBadValidity = errors.New("kb: valid_until not after valid_from")
	// ErrSyntax reports input that is not well-formed JSON, YAML or CSV, or
	// whose shape is wrong (a record that is not an object).
	ErrSyntax = errors.New("kb: syntax error")
	// ErrTooLarge reports a record (a JSON line or array entry, a CSV
	// record) or a YAML file larger than 16 MiB. The load stops there, even
	// under [SkipInvalid].
	ErrTooLarge = errors.New("kb: record too large")
	// ErrUnknownFormat reports a [Format] that Load does not support, or a
	// file name whose extension names none.
	ErrUnknownFormat = errors.New("kb: unknown format")
)

// RecordError describes a bad record in loaded input. Its Error method reads
// like
//
//	kb: faq.jsonl:12: field "triggers[0].window": bad duration "3x"
//
// Unwrap returns Err, which wraps one or more of the package's sentinel
// errors.
type RecordError struct {
	// File is the name given with [WithFileName] or the path passed to
	// [LoadFile]; empty when unknown.
	File string
	// Line is the 1-based line of the offending value when the format tells
	// it (YAML), otherwise the line on which the record starts (JSON Lines,
	// JSON array, CSV). Zero when unknown.
	Line int
	// ID is the record's id when it could be read, else empty.
	ID string
	// Field is the path of the offending field, such as "question",
	// "similar[2]" or "triggers[0].window"; empty for errors about the whole
	// record.
	Field string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *RecordError) Error() string {
	return records.Message("kb", records.Place{File: e.File, Line: e.Line}, e.Field, e.Err)
}

// Unwrap returns e.Err.
func (e *RecordError) Unwrap() error { return e.Err }

// withKind makes err also match kind under errors.Is while keeping err's
// message: a trigger's bad window is both ErrBadTrigger and ErrBadDuration.
func withKind(kind, err error) error {
	if errors.Is(err, kind) {
		return err
	}
	return &kindError{kind: kind, err: err}
}

type kindError struct{ kind, err error }

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }
