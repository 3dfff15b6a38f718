package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// Limits on what a client may send.
const (
	maxBodyBytes  = 8 << 10 // request bodies
	maxTextRunes  = 200     // search text, utterances, search queries
	maxUserEvents = 100     // events kept on the page per demo user
	maxLimit      = 20      // the limit parameter
	maxReasons    = 2       // reasons a suggestion shows
	requestBudget = 10 * time.Second
)

// The search, classify, recommend, feedback, knowledge-base, health and
// versions routes are duxin's HTTP API (package httpapi), mounted under
// /api/; their JSON is httpapi's. The demo adds the routes of its page: the
// demo users and their timelines, the vocabulary of the event form, events
// added through that form, opening an answer, the replica's status and the
// metrics.

// The API's views, by the names the tests use.
type (
	hitView        = httpapi.Hit
	suggestionView = httpapi.Suggestion
	slotView       = httpapi.Slot
	classification = httpapi.Classification
)

// faqView is a knowledge-base entry opened by the user.
type faqView struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Category string   `json:"category,omitempty"`
	Tags     []string `json:"tags,omitempty"`
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

// recorder is what the demo's own routes need of the recommender (its
// engine): recording events and a click.
type recorder interface {
	Record(ctx context.Context, events ...recommend.Event) error
	Feedback(ctx context.Context, fb ...recommend.Feedback) error
}

//go:embed static
var staticFiles embed.FS

// server serves the page and the JSON API. It is safe for concurrent use.
type server struct {
	kb       kb.KnowledgeBase // entries opened
	rec      recorder
	api      *httpapi.Handler // duxin's HTTP API, for this server's users
	vocab    *vocabulary
	describe func(event) string
	ago      func(time.Duration) string
	status   func() statusView
	metrics  http.Handler
	log      *slog.Logger
	now      func() time.Time

	ns string

	// mu guards the demo users' state; it is never held across a store
	// call or a write to a client, so one stalled request holds up no one
	// else's.
	mu    sync.Mutex
	users map[string]*userState
	order []string
}

// userState is a demo user: the profile, the events shown on the page, and
// the generation that makes a reset start from a clean history.
type userState struct {
	demo   demoUser
	key    string // the user id the backends see; a reset moves to a new one
	keyGen int    // the reset key belongs to
	gen    int    // the last reset started
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
		kb: b.kb, rec: b.eng, describe: b.describe, ago: b.ago, status: b.status, metrics: b.metrics,
		vocab: newVocabulary(b.words), log: cfg.Log, now: cfg.Now, ns: cfg.Namespace, users: map[string]*userState{},
	}
	api, err := httpapi.New(b.kb,
		httpapi.WithWriter(b.edit),
		httpapi.WithClassifier(b.classify, b.routes, b.slots),
		httpapi.WithRecommender(b.eng),
		httpapi.WithUsers(s.resolve),
		httpapi.WithVersions(b.versions),
		httpapi.WithLimits(httpapi.Limits{Body: maxBodyBytes, Text: maxTextRunes, Results: maxLimit}),
		httpapi.WithReasons(maxReasons),
		httpapi.WithTimeout(requestBudget),
		httpapi.WithLogger(cfg.Log),
		httpapi.WithClock(cfg.Now))
	if err != nil {
		return nil, err
	}
	s.api = api
	for _, d := range demoUsers() {
		u := &userState{demo: d}
		s.users[d.ID] = u
		s.order = append(s.order, d.ID)
		u.key, u.events = s.script(d, 0)
		if err := s.record(ctx, u.events...); err != nil {
			return nil, fmt.Errorf("load demo user %s: %w", d.ID, err)
		}
	}
	return s, nil
}

// script returns the key of a demo user's history after reset gen and
// the user's scripted trajectory, relative to now, under that key.
func (s *server) script(d demoUser, gen int) (key string, events []event) {
	now := s.now()
	key = s.ns + d.ID + "#" + strconv.Itoa(gen)
	for i, sc := range d.Script {
		events = append(events, event{ID: "script-" + strconv.Itoa(i), User: key, Type: sc.Type, Attrs: sc.Attrs, Text: sc.Text, Time: now.Add(-sc.Before)})
	}
	return key, events
}

// record stores events. It must be called without s.mu: a stalled store
// then holds up only the request that waits for it, not every user's.
func (s *server) record(ctx context.Context, events ...event) error {
	if len(events) == 0 {
		return nil
	}
	return s.rec.Record(ctx, toRecommend(events...)...)
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
	// The demo's own routes, beside the API mounted on /api/ (POST
	// /api/timeline: an event added with the page's form, which the
	// timeline shows; httpapi's POST /api/events records events too, but
	// knows nothing of the demo's timelines).
	handle("GET", "/api/users", s.handleUsers)
	handle("GET", "/api/users/{id}", s.handleUser)
	handle("POST", "/api/users/{id}/reset", s.handleReset)
	handle("GET", "/api/vocabulary", s.handleVocabulary)
	handle("POST", "/api/timeline", s.handleEvent)
	handle("POST", "/api/open", s.handleOpen)
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
	// duxin's HTTP API: search, classify, recommend, feedback, knowledge-
	// base edits, health, versions, and its description at
	// /api/openapi.json. It answers unknown /api/ paths too.
	mux.Handle("/api/", http.StripPrefix("/api", s.api))
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

// The demo's routes answer their errors as httpapi's do: an *httpapi.Error
// carries the status the client should see.

func badRequest(format string, args ...any) error {
	return &httpapi.Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &httpapi.Error{Status: http.StatusNotFound, Message: fmt.Sprintf(format, args...)}
}

// errorBody is httpapi.ErrorBody: error for the client's developer, in
// English; message, when there is one, for the user, in Chinese.
type errorBody = httpapi.ErrorBody

// unavailableText is what the page shows when a store failed.
const unavailableText = "服务暂时繁忙，请稍后再试"

// unavailable is the error to answer when a store write failed: 503 with
// Retry-After (httpapi.Unavailable), unless the request's own context
// ended or the engine refused the write (the vocabulary let through what
// it should not have: a bug, a 500).
func unavailable(r *http.Request, err error) error {
	if r.Context().Err() != nil || errors.Is(err, recommend.ErrInvalidEvent) || errors.Is(err, recommend.ErrInvalidFeedback) {
		return err
	}
	return httpapi.Unavailable(err, unavailableText)
}

// writeError answers with err's status: the client's mistake (4xx), a
// store down (503) or ours (5xx); 5xx are logged with their cause.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) int {
	var he *httpapi.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		httpapi.SetRetryAfter(w, he)
		if he.Status >= 500 {
			cause := error(he)
			if he.Err != nil {
				cause = he.Err
			}
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", he.Status, "err", cause)
		}
		writeJSON(w, he.Status, errorBody{Error: he.Message, Message: he.Text})
		return he.Status
	case errors.As(err, &mbe):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: fmt.Sprintf("request body larger than %d bytes", mbe.Limit)})
		return http.StatusRequestEntityTooLarge
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

// readJSON decodes the JSON object of a demo route's body into dst, as
// httpapi does for its own routes (httpapi.ReadJSON), with the demo's limit.
func readJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	return httpapi.ReadJSON(w, r, dst, maxBodyBytes)
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
	u, err := s.user(r.PathValue("id"))
	var v userView
	if err == nil {
		v = s.view(u)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handleReset gives the user back their scripted history, forgetting
// feedback and added events.
//
// The new history is stored under a new key before the user moves to it,
// so a failed reset leaves the user as they were; of resets that overlap,
// the last started wins.
func (s *server) handleReset(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	u, err := s.user(r.PathValue("id"))
	if err != nil {
		s.mu.Unlock()
		return err
	}
	u.gen++
	gen := u.gen
	key, events := s.script(u.demo, gen)
	s.mu.Unlock()
	if err := s.record(r.Context(), events...); err != nil {
		return unavailable(r, err)
	}
	s.mu.Lock()
	if gen > u.keyGen {
		u.key, u.keyGen, u.events = key, gen, events
	}
	v := s.view(u)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
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
	attrs, err := s.vocab.check(req.Type, req.Attrs)
	if err != nil {
		return err
	}
	u, key, err := s.userKey(req.User)
	if err != nil {
		return err
	}
	e := event{User: key, Type: req.Type, Attrs: attrs, Time: s.now()}
	if err := s.record(r.Context(), e); err != nil {
		return unavailable(r, err)
	}
	s.mu.Lock()
	s.shown(u, e)
	v := s.view(u)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// userKey returns the named demo user and the key of their history now.
func (s *server) userKey(id string) (*userState, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(id)
	if err != nil {
		return nil, "", err
	}
	return u, u.key, nil
}

// shown adds the recorded event e to u's timeline, unless a reset moved u
// to a new history while e was being stored (e belongs to the old one);
// s.mu must be held.
func (s *server) shown(u *userState, e event) {
	if e.User == u.key {
		u.addEvent(e)
	}
}

// resolve maps a demo user id to the key the engine stores the user's
// events and feedback under (httpapi.WithUsers).
func (s *server) resolve(ctx context.Context, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return "", &httpapi.Error{Status: http.StatusNotFound, Message: fmt.Sprintf("unknown user %q (see GET /api/users)", id)}
	}
	return u.key, nil
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
	u, key, err := s.userKey(req.User)
	if err != nil {
		return err
	}
	f, err := s.kb.Get(r.Context(), req.ID)
	if errors.Is(err, kb.ErrNotFound) || errors.Is(err, kb.ErrEmptyID) {
		return notFound("unknown question %q", req.ID)
	}
	if err != nil {
		return err
	}
	// The stores are written without s.mu (see record); the timeline shows
	// the ask once it is stored, even if the click then fails.
	e := event{User: key, Type: "ask", Question: f.ID, Text: f.Question, Time: s.now()}
	if err := s.record(r.Context(), e); err != nil {
		return unavailable(r, err)
	}
	s.mu.Lock()
	s.shown(u, e)
	s.mu.Unlock()
	if err := s.rec.Feedback(r.Context(), recommend.Feedback{User: key, Question: f.ID, Kind: recommend.Click}); err != nil {
		return unavailable(r, err)
	}
	view := faqView{ID: f.ID, Question: f.Question, Answer: f.Answer, Category: f.Category, Tags: f.Tags}
	s.mu.Lock()
	v := s.view(u)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"faq": view, "user": v})
	return nil
}
