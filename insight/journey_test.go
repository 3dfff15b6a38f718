package insight_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/insight"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/tokenize"
)

var cst = time.FixedZone("UTC+8", 8*3600)

// ev builds an event of user at clock ("15:04:05" or "2006-01-02 15:04:05",
// Beijing time, on 2025-03-01 by default) of type typ; each of kv is
// "q=<question>", "text=<text>" or an attribute "name=value".
func ev(user, clock, typ string, kv ...string) recommend.Event {
	layout, s := "2006-01-02 15:04:05", clock
	if len(clock) <= 8 {
		s = "2025-03-01 " + clock
	}
	t, err := time.ParseInLocation(layout, s, cst)
	if err != nil {
		panic(err)
	}
	e := recommend.Event{User: user, Time: t, Type: typ}
	for _, p := range kv {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "q":
			e.Question = v
		case "text":
			e.Text = v
		default:
			if e.Attrs == nil {
				e.Attrs = map[string]string{}
			}
			e.Attrs[k] = v
		}
	}
	return e
}

func run(t *testing.T, opts insight.JourneyOptions, events ...recommend.Event) *insight.JourneyReport {
	t.Helper()
	r, err := insight.Journey(context.Background(), sliceSeq(events), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sliceSeq(events []recommend.Event) func(func(recommend.Event, error) bool) {
	return func(yield func(recommend.Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func f(v float64) *float64 { return &v }

// outcome is the visit counts of a JourneyCount, without its rates.
type outcome struct{ Visits, Self, Handed, Unmet int }

func outcomeOf(c insight.JourneyCount) outcome {
	return outcome{c.Visits, c.SelfServed, c.HandedOff, c.Unmet}
}

func pages(r *insight.JourneyReport) map[string]outcome {
	m := map[string]outcome{}
	for _, c := range r.Pages {
		m[c.Key] = outcomeOf(c)
	}
	return m
}

func questions(r *insight.JourneyReport) map[string]outcome {
	m := map[string]outcome{}
	for _, c := range r.Questions {
		m[c.Key] = outcomeOf(c.JourneyCount)
	}
	return m
}

func TestJourneyVisits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		events    []recommend.Event
		all       outcome
		pages     map[string]outcome
		questions map[string]outcome
		intents   map[string]outcome
		reasons   map[string]int
	}{{
		name: "a visit ends after 30 minutes of quiet",
		events: []recommend.Event{
			ev("u1", "10:00:00", recommend.TypeOpen, "from=huabei"),
			ev("u1", "10:05:00", recommend.TypeAsk, "q=huabei-repay"),
			ev("u1", "10:34:59", "transfer.success"),                      // 29:59 later: still the visit
			ev("u1", "11:04:59", recommend.TypeAsk, "q=transfer-arrival"), // 30:00 later: a visit of its own
		},
		all:       outcome{2, 2, 0, 0},
		pages:     map[string]outcome{"huabei": {1, 1, 0, 0}, "unknown": {1, 1, 0, 0}},
		questions: map[string]outcome{"huabei-repay": {1, 1, 0, 0}, "transfer-arrival": {1, 1, 0, 0}},
	}, {
		name: "a visit opened twice is one visit, entered from its first page",
		events: []recommend.Event{
			ev("u1", "10:00:00", recommend.TypeOpen, "from=home"),
			ev("u1", "10:10:00", recommend.TypeOpen, "from=bill"),
			ev("u1", "10:12:00", recommend.TypeAsk, "q=bill-due"),
		},
		all:       outcome{1, 1, 0, 0},
		pages:     map[string]outcome{"home": {1, 1, 0, 0}},
		questions: map[string]outcome{"bill-due": {1, 1, 0, 0}},
	}, {
		name: "a hand-off after an ask is handed off",
		events: []recommend.Event{
			ev("u1", "10:00:00", recommend.TypeOpen, "from=home"),
			ev("u1", "10:01:00", recommend.TypeAsk, "q=refund-time", "via=suggestion"),
			ev("u1", "10:03:00", recommend.TypeHandoff, "reason=requested"),
		},
		all:       outcome{1, 0, 1, 0},
		pages:     map[string]outcome{"home": {1, 0, 1, 0}},
		questions: map[string]outcome{"refund-time": {1, 0, 1, 0}},
		reasons:   map[string]int{"requested": 1},
	}, {
		name: "a hand-off naming a question counts against it alone",
		events: []recommend.Event{
			ev("u1", "10:00:00", recommend.TypeAsk, "q=a"),
			ev("u1", "10:01:00", recommend.TypeAsk, "q=b"),
			ev("u1", "10:02:00", recommend.TypeHandoff, "reason=unhelpful", "q=b"),
			ev("u2", "10:00:00", recommend.TypeHandoff, "reason=unhelpful", "q=c"),
		},
		all:       outcome{2, 0, 2, 0},
		pages:     map[string]outcome{"unknown": {2, 0, 2, 0}},
		questions: map[string]outcome{"a": {1, 1, 0, 0}, "b": {1, 0, 1, 0}, "c": {1, 0, 1, 0}},
		reasons:   map[string]int{"unhelpful": 2},
	}, {
		name: "a routed service used is self-served",
		events: []recommend.Event{
			ev("u1", "10:00:00", recommend.TypeOpen, "from=transfer"),
			ev("u1", "10:00:30", recommend.TypeRoute, "intent=transfer_query", "service=transfer-records"),
			ev("u2", "10:00:00", recommend.TypeRoute, "intent=card_unbind", "service=cards"),
			ev("u2", "10:01:00", recommend.TypeHandoff, "reason=unanswered"),
		},
		all:     outcome{2, 1, 1, 0},
		pages:   map[string]outcome{"transfer": {1, 1, 0, 0}, "unknown": {1, 0, 1, 0}},
		intents: map[string]outcome{"transfer_query": {1, 1, 0, 0}, "card_unbind": {1, 0, 1, 0}},
		reasons: map[string]int{"unanswered": 1},
	}, {
		name: "a visit with nothing opened and no hand-off is unmet",
		events: []recommend.Event{
			ev("u1", "10:00:00", recommend.TypeOpen, "from=home"),
			ev("u1", "10:00:20", recommend.TypeSearch, "text=数字人民币怎么开通", "answered=false"),
			ev("u1", "10:00:25", recommend.TypeFeedback, "q=a", "kind=impression"),
			ev("u2", "10:00:00", "transfer.fail"), // no visit: not counted
		},
		all:   outcome{1, 0, 0, 1},
		pages: map[string]outcome{"home": {1, 0, 0, 1}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			sorted := slices.Clone(tc.events)
			slices.SortStableFunc(sorted, func(a, b recommend.Event) int { return a.Time.Compare(b.Time) })
			for _, order := range [][]recommend.Event{tc.events, sorted} {
				r := run(t, insight.JourneyOptions{}, order...)
				if diff := cmp.Diff(tc.all, outcomeOf(r.JourneyCount)); diff != "" {
					t.Errorf("all (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.pages, pages(r)); diff != "" {
					t.Errorf("pages (-want +got):\n%s", diff)
				}
				if len(tc.questions) > 0 || len(r.Questions) > 0 {
					got := questions(r)
					for k, o := range got {
						if o.Visits == 0 {
							delete(got, k) // shown only
						}
					}
					if diff := cmp.Diff(tc.questions, got, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("questions (-want +got):\n%s", diff)
					}
				}
				intents := map[string]outcome{}
				for _, c := range r.Intents {
					intents[c.Key] = outcomeOf(c)
				}
				if diff := cmp.Diff(tc.intents, intents, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("intents (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.reasons, r.HandoffReasons, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("reasons (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestJourneyRates(t *testing.T) {
	var events []recommend.Event
	// 3 self-served, 1 handed off, 2 unmet.
	for i, u := range []string{"a", "b", "c"} {
		events = append(events, ev(u, "10:0"+string(rune('0'+i))+":00", recommend.TypeAsk, "q=x"))
	}
	events = append(events,
		ev("d", "10:05:00", recommend.TypeAsk, "q=x"), ev("d", "10:06:00", recommend.TypeHandoff, "reason=requested"),
		ev("e", "10:07:00", recommend.TypeSearch, "text=医保"), ev("f", "10:08:00", recommend.TypeOpen))
	r := run(t, insight.JourneyOptions{}, events...)
	if diff := cmp.Diff(insight.JourneyCount{Key: "all", Visits: 6, SelfServed: 3, HandedOff: 1, Unmet: 2,
		SelfServiceRate: f(0.75), UnmetShare: f(2.0 / 6)}, r.JourneyCount); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	q := r.Questions[0]
	if q.Key != "x" || *q.SelfServiceRate != 0.75 || *q.HandoffShare != 0.25 || q.UnmetShare == nil || *q.UnmetShare != 0 {
		t.Errorf("question x = %+v", q)
	}
	// A log with no visit that ended has no rate, and says so.
	r = run(t, insight.JourneyOptions{}, ev("a", "10:00:00", recommend.TypeOpen))
	if r.SelfServiceRate != nil || r.Unmet != 1 || !strings.Contains(strings.Join(r.Unmeasured, "\n"), "self-service rate") {
		t.Errorf("only unmet: %+v", r)
	}
}

func TestJourneyDays(t *testing.T) {
	events := []recommend.Event{
		ev("a", "2025-03-01 23:59:59", recommend.TypeAsk, "q=x"), // 15:59:59 UTC
		ev("b", "2025-03-02 00:00:00", recommend.TypeAsk, "q=x"), // 16:00:00 UTC
		ev("c", "2025-03-02 00:10:00", recommend.TypeOpen),
	}
	day := func(r *insight.JourneyReport) map[string]outcome {
		m := map[string]outcome{}
		for _, c := range r.Days {
			m[c.Key] = outcomeOf(c)
		}
		return m
	}
	r := run(t, insight.JourneyOptions{}, events...)
	if diff := cmp.Diff(map[string]outcome{"2025-03-01": {1, 1, 0, 0}, "2025-03-02": {2, 1, 0, 1}}, day(r)); diff != "" {
		t.Errorf("Beijing days (-want +got):\n%s", diff)
	}
	if r.Days[0].Key != "2025-03-01" {
		t.Errorf("days out of order: %+v", r.Days)
	}
	r = run(t, insight.JourneyOptions{Location: time.UTC}, events...)
	if diff := cmp.Diff(map[string]outcome{"2025-03-01": {3, 2, 0, 1}}, day(r)); diff != "" {
		t.Errorf("UTC days (-want +got):\n%s", diff)
	}
	// A visit belongs to the day it started on.
	r = run(t, insight.JourneyOptions{},
		ev("a", "2025-03-01 23:50:00", recommend.TypeOpen), ev("a", "2025-03-02 00:05:00", recommend.TypeAsk, "q=x"))
	if diff := cmp.Diff(map[string]outcome{"2025-03-01": {1, 1, 0, 0}}, day(r)); diff != "" {
		t.Errorf("visit over midnight (-want +got):\n%s", diff)
	}
}

func TestJourneySuggestions(t *testing.T) {
	imp := func(u, clock, q string) recommend.Event {
		return ev(u, clock, recommend.TypeFeedback, "q="+q, "kind=impression")
	}
	r := run(t, insight.JourneyOptions{},
		ev("a", "10:00:00", recommend.TypeOpen, "from=home"),
		imp("a", "10:00:00", "x"), imp("a", "10:00:00", "y"), imp("a", "10:00:00", "z"),
		ev("a", "10:00:10", recommend.TypeFeedback, "q=x", "kind=click"),
		ev("a", "10:00:10", recommend.TypeAsk, "q=x", "via=suggestion"),
		imp("b", "10:00:00", "x"),
		ev("b", "10:00:05", recommend.TypeFeedback, "q=y", "kind=dismiss"),
	)
	if diff := cmp.Diff(insight.SuggestionStats{Impressions: 4, Clicks: 1, CTR: f(0.25), AsksViaSuggestion: 1}, r.Suggestions); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	ctr := map[string]*float64{}
	for _, q := range r.Questions {
		ctr[q.Key] = q.CTR
	}
	if diff := cmp.Diff(map[string]*float64{"x": f(0.5), "y": f(0), "z": f(0)}, ctr); diff != "" {
		t.Errorf("per question (-want +got):\n%s", diff)
	}
	if len(r.Unmeasured) != 0 {
		t.Errorf("unmeasured: %q", r.Unmeasured)
	}
	// Asks from suggestions but no feedback: unmeasured, not 0.
	r = run(t, insight.JourneyOptions{}, ev("a", "10:00:10", recommend.TypeAsk, "q=x", "via=suggestion"))
	if r.Suggestions.CTR != nil || r.Questions[0].CTR != nil {
		t.Errorf("CTR without impressions: %+v", r.Suggestions)
	}
	if got := strings.Join(r.Unmeasured, "\n"); !strings.Contains(got, "suggestion click-through: 1 asks came from suggestions") {
		t.Errorf("unmeasured = %q", got)
	}
	// Shown, never clicked: a measured 0, kept in the JSON.
	r = run(t, insight.JourneyOptions{}, imp("a", "10:00:00", "x"))
	b, err := json.Marshal(r.Suggestions)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"impressions":1,"clicks":0,"ctr":0,"asks_via_suggestion":0}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}

func TestJourneySearch(t *testing.T) {
	events := []recommend.Event{
		ev("a", "10:00:00", recommend.TypeSearch, "text=花呗怎么还款", "answered=true", "top=huabei-repay"),
		ev("a", "10:01:00", recommend.TypeSearch, "text=数字人民币", "answered=false"),
		ev("a", "10:02:00", recommend.TypeSearch, "text=花呗还款"),
		ev("a", "10:03:00", recommend.TypeSearch, "text=医保报销"),
	}
	r := run(t, insight.JourneyOptions{}, events...)
	if diff := cmp.Diff(insight.SearchStats{Searches: 4, Measured: 2, Answered: 1, AnsweredRate: f(0.5), Unmeasured: 2}, r.Search); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := strings.Join(r.Unmeasured, "\n"); !strings.Contains(got, `search answered rate: 2 of 4 searches have no "answered" attribute`) {
		t.Errorf("unmeasured = %q", got)
	}
	// With an index, the searches without the attribute are searched again.
	ix, err := kb.New(tokenize.Bigram())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Upsert(context.Background(), kb.FAQ{ID: "huabei-repay", Question: "花呗怎么还款", Answer: "在花呗页面点还款。"}); err != nil {
		t.Fatal(err)
	}
	r = run(t, insight.JourneyOptions{Index: ix}, events...)
	if diff := cmp.Diff(insight.SearchStats{Searches: 4, Measured: 4, Answered: 2, AnsweredRate: f(0.5), Judged: 2}, r.Search); diff != "" {
		t.Errorf("with an index (-want +got):\n%s", diff)
	}
	if strings.Contains(strings.Join(r.Unmeasured, "\n"), "search") {
		t.Errorf("unmeasured with an index: %q", r.Unmeasured)
	}
}

func TestJourneyTop(t *testing.T) {
	var events []recommend.Event
	n := 0
	add := func(q string, visits, handed int) {
		for i := range visits {
			n++
			u := "u" + string(rune('A'+n%26)) + strings.Repeat("x", n/26)
			events = append(events, ev(u, "10:00:00", recommend.TypeAsk, "q="+q))
			if i < handed {
				events = append(events, ev(u, "10:01:00", recommend.TypeHandoff, "reason=requested"))
			}
		}
	}
	add("busy", 30, 3)  // 10%
	add("bad", 5, 5)    // 100%, but only 5 visits
	add("worse", 20, 8) // 40%
	add("calm", 25, 0)
	r := run(t, insight.JourneyOptions{MinVisits: 20, Top: 3}, events...)
	keys := func(qs []insight.JourneyQuestion) []string {
		var out []string
		for _, q := range qs {
			out = append(out, q.Key)
		}
		return out
	}
	if diff := cmp.Diff([]string{"busy", "calm", "worse"}, keys(r.TopByVolume)); diff != "" {
		t.Errorf("by volume (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"worse", "busy", "calm"}, keys(r.TopByHandoff)); diff != "" {
		t.Errorf("by hand-off share (-want +got):\n%s", diff)
	}
	r = run(t, insight.JourneyOptions{MinVisits: 5, Top: 1}, events...)
	if diff := cmp.Diff([]string{"bad"}, keys(r.TopByHandoff)); diff != "" {
		t.Errorf("min 5 visits (-want +got):\n%s", diff)
	}
}

func TestJourneyMaxKeys(t *testing.T) {
	r := run(t, insight.JourneyOptions{MaxKeys: 2},
		ev("a", "10:00:00", recommend.TypeOpen, "from=p1"),
		ev("b", "10:00:00", recommend.TypeOpen, "from=p2"),
		ev("c", "10:00:00", recommend.TypeOpen, "from=p3"),
		ev("d", "10:00:00", recommend.TypeOpen, "from=p4"),
		ev("d", "10:00:01", recommend.TypeHandoff, "reason=r1"),
		ev("c", "10:00:01", recommend.TypeHandoff, "reason=r2"),
		ev("b", "10:00:01", recommend.TypeHandoff, "reason=r3"),
	)
	if diff := cmp.Diff(map[string]outcome{"p1": {1, 0, 0, 1}, "p2": {1, 0, 1, 0}, "other": {2, 0, 2, 0}}, pages(r)); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	if r.Pages[len(r.Pages)-1].Key != insight.JourneyOther {
		t.Errorf("other is not last: %+v", r.Pages)
	}
	if diff := cmp.Diff(map[string]int{"r1": 1, "r2": 1, "other": 1}, r.HandoffReasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}

// A log grouped by user gives the same report as the same log sorted by
// time.
func TestJourneyGroupedByUser(t *testing.T) {
	var sorted []recommend.Event
	for h := range 5 {
		for _, u := range []string{"a", "b", "c"} {
			clock := "1" + string(rune('0'+h)) + ":00:00"
			sorted = append(sorted, ev(u, clock, recommend.TypeOpen, "from=p"+u))
			if u != "c" {
				sorted = append(sorted, ev(u, "1"+string(rune('0'+h))+":10:00", recommend.TypeAsk, "q=q"+u))
			}
			if u == "b" && h%2 == 0 {
				sorted = append(sorted, ev(u, "1"+string(rune('0'+h))+":20:00", recommend.TypeHandoff, "reason=requested"))
			}
		}
	}
	slices.SortStableFunc(sorted, func(a, b recommend.Event) int { return a.Time.Compare(b.Time) })
	grouped := slices.Clone(sorted)
	slices.SortStableFunc(grouped, func(a, b recommend.Event) int { return strings.Compare(b.User, a.User) })
	want := run(t, insight.JourneyOptions{}, sorted...)
	got := run(t, insight.JourneyOptions{}, grouped...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("grouped (-sorted +grouped):\n%s", diff)
	}
	if diff := cmp.Diff(outcome{15, 7, 3, 5}, outcomeOf(got.JourneyCount)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Only each user's open visit is held: with one visit open at a time,
	// the grouped log fits MaxOpen 1; the sorted one does not.
	if _, err := insight.Journey(context.Background(), sliceSeq(grouped), insight.JourneyOptions{MaxOpen: 1}); err != nil {
		t.Errorf("grouped, MaxOpen 1: %v", err)
	}
	_, err := insight.Journey(context.Background(), sliceSeq(sorted), insight.JourneyOptions{MaxOpen: 1})
	if want := "insight: event 2: more than 1 users are in a visit at once; sort the log by time or group it by user"; err == nil || err.Error() != want {
		t.Errorf("sorted, MaxOpen 1: %v, want %s", err, want)
	}
}

func TestJourneyOutOfOrder(t *testing.T) {
	events := []recommend.Event{
		ev("a", "10:00:00", recommend.TypeOpen),
		ev("b", "10:01:00", recommend.TypeOpen),
		ev("a", "10:05:00", recommend.TypeAsk, "q=x"),
		ev("a", "10:04:00", recommend.TypeAsk, "q=y"),
	}
	_, err := insight.Journey(context.Background(), sliceSeq(events), insight.JourneyOptions{})
	want := `insight: event 4: field "time": user "a": 2025-03-01T10:04:00+08:00 is before their event at 2025-03-01T10:05:00+08:00; a user's events must be in time order`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
	// From a file, the error names the line (blank lines count).
	var buf bytes.Buffer
	if err := recommend.WriteEvents(&buf, events[:2]...); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("\n\n")
	if err := recommend.WriteEvents(&buf, events[2:]...); err != nil {
		t.Fatal(err)
	}
	_, err = insight.ReadJourney(context.Background(), &buf, "events.jsonl", insight.JourneyOptions{})
	want = `insight: events.jsonl:6: field "time": user "a": 2025-03-01T10:04:00+08:00 is before their event at 2025-03-01T10:05:00+08:00; a user's events must be in time order`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
	// A bad line is the reader's error, as it is.
	_, err = insight.ReadJourney(context.Background(), strings.NewReader(`{"user":"a","time":1,"type":"ask"}`), "events.jsonl", insight.JourneyOptions{})
	var fe *recommend.FieldError
	if !errors.As(err, &fe) || fe.Line != 1 || fe.Field != "question" {
		t.Errorf("bad line: %v", err)
	}
	// An error the sequence yields ends the reading.
	boom := errors.New("boom")
	_, err = insight.Journey(context.Background(), func(yield func(recommend.Event, error) bool) {
		if yield(events[0], nil) {
			yield(recommend.Event{}, boom)
		}
	}, insight.JourneyOptions{})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}

func TestReadJourneyLines(t *testing.T) {
	// Reading a file gives what reading its events gives, whatever the
	// line lengths (one longer than the reader's buffer) and a last line
	// without a newline.
	events := []recommend.Event{
		ev("a", "10:00:00", recommend.TypeOpen, "from=home"),
		ev("a", "10:00:05", recommend.TypeSearch, "text="+strings.Repeat("花呗", 170), "answered=false"),
		ev("a", "10:01:00", recommend.TypeAsk, "q=x", "via=search"),
	}
	var buf bytes.Buffer
	if err := recommend.WriteEvents(&buf, events...); err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSuffix(buf.String(), "\n")
	got, err := insight.ReadJourney(context.Background(), strings.NewReader(text), "e.jsonl", insight.JourneyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(run(t, insight.JourneyOptions{}, events...), got); diff != "" {
		t.Errorf("(-events +file):\n%s", diff)
	}
	// The last line, without its newline, is named right.
	bad := text + "\n" + `{"user":"a","time":1740794000,"type":"ask","question":"y"}`
	_, err = insight.ReadJourney(context.Background(), strings.NewReader(bad), "e.jsonl", insight.JourneyOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "insight: e.jsonl:4: ") {
		t.Errorf("err = %v", err)
	}
}

func TestJourneyOptionsErrors(t *testing.T) {
	_, err := insight.Journey(context.Background(), sliceSeq(nil), insight.JourneyOptions{Quiet: -1, MaxKeys: -2})
	want := "insight: journey option Quiet is -1; want 0 (the default) or more\ninsight: journey option MaxKeys is -2; want 0 (the default) or more"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := insight.Journey(ctx, sliceSeq(nil), insight.JourneyOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// The JSON form: snake_case fields, an unmeasured rate left out, a
// measured 0 kept.
func TestJourneyJSON(t *testing.T) {
	r := run(t, insight.JourneyOptions{},
		ev("a", "10:00:00", recommend.TypeOpen, "from=home"),
		ev("a", "10:00:05", recommend.TypeAsk, "q=x"),
	)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"events", "visits", "self_served", "handed_off", "unmet", "self_service_rate", "unmet_share", "days", "pages", "questions", "top_by_volume", "suggestions", "search"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	for _, k := range []string{"intents", "handoff_reasons", "top_by_handoff"} {
		if _, ok := m[k]; ok {
			t.Errorf("%q in %s", k, b)
		}
	}
	if m["unmet_share"] != 0.0 || m["self_service_rate"] != 1.0 {
		t.Errorf("rates in %s", b)
	}
	if s := m["search"].(map[string]any); s["answered_rate"] != nil || s["searches"] != 0.0 {
		t.Errorf("search in %s", b)
	}
}
