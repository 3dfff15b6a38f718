package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may have gone; nothing to do about it
}

// readJSON decodes the request's body into dst with the handler's body
// limit (see ReadJSON).
func (h *Handler) readJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	return ReadJSON(w, r, dst, h.o.limits.Body)
}

// ReadJSON decodes one JSON object from r's body into dst (a pointer to a
// struct) the way the handler's own routes do, for a host's routes beside
// them: it refuses a body over limit bytes (the *http.MaxBytesError, to
// answer 413), a Content-Type other than application/json (an [*Error] of
// 415: a form on another site cannot post JSON), invalid UTF-8, trailing
// data, unknown fields (names match exactly, case included), a field given
// twice, and a value that does not suit its field (an [*Error] of 400 naming
// the field's path, such as triggers[1].window).
//
// A body that stalls is the client's fault, not the server's: when the
// request's context ends (its time budget, see [WithTimeout]) or the
// server's read timeout passes before the whole body has arrived, the read
// stops and the error is an [*Error] of 408 (the answer closes the
// connection); a connection that breaks mid-body is a 400.
func ReadJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	// A read blocked on a stalled client ends with the request's context:
	// the deadline only ever moves closer, so the server's own read
	// timeout still holds. ResponseWriters that cannot set one (a
	// recorder in tests) are read as they are.
	rc := http.NewResponseController(w)
	stop := context.AfterFunc(r.Context(), func() { _ = rc.SetReadDeadline(time.Now()) })
	// The whole body first: one over the limit is 413 whatever it holds,
	// and its bytes are checked before the decoder (which would quietly
	// turn invalid UTF-8 into U+FFFD) sees them.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	stop()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.Header().Set("Connection", "close")
			return &Error{Status: http.StatusRequestTimeout, Message: fmt.Sprintf(
				"the request body did not arrive in time (%d bytes received)", len(body))}
		}
		return badRequest("reading the body: the connection broke after %d bytes: %v", len(body), err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("empty body: want a JSON object")
	}
	// A form on another site can post text/plain or form data here, never
	// application/json: requiring it keeps cross-site posts out.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &Error{Status: http.StatusUnsupportedMediaType, Message: "Content-Type must be application/json"}
	}
	if !utf8.Valid(body) {
		return badRequest("body is not valid UTF-8")
	}
	if bytes.TrimSpace(body)[0] != '{' {
		return badRequest("malformed JSON: want an object")
	}
	if json.Valid(body) { // else the decoder says where the syntax breaks
		if err := checkShape(body, reflect.TypeOf(dst)); err != nil {
			return badRequest("malformed JSON: %v", err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("malformed JSON: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("malformed JSON: unexpected data after the object")
	}
	return nil
}

// jsonProblem says what is wrong with a JSON body in the client's terms
// (encoding/json's messages name Go types).
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field == "" {
			return fmt.Sprintf("want %s, got %s", want(te.Type), te.Value)
		}
		return fmt.Sprintf("field %q: want %s, got %s", te.Field, want(te.Type), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body ends before the object does"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	case strings.HasPrefix(err.Error(), "parsing time "), strings.Contains(err.Error(), "Time.UnmarshalJSON"):
		return "a time is not RFC 3339 (2006-01-02T15:04:05Z07:00)"
	case strings.HasPrefix(err.Error(), "kb: "):
		// A field's own decoder refused its value (a trigger's window).
		return strings.TrimPrefix(err.Error(), "kb: ")
	}
	return "not a JSON object"
}

// text checks a piece of user text: not empty, valid UTF-8, at most max
// characters. It returns the text without surrounding space.
func text(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return "", badRequest("%s: not valid UTF-8", field)
	case n == 0:
		return "", badRequest("%s: empty", field)
	case n > max:
		return "", badRequest("%s: %d characters, more than the limit of %d", field, n, max)
	}
	return s, nil
}

// limit reads the optional limit query parameter.
func (h *Handler) limit(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return min(def, h.o.limits.Results), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > h.o.limits.Results {
		return 0, badRequest("limit: want a whole number from 1 to %d, got %q", h.o.limits.Results, v)
	}
	return n, nil
}
