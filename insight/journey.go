package insight

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/duxin-ai/duxin/internal/record"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// Defaults and labels of [Journey].
const (
	// DefaultQuiet is how long a user stays quiet before their visit ends.
	DefaultQuiet = 30 * time.Minute
	// DefaultTop is how many questions each top list of a [JourneyReport]
	// holds.
	DefaultTop = 10
	// DefaultMinVisits is the fewest visits a question needs to be ranked
	// by hand-off share, so that one ask handed off is not a 100% share.
	DefaultMinVisits = 20
	// DefaultMaxKeys is how many distinct keys (days, entry pages,
	// questions, intents, hand-off reasons) each breakdown holds; the
	// rest are counted under [JourneyOther].
	DefaultMaxKeys = 10000
	// DefaultMaxOpen is how many visits may be open at once.
	DefaultMaxOpen = 1 << 20
	// JourneyUnknown is the entry page of a visit without a
	// helpcenter.open (or whose open has no "from").
	JourneyUnknown = "unknown"
	// JourneyOther is the key under which a breakdown counts what comes
	// after its first MaxKeys distinct keys.
	JourneyOther = "other"
)

// maxMarks is how many distinct questions and intents one visit
// attributes its outcome to.
const maxMarks = 64

// beijing is the default zone of a day, as recommend's calendar has it.
var beijing = time.FixedZone("UTC+8", 8*3600)

// JourneyOptions configures [Journey]. The zero value of every field is
// its default; a negative number is an error.
type JourneyOptions struct {
	// Quiet is the gap with no event of a user that ends their visit;
	// 0 means DefaultQuiet.
	Quiet time.Duration
	// Location is the time zone of the days of JourneyReport.Days; nil
	// means Beijing time (UTC+8), the default zone of recommend's
	// calendar.
	Location *time.Location
	// Top is how many questions TopByVolume and TopByHandoff hold; 0
	// means DefaultTop.
	Top int
	// MinVisits is the fewest visits a question needs to be in
	// TopByHandoff; 0 means DefaultMinVisits.
	MinVisits int
	// MaxKeys bounds each breakdown (days, pages, questions, intents,
	// hand-off reasons): keys past the first MaxKeys distinct ones are
	// counted under JourneyOther. 0 means DefaultMaxKeys.
	MaxKeys int
	// MaxOpen bounds the visits held open at once, and so the memory
	// Journey takes; a log that needs more is an error. 0 means
	// DefaultMaxOpen.
	MaxOpen int
	// Index, when set, judges the searches whose "answered" attribute is
	// missing: such a search counts as answered when the index's best
	// hit for its text is at least as confident as the index's answer
	// threshold (Index.AnswerThreshold; with an uncalibrated index, when
	// there is a hit at all). Nil leaves them unmeasured.
	Index *kb.Index
}

// JourneyReport is the service journey of a log: how its help-center
// visits ended, overall and broken down, with suggestion click-through,
// the search answered rate and the hand-off reasons. Every rate is a
// pointer, left out of the JSON when its denominator is zero (not
// measured); a measured 0 is kept.
//
// A visit runs from a helpcenter.open to the user's next Quiet (30
// minutes) of quiet: the user's events after the open belong to the visit
// until a gap of at least Quiet with no event of theirs. A second open
// within the visit belongs to it too (a visit opened twice is one visit).
// An ask, search, route or hand-off with no visit open starts a visit of
// its own, with the entry page JourneyUnknown, so a log without opens
// still counts; other events outside a visit (a transfer, a feedback)
// belong to none.
//
// A visit's outcome is handed off if it holds a handoff event; else
// self-served if the user's question was met — a suggestion or search
// result opened (an ask) or a routed service used (a route) — and not
// followed by a hand-off in the visit; else unmet (the user left with
// nothing opened and no hand-off).
type JourneyReport struct {
	// Events is how many events the log held.
	Events int `json:"events"`
	// JourneyCount is the outcome of every visit; its Key is "all".
	JourneyCount
	// Days breaks visits down by the day they started, in
	// JourneyOptions.Location, as "2006-01-02", in date order.
	Days []JourneyCount `json:"days,omitempty"`
	// Pages breaks visits down by entry page: the "from" of the visit's
	// first helpcenter.open, JourneyUnknown for none. Most visits first.
	Pages []JourneyCount `json:"pages,omitempty"`
	// Questions breaks visits down by question: see [JourneyQuestion].
	// Most visits first.
	Questions []JourneyQuestion `json:"questions,omitempty"`
	// Intents breaks down the visits with a route by the route's
	// "intent": the visit counts for an intent as handed off when a
	// hand-off naming no question follows the route in the visit, else
	// as self-served. Most visits first.
	Intents []JourneyCount `json:"intents,omitempty"`
	// TopByVolume are the Top questions with the most visits.
	TopByVolume []JourneyQuestion `json:"top_by_volume,omitempty"`
	// TopByHandoff are the Top questions with the largest hand-off share
	// among those with at least MinVisits visits.
	TopByHandoff []JourneyQuestion `json:"top_by_handoff,omitempty"`
	// Suggestions is the click-through of suggested questions.
	Suggestions SuggestionStats `json:"suggestions"`
	// Search is how many searches were answered.
	Search SearchStats `json:"search"`
	// HandoffReasons counts hand-offs by their "reason".
	HandoffReasons map[string]int `json:"handoff_reasons,omitempty"`
	// Unmeasured names, in words, each figure the log could not measure
	// and why.
	Unmeasured []string `json:"unmeasured,omitempty"`
}

// JourneyCount is the outcome of a set of visits.
//
// SelfServiceRate = SelfServed / (SelfServed + HandedOff): the share of
// the demand that reached an end duxin served without a person (the
// seed's 95.1%); nil when both are 0. UnmetShare = Unmet / Visits: the
// share of all visits that left with nothing; nil without visits.
type JourneyCount struct {
	// Key names the set: a day, an entry page, a question or an intent.
	Key             string   `json:"key"`
	Visits          int      `json:"visits"`
	SelfServed      int      `json:"self_served"`
	HandedOff       int      `json:"handed_off"`
	Unmet           int      `json:"unmet"`
	SelfServiceRate *float64 `json:"self_service_rate,omitempty"`
	UnmetShare      *float64 `json:"unmet_share,omitempty"`
}

// JourneyQuestion is the journey of one question (Key, a knowledge-base
// id). Its visits are those in which it was asked or named by a hand-off
// (the hand-off's question). In such a visit the question was handed off
// when a hand-off naming it, or naming no question, follows its ask (or
// names it without an ask); else it was self-served. A hand-off naming
// another question does not count against it. Unmet is always 0 (a
// question asked was met). A visit attributes its outcome to its first 64
// distinct questions and intents.
//
// HandoffShare = HandedOff / Visits. Impressions and Clicks count the
// feedback events on the question as a suggestion (kind impression and
// click), in visits or not; CTR = Clicks / Impressions, nil without
// impressions.
type JourneyQuestion struct {
	JourneyCount
	HandoffShare *float64 `json:"handoff_share,omitempty"`
	Impressions  int      `json:"impressions"`
	Clicks       int      `json:"clicks"`
	CTR          *float64 `json:"ctr,omitempty"`
}

// SuggestionStats is the click-through of suggested questions (猜你关心),
// from feedback events: Impressions (kind impression) and Clicks (kind
// click); CTR = Clicks / Impressions, nil (unmeasured, not 0) when the log
// has no impression. AsksViaSuggestion counts the asks with
// via=suggestion, which tell that suggestions were shown even in a log
// without feedback.
type SuggestionStats struct {
	Impressions       int      `json:"impressions"`
	Clicks            int      `json:"clicks"`
	CTR               *float64 `json:"ctr,omitempty"`
	AsksViaSuggestion int      `json:"asks_via_suggestion"`
}

// SearchStats is how many searches were answered. A search is measured
// when its "answered" attribute is true or false, or, without it, when
// JourneyOptions.Index judged it (Judged counts those); Unmeasured counts
// the rest. AnsweredRate = Answered / Measured, nil when none was
// measured.
type SearchStats struct {
	Searches     int      `json:"searches"`
	Measured     int      `json:"measured"`
	Answered     int      `json:"answered"`
	AnsweredRate *float64 `json:"answered_rate,omitempty"`
	Unmeasured   int      `json:"unmeasured"`
	Judged       int      `json:"judged,omitempty"`
}

// Journey reads the events of a log once, as a stream, and returns its
// service journey (see [JourneyReport] for the definitions). The log may
// be sorted by time (all users interleaved) or grouped by user (each
// user's events together, in time order): it is read as sorted by time
// until an event is earlier than the one before it, and from there on as
// grouped by user, a user's visit ending when the next event is another
// user's. In a log grouped by user, a user whose events come back after
// other users' starts new visits there (each group is read as a whole
// user). Memory is bounded: only each user's open visit (at most MaxOpen
// at once) and the counts (at most MaxKeys keys per breakdown) are held.
//
// An error the sequence yields ends the reading and is returned as it is
// (a [*recommend.FieldError] from [recommend.ScanEvents] names the file
// and line). An event of a user earlier than that user's event before it
// is an error naming the event by its index in the sequence (1-based);
// [ReadJourney] names its line instead.
func Journey(ctx context.Context, events iter.Seq2[recommend.Event, error], opts JourneyOptions) (*JourneyReport, error) {
	j, err := newJourney(opts)
	if err != nil {
		return nil, err
	}
	n := 0
	for e, err := range events {
		if err != nil {
			return nil, err
		}
		n++
		if err := j.add(ctx, e, func() record.Place { return record.Place{Item: "event " + strconv.Itoa(n)} }); err != nil {
			return nil, err
		}
	}
	return j.report(ctx)
}

// ReadJourney is [Journey] over the JSON Lines log r (see
// [recommend.ReadEvents]); name labels errors, which name the line.
func ReadJourney(ctx context.Context, r io.Reader, name string, opts JourneyOptions) (*JourneyReport, error) {
	j, err := newJourney(opts)
	if err != nil {
		return nil, err
	}
	lr := &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
	for e, err := range recommend.ScanEvents(lr, name) {
		if err != nil {
			return nil, err
		}
		if err := j.add(ctx, e, func() record.Place { return record.Place{File: name, Line: lr.lines} }); err != nil {
			return nil, err
		}
	}
	return j.report(ctx)
}

// lineReader hands out at most one line per Read, so that when the
// decoder above it yields an event, lines is the line it was on.
type lineReader struct {
	r     *bufio.Reader
	rest  []byte // the part of the current line not yet handed out
	last  bool   // rest ends its line (a newline, or the end of the input)
	lines int    // lines handed out whole
}

func (l *lineReader) Read(p []byte) (int, error) {
	if len(l.rest) == 0 {
		b, err := l.r.ReadSlice('\n')
		if len(b) == 0 {
			return 0, err
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, io.EOF) {
			return 0, err
		}
		l.rest, l.last = b, b[len(b)-1] == '\n' || err != nil && !errors.Is(err, bufio.ErrBufferFull)
	}
	n := copy(p, l.rest)
	if n == len(l.rest) && l.last {
		l.lines++
	}
	l.rest = l.rest[n:]
	return n, nil
}

// visit is one user's open visit.
type visit struct {
	user        string
	start, last time.Time
	page        string
	opened      bool
	met         bool
	handedOff   bool
	marks       []mark
}

// mark is a question asked (or named by a hand-off) or an intent routed in
// a visit, and whether a hand-off counts against it.
type mark struct {
	key    string
	intent bool
	handed bool
}

// pending is a time a user's visit was last extended, for closing visits
// in a log sorted by time.
type pending struct {
	user string
	at   time.Time
}

type qcount struct {
	c                   JourneyCount
	impressions, clicks int
}

type journey struct {
	opts JourneyOptions

	open     map[string]*visit
	queue    []pending // sorted logs: in time order, lazily deleted
	head     int
	sorted   bool
	prevUser string
	prevTime time.Time

	events    int
	all       JourneyCount
	days      map[string]*JourneyCount
	pages     map[string]*JourneyCount
	intents   map[string]*JourneyCount
	questions map[string]*qcount
	reasons   map[string]int
	sugg      SuggestionStats
	search    SearchStats
	dayCache  [2]int64 // unix start of the cached day, its end
	dayKey    string
}

func newJourney(o JourneyOptions) (*journey, error) {
	var errs []error
	for _, f := range [...]struct {
		name string
		v    int64
	}{{"Quiet", int64(o.Quiet)}, {"Top", int64(o.Top)}, {"MinVisits", int64(o.MinVisits)}, {"MaxKeys", int64(o.MaxKeys)}, {"MaxOpen", int64(o.MaxOpen)}} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("insight: journey option %s is %d; want 0 (the default) or more", f.name, f.v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	o.Quiet = cmp.Or(o.Quiet, DefaultQuiet)
	o.Location = cmp.Or(o.Location, beijing)
	o.Top = cmp.Or(o.Top, DefaultTop)
	o.MinVisits = cmp.Or(o.MinVisits, DefaultMinVisits)
	o.MaxKeys = cmp.Or(o.MaxKeys, DefaultMaxKeys)
	o.MaxOpen = cmp.Or(o.MaxOpen, DefaultMaxOpen)
	return &journey{
		opts: o, open: map[string]*visit{}, sorted: true,
		all:  JourneyCount{Key: "all"},
		days: map[string]*JourneyCount{}, pages: map[string]*JourneyCount{}, intents: map[string]*JourneyCount{},
		questions: map[string]*qcount{}, reasons: map[string]int{},
	}, nil
}

// startsVisit reports whether an event of type typ outside a visit starts
// one.
func startsVisit(typ string) bool {
	switch typ {
	case recommend.TypeOpen, recommend.TypeAsk, recommend.TypeSearch, recommend.TypeRoute, recommend.TypeHandoff:
		return true
	}
	return false
}

func (j *journey) add(ctx context.Context, e recommend.Event, at func() record.Place) error {
	j.events++
	if j.events%4096 == 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("insight: journey: %w", err)
		}
	}
	if v := j.open[e.User]; v != nil && e.Time.Before(v.last) || e.User == j.prevUser && e.Time.Before(j.prevTime) {
		last := j.prevTime
		if v != nil {
			last = v.last
		}
		return errors.New(record.Message("insight", at(), "time", fmt.Errorf(
			"user %q: %s is before their event at %s; a user's events must be in time order",
			e.User, e.Time.In(j.opts.Location).Format(time.RFC3339), last.In(j.opts.Location).Format(time.RFC3339))))
	}
	if j.sorted && e.Time.Before(j.prevTime) {
		// Not sorted by time: read it as grouped by user from here on.
		j.sorted = false
		j.queue, j.head = nil, 0
		for _, u := range slices.Sorted(maps.Keys(j.open)) {
			if u != e.User {
				j.close(j.open[u])
			}
		}
	}
	if j.sorted {
		for j.head < len(j.queue) && !j.queue[j.head].at.Add(j.opts.Quiet).After(e.Time) {
			p := j.queue[j.head]
			j.queue[j.head] = pending{}
			j.head++
			if v := j.open[p.user]; v != nil && v.last.Equal(p.at) {
				j.close(v)
			}
		}
		if j.head > 1024 && j.head > len(j.queue)/2 {
			j.queue = append(j.queue[:0], j.queue[j.head:]...)
			j.head = 0
		}
	} else if e.User != j.prevUser {
		if v := j.open[j.prevUser]; v != nil {
			j.close(v)
		}
	}
	j.prevUser, j.prevTime = e.User, e.Time

	if e.Type == recommend.TypeFeedback {
		j.feedback(e)
	}
	v := j.open[e.User]
	if v != nil && e.Time.Sub(v.last) >= j.opts.Quiet {
		j.close(v)
		v = nil
	}
	if v == nil {
		if !startsVisit(e.Type) {
			return nil
		}
		if len(j.open) >= j.opts.MaxOpen {
			return errors.New(record.Message("insight", at(), "", fmt.Errorf(
				"more than %d users are in a visit at once; sort the log by time or group it by user", j.opts.MaxOpen)))
		}
		v = &visit{user: e.User, start: e.Time, last: e.Time}
		j.open[e.User] = v
		if j.sorted {
			j.queue = append(j.queue, pending{e.User, e.Time})
		}
	} else if e.Time.After(v.last) {
		v.last = e.Time
		if j.sorted {
			j.queue = append(j.queue, pending{e.User, e.Time})
		}
	}
	switch e.Type {
	case recommend.TypeOpen:
		if !v.opened {
			v.opened, v.page = true, e.Attrs["from"]
		}
	case recommend.TypeAsk:
		v.met = true
		v.mark(e.Question, false)
		if e.Attrs["via"] == "suggestion" {
			j.sugg.AsksViaSuggestion++
		}
	case recommend.TypeRoute:
		v.met = true
		if in := e.Attrs["intent"]; in != "" {
			v.mark(in, true)
		}
	case recommend.TypeHandoff:
		v.handedOff = true
		j.count(j.reasons, e.Attrs["reason"])
		if e.Question != "" {
			if m := v.mark(e.Question, false); m != nil {
				m.handed = true
			}
		} else {
			for i := range v.marks {
				v.marks[i].handed = true
			}
		}
	case recommend.TypeSearch:
		if err := j.searched(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// mark returns the visit's mark of key, adding it if there is room (nil
// when there is none).
func (v *visit) mark(key string, intent bool) *mark {
	for i := range v.marks {
		if v.marks[i].key == key && v.marks[i].intent == intent {
			return &v.marks[i]
		}
	}
	if len(v.marks) == maxMarks {
		return nil
	}
	v.marks = append(v.marks, mark{key: key, intent: intent})
	return &v.marks[len(v.marks)-1]
}

func (j *journey) feedback(e recommend.Event) {
	switch recommend.ParseFeedbackKind(e.Attrs["kind"]) {
	case recommend.Impression:
		j.sugg.Impressions++
		j.question(e.Question).impressions++
	case recommend.Click:
		j.sugg.Clicks++
		j.question(e.Question).clicks++
	}
}

func (j *journey) searched(ctx context.Context, e recommend.Event) error {
	j.search.Searches++
	switch e.Attrs["answered"] {
	case "true":
		j.search.Measured++
		j.search.Answered++
		return nil
	case "false":
		j.search.Measured++
		return nil
	}
	if j.opts.Index == nil {
		j.search.Unmeasured++
		return nil
	}
	hits, err := j.opts.Index.Search(ctx, kb.Query{Text: e.Text, Limit: 1})
	if err != nil {
		return fmt.Errorf("insight: journey: search %q: %w", e.Text, err)
	}
	j.search.Measured++
	j.search.Judged++
	if len(hits) > 0 && hits[0].Confidence >= j.opts.Index.AnswerThreshold() {
		j.search.Answered++
	}
	return nil
}

// key returns k, or JourneyOther when m is full and lacks it.
func key[V any](m map[string]V, k string, max int) string {
	if _, ok := m[k]; ok || len(m) < max {
		return k
	}
	return JourneyOther
}

func (j *journey) count(m map[string]int, k string) {
	m[key(m, k, j.opts.MaxKeys)]++
}

func (j *journey) group(m map[string]*JourneyCount, k string) *JourneyCount {
	k = key(m, k, j.opts.MaxKeys)
	c := m[k]
	if c == nil {
		c = &JourneyCount{Key: k}
		m[k] = c
	}
	return c
}

func (j *journey) question(id string) *qcount {
	id = key(j.questions, id, j.opts.MaxKeys)
	q := j.questions[id]
	if q == nil {
		q = &qcount{c: JourneyCount{Key: id}}
		j.questions[id] = q
	}
	return q
}

// day returns the day of t in the report's zone, caching the last one.
func (j *journey) day(t time.Time) string {
	u := t.Unix()
	if j.dayKey != "" && u >= j.dayCache[0] && u < j.dayCache[1] {
		return j.dayKey
	}
	lt := t.In(j.opts.Location)
	y, m, d := lt.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, j.opts.Location)
	j.dayCache = [2]int64{start.Unix(), start.AddDate(0, 0, 1).Unix()}
	j.dayKey = lt.Format(time.DateOnly)
	return j.dayKey
}

// tally adds one visit of the outcome to c.
func tally(c *JourneyCount, selfServed, handedOff bool) {
	c.Visits++
	switch {
	case handedOff:
		c.HandedOff++
	case selfServed:
		c.SelfServed++
	default:
		c.Unmet++
	}
}

func (j *journey) close(v *visit) {
	delete(j.open, v.user)
	page := v.page
	if page == "" {
		page = JourneyUnknown
	}
	for _, c := range []*JourneyCount{&j.all, j.group(j.days, j.day(v.start)), j.group(j.pages, page)} {
		tally(c, v.met, v.handedOff)
	}
	for _, m := range v.marks {
		if m.intent {
			tally(j.group(j.intents, m.key), true, m.handed)
		} else {
			tally(&j.question(m.key).c, true, m.handed)
		}
	}
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

func (c *JourneyCount) rates() {
	c.SelfServiceRate = ratio(c.SelfServed, c.SelfServed+c.HandedOff)
	c.UnmetShare = ratio(c.Unmet, c.Visits)
}

// counts returns m's counts with their rates, most visits first (ties by
// key), JourneyOther last; byKey orders them by key instead.
func counts(m map[string]*JourneyCount, byKey bool) []JourneyCount {
	out := make([]JourneyCount, 0, len(m))
	for _, c := range m {
		c.rates()
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b JourneyCount) int {
		if (a.Key == JourneyOther) != (b.Key == JourneyOther) {
			if a.Key == JourneyOther {
				return 1
			}
			return -1
		}
		if !byKey {
			if c := cmp.Compare(b.Visits, a.Visits); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out
}

func (j *journey) report(ctx context.Context) (*JourneyReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("insight: journey: %w", err)
	}
	for _, u := range slices.Sorted(maps.Keys(j.open)) {
		j.close(j.open[u])
	}
	r := &JourneyReport{Events: j.events, JourneyCount: j.all, Suggestions: j.sugg, Search: j.search}
	r.rates()
	r.Days = counts(j.days, true)
	r.Pages = counts(j.pages, false)
	r.Intents = counts(j.intents, false)
	for _, q := range j.questions {
		q.c.rates()
		r.Questions = append(r.Questions, JourneyQuestion{
			JourneyCount: q.c, HandoffShare: ratio(q.c.HandedOff, q.c.Visits),
			Impressions: q.impressions, Clicks: q.clicks, CTR: ratio(q.clicks, q.impressions),
		})
	}
	slices.SortFunc(r.Questions, func(a, b JourneyQuestion) int {
		if (a.Key == JourneyOther) != (b.Key == JourneyOther) {
			if a.Key == JourneyOther {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Visits, a.Visits), cmp.Compare(b.Impressions, a.Impressions), cmp.Compare(a.Key, b.Key))
	})
	for _, q := range r.Questions {
		if q.Key != JourneyOther && q.Visits > 0 && len(r.TopByVolume) < j.opts.Top {
			r.TopByVolume = append(r.TopByVolume, q)
		}
	}
	var shares []JourneyQuestion
	for _, q := range r.Questions {
		if q.Key != JourneyOther && q.Visits >= j.opts.MinVisits {
			shares = append(shares, q)
		}
	}
	slices.SortStableFunc(shares, func(a, b JourneyQuestion) int { return cmp.Compare(*b.HandoffShare, *a.HandoffShare) })
	r.TopByHandoff = shares[:min(len(shares), j.opts.Top)]
	if len(j.reasons) > 0 {
		r.HandoffReasons = j.reasons
	}
	r.Suggestions.CTR = ratio(j.sugg.Clicks, j.sugg.Impressions)
	r.Search.AnsweredRate = ratio(j.search.Answered, j.search.Measured)
	if r.SelfServiceRate == nil {
		r.Unmeasured = append(r.Unmeasured, "self-service rate: no visit was self-served or handed off")
	}
	if r.Suggestions.CTR == nil && r.Suggestions.AsksViaSuggestion > 0 {
		r.Unmeasured = append(r.Unmeasured, fmt.Sprintf(
			"suggestion click-through: %d asks came from suggestions but the log has no feedback impressions", r.Suggestions.AsksViaSuggestion))
	}
	if r.Search.Unmeasured > 0 {
		r.Unmeasured = append(r.Unmeasured, fmt.Sprintf(
			`search answered rate: %d of %d searches have no "answered" attribute`, r.Search.Unmeasured, r.Search.Searches))
	}
	return r, nil
}
