package httpapi

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// The types below are the JSON the API speaks; the OpenAPI document
// describes the same.

// Hit is one search result.
type Hit struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Category string  `json:"category,omitempty"`
	Score    float64 `json:"score"`
	// Confidence is the probability that the entry answers the query.
	Confidence float64 `json:"confidence"`
	// Field is the text that matched best: "question" or "similar".
	Field string `json:"field,omitempty"`
	// Matched is that text; Fragment is it as HTML, escaped, with the
	// matched terms in <mark>.
	Matched  string `json:"matched"`
	Fragment string `json:"fragment"`
}

// SearchResult is the answer of GET /search.
type SearchResult struct {
	Query string `json:"query"`
	Hits  []Hit  `json:"hits"`
	// Answered is false when no hit is confident enough to be the answer
	// (below the knowledge base's answer threshold): the host should hand
	// the user over to a person, saying Handoff.
	Answered bool   `json:"answered"`
	Handoff  string `json:"handoff,omitempty"`
}

// Service is where a recognised intent's route leads.
type Service struct {
	Name string `json:"name"`
	Link string `json:"link"`
}

// Slot is one value extracted from an utterance.
type Slot struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Text  string `json:"text"`
	Value string `json:"value"`
}

// Prediction is one ranked intent.
type Prediction struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Classification is the answer of POST /classify.
type Classification struct {
	Text string `json:"text"`
	// Outcome is matched, out_of_scope, low_confidence or ambiguous; or
	// unrouted, when the intent is recognised but the routing table has no
	// service for it.
	Outcome    string  `json:"outcome"`
	Intent     string  `json:"intent,omitempty"`
	Confidence float64 `json:"confidence"`
	// Service is the route of a matched intent.
	Service *Service `json:"service,omitempty"`
	// Slots are the values the route takes found in the text; Missing the
	// required slot kinds not found.
	Slots       []Slot       `json:"slots"`
	Missing     []string     `json:"missing"`
	Predictions []Prediction `json:"predictions"`
	// Related are the closest questions of the knowledge base, offered when
	// the outcome is not matched.
	Related []Hit `json:"related"`
}

// Suggestion is one suggested question with its reasons, strongest first.
type Suggestion struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Category string   `json:"category,omitempty"`
	Score    float64  `json:"score"`
	Reasons  []string `json:"reasons"`
}

// Recommendations is the answer of GET /recommend.
type Recommendations struct {
	User        string       `json:"user"`
	Suggestions []Suggestion `json:"suggestions"`
	// Degraded is set, to a sentence a page can show, when the suggestions
	// were made without the user's recent events (a store failed).
	Degraded string `json:"degraded,omitempty"`
}

// Event is one behavior event posted to POST /events.
type Event struct {
	// ID, if set, makes a retried post record the event once.
	ID   string `json:"id,omitempty"`
	User string `json:"user"`
	// Time defaults to the server's clock.
	Time     time.Time         `json:"time,omitzero"`
	Type     string            `json:"type"`
	Object   string            `json:"object,omitempty"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	Question string            `json:"question,omitempty"`
	Text     string            `json:"text,omitempty"`
}

// Events is the body of POST /events.
type Events struct {
	Events []Event `json:"events"`
}

// Feedback is the body of POST /feedback, and its answer.
type Feedback struct {
	User string `json:"user"`
	ID   string `json:"id"`
	Kind string `json:"kind"` // click, dismiss, resolve or impression
}

// Edited is the answer of POST /kb and DELETE /kb/{id}.
type Edited struct {
	ID       string            `json:"id"`
	Versions map[string]string `json:"versions"`
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) error {
	qv := r.URL.Query()
	q, err := text("q", qv.Get("q"), h.o.limits.Text)
	if err != nil {
		return err
	}
	n, err := h.limit(r, 10)
	if err != nil {
		return err
	}
	cat := qv.Get("category")
	if !utf8.ValidString(cat) || utf8.RuneCountInString(cat) > h.o.limits.Text {
		return badRequest("category: not valid UTF-8 or longer than %d characters", h.o.limits.Text)
	}
	hits, err := h.hits(r, kb.Query{Text: q, Limit: n, Category: cat})
	if err != nil {
		return err
	}
	res := SearchResult{Query: q, Hits: hits, Answered: true}
	// The knowledge base has no answer when its best hit is not confident
	// enough: say so, and hand over to a person.
	if len(hits) == 0 || hits[0].Confidence < h.answerThreshold() {
		res.Answered, res.Handoff = false, h.o.texts.Handoff
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// answerThreshold is the knowledge base's, when it has one.
func (h *Handler) answerThreshold() float64 {
	if t, ok := h.kb.(interface{ AnswerThreshold() float64 }); ok {
		return t.AnswerThreshold()
	}
	return 0
}

func (h *Handler) hits(r *http.Request, q kb.Query) ([]Hit, error) {
	hits, err := h.kb.Search(r.Context(), q)
	if err != nil {
		return nil, err
	}
	out := make([]Hit, 0, len(hits))
	for _, x := range hits {
		out = append(out, Hit{ID: x.FAQ.ID, Question: x.FAQ.Question, Category: x.FAQ.Category, Score: x.Score,
			Confidence: x.Confidence, Field: string(x.Field), Matched: x.Matched, Fragment: x.Fragment})
	}
	return out, nil
}

// entry returns the entry id, or a 404.
func (h *Handler) entry(r *http.Request, id string) (kb.FAQ, error) {
	if id == "" {
		return kb.FAQ{}, badRequest("id: missing")
	}
	f, err := h.kb.Get(r.Context(), id)
	if errors.Is(err, kb.ErrNotFound) || errors.Is(err, kb.ErrEmptyID) {
		return kb.FAQ{}, notFound("unknown question %q", id)
	}
	return f, err
}

func (h *Handler) getEntry(w http.ResponseWriter, r *http.Request) error {
	f, err := h.entry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

// upsert adds or replaces a knowledge-base entry; it returns once the
// writer has it.
func (h *Handler) upsert(w http.ResponseWriter, r *http.Request) error {
	var f kb.FAQ
	if err := h.readJSON(w, r, &f); err != nil {
		return err
	}
	f.ID, f.Question = strings.TrimSpace(f.ID), strings.TrimSpace(f.Question)
	if f.ID == "" || f.Question == "" {
		return badRequest("id and question: both required")
	}
	long := h.o.limits.Text * 10
	fields := map[string]string{"id": f.ID, "question": f.Question, "answer": f.Answer, "category": f.Category}
	for i, s := range f.Similar {
		fields[fmt.Sprintf("similar[%d]", i)] = s
	}
	for i, s := range f.Tags {
		fields[fmt.Sprintf("tags[%d]", i)] = s
	}
	for name, s := range fields {
		if n := utf8.RuneCountInString(s); n > long {
			return badRequest("%s: %d characters, more than the limit of %d", name, n, long)
		}
	}
	if len(f.Similar) > 100 || len(f.Tags) > 100 || len(f.Triggers) > 100 {
		return badRequest("similar, tags, triggers: at most 100 each")
	}
	if err := kb.Check(f); err != nil {
		return badRequest("%s", strings.TrimPrefix(err.Error(), "kb: "))
	}
	if err := h.o.writer.Upsert(r.Context(), f); err != nil {
		return h.unavailable(r, err)
	}
	writeJSON(w, http.StatusOK, Edited{ID: f.ID, Versions: h.versionMap()})
	return nil
}

// delete removes a knowledge-base entry.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) error {
	f, err := h.entry(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.o.writer.Delete(r.Context(), f.ID); err != nil {
		return h.unavailable(r, err)
	}
	writeJSON(w, http.StatusOK, Edited{ID: f.ID, Versions: h.versionMap()})
	return nil
}

// relatedOnMiss is how many questions classify offers when it does not
// understand.
const relatedOnMiss = 3

func (h *Handler) classify(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Text string `json:"text"`
	}
	if err := h.readJSON(w, r, &req); err != nil {
		return err
	}
	t, err := text("text", req.Text, h.o.limits.Text)
	if err != nil {
		return err
	}
	res, err := h.o.classifier.Classify(r.Context(), t)
	if err != nil {
		return err
	}
	c := Classification{Text: t, Outcome: res.Outcome.String(), Intent: res.Intent,
		Slots: []Slot{}, Missing: []string{}, Predictions: []Prediction{}, Related: []Hit{}}
	for _, p := range res.Predictions {
		c.Predictions = append(c.Predictions, Prediction{Intent: p.Label, Confidence: p.Confidence})
	}
	if len(res.Predictions) > 0 {
		c.Confidence = res.Predictions[0].Confidence
	}
	if res.Known() && h.o.routes != nil {
		if err := h.route(&c, res.Intent, t); err != nil {
			return err
		}
	}
	if c.Outcome != intent.Matched.String() {
		if c.Related, err = h.hits(r, kb.Query{Text: t, Limit: relatedOnMiss}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) recommend(w http.ResponseWriter, r *http.Request) error {
	n, err := h.limit(r, 5)
	if err != nil {
		return err
	}
	id := r.URL.Query().Get("user")
	key, err := h.user(r, "user", id)
	if err != nil {
		return err
	}
	sugs, err := h.o.rec.Recommend(r.Context(), recommend.Request{User: key, Limit: n})
	degraded := errors.Is(err, recommend.ErrDegraded)
	if degraded {
		// Answered without the stores: serve it, and say so.
		h.o.log.Warn("recommend degraded", "user", key, "err", err)
	} else if err != nil {
		return err
	}
	out := Recommendations{User: id, Suggestions: make([]Suggestion, 0, len(sugs))}
	for _, s := range sugs {
		v := Suggestion{ID: s.FAQ.ID, Question: s.FAQ.Question, Category: s.FAQ.Category, Score: s.Score, Reasons: []string{}}
		// The engine gives each sentence once, strongest first.
		for _, why := range s.Reasons[:min(len(s.Reasons), h.o.reasons)] {
			v.Reasons = append(v.Reasons, why.Text)
		}
		out.Suggestions = append(out.Suggestions, v)
	}
	if degraded {
		out.Degraded = h.o.texts.Degraded
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// user checks a user id and maps it with the host's resolver.
func (h *Handler) user(r *http.Request, field, id string) (string, error) {
	switch {
	case id == "":
		return "", badRequest("%s: missing", field)
	case !utf8.ValidString(id):
		return "", badRequest("%s: not valid UTF-8", field)
	case len(id) > recommend.MaxFieldBytes:
		return "", badRequest("%s: %d bytes, more than the limit of %d", field, len(id), recommend.MaxFieldBytes)
	}
	if h.o.users == nil {
		return id, nil
	}
	return h.o.users(r.Context(), id)
}

func (h *Handler) events(w http.ResponseWriter, r *http.Request) error {
	var req Events
	if err := h.readJSON(w, r, &req); err != nil {
		return err
	}
	switch n := len(req.Events); {
	case n == 0:
		return badRequest("events: empty")
	case n > h.o.limits.Events:
		return badRequest("events: %d events, more than the limit of %d", n, h.o.limits.Events)
	}
	now := h.o.now()
	evs := make([]recommend.Event, 0, len(req.Events))
	for i, e := range req.Events {
		key, err := h.user(r, fmt.Sprintf("events[%d].user", i), e.User)
		if err != nil {
			return err
		}
		if e.Time.IsZero() {
			e.Time = now
		}
		ev := recommend.Event{ID: e.ID, User: key, Time: e.Time, Type: e.Type, Object: e.Object,
			Attrs: e.Attrs, Question: e.Question, Text: e.Text}
		if err := ev.Validate(); err != nil {
			return badRequest("events[%d]%s", i, eventProblem(err))
		}
		evs = append(evs, ev)
	}
	if err := h.o.rec.Record(r.Context(), evs...); err != nil {
		if errors.Is(err, recommend.ErrInvalidEvent) {
			return badRequest("%s%s", refusedEvent(err, len(evs)), eventProblem(err))
		}
		return h.unavailable(r, err)
	}
	writeJSON(w, http.StatusOK, map[string]int{"recorded": len(evs)})
	return nil
}

// eventIndex finds the index of the event the recommender refused in its
// error ("recommend: record: event 3: …"): each event passed Validate
// here, so what it refuses is what only it knows (a time too far ahead of
// its clock).
var eventIndex = regexp.MustCompile(`(?:^|: )event (\d+): `)

// refusedEvent is "events[i]" for the event err names, or "events" when it
// names none.
func refusedEvent(err error, n int) string {
	if m := eventIndex.FindStringSubmatch(err.Error()); m != nil {
		if i, aerr := strconv.Atoi(m[1]); aerr == nil && i < n {
			return fmt.Sprintf("events[%d]", i)
		}
	}
	if n == 1 {
		return "events[0]"
	}
	return "events"
}

// eventProblem renders an event's validation error as ".field: problem".
func eventProblem(err error) string {
	var fe *recommend.FieldError
	if !errors.As(err, &fe) {
		return ": " + err.Error()
	}
	msg := strings.TrimPrefix(strings.TrimPrefix(fe.Err.Error(), "recommend: "), "invalid event: ")
	if fe.Field == "" {
		return ": " + msg
	}
	return "." + fe.Field + ": " + msg
}

var feedbackKinds = map[string]recommend.FeedbackKind{
	"click":      recommend.Click,
	"dismiss":    recommend.Dismiss,
	"resolve":    recommend.Resolve,
	"impression": recommend.Impression,
}

func (h *Handler) feedback(w http.ResponseWriter, r *http.Request) error {
	var req Feedback
	if err := h.readJSON(w, r, &req); err != nil {
		return err
	}
	k, ok := feedbackKinds[req.Kind]
	if !ok {
		return badRequest("kind: want \"dismiss\", \"resolve\", \"click\" or \"impression\", got %q", req.Kind)
	}
	if req.ID == "" {
		return badRequest("id: missing")
	}
	key, err := h.user(r, "user", req.User)
	if err != nil {
		return err
	}
	if _, err := h.entry(r, req.ID); err != nil {
		return err
	}
	if err := h.o.rec.Feedback(r.Context(), recommend.Feedback{User: key, Question: req.ID, Kind: k}); err != nil {
		if errors.Is(err, recommend.ErrInvalidFeedback) {
			return badRequest("%s", strings.TrimPrefix(err.Error(), "recommend: "))
		}
		return h.unavailable(r, err)
	}
	writeJSON(w, http.StatusOK, req)
	return nil
}

func (h *Handler) health(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (h *Handler) versions(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, h.versionMap())
	return nil
}

// versionMap is what GET /versions answers: what the handler finds, then
// the host's.
func (h *Handler) versionMap() map[string]string {
	vs := map[string]string{}
	if rv, ok := h.kb.(interface{ Revision() uint64 }); ok {
		vs["kb"] = strconv.FormatUint(rv.Revision(), 10)
	}
	if m, ok := h.o.rec.(interface{ Model() *recommend.Model }); ok {
		if model := m.Model(); model != nil {
			vs["recommend"] = model.Info().ID
		}
	}
	if h.o.versions != nil {
		maps.Copy(vs, h.o.versions())
	}
	return vs
}
