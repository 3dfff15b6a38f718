package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/kb"
)

// Limits on what a client may send.
const (
	maxBodyBytes  = 8 << 10 // request bodies
	maxTextRunes  = 200     // search text, utterances, search queries
	maxUserEvents = 100     // events kept on the page per demo user
	maxLimit      = 20      // the limit parameter
	defaultLimit  = 5       // suggestions when no limit is given
	defaultHits   = 8       // search hits when no limit is given
	relatedOnMiss = 3       // closest questions offered when an utterance is not understood
	requestBudget = 10 * time.Second
)

// The views below are the JSON the API speaks. The backend adapters in
// wire.go translate the duxin packages' types into them, so the page and the
// API stay the same whatever the library's exact shapes.

// faqView is a knowledge-base entry opened by the user.
type faqView struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Category string   `json:"category,omitempty"`
	Tags     []string `json:"tags,omitempty"`
}

// hitView is one search result. Fragment is HTML: the matched text, escaped,
// with the matched terms in <mark>.
type hitView struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Category string  `json:"category,omitempty"`
	Score    float64 `json:"score"`
	// Confidence is the probability that the entry answers the query.
	Confidence float64 `json:"confidence"`
	Field      string  `json:"field,omitempty"`
	Matched    string  `json:"matched"`
	Fragment   string  `json:"fragment"`
}

// suggestionView is one 猜你关心 entry with its reasons in Chinese.
type suggestionView struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Category string   `json:"category,omitempty"`
	Score    float64  `json:"score"`
	Reasons  []string `json:"reasons"`
}

// slotView is one value extracted from an utterance.
type slotView struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Text  string `json:"text"`
	Value string `json:"value"`
}

// predictionView is one ranked intent.
type predictionView struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// serviceView is where a recognised intent jumps to.
type serviceView struct {
	Name string `json:"name"`
	Link string `json:"link"`
}

// classification is the answer to an utterance.
type classification struct {
	Text        string           `json:"text"`
	Outcome     string           `json:"outcome"` // matched | out_of_scope | low_confidence | ambiguous
	Intent      string           `json:"intent,omitempty"`
	Confidence  float64          `json:"confidence"`
	Service     *serviceView     `json:"service,omitempty"`
	Slots       []slotView       `json:"slots"`
	Missing     []string         `json:"missing"` // required slots the utterance did not give
	Predictions []predictionView `json:"predictions"`
	Related     []hitView        `json:"related"` // closest questions, when not matched
}

// event is one thing a user did, as the server records it.
type event struct {
	ID       string // scripted events have one, so replicas record them once
	User     string
	Type     string
	Attrs    map[string]string
	Question string // ask: the FAQ id
	Text     string // ask, search: what the user typed or opened
	Time     time.Time
}

// The four things the server needs from duxin, each as small as the page needs.

// searcher is knowledge-base search (kb).
type searcher interface {
	Search(ctx context.Context, text string, limit int) ([]hitView, error)
	// Get returns an entry, or an error wrapping errUnknownFAQ.
	Get(ctx context.Context, id string) (faqView, error)
	// AnswerThreshold is the confidence under which the best hit is no
	// answer.
	AnswerThreshold() float64
}

// classifier maps an utterance to a service (intent).
type classifier interface {
	Classify(ctx context.Context, text string) (classification, error)
}

// recommender guesses what a user is about to ask (recommend).
type recommender interface {
	Recommend(ctx context.Context, user string, limit int) ([]suggestionView, error)
	// Feedback records what the user did with a suggestion: "click",
	// "dismiss" or "resolve".
	Feedback(ctx context.Context, user, faqID, kind string) error
}

// eventSink receives behavior events (recommend's event store).
type eventSink interface {
	Record(ctx context.Context, events ...event) error
}

var errUnknownFAQ = errors.New("unknown question")

//go:embed static
var staticFiles embed.FS

// server serves the page and the JSON API. It is safe for concurrent use.
type server struct {
	search   searcher
	classify classifier
	rec      recommender
	sink     eventSink
	vocab    *vocabulary
	describe func(event) string
	ago      func(time.Duration) string
	edit     kb.Writer
	status   func() statusView
	metrics  http.Handler
	log      *slog.Logger
	now      func() time.Time

	ns string

	mu    sync.Mutex
	users map[string]*userState
	order []string
}

// userState is a demo user: the profile, the events shown on the page, and
// the generation that makes a reset start from a clean history.
type userState struct {
	demo   demoUser
	key    string // the user id the backends see; a reset moves to a new one
	gen    int
	events []event
}

// addEvent adds e to the events shown for u, keeping the newest
// maxUserEvents: every response renders the list, so it must not grow with
// every click.
func (u *userState) addEvent(e event) {
	u.events = append(u.events, e)
	if n := len(u.events) - maxUserEvents; n > 0 {
		u.events = append(u.events[:0], u.events[n:]...)
	}
}

// serverConfig are the knobs of newServer.
type serverConfig struct {
	Log *slog.Logger
	Now func() time.Time
	// Namespace prefixes the user ids the backends see, so that several
	// servers (tests) can share one backend.
	Namespace string
}

// newServer returns a server over the backends with the demo users loaded.
func newServer(ctx context.Context, b *backend, cfg serverConfig) (*server, error) {
	s := &server{
		search: b.search, classify: b.classify, rec: b.rec, sink: b.sink,
		describe: b.describe, ago: b.ago, edit: b.edit, status: b.status, metrics: b.metrics, vocab: newVocabulary(b.words), log: cfg.Log, now: cfg.Now, ns: cfg.Namespace,
		users: map[string]*userState{},
	}
	for _, d := range demoUsers() {
		u := &userState{demo: d}
		s.users[d.ID] = u
		s.order = append(s.order, d.ID)
		if err := s.load(ctx, u); err != nil {
			return nil, fmt.Errorf("load demo user %s: %w", d.ID, err)
		}
	}
	return s, nil
}

// load records a demo user's scripted trajectory, relative to now. s.mu is
// held or the server is not shared yet.
func (s *server) load(ctx context.Context, u *userState) error {
	now := s.now()
	u.key = s.ns + u.demo.ID + "#" + strconv.Itoa(u.gen)
	u.events = nil
	for i, sc := range u.demo.Script {
		u.events = append(u.events, event{ID: "script-" + strconv.Itoa(i), User: u.key, Type: sc.Type, Attrs: sc.Attrs, Text: sc.Text, Time: now.Add(-sc.Before)})
	}
	if len(u.events) == 0 {
		return nil
	}
	return s.sink.Record(ctx, u.events...)
}

// handler returns the routes.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	methods := map[string][]string{}
	handle := func(method, path string, h func(http.ResponseWriter, *http.Request) error) {
		methods[path] = append(methods[path], method)
		mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), requestBudget)
			defer cancel()
			start := time.Now()
			// url.Values drops what it cannot decode (%zz): refuse such a
			// query string rather than answer as if a field were missing.
			_, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil {
				err = badRequest("malformed query string: %v", err)
			} else {
				err = h(w, r.WithContext(ctx))
			}
			status := http.StatusOK
			if err != nil {
				status = s.writeError(w, r, err)
			}
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", status, "took", time.Since(start))
		})
	}
	handle("GET", "/api/users", s.handleUsers)
	handle("GET", "/api/users/{id}", s.handleUser)
	handle("POST", "/api/users/{id}/reset", s.handleReset)
	handle("GET", "/api/vocabulary", s.handleVocabulary)
	handle("POST", "/api/events", s.handleEvent)
	handle("GET", "/api/recommend", s.handleRecommend)
	handle("POST", "/api/open", s.handleOpen)
	handle("POST", "/api/feedback", s.handleFeedback)
	handle("GET", "/api/search", s.handleSearch)
	handle("POST", "/api/classify", s.handleClassify)
	handle("POST", "/api/kb", s.handleUpsert)
	handle("DELETE", "/api/kb/{id}", s.handleDelete)
	handle("GET", "/api/status", s.handleStatus)
	for path, ms := range methods {
		allow := strings.Join(ms, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, r.URL.Path, allow)})
		})
	}
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "no such endpoint: " + r.URL.Path})
	})
	sub, _ := fs.Sub(staticFiles, "static") // the directory is embedded: cannot fail
	files := http.FileServerFS(sub)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
	return mux
}

// httpError is an error with the status the client should see.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &httpError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

type errorBody struct {
	Error string `json:"error"`
}

// writeError answers with err's status: the client's mistake (4xx) or ours (5xx, logged).
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) int {
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		writeJSON(w, he.status, errorBody{Error: he.msg})
		return he.status
	case errors.As(err, &mbe):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: fmt.Sprintf("request body larger than %d bytes", mbe.Limit)})
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errUnknownFAQ):
		writeJSON(w, http.StatusNotFound, errorBody{Error: err.Error()})
		return http.StatusNotFound
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "request took too long or was cancelled"})
		return http.StatusServiceUnavailable
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeJSON(w, http.StatusInternalServerError, errorBody{Error: "internal error"})
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may have gone; nothing to do about it
}

// readJSON decodes one JSON object from the body into dst, refusing unknown
// fields, trailing data and bodies over maxBodyBytes.
func readJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	// The whole body first: one over the limit is 413 whatever it holds,
	// and its bytes are checked before the decoder (which would quietly
	// turn invalid UTF-8 into U+FFFD) sees them.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("reading the body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("empty body: want a JSON object")
	}
	// A form on another site can post text/plain or form data here, never
	// application/json: requiring it keeps cross-site posts out.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &httpError{http.StatusUnsupportedMediaType, "Content-Type must be application/json"}
	}
	if !utf8.Valid(body) {
		return badRequest("body is not valid UTF-8")
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
		want := "a string"
		switch te.Type.Kind() {
		case reflect.Struct, reflect.Map:
			want = "an object"
		case reflect.Slice, reflect.Array:
			want = "a list"
		case reflect.Int, reflect.Int64, reflect.Float64:
			want = "a number"
		case reflect.Bool:
			want = "true or false"
		}
		if te.Field == "" {
			return fmt.Sprintf("want %s, got %s", want, te.Value)
		}
		return fmt.Sprintf("field %q: want %s, got %s", te.Field, want, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body ends before the object does"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "not a JSON object"
}

// text checks a piece of user text: not empty, valid UTF-8, at most maxTextRunes.
func text(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return "", badRequest("%s: not valid UTF-8", field)
	case n == 0:
		return "", badRequest("%s: empty", field)
	case n > maxTextRunes:
		return "", badRequest("%s: %d characters, more than the limit of %d", field, n, maxTextRunes)
	}
	return s, nil
}

// limit reads the optional limit query parameter.
func limit(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badRequest("limit: want a whole number from 1 to %d, got %q", maxLimit, v)
	}
	return n, nil
}

// user returns the named demo user; s.mu must be held.
func (s *server) user(id string) (*userState, error) {
	if id == "" {
		return nil, badRequest("user: missing")
	}
	u, ok := s.users[id]
	if !ok {
		return nil, notFound("unknown user %q (see GET /api/users)", id)
	}
	return u, nil
}

type eventView struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	Question string            `json:"question,omitempty"`
	Phrase   string            `json:"phrase"`
	Ago      string            `json:"ago"`
	Time     time.Time         `json:"time"`
}

type userView struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Summary string      `json:"summary"`
	Events  []eventView `json:"events"` // newest first
}

// view renders a user; s.mu must be held.
func (s *server) view(u *userState) userView {
	now := s.now()
	v := userView{ID: u.demo.ID, Name: u.demo.Name, Summary: u.demo.Summary, Events: []eventView{}}
	for _, e := range slices.Backward(u.events) {
		title := e.Type
		if spec, ok := s.vocab.byType[e.Type]; ok {
			title = spec.Title
		}
		v.Events = append(v.Events, eventView{
			Type: e.Type, Title: title, Attrs: e.Attrs, Question: e.Question,
			Phrase: s.describe(e), Ago: s.ago(now.Sub(e.Time)), Time: e.Time,
		})
	}
	return v
}

func (s *server) handleUsers(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	out := make([]userView, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.view(s.users[id]))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

func (s *server) handleUser(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.view(u))
	return nil
}

// handleReset gives the user back their scripted history, forgetting
// feedback and added events.
func (s *server) handleReset(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(r.PathValue("id"))
	if err != nil {
		return err
	}
	u.gen++
	if err := s.load(r.Context(), u); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.view(u))
	return nil
}

type valueView struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type attrView struct {
	Name   string      `json:"name"`
	Label  string      `json:"label"`
	Values []valueView `json:"values,omitempty"` // empty: free text
}

type vocabView struct {
	Type   string     `json:"type"`
	Title  string     `json:"title"`
	Phrase string     `json:"phrase"`
	Attrs  []attrView `json:"attrs"`
}

func (s *server) handleVocabulary(w http.ResponseWriter, r *http.Request) error {
	var out []vocabView
	for _, spec := range s.vocab.manual() {
		v := vocabView{Type: spec.Type, Title: spec.Title, Phrase: spec.Phrase, Attrs: []attrView{}}
		for _, a := range spec.Attrs {
			av := attrView{Name: a.Name, Label: a.Label}
			for _, val := range a.Values {
				av.Values = append(av.Values, valueView{Value: val, Label: s.vocab.valueLabel(a.Name, val)})
			}
			v.Attrs = append(v.Attrs, av)
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
	return nil
}

type eventRequest struct {
	User  string            `json:"user"`
	Type  string            `json:"type"`
	Attrs map[string]string `json:"attrs"`
}

// handleEvent records an event added by hand.
func (s *server) handleEvent(w http.ResponseWriter, r *http.Request) error {
	var req eventRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if req.Type == "" {
		return badRequest("type: missing")
	}
	attrs, err := s.vocab.check(req.Type, req.Attrs)
	if err != nil {
		return badRequest("%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(req.User)
	if err != nil {
		return err
	}
	e := event{User: u.key, Type: req.Type, Attrs: attrs, Time: s.now()}
	if err := s.sink.Record(r.Context(), e); err != nil {
		return err
	}
	u.addEvent(e)
	writeJSON(w, http.StatusCreated, s.view(u))
	return nil
}

// key resolves a user id to the backends' key.
func (s *server) key(id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(id)
	if err != nil {
		return "", err
	}
	return u.key, nil
}

func (s *server) handleRecommend(w http.ResponseWriter, r *http.Request) error {
	n, err := limit(r, defaultLimit)
	if err != nil {
		return err
	}
	id := r.URL.Query().Get("user")
	key, err := s.key(id)
	if err != nil {
		return err
	}
	sugs, err := s.rec.Recommend(r.Context(), key, n)
	var degraded *degradedError
	if errors.As(err, &degraded) {
		// Answered without the stores: show it, and say so.
		s.log.Warn("recommend degraded", "user", key, "err", err)
	} else if err != nil {
		return err
	}
	if sugs == nil {
		sugs = []suggestionView{}
	}
	body := map[string]any{"user": id, "suggestions": sugs}
	if degraded != nil {
		body["degraded"] = "暂时无法读取你的最近操作，先为你推荐常见问题"
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// faqEdit is the body of POST /api/kb: an entry to add or replace.
type faqEdit struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Similar  []string `json:"similar"`
	Answer   string   `json:"answer"`
	Category string   `json:"category"`
}

// handleUpsert adds or replaces a knowledge-base entry; on many replicas
// it goes through the change feed, and returns once this replica serves it.
func (s *server) handleUpsert(w http.ResponseWriter, r *http.Request) error {
	var req faqEdit
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.ID) == "" || strings.TrimSpace(req.Question) == "" {
		return badRequest("id and question: both required")
	}
	for _, t := range append([]string{req.ID, req.Question, req.Answer, req.Category}, req.Similar...) {
		if utf8.RuneCountInString(t) > 2000 {
			return badRequest("a field is longer than 2000 characters")
		}
	}
	if len(req.Similar) > 50 {
		return badRequest("similar: %d paraphrases, at most 50", len(req.Similar))
	}
	f := kb.FAQ{ID: strings.TrimSpace(req.ID), Question: strings.TrimSpace(req.Question), Similar: req.Similar,
		Answer: req.Answer, Category: req.Category}
	if err := s.edit.Upsert(r.Context(), f); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": f.ID, "status": s.status()})
	return nil
}

// handleDelete removes a knowledge-base entry.
func (s *server) handleDelete(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.search.Get(r.Context(), id); err != nil {
		if errors.Is(err, errUnknownFAQ) {
			return notFound("unknown question %q", id)
		}
		return err
	}
	if err := s.edit.Delete(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "status": s.status()})
	return nil
}

// handleStatus says what this replica serves: the store, the knowledge
// base's version and the models'.
func (s *server) handleStatus(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.status())
	return nil
}

type faqRequest struct {
	User string `json:"user"`
	ID   string `json:"id"`
	Kind string `json:"kind,omitempty"`
}

// handleOpen shows an answer; opening it is an ask and a click.
func (s *server) handleOpen(w http.ResponseWriter, r *http.Request) error {
	var req faqRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if req.ID == "" {
		return badRequest("id: missing")
	}
	if req.Kind != "" {
		return badRequest("kind: not accepted by /api/open")
	}
	s.mu.Lock()
	u, err := s.user(req.User)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	f, err := s.search.Get(r.Context(), req.ID)
	if err != nil {
		if errors.Is(err, errUnknownFAQ) {
			return notFound("unknown question %q", req.ID)
		}
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := event{User: u.key, Type: "ask", Question: f.ID, Text: f.Question, Time: s.now()}
	if err := s.sink.Record(r.Context(), e); err != nil {
		return err
	}
	u.addEvent(e)
	if err := s.rec.Feedback(r.Context(), u.key, f.ID, "click"); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"faq": f, "user": s.view(u)})
	return nil
}

// handleFeedback records 不是这个 (dismiss) or 已解决 (resolve).
func (s *server) handleFeedback(w http.ResponseWriter, r *http.Request) error {
	var req faqRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if req.Kind != "dismiss" && req.Kind != "resolve" {
		return badRequest("kind: want \"dismiss\" or \"resolve\", got %q", req.Kind)
	}
	if req.ID == "" {
		return badRequest("id: missing")
	}
	key, err := s.key(req.User)
	if err != nil {
		return err
	}
	if _, err := s.search.Get(r.Context(), req.ID); err != nil {
		if errors.Is(err, errUnknownFAQ) {
			return notFound("unknown question %q", req.ID)
		}
		return err
	}
	if err := s.rec.Feedback(r.Context(), key, req.ID, req.Kind); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": req.User, "id": req.ID, "kind": req.Kind})
	return nil
}

func (s *server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	q, err := text("q", r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	n, err := limit(r, defaultHits)
	if err != nil {
		return err
	}
	hits, err := s.search.Search(r.Context(), q, n)
	if err != nil {
		return err
	}
	if hits == nil {
		hits = []hitView{}
	}
	body := map[string]any{"query": q, "hits": hits, "answered": true}
	// The knowledge base has no answer when its best hit is not
	// confident enough: say so, and hand over to a person.
	if len(hits) == 0 || hits[0].Confidence < s.search.AnswerThreshold() {
		body["answered"], body["handoff"] = false, handoffText
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// handoffText is what the page says when the knowledge base has no answer.
const handoffText = "没有找到相关问题，为你转接人工客服"

type classifyRequest struct {
	Text string `json:"text"`
}

func (s *server) handleClassify(w http.ResponseWriter, r *http.Request) error {
	var req classifyRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	t, err := text("text", req.Text)
	if err != nil {
		return err
	}
	c, err := s.classify.Classify(r.Context(), t)
	if err != nil {
		return err
	}
	c.Text = t
	if c.Slots == nil {
		c.Slots = []slotView{}
	}
	if c.Missing == nil {
		c.Missing = []string{}
	}
	if c.Predictions == nil {
		c.Predictions = []predictionView{}
	}
	c.Related = []hitView{}
	if c.Outcome != "matched" {
		hits, err := s.search.Search(r.Context(), t, relatedOnMiss)
		if err != nil {
			return err
		}
		c.Related = append(c.Related, hits...)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
