package insight

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// This file is the hand-off summary: what a human agent sees of a user
// handed to them.

// ErrBadHandoff wraps every problem with the arguments of [Handoff]: a
// missing or oversized user id, an option out of its range.
var ErrBadHandoff = errors.New("insight: bad hand-off request")

// Recommender is what the hand-off summary asks for a user's likely
// questions; *recommend.Engine implements it. An error wrapping
// recommend.ErrDegraded with suggestions is an answer made without the
// stores: the suggestions are kept, and the summary says so.
type Recommender interface {
	Recommend(ctx context.Context, req recommend.Request) ([]recommend.Suggestion, error)
}

// EventReader reads a user's recent events, oldest first, as
// recommend.EventStore.Recent does; every recommend.EventStore is one.
type EventReader interface {
	Recent(ctx context.Context, user string, since time.Time, limit int) ([]recommend.Event, error)
}

// FeedbackReader reads what a user did with suggested questions, as
// recommend.FeedbackStore.UserFeedback does; every
// recommend.FeedbackStore is one.
type FeedbackReader interface {
	UserFeedback(ctx context.Context, user string) ([]recommend.UserFeedback, error)
}

// SlotExtractor finds slot values in an utterance; *slots.Extractor
// implements it.
type SlotExtractor interface {
	Extract(text string) []slots.Slot
}

// HandoffSources are what [Handoff] reads. Every field is optional: a
// source that is nil leaves out the parts of the summary that need it, and
// [HandoffSummary].Incomplete says which and why.
type HandoffSources struct {
	// Recommender gives the likely questions (Likely).
	Recommender Recommender
	// Events gives the user's history: Recent, Searches, Handoff,
	// LastRequest, and the feedback events of Shown.
	Events EventReader
	// Feedback gives the store's feedback of Shown.
	Feedback FeedbackReader
	// KB answers the user's searches again (Searches' hits) and names the
	// questions of Shown and Handoff.
	KB kb.KnowledgeBase
	// AnswerThreshold is the confidence the best hit of a search needs to
	// count as an answer; 0 means the knowledge base's own when it has an
	// AnswerThreshold() float64 method (*kb.Index does), else 0 (any hit
	// answers).
	AnswerThreshold float64
	// Classifier classifies the last request (LastRequest).
	Classifier intent.Classifier
	// Routes, with Slots, gives the last request's service and the slots
	// its route takes.
	Routes *intent.Routes
	// Slots finds the last request's slot values.
	Slots SlotExtractor
	// SlotLabels name slot kinds for the agent (amount → 金额); a kind
	// without one is shown by its name.
	SlotLabels map[string]string
	// Phrasebook words the user's events (Recent); nil tells only
	// searches, asks with text, hand-offs and routes, and every other
	// event neutrally (有一次相关操作).
	Phrasebook *recommend.Phrasebook
}

// HandoffOptions bound a summary. Every zero field takes its default; a
// negative one, or one over its maximum, is an error.
type HandoffOptions struct {
	// Now is the moment of the summary: events after it are not read,
	// and every Ago is counted from it. Zero means time.Now.
	Now time.Time
	// History is how many of the user's latest events are read; default
	// 200 (recommend.DefaultPerUser, what a store keeps), at most 10,000.
	History int
	// Events is how many of them Recent tells; default 10, at most 100.
	Events int
	// Searches is how many searches Searches lists; default 5, at most 50.
	Searches int
	// Hits is how many knowledge-base hits each search shows; default 3,
	// at most 20.
	Hits int
	// Suggestions is how many likely questions Likely lists; default 5, at
	// most 50.
	Suggestions int
	// Reasons is how many reasons each likely question carries, strongest
	// first; default 3, at most 10.
	Reasons int
	// Shown is how many suggested questions Shown lists; default 10, at
	// most 100.
	Shown int
}

// The ranges of HandoffOptions.
const (
	maxHandoffHistory     = 10000
	maxHandoffEvents      = 100
	maxHandoffSearches    = 50
	maxHandoffHits        = 20
	maxHandoffSuggestions = 50
	maxHandoffReasons     = 10
	maxHandoffShown       = 100
)

func (o HandoffOptions) withDefaults() (HandoffOptions, error) {
	var errs []error
	def := func(name string, v *int, d, hi int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0 || *v > hi:
			errs = append(errs, fmt.Errorf("%w: %s %d, want 1 to %d", ErrBadHandoff, name, *v, hi))
		}
	}
	def("history", &o.History, recommend.DefaultPerUser, maxHandoffHistory)
	def("events", &o.Events, 10, maxHandoffEvents)
	def("searches", &o.Searches, 5, maxHandoffSearches)
	def("hits", &o.Hits, 3, maxHandoffHits)
	def("suggestions", &o.Suggestions, 5, maxHandoffSuggestions)
	def("reasons", &o.Reasons, 3, maxHandoffReasons)
	def("shown", &o.Shown, 10, maxHandoffShown)
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o, errors.Join(errs...)
}

// HandoffSummary is what a human agent sees of a user handed to them, in
// the JSON GET /handoff answers (package httpapi). Lists are never nil;
// a part whose source is missing or failed is empty (or nil, for the
// pointers) and named in Incomplete.
type HandoffSummary struct {
	// User is the user summarized.
	User string `json:"user"`
	// At is the moment of the summary (HandoffOptions.Now).
	At time.Time `json:"at"`
	// Handoff is the user's latest hand-off event (recommend.TypeHandoff)
	// among the events read, nil if none.
	Handoff *HandoffEvent `json:"handoff,omitempty"`
	// Likely are the questions duxin thinks the user has, best first: the
	// recommender's suggestions for the user at At, with their reasons in
	// Chinese, strongest first, as GET /recommend gives them.
	Likely []LikelyQuestion `json:"likely"`
	// Recent are the user's latest events in words, newest first, feedback
	// events left out (they are in Shown).
	Recent []EventLine `json:"recent"`
	// Searches are the user's latest searches (recommend.TypeSearch
	// events), newest first, each with what the knowledge base answers for
	// it now.
	Searches []SearchLine `json:"searches"`
	// Shown are the suggested questions the user was shown or reacted to
	// (see [ShownQuestion]), the latest active first.
	Shown []ShownQuestion `json:"shown"`
	// LastRequest is the user's latest search or ask with text, classified;
	// nil if the events read have none.
	LastRequest *LastRequest `json:"last_request,omitempty"`
	// Incomplete names each part left out or made with less than its
	// sources, and why; empty when the summary is whole.
	Incomplete []PartNote `json:"incomplete"`
}

// The parts of a summary, as PartNote.Part names them.
const (
	PartLikely      = "likely"
	PartRecent      = "recent"
	PartSearches    = "searches"
	PartShown       = "shown"
	PartLastRequest = "last_request"
	PartHandoff     = "handoff"
)

// PartNote says why a part of a summary is missing or partial.
type PartNote struct {
	// Part is one of PartLikely, PartRecent, PartSearches, PartShown,
	// PartLastRequest and PartHandoff.
	Part string `json:"part"`
	// Why says it in English for the host's developer, such as "no
	// recommender" or "the event store failed".
	Why string `json:"why"`
	// Err is the source's error, for the host's log; it is never sent.
	Err error `json:"-"`
}

// HandoffEvent is a recorded hand-off.
type HandoffEvent struct {
	// Reason is the event's "reason" attribute: recommend.ReasonRequested,
	// ReasonUnanswered, ReasonUnhelpful or the host's own.
	Reason string `json:"reason"`
	// Text tells the hand-off as Recent does (你刚刚申请了人工客服（主动要求）).
	Text string `json:"text"`
	// Question is the knowledge-base entry the user was on, if the event
	// names one, and QuestionText its standard question (when the
	// knowledge base has it).
	Question     string    `json:"question,omitempty"`
	QuestionText string    `json:"question_text,omitempty"`
	Time         time.Time `json:"time"`
	Ago          string    `json:"ago"`
}

// LikelyQuestion is one question duxin thinks the user has.
type LikelyQuestion struct {
	ID       string  `json:"id"`
	Question string  `json:"question"`
	Category string  `json:"category,omitempty"`
	Score    float64 `json:"score"`
	// Reasons are the suggestion's reasons in Chinese, strongest first
	// (你3分钟前发起了一笔转账到银行卡).
	Reasons []string `json:"reasons"`
}

// EventLine is one of the user's events in words.
type EventLine struct {
	Type string    `json:"type"`
	Time time.Time `json:"time"`
	// Ago is how long before the summary it happened (3分钟前).
	Ago string `json:"ago"`
	// Text is the event as the engine's reasons tell it
	// (recommend.Phrasebook.Sentence): 你3分钟前发起了一笔转账到银行卡.
	Text string `json:"text"`
	// Question is an ask's knowledge-base id.
	Question string `json:"question,omitempty"`
}

// SearchLine is one of the user's searches and what the knowledge base
// answers for it now.
type SearchLine struct {
	Text string    `json:"text"`
	Time time.Time `json:"time"`
	Ago  string    `json:"ago"`
	// Hits are the knowledge base's best hits for Text now, best first;
	// empty without a knowledge base.
	Hits []SearchHit `json:"hits"`
	// Answered says whether the best hit now reaches the answer threshold
	// (HandoffSources.AnswerThreshold); false without hits or without a
	// knowledge base.
	Answered bool `json:"answered"`
	// LoggedAnswered and LoggedTop are the event's own "answered" and
	// "top" attributes, what the host saw when the user searched, if it
	// recorded them.
	LoggedAnswered string `json:"logged_answered,omitempty"`
	LoggedTop      string `json:"logged_top,omitempty"`
}

// SearchHit is one knowledge-base hit of a search.
type SearchHit struct {
	ID         string  `json:"id"`
	Question   string  `json:"question"`
	Confidence float64 `json:"confidence"`
}

// ShownQuestion is what the user did with one suggested question, from
// the feedback store (recommend.UserFeedback) and the feedback events
// (recommend.TypeFeedback) among the events read. A host may record the
// same reaction in both; to count it once, each count is the larger of the
// two sources' and each time the later.
type ShownQuestion struct {
	ID string `json:"id"`
	// Question is the entry's standard question, when the knowledge base
	// has it.
	Question    string `json:"question,omitempty"`
	Impressions int    `json:"impressions"`
	Clicks      int    `json:"clicks"`
	// Dismissed and Resolved are the latest such reactions, zero if none.
	Dismissed time.Time `json:"dismissed,omitzero"`
	Resolved  time.Time `json:"resolved,omitzero"`
	// Last is the latest feedback event about it among the events read,
	// zero if none (the store keeps counts without times).
	Last time.Time `json:"last,omitzero"`
}

// LastRequest is the user's latest request in words — a search, or an ask
// with text — with its intent and slots.
type LastRequest struct {
	// Type is recommend.TypeSearch or recommend.TypeAsk.
	Type string    `json:"type"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
	Ago  string    `json:"ago"`
	// Outcome is the classifier's outcome (matched, out_of_scope,
	// low_confidence, ambiguous), or unrouted when the intent is known but
	// the routes have no service for it; empty without a classifier.
	Outcome string `json:"outcome,omitempty"`
	// Intent and Confidence are the recognised intent and the confidence
	// of the best prediction.
	Intent     string  `json:"intent,omitempty"`
	Confidence float64 `json:"confidence,omitempty"`
	// Service and Link are the intent's route, when the routes have one.
	Service string `json:"service,omitempty"`
	Link    string `json:"link,omitempty"`
	// Slots are the values found in Text: those the route takes when
	// there is one, else every slot found. Missing are the route's
	// required slot kinds not found.
	Slots   []HandoffSlot `json:"slots"`
	Missing []string      `json:"missing"`
}

// HandoffSlot is one slot value of the last request.
type HandoffSlot struct {
	Kind  string `json:"kind"`
	Label string `json:"label"`
	Text  string `json:"text"`
	Value string `json:"value"`
}

// Handoff summarizes user for the human agent the user is handed to: the
// questions duxin thinks they have, with reasons; their recent events in
// words; what they searched and what the knowledge base answers for it
// now; the suggestions they were shown and what they did with them; the
// intent and slots of their last request; and the reason of their latest
// hand-off. See [HandoffSummary] for each part.
//
// It reads a bounded amount whatever the user's history: the latest
// opts.History events, one recommendation, a search per listed search,
// one knowledge-base lookup per listed question. A source that is missing
// or fails leaves out its part (or the part of it that needs it) and the
// summary says so in Incomplete; the error is only for bad arguments
// (wrapping [ErrBadHandoff]) or ctx ending, which it wraps.
func Handoff(ctx context.Context, src HandoffSources, user string, opts HandoffOptions) (*HandoffSummary, error) {
	switch {
	case strings.TrimSpace(user) == "":
		return nil, fmt.Errorf("%w: user: missing", ErrBadHandoff)
	case len(user) > recommend.MaxFieldBytes:
		return nil, fmt.Errorf("%w: user: %d bytes, more than the limit of %d", ErrBadHandoff, len(user), recommend.MaxFieldBytes)
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &summarizer{ctx: ctx, src: src, o: o, sum: &HandoffSummary{User: user, At: o.Now,
		Likely: []LikelyQuestion{}, Recent: []EventLine{}, Searches: []SearchLine{}, Shown: []ShownQuestion{},
		Incomplete: []PartNote{}}}
	s.likely()
	events := s.events()
	s.recent(events)
	s.handoff(events)
	s.searches(events)
	s.shown(events)
	s.lastRequest(events)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("insight: hand-off summary: %w", err)
	}
	return s.sum, nil
}

// summarizer builds one summary.
type summarizer struct {
	ctx context.Context
	src HandoffSources
	o   HandoffOptions
	sum *HandoffSummary
	// eventsOK is false when the events could not be read (no reader, or
	// it failed); the note is made once, under PartRecent.
	eventsOK bool
	// names caches the standard questions looked up in the knowledge base.
	names map[string]string
}

func (s *summarizer) note(part, why string, err error) {
	s.sum.Incomplete = append(s.sum.Incomplete, PartNote{Part: part, Why: why, Err: err})
}

func (s *summarizer) ago(t time.Time) string { return recommend.Ago(s.o.Now.Sub(t)) }

func (s *summarizer) likely() {
	if s.src.Recommender == nil {
		s.note(PartLikely, "no recommender", nil)
		return
	}
	sugs, err := s.src.Recommender.Recommend(s.ctx, recommend.Request{User: s.sum.User, Limit: s.o.Suggestions, Now: s.o.Now})
	switch {
	case errors.Is(err, recommend.ErrDegraded):
		s.note(PartLikely, "made without the user's history: a store failed", err)
	case err != nil:
		s.note(PartLikely, "the recommender failed", err)
		return
	}
	for _, sg := range sugs[:min(len(sugs), s.o.Suggestions)] {
		q := LikelyQuestion{ID: sg.FAQ.ID, Question: sg.FAQ.Question, Category: sg.FAQ.Category, Score: sg.Score, Reasons: []string{}}
		for _, r := range sg.Reasons[:min(len(sg.Reasons), s.o.Reasons)] {
			q.Reasons = append(q.Reasons, r.Text)
		}
		s.sum.Likely = append(s.sum.Likely, q)
	}
}

// events reads the user's latest events up to Now, oldest first; nil if
// they cannot be read, which it notes for every part that needs them.
func (s *summarizer) events() []recommend.Event {
	why, err := "", error(nil)
	var evs []recommend.Event
	if s.src.Events == nil {
		why = "no event reader"
	} else if evs, err = s.src.Events.Recent(s.ctx, s.sum.User, time.Time{}, s.o.History); err != nil {
		why = "the event store failed"
	}
	if why != "" {
		for _, p := range []string{PartRecent, PartSearches, PartHandoff, PartLastRequest} {
			s.note(p, why, err)
		}
		return nil
	}
	s.eventsOK = true
	// A reader may keep more than it was asked for, or events dated after
	// Now: keep the latest History not after it.
	keep := evs[:0:0]
	for _, e := range evs {
		if !e.Time.After(s.o.Now) {
			keep = append(keep, e)
		}
	}
	return keep[max(0, len(keep)-s.o.History):]
}

func (s *summarizer) recent(events []recommend.Event) {
	for _, e := range slices.Backward(events) {
		if len(s.sum.Recent) == s.o.Events {
			break
		}
		if e.Type == recommend.TypeFeedback {
			continue
		}
		s.sum.Recent = append(s.sum.Recent, EventLine{Type: e.Type, Time: e.Time, Ago: s.ago(e.Time),
			Text: s.src.Phrasebook.Sentence(e, s.o.Now.Sub(e.Time)), Question: e.Question})
	}
}

func (s *summarizer) handoff(events []recommend.Event) {
	for _, e := range slices.Backward(events) {
		if e.Type != recommend.TypeHandoff {
			continue
		}
		h := &HandoffEvent{Reason: e.Attrs["reason"], Text: s.src.Phrasebook.Sentence(e, s.o.Now.Sub(e.Time)),
			Question: e.Question, Time: e.Time, Ago: s.ago(e.Time)}
		if h.Question != "" {
			h.QuestionText = s.name(h.Question, PartHandoff)
		}
		s.sum.Handoff = h
		return
	}
}

// name returns the standard question of entry id, "" if the knowledge
// base is missing or lacks it; a failure is noted under part, once.
func (s *summarizer) name(id, part string) string {
	if s.src.KB == nil {
		return ""
	}
	if q, ok := s.names[id]; ok {
		return q
	}
	f, err := s.src.KB.Get(s.ctx, id)
	if err != nil && !errors.Is(err, kb.ErrNotFound) && !errors.Is(err, kb.ErrEmptyID) {
		if !slices.ContainsFunc(s.sum.Incomplete, func(n PartNote) bool { return n.Part == part && n.Err != nil }) {
			s.note(part, "the knowledge base failed: questions without their text", err)
		}
	}
	if s.names == nil {
		s.names = map[string]string{}
	}
	s.names[id] = f.Question
	return f.Question
}

// threshold is the answer threshold of the summary's searches.
func (s *summarizer) threshold() float64 {
	if s.src.AnswerThreshold != 0 {
		return s.src.AnswerThreshold
	}
	if t, ok := s.src.KB.(interface{ AnswerThreshold() float64 }); ok {
		return t.AnswerThreshold()
	}
	return 0
}

func (s *summarizer) searches(events []recommend.Event) {
	if s.eventsOK && s.src.KB == nil {
		s.note(PartSearches, "no knowledge base: searches without their hits", nil)
	}
	failed := false
	for _, e := range slices.Backward(events) {
		if len(s.sum.Searches) == s.o.Searches {
			break
		}
		if e.Type != recommend.TypeSearch {
			continue
		}
		line := SearchLine{Text: e.Text, Time: e.Time, Ago: s.ago(e.Time), Hits: []SearchHit{},
			LoggedAnswered: e.Attrs["answered"], LoggedTop: e.Attrs["top"]}
		if s.src.KB != nil && !failed {
			hits, err := s.src.KB.Search(s.ctx, kb.Query{Text: e.Text, Limit: s.o.Hits})
			if err != nil {
				// One failure is enough: the next search would fail too.
				failed = true
				s.note(PartSearches, "the knowledge base failed: searches without their hits", err)
			}
			for _, h := range hits[:min(len(hits), s.o.Hits)] {
				line.Hits = append(line.Hits, SearchHit{ID: h.FAQ.ID, Question: h.FAQ.Question, Confidence: h.Confidence})
			}
			line.Answered = len(line.Hits) > 0 && line.Hits[0].Confidence >= s.threshold()
		}
		s.sum.Searches = append(s.sum.Searches, line)
	}
}

func (s *summarizer) shown(events []recommend.Event) {
	byID := map[string]*ShownQuestion{}
	get := func(id string) *ShownQuestion {
		q, ok := byID[id]
		if !ok {
			q = &ShownQuestion{ID: id}
			byID[id] = q
		}
		return q
	}
	// The feedback events: counted, then merged with the store's counts.
	type tally struct{ impressions, clicks int }
	counts := map[string]*tally{}
	for _, e := range events {
		if e.Type != recommend.TypeFeedback || e.Question == "" {
			continue
		}
		q := get(e.Question)
		c := counts[e.Question]
		if c == nil {
			c = &tally{}
			counts[e.Question] = c
		}
		switch recommend.ParseFeedbackKind(e.Attrs["kind"]) {
		case recommend.Impression:
			c.impressions++
		case recommend.Click:
			c.clicks++
		case recommend.Dismiss:
			q.Dismissed = later(q.Dismissed, e.Time)
		case recommend.Resolve:
			q.Resolved = later(q.Resolved, e.Time)
		default:
			continue // an unknown kind is no reaction to count
		}
		q.Last = later(q.Last, e.Time)
	}
	for id, c := range counts {
		q := byID[id]
		q.Impressions, q.Clicks = c.impressions, c.clicks
	}
	switch {
	case s.src.Feedback == nil:
		s.note(PartShown, "no feedback store: from the feedback events alone", nil)
	default:
		fbs, err := s.src.Feedback.UserFeedback(s.ctx, s.sum.User)
		if err != nil {
			s.note(PartShown, "the feedback store failed: from the feedback events alone", err)
		}
		for _, fb := range fbs {
			if fb.Question == "" {
				continue
			}
			q := get(fb.Question)
			q.Impressions = max(q.Impressions, fb.Impressions)
			q.Clicks = max(q.Clicks, fb.Clicks)
			q.Dismissed = later(q.Dismissed, fb.Dismissed)
			q.Resolved = later(q.Resolved, fb.Resolved)
		}
	}
	if !s.eventsOK {
		s.note(PartShown, "no events: from the feedback store alone", nil)
	}
	all := make([]*ShownQuestion, 0, len(byID))
	for _, q := range byID {
		all = append(all, q)
	}
	slices.SortFunc(all, func(a, b *ShownQuestion) int {
		return cmp.Or(b.Last.Compare(a.Last), cmp.Compare(b.Clicks, a.Clicks),
			cmp.Compare(b.Impressions, a.Impressions), strings.Compare(a.ID, b.ID))
	})
	for _, q := range all[:min(len(all), s.o.Shown)] {
		q.Question = s.name(q.ID, PartShown)
		s.sum.Shown = append(s.sum.Shown, *q)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *summarizer) lastRequest(events []recommend.Event) {
	var last *recommend.Event
	for k := len(events) - 1; k >= 0; k-- {
		e := &events[k]
		if (e.Type == recommend.TypeSearch || e.Type == recommend.TypeAsk) && strings.TrimSpace(e.Text) != "" {
			last = e
			break
		}
	}
	if last == nil {
		return
	}
	r := &LastRequest{Type: last.Type, Text: last.Text, Time: last.Time, Ago: s.ago(last.Time),
		Slots: []HandoffSlot{}, Missing: []string{}}
	s.sum.LastRequest = r
	var found []slots.Slot
	if s.src.Slots != nil {
		found = s.src.Slots.Extract(last.Text)
	}
	if s.src.Classifier == nil {
		s.note(PartLastRequest, "no classifier: the request without its intent", nil)
		s.slots(found)
		return
	}
	res, err := s.src.Classifier.Classify(s.ctx, last.Text)
	if err != nil {
		s.note(PartLastRequest, "the classifier failed: the request without its intent", err)
		s.slots(found)
		return
	}
	r.Outcome, r.Intent = res.Outcome.String(), res.Intent
	if len(res.Predictions) > 0 {
		r.Confidence = res.Predictions[0].Confidence
	}
	if !res.Known() || s.src.Routes == nil {
		s.slots(found)
		return
	}
	rs, err := s.src.Routes.Resolve(res.Intent, found)
	if err != nil {
		if errors.Is(err, intent.ErrUnknownIntent) {
			// Recognised, but the routing table has no service for it.
			r.Outcome = "unrouted"
		} else {
			s.note(PartLastRequest, "the routes failed: the request without its service", err)
		}
		s.slots(found)
		return
	}
	r.Service, r.Link = rs.Route.Service, rs.Route.Link
	s.slots(rs.Slots)
	r.Missing = append(r.Missing, rs.Missing...)
}

// slots sets the last request's slots.
func (s *summarizer) slots(found []slots.Slot) {
	r := s.sum.LastRequest
	for _, sl := range found {
		label, ok := s.src.SlotLabels[string(sl.Kind)]
		if !ok {
			label = string(sl.Kind)
		}
		r.Slots = append(r.Slots, HandoffSlot{Kind: string(sl.Kind), Label: label, Text: sl.Text, Value: sl.Value})
	}
}
