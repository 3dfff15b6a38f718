package recommend

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/record"
)

// Event types with a meaning of their own to the engine. Types starting
// with "profile." are the user's state (the latest value of each attribute
// holds). Every other type (transfer.success, refund.apply, …; see the
// sample vocabulary in sampledata/phrasebook.yaml) is an opaque
// string matched against the knowledge base's triggers and learned from
// logs.
const (
	// TypeAsk is an event in which the user opened or asked a knowledge-base
	// question (Event.Question). Asks are what the engine learns to predict.
	TypeAsk = "ask"
	// TypeSearch is a search the user typed (Event.Text); the engine looks
	// it up in the knowledge base.
	TypeSearch = "search"
	// TypeOpen is a visit to the help center; its attributes describe the
	// visit — where it was opened from (from=huabei), the channel — and
	// are the context of the asks in the next half hour, as
	// [Request.Context] is for a request.
	TypeOpen = "helpcenter.open"
	// TypeHandoff is a hand-off of the user to a human agent. Its attribute
	// "reason" (required) says why: ReasonUnanswered, ReasonRequested,
	// ReasonUnhelpful or a reason of the host's own; Question, if set, is
	// the knowledge-base id the user was on.
	TypeHandoff = "handoff"
	// TypeRoute is a service the user was routed to and opened, after an
	// utterance's intent matched a route: attributes "intent" and
	// "service".
	TypeRoute = "route"
	// TypeFeedback is the log form of a [Feedback]: what the user did with
	// a suggested question (Question, required) — attribute "kind"
	// (required) is impression, click, dismiss or resolve, as
	// [FeedbackKind.String] names them. The engine takes feedback through
	// a [FeedbackStore]; in a log it is read by package insight, and the
	// trainer ignores it (a suggestion shown is not a cause of the need).
	TypeFeedback = "feedback"
)

// Reasons of a [TypeHandoff] event that duxin itself gives; a host may
// record others.
const (
	// ReasonUnanswered: a search or utterance that nothing answered
	// confidently (kb's answer threshold, intent's out-of-scope).
	ReasonUnanswered = "unanswered"
	// ReasonRequested: the user asked for a person (转人工).
	ReasonRequested = "requested"
	// ReasonUnhelpful: the user said the answer did not help.
	ReasonUnhelpful = "unhelpful"
)

// Event is one thing a user did.
type Event struct {
	// ID optionally identifies the event, so that a write retried after a
	// timeout is stored once: a store keeps one event per (User, ID) while
	// it keeps the event (the Redis store, for its TTL). Empty means no
	// identity; every write is stored.
	ID string
	// User identifies the user; required.
	User string
	// Time is when it happened; required. Logs store it in whole seconds.
	Time time.Time
	// Type is the event type, a dotted lowercase string such as
	// "transfer.fail", or TypeAsk or TypeSearch; required.
	Type string
	// Object optionally identifies what the event was about (an order, a
	// transfer); the engine does not interpret it.
	Object string
	// Attrs are the event's attributes, such as channel=bank_card. Triggers
	// match them by exact string equality.
	Attrs map[string]string
	// Question is the knowledge-base id an ask event is about; required for
	// TypeAsk and ignored otherwise.
	Question string
	// Text is what the user typed: required (not blank) for TypeSearch,
	// optional for TypeAsk.
	Text string
}

// Limits on one event: [Event.Validate] refuses an event beyond any of
// them, so that no event can cost the stores or a request more than a few
// kilobytes.
const (
	// MaxAttrs is how many attributes an event may have.
	MaxAttrs = 32
	// MaxAttrsBytes bounds the sum of the lengths of an event's attribute
	// names and values, in bytes.
	MaxAttrsBytes = 2048
	// MaxFieldBytes bounds User, Type, Object and Question, and each
	// attribute's name and value, in bytes.
	MaxFieldBytes = 256
	// MaxTextBytes bounds Text (a search, what the user typed), in bytes.
	MaxTextBytes = 1024
)

// Validate reports the first problem that makes e unusable: a missing user,
// time or type, an ask without a question, a search without text (or
// only space), invalid UTF-8, a field or an
// attribute count or size over its limit ([MaxAttrs], [MaxAttrsBytes],
// [MaxFieldBytes], [MaxTextBytes]). The error is a [*FieldError] without file and line.
func (e *Event) Validate() error {
	bad := func(field, msg string) error {
		return &FieldError{Field: field, Err: fmt.Errorf("%w: %s", ErrInvalidEvent, msg)}
	}
	switch {
	case e.User == "":
		return bad("user", "missing")
	case e.Time.IsZero():
		return bad("time", "missing")
	case e.Type == "":
		return bad("type", "missing")
	case e.Type == TypeAsk && e.Question == "":
		return bad("question", "missing for an ask")
	case e.Type == TypeSearch && strings.TrimSpace(e.Text) == "":
		return bad("text", "missing for a search")
	case e.Type == TypeHandoff && strings.TrimSpace(e.Attrs["reason"]) == "":
		return bad("attrs", `attribute "reason" missing for a handoff`)
	case e.Type == TypeFeedback && e.Question == "":
		return bad("question", "missing for a feedback")
	case e.Type == TypeFeedback && ParseFeedbackKind(e.Attrs["kind"]) == 0:
		return bad("attrs", fmt.Sprintf(`attribute "kind" of a feedback is %q; want impression, click, dismiss or resolve`, e.Attrs["kind"]))
	}
	for _, f := range [...]struct {
		name, v string
		max     int
	}{{"id", e.ID, MaxFieldBytes}, {"user", e.User, MaxFieldBytes}, {"type", e.Type, MaxFieldBytes}, {"object", e.Object, MaxFieldBytes},
		{"question", e.Question, MaxFieldBytes}, {"text", e.Text, MaxTextBytes}} {
		if !utf8.ValidString(f.v) {
			return bad(f.name, "invalid UTF-8")
		}
		if len(f.v) > f.max {
			return bad(f.name, fmt.Sprintf("%d bytes, more than %d", len(f.v), f.max))
		}
	}
	if len(e.Attrs) > MaxAttrs {
		return bad("attrs", fmt.Sprintf("%d attributes, more than %d", len(e.Attrs), MaxAttrs))
	}
	size := 0
	for k, v := range e.Attrs {
		size += len(k) + len(v)
		switch {
		case k == "":
			return bad("attrs", "empty attribute name")
		case !utf8.ValidString(k) || !utf8.ValidString(v):
			return bad("attrs", fmt.Sprintf("attribute %q: invalid UTF-8", k))
		case len(k) > MaxFieldBytes || len(v) > MaxFieldBytes:
			return bad("attrs", fmt.Sprintf("attribute %.32q: name or value longer than %d bytes", k, MaxFieldBytes))
		}
	}
	if size > MaxAttrsBytes {
		return bad("attrs", fmt.Sprintf("attribute names and values take %d bytes, more than %d", size, MaxAttrsBytes))
	}
	return nil
}

// checkEvents validates events for storing at now: each must be valid and
// dated at most skew after now. The error names the first bad event.
func checkEvents(events []Event, now time.Time, skew time.Duration) error {
	for i := range events {
		err := events[i].Validate()
		if err == nil {
			err = events[i].ahead(now, skew)
		}
		if err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
	}
	return nil
}

// ahead reports an error if e is dated more than skew after now (skew < 0:
// no limit): such an event would never expire under a store's TTL.
func (e *Event) ahead(now time.Time, skew time.Duration) error {
	if skew >= 0 && e.Time.After(now.Add(skew)) {
		return &FieldError{Field: "time", Err: fmt.Errorf("%w: %s is more than %v after the clock (%s)",
			ErrInvalidEvent, e.Time.Format(time.RFC3339), skew, now.Format(time.RFC3339))}
	}
	return nil
}

// FieldError reports a bad event, or a bad line of a calendar or
// phrasebook file: where it was read (File and Line, when it came from a
// file), which field, and why. Err wraps [ErrInvalidEvent],
// [ErrInvalidCalendar] or [ErrPhrasebook].
type FieldError struct {
	File  string // log name given to the reader; empty for an event built in code
	Line  int    // 1-based line number; 0 when not read from a log
	Field string // JSON field name ("time", "question", …); empty for a line that is not JSON
	Err   error
}

// Error implements error. It reads like
//
//	recommend: events.jsonl:3: field "time": invalid event: want an integer, got a string
//
// leaving out what is not known.
func (e *FieldError) Error() string {
	return record.Message("recommend", record.Place{File: e.File, Line: e.Line}, e.Field, e.Err)
}

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// logLine is the JSON Lines form of an Event.
type logLine struct {
	ID       string            `json:"id,omitempty"`
	User     string            `json:"user"`
	Time     int64             `json:"time"`
	Type     string            `json:"type"`
	Object   string            `json:"object,omitempty"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	Question string            `json:"question,omitempty"`
	Text     string            `json:"text,omitempty"`
}

// logFields lists the fields of a log line, for errors.
const logFields = `"id", "user", "time", "type", "object", "attrs", "question" or "text"`

// ReadEvents reads a behavior log in JSON Lines, one event per line:
//
//	{"id":"e1","user":"u1","time":1700000000,"type":"transfer.fail","object":"t42","attrs":{"channel":"bank_card"}}
//	{"user":"u1","time":1700000180,"type":"ask","question":"transfer-fail-reason"}
//	{"user":"u1","time":1700000200,"type":"search","text":"电子回单"}
//
// time is in unix seconds; id is optional ([Event.ID]). Blank lines are
// skipped. A field the format does not have, at the top level of a line, is
// an error naming it, as in the knowledge-base and intent readers: a typo
// (qustion) would otherwise drop data silently. Events are returned in file
// order. name labels errors, which are [*FieldError]s giving the file, line
// and field of the first bad line; a line longer than 16 MiB is one too.
func ReadEvents(r io.Reader, name string) ([]Event, error) {
	var out []Event
	err := DecodeEvents(r, name, func(e Event) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DecodeEvents reads a log like [ReadEvents] but hands each event to fn as
// soon as it is read, so a log of any size streams in constant memory. It
// stops at the first bad line or the first error from fn, which it returns
// unchanged.
func DecodeEvents(r io.Reader, name string, fn func(Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), record.MaxBytes)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		e, err := parseLine([]byte(text))
		if err != nil {
			err.File, err.Line = name, n
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	switch err := sc.Err(); {
	case errors.Is(err, bufio.ErrTooLong):
		return &FieldError{File: name, Line: n + 1, Err: fmt.Errorf("%w: line longer than %s", ErrInvalidEvent, record.MaxSize)}
	case err != nil:
		return record.Wrap("recommend", "read "+name, err)
	}
	return nil
}

func parseLine(b []byte) (Event, *FieldError) {
	if l, ok := fastLine(b); ok {
		return validLine(lineEvent(&l))
	}
	return slowLine(b)
}

// validLine returns e, or what is wrong with it.
func validLine(e Event) (Event, *FieldError) {
	if err := e.Validate(); err != nil {
		var fe *FieldError
		errors.As(err, &fe)
		return Event{}, fe
	}
	return e, nil
}

// slowLine decodes a line through encoding/json.
func slowLine(b []byte) (Event, *FieldError) {
	// Decode into raw fields first so a type error names its field.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		if json.Valid(b) {
			return Event{}, &FieldError{Err: fmt.Errorf("%w: want a JSON object, got %s", ErrInvalidEvent, record.Kind(b))}
		}
		return Event{}, &FieldError{Err: fmt.Errorf("%w: %v", ErrInvalidEvent, err)}
	}
	var l logLine
	fields := map[string]any{
		"id": &l.ID, "user": &l.User, "time": &l.Time, "type": &l.Type, "object": &l.Object,
		"attrs": &l.Attrs, "question": &l.Question, "text": &l.Text,
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		dst, ok := fields[k]
		if !ok {
			return Event{}, &FieldError{Field: k, Err: fmt.Errorf("%w: unknown field (want %s)", ErrInvalidEvent, logFields)}
		}
		if string(raw[k]) == "null" {
			continue
		}
		if err := json.Unmarshal(raw[k], dst); err != nil {
			return Event{}, &FieldError{Field: k, Err: fmt.Errorf("%w: %v", ErrInvalidEvent, record.JSONError(err))}
		}
	}
	if _, ok := raw["time"]; !ok {
		return Event{}, &FieldError{Field: "time", Err: fmt.Errorf("%w: missing", ErrInvalidEvent)}
	}
	return validLine(lineEvent(&l))
}

// WriteEvents writes events to w in the format [ReadEvents] reads, one line
// each, times truncated to whole seconds. Map keys are written sorted, so the
// output is deterministic.
func WriteEvents(w io.Writer, events ...Event) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range events {
		e := &events[i]
		l := logLine{ID: e.ID, User: e.User, Time: e.Time.Unix(), Type: e.Type, Object: e.Object,
			Attrs: e.Attrs, Question: e.Question, Text: e.Text}
		if err := enc.Encode(&l); err != nil {
			return fmt.Errorf("recommend: write event %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("recommend: write events: %w", err)
	}
	return nil
}
