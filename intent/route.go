package intent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/intent/slots"
)

// Errors about routing tables and routing.
var (
	// ErrBadRoute: a routing table line is malformed or inconsistent. The
	// error is a [*RouteError] naming the file, line and field.
	ErrBadRoute = errors.New("intent: bad route")
	// ErrUnknownIntent: [Routes.Resolve] was asked for an intent the table
	// has no route for.
	ErrUnknownIntent = errors.New("intent: no route for intent")
)

// Route says where an intent leads: the service that handles it, a deep
// link a host can open, and the slots the service can take.
type Route struct {
	// Intent is the intent label, as produced by the classifier.
	Intent string `json:"intent"`
	// Service is the display name of the service, e.g. "转账".
	Service string `json:"service"`
	// Link is a deep link into the host app, e.g. "duxin://service/transfer".
	Link string `json:"link"`
	// Slots lists the slot kinds (see [slots.Kind]) the service can use.
	Slots []string `json:"slots"`
	// Required is the subset of Slots the service cannot start without;
	// a host asks a follow-up question for each missing one.
	Required []string `json:"required"`
}

func (r Route) clone() Route {
	r.Slots = slices.Clone(r.Slots)
	r.Required = slices.Clone(r.Required)
	return r
}

// Routes is a routing table keyed by intent. It is immutable once loaded
// and safe for concurrent use.
type Routes struct {
	routes []Route // file order
	index  map[string]int
}

// RouteError reports a bad line of a routing table.
type RouteError struct {
	File  string // file name, or "" for LoadRoutes
	Line  int    // 1-based line number
	Field string // JSON field name, or "" when the whole line is at fault
	Err   error  // cause; wraps ErrBadRoute
}

func (e *RouteError) Error() string {
	msg := "intent: "
	if e.File != "" {
		msg += e.File + ":"
	} else {
		msg += "line "
	}
	msg += strconv.Itoa(e.Line)
	if e.Field != "" {
		msg += ": field " + strconv.Quote(e.Field)
	}
	return msg + ": " + e.Err.Error()
}

func (e *RouteError) Unwrap() error { return e.Err }

func badRoute(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadRoute}, args...)...)
}

// routeMaxErrors caps how many bad lines one load reports.
const routeMaxErrors = 20

// LoadRoutes reads a routing table in JSON Lines, one [Route] per line:
//
//	{"intent":"transfer","service":"转账","link":"duxin://service/transfer","slots":["amount","card_tail","payee"],"required":["amount"]}
//
// Blank lines are skipped. intent, service and link must be non-empty
// strings; slots must name known slot kinds, each once; required must be
// a subset of slots; other fields are rejected, as are invalid UTF-8 and
// a second line for the same intent. All problems (up to 20) are returned,
// joined, as [*RouteError] values wrapping [ErrBadRoute]; read errors are
// returned as they are.
func LoadRoutes(r io.Reader) (*Routes, error) {
	return loadRoutes(r, "")
}

// LoadRoutesFile reads a routing table from the file at path, as
// [LoadRoutes] does; errors name the file.
func LoadRoutesFile(path string) (*Routes, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("intent: load routes: %w", err)
	}
	defer f.Close()
	return loadRoutes(f, path)
}

var routeFields = []string{"intent", "service", "link", "slots", "required"}

func loadRoutes(r io.Reader, name string) (*Routes, error) {
	rt := &Routes{index: map[string]int{}}
	firstLine := map[string]int{}
	var errs []error
	add := func(line int, field string, err error) {
		if len(errs) < routeMaxErrors {
			errs = append(errs, &RouteError{File: name, Line: line, Field: field, Err: err})
		}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		route, field, err := parseRoute(b)
		if err != nil {
			add(line, field, err)
			continue
		}
		if prev, dup := firstLine[route.Intent]; dup {
			add(line, "intent", badRoute("duplicate intent %q (first on line %d)", route.Intent, prev))
			continue
		}
		firstLine[route.Intent] = line
		rt.index[route.Intent] = len(rt.routes)
		rt.routes = append(rt.routes, route)
	}
	if err := sc.Err(); err != nil {
		if name != "" {
			return nil, fmt.Errorf("intent: read %s: %w", name, err)
		}
		return nil, fmt.Errorf("intent: read routes: %w", err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rt, nil
}

// parseRoute decodes and checks one line, returning the offending field
// with any error.
func parseRoute(b []byte) (Route, string, error) {
	var raw map[string]json.RawMessage
	if !utf8.Valid(b) {
		// Name the field when the line is otherwise valid JSON.
		if json.Unmarshal(b, &raw) == nil {
			for _, f := range append(routeFields, slices.Sorted(maps.Keys(raw))...) {
				if v, ok := raw[f]; ok && !utf8.Valid(v) {
					return Route{}, f, badRoute("invalid UTF-8")
				}
			}
		}
		return Route{}, "", badRoute("invalid UTF-8")
	}
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		if err == nil {
			err = errors.New("not an object")
		}
		return Route{}, "", badRoute("not a JSON object: %v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		if !slices.Contains(routeFields, k) {
			return Route{}, k, badRoute("unknown field")
		}
	}
	var route Route
	for _, f := range []struct {
		name string
		dst  *string
	}{{"intent", &route.Intent}, {"service", &route.Service}, {"link", &route.Link}} {
		v, ok := raw[f.name]
		if !ok {
			return Route{}, f.name, badRoute("missing")
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return Route{}, f.name, badRoute("want a string: %v", err)
		}
		if *f.dst == "" {
			return Route{}, f.name, badRoute("empty")
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"slots", &route.Slots}, {"required", &route.Required}} {
		v, ok := raw[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return Route{}, f.name, badRoute("want an array of strings: %v", err)
		}
	}
	seen := map[string]bool{}
	for _, s := range route.Slots {
		if !slots.Kind(s).Known() {
			return Route{}, "slots", badRoute("unknown slot kind %q", s)
		}
		if seen[s] {
			return Route{}, "slots", badRoute("slot kind %q listed twice", s)
		}
		seen[s] = true
	}
	for _, s := range route.Required {
		if !seen[s] {
			return Route{}, "required", badRoute("%q is not in slots", s)
		}
	}
	return route, "", nil
}

// Get returns the route for intent.
func (rt *Routes) Get(intent string) (Route, bool) {
	if rt == nil {
		return Route{}, false
	}
	i, ok := rt.index[intent]
	if !ok {
		return Route{}, false
	}
	return rt.routes[i].clone(), true
}

// Intents returns the intents that have a route, in table order.
func (rt *Routes) Intents() []string {
	if rt == nil {
		return nil
	}
	out := make([]string, len(rt.routes))
	for i, r := range rt.routes {
		out[i] = r.Intent
	}
	return out
}

// Len returns the number of routes.
func (rt *Routes) Len() int {
	if rt == nil {
		return 0
	}
	return len(rt.routes)
}

// Resolution is a route with the slot values found for it.
type Resolution struct {
	// Route is the intent's route.
	Route Route
	// Slots are the given slots whose kind the route lists, in input order.
	// A kind may appear more than once (两笔金额); [Resolution.Value] picks
	// the first.
	Slots []slots.Slot
	// Missing lists the required slot kinds no slot was found for, in the
	// order of Route.Required. Empty means the host can open Route.Link
	// directly; otherwise it asks for each missing value.
	Missing []string
}

// Value returns the Value of the first slot of kind k.
func (r Resolution) Value(k slots.Kind) (string, bool) {
	for _, s := range r.Slots {
		if s.Kind == k {
			return s.Value, true
		}
	}
	return "", false
}

// Resolve looks up the route for intent and matches found (as returned by
// [slots.Extractor.Extract]) against it. It returns an error wrapping
// [ErrUnknownIntent] when the table has no route for intent.
func (rt *Routes) Resolve(intent string, found []slots.Slot) (Resolution, error) {
	route, ok := rt.Get(intent)
	if !ok {
		return Resolution{}, fmt.Errorf("%w %q", ErrUnknownIntent, intent)
	}
	res := Resolution{Route: route}
	for _, s := range found {
		if slices.Contains(route.Slots, string(s.Kind)) {
			res.Slots = append(res.Slots, s)
		}
	}
	for _, k := range route.Required {
		if _, ok := res.Value(slots.Kind(k)); !ok {
			res.Missing = append(res.Missing, k)
		}
	}
	return res, nil
}
