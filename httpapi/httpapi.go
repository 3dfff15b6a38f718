package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// ErrBadOption is wrapped by the error of New for an invalid option.
var ErrBadOption = errors.New("httpapi: bad option")

// Recommender is what the suggestion, event and feedback routes need;
// *recommend.Engine implements it. Recommend may return suggestions with an
// error wrapping recommend.ErrDegraded: they are served, marked degraded.
type Recommender interface {
	Recommend(ctx context.Context, req recommend.Request) ([]recommend.Suggestion, error)
	Record(ctx context.Context, events ...recommend.Event) error
	Feedback(ctx context.Context, fb ...recommend.Feedback) error
}

// Limits bound what a client may send. A zero field takes its default.
type Limits struct {
	// Body is the largest request body, in bytes; default 64 KiB.
	Body int64
	// Text is the longest search text or utterance, in characters (runes);
	// default 200. Knowledge-base fields may be ten times as long.
	Text int
	// Results is the largest limit parameter; default 50.
	Results int
	// Events is the most events one POST /events may carry; default 100.
	Events int
}

func (l Limits) withDefaults() Limits {
	if l.Body == 0 {
		l.Body = 64 << 10
	}
	if l.Text == 0 {
		l.Text = 200
	}
	if l.Results == 0 {
		l.Results = 50
	}
	if l.Events == 0 {
		l.Events = 100
	}
	return l
}

// Texts are the sentences the API hands to a page. A zero field takes its
// default, which is Chinese.
type Texts struct {
	// Handoff is sent with a search the knowledge base has no confident
	// answer for; default 没有找到相关问题，为你转接人工客服.
	Handoff string
	// Degraded is sent with suggestions made without the stores (the user's
	// recent events could not be read); default
	// 暂时无法读取你的最近操作，先为你推荐常见问题.
	Degraded string
	// Unavailable is sent with the 503 of a request a store failed (see
	// [Unavailable]); default 服务暂时繁忙，请稍后再试.
	Unavailable string
	// SlotLabels name slot kinds for display (amount → 金额); the defaults
	// cover the kinds duxin extracts, and an entry here replaces one.
	SlotLabels map[string]string
}

type options struct {
	writer     kb.Writer
	classifier intent.Classifier
	routes     *intent.Routes
	slots      SlotExtractor
	rec        Recommender
	users      func(ctx context.Context, id string) (string, error)
	versions   func() map[string]string
	timeout    time.Duration
	limits     Limits
	texts      Texts
	reasons    int
	log        *slog.Logger
	now        func() time.Time
}

// Option configures New.
type Option func(*options)

// WithWriter serves POST /kb and DELETE /kb/{id}, which edit the knowledge
// base through w (the index itself, or a change feed that every replica
// follows).
func WithWriter(w kb.Writer) Option { return func(o *options) { o.writer = w } }

// WithClassifier serves POST /classify with c. routes, if not nil, sends a
// recognised intent to its service, with the slots the route needs from
// slots (nil: none extracted).
func WithClassifier(c intent.Classifier, routes *intent.Routes, slots SlotExtractor) Option {
	return func(o *options) { o.classifier, o.routes, o.slots = c, routes, slots }
}

// WithRecommender serves GET /recommend, POST /events and POST /feedback
// with r.
func WithRecommender(r Recommender) Option { return func(o *options) { o.rec = r } }

// WithUsers maps the user id a client sends to the one the recommender
// stores (a tenant prefix, a session's user) and refuses unknown users: an
// [*Error] it returns is the answer (404 for an unknown user, say); any other
// error is a 500. The default takes the id as it is.
func WithUsers(resolve func(ctx context.Context, id string) (string, error)) Option {
	return func(o *options) { o.users = resolve }
}

// WithVersions adds to GET /versions what versions returns (a model's name
// to its version), over what the handler finds itself: the knowledge base's
// revision when it has a Revision() uint64 method, and the recommender's
// model when it has a Model() *recommend.Model method.
func WithVersions(versions func() map[string]string) Option {
	return func(o *options) { o.versions = versions }
}

// WithTimeout sets each request's time budget; default 10 seconds.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithLimits sets the limits on what clients send; see [Limits].
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithTexts sets the sentences the API hands to a page; see [Texts].
func WithTexts(t Texts) Option { return func(o *options) { o.texts = t } }

// WithReasons sets how many reasons a suggestion carries, strongest first;
// default 3.
func WithReasons(n int) Option { return func(o *options) { o.reasons = n } }

// WithLogger sets where server errors (5xx) and degraded answers are logged,
// and, at debug level, every request; default: discarded.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithClock sets the clock that dates events posted without a time; default
// time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Handler serves the routes. Create one with New.
type Handler struct {
	o      options
	kb     kb.KnowledgeBase
	mux    *http.ServeMux
	routes []route // what is served, in registration order
	doc    []byte  // the OpenAPI document restricted to routes
}

// route is one method and path pattern served, as in the OpenAPI document.
type route struct{ method, path string }

// New returns a handler over the knowledge base k; the options add the
// other services. It fails only on an invalid option.
func New(k kb.KnowledgeBase, opts ...Option) (*Handler, error) {
	o := options{timeout: 10 * time.Second, reasons: 3, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadOption}, args...)...))
	}
	if k == nil {
		bad("nil knowledge base")
	}
	if o.timeout <= 0 {
		bad("timeout %v, want > 0", o.timeout)
	}
	if o.limits.Body < 0 || o.limits.Text < 0 || o.limits.Results < 0 || o.limits.Events < 0 {
		bad("negative limit in %+v", o.limits)
	}
	if o.reasons < 0 {
		bad("reasons %d, want ≥ 0", o.reasons)
	}
	if o.now == nil {
		bad("nil clock")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	o.limits = o.limits.withDefaults()
	o.texts = o.texts.withDefaults()
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{o: o, kb: k, mux: http.NewServeMux()}
	h.handle("GET", "/search", h.search)
	h.handle("GET", "/kb/{id}", h.getEntry)
	if o.writer != nil {
		h.handle("POST", "/kb", h.upsert)
		h.handle("DELETE", "/kb/{id}", h.delete)
	}
	if o.classifier != nil {
		h.handle("POST", "/classify", h.classify)
	}
	if o.rec != nil {
		h.handle("GET", "/recommend", h.recommend)
		h.handle("POST", "/events", h.events)
		h.handle("POST", "/feedback", h.feedback)
	}
	h.handle("GET", "/health", h.health)
	h.handle("GET", "/versions", h.versions)
	h.handle("GET", "/openapi.json", h.openAPI)
	h.methodNotAllowed()
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorBody{Error: "no such endpoint: " + requestPath(r)})
	})
	doc, err := restrictDocument(h.routes)
	if err != nil {
		return nil, err // the embedded document is broken: a bug, caught by the tests
	}
	h.doc = doc
	return h, nil
}

// ServeHTTP serves the routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// handle registers fn for method and path with the checks every route
// shares: a well-formed query string, the time budget, errors as JSON.
func (h *Handler) handle(method, path string, fn func(http.ResponseWriter, *http.Request) error) {
	h.routes = append(h.routes, route{method, path})
	h.mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), h.o.timeout)
		defer cancel()
		start := time.Now()
		// url.Values drops what it cannot decode (%zz): refuse such a query
		// string rather than answer as if a parameter were missing.
		var err error
		if _, qerr := url.ParseQuery(r.URL.RawQuery); qerr != nil {
			err = badRequest("malformed query string: %v", qerr)
		} else {
			err = fn(w, r.WithContext(ctx))
		}
		status := http.StatusOK
		if err != nil {
			status = h.writeError(w, r, err)
		}
		h.o.log.Debug("request", "method", r.Method, "path", requestPath(r), "status", status, "took", time.Since(start))
	})
}

// methodNotAllowed answers 405, with Allow, on every served path asked with
// another method.
func (h *Handler) methodNotAllowed() {
	allow := map[string][]string{}
	var paths []string
	for _, rt := range h.routes {
		if allow[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allow[rt.path] = append(allow[rt.path], rt.method)
	}
	for _, p := range paths {
		methods := strings.Join(allow[p], ", ")
		h.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", methods)
			writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{
				Error: fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, requestPath(r), methods)})
		})
	}
}

// requestPath is the path the client asked for, before any prefix was
// stripped by the host's mux.
func requestPath(r *http.Request) string {
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.Path != "" {
		return u.Path
	}
	return r.URL.Path
}

// Error is an error with the HTTP status and the message the client sees.
// The handler answers a request with it when a hook returns one.
type Error struct {
	Status  int
	Message string // for the client's developer, in English
	// Text, if set, is a sentence a page can show its user (in the
	// page's language), sent as the answer's "message".
	Text string
	// RetryAfter, if positive, is sent as the Retry-After header, in whole
	// seconds rounded up.
	RetryAfter time.Duration
	// Err is the cause: logged with a 5xx, never sent.
	Err error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// cause is what to log of e.
func (e *Error) cause() error {
	if e.Err != nil {
		return e.Err
	}
	return e
}

// StoreRetryAfter is the Retry-After of an answer to a request a store
// failed ([Unavailable]).
const StoreRetryAfter = 2 * time.Second

// Unavailable is the error to answer a request with when a store it needs
// failed or did not answer in time (Redis down or stalled): 503 with a
// Retry-After of [StoreRetryAfter] and, when text is not empty, text as
// the sentence for the user; err, the cause, is logged. The handler's own
// routes answer so when recording events or feedback or editing the
// knowledge base fails (with [Texts].Unavailable); a host's routes beside
// them may too.
func Unavailable(err error, text string) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Message: "a store did not answer; retry shortly",
		Text: text, RetryAfter: StoreRetryAfter, Err: err}
}

// unavailable is Unavailable with the handler's text, unless the request's
// own context ended (its client went away or its budget was spent): then
// err is answered as such.
func (h *Handler) unavailable(r *http.Request, err error) error {
	if r.Context().Err() != nil {
		return err
	}
	return Unavailable(err, h.o.texts.Unavailable)
}

func badRequest(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &Error{Status: http.StatusNotFound, Message: fmt.Sprintf(format, args...)}
}

// ErrorBody is the answer to a request that failed.
type ErrorBody struct {
	Error string `json:"error"`
	// Message, when set, is a sentence a page can show its user, in the
	// page's language (see [Texts] and [Error].Text).
	Message string `json:"message,omitempty"`
}

// writeError answers with err's status: the client's mistake (4xx), a time
// budget spent or a store down (503) or ours (500, logged).
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) int {
	var he *Error
	var mbe *http.MaxBytesError
	status, msg, text := http.StatusInternalServerError, "internal error", ""
	switch {
	case errors.As(err, &he) && he.Status >= 400 && he.Status < 600:
		status, msg, text = he.Status, he.Message, he.Text
		SetRetryAfter(w, he)
		if status >= 500 {
			h.o.log.Error("request failed", "method", r.Method, "path", requestPath(r), "status", status, "err", he.cause())
		}
	case errors.As(err, &mbe):
		status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		status, msg = http.StatusServiceUnavailable, "request took too long or was cancelled"
	default:
		h.o.log.Error("request failed", "method", r.Method, "path", requestPath(r), "err", err)
	}
	writeJSON(w, status, ErrorBody{Error: msg, Message: text})
	return status
}

// SetRetryAfter sets the Retry-After header of the answer to e, if e has
// one, for a host that writes its own error answers.
func SetRetryAfter(w http.ResponseWriter, e *Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	}
}

// Routes returns the method and path pattern of every route served, such as
// "GET /search" or "DELETE /kb/{id}", in a stable order; the OpenAPI
// document describes exactly these.
func (h *Handler) Routes() []string {
	out := make([]string, 0, len(h.routes))
	for _, rt := range h.routes {
		out = append(out, rt.method+" "+rt.path)
	}
	slices.Sort(out)
	return out
}
