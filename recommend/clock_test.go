package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

var beijing = time.FixedZone("UTC+8", 8*3600)

// festival is the declared period of the clock world.
var festival = recommend.Period{Name: "双十一",
	Start: time.Date(2025, 11, 1, 0, 0, 0, 0, beijing), End: time.Date(2025, 11, 12, 0, 0, 0, 0, beijing)}

// clockWorld is a log whose questions follow the clock in Beijing time and
// nothing else: night-q at night (0–5 h), bill-q on the 9th of the month,
// fest-q during the festival, weekend-q on Saturdays and Sundays, and
// eight others at any time.
func clockWorld(users int, seed uint64) []recommend.Event {
	r := rand.New(rand.NewPCG(seed, 11))
	start := time.Date(2025, 10, 1, 0, 0, 0, 0, beijing)
	span := int64(60 * 24 * time.Hour / time.Second)
	var out []recommend.Event
	for u := range users {
		user := fmt.Sprintf("c%04d", u)
		var evs []recommend.Event
		for range 6 {
			at := start.Add(time.Duration(r.Int64N(span)) * time.Second)
			q := fmt.Sprintf("any-%d", r.IntN(8))
			switch {
			case at.Hour() < 5 && r.Float64() < 0.6:
				q = "night-q"
			case at.Day() == 9 && r.Float64() < 0.6:
				q = "bill-q"
			case !at.Before(festival.Start) && at.Before(festival.End) && r.Float64() < 0.5:
				q = "fest-q"
			case (at.Weekday() == time.Saturday || at.Weekday() == time.Sunday) && r.Float64() < 0.4:
				q = "weekend-q"
			}
			evs = append(evs, recommend.Event{User: user, Time: at, Type: recommend.TypeAsk, Question: q})
		}
		slices.SortFunc(evs, func(a, b recommend.Event) int { return a.Time.Compare(b.Time) })
		out = append(out, evs...)
	}
	return out
}

func clockQuestions() []string {
	qs := []string{"night-q", "bill-q", "fest-q", "weekend-q"}
	for i := range 8 {
		qs = append(qs, fmt.Sprintf("any-%d", i))
	}
	return qs
}

// clockWeights are the weights the clock tests serve with: the need
// model's alone. (In this world of users without histories the fitted
// weights lean on popularity, which says the same as the need model's base
// rates without the clock; the fit is tested elsewhere.)
var clockWeights = recommend.Weights{Trigger: 1, Learned: 1}

// clockModels trains the clock world with and without the clock.
var clockModels = sync.OnceValues(func() ([2]*recommend.Model, error) {
	log := clockWorld(1500, 1)
	var out [2]*recommend.Model
	for i, cal := range []recommend.Calendar{{Periods: []recommend.Period{festival}}, {Off: true}} {
		m, err := recommend.Train(context.Background(), log, nil, recommend.TrainOptions{Seed: 1, Calendar: cal, Weights: &clockWeights})
		if err != nil {
			return out, err
		}
		out[i] = m
	}
	return out, nil
})

var clockLimit = 3

// clockServe returns the suggestions for a user with no history at `at`.
func clockServe(t *testing.T, m *recommend.Model, at time.Time) []recommend.Suggestion {
	t.Helper()
	var faqs []kb.FAQ
	for _, q := range clockQuestions() {
		faqs = append(faqs, kb.FAQ{ID: q, Question: q})
	}
	cat, err := simulate.NewKB(faqs)
	if err != nil {
		t.Fatal(err)
	}
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(cat, store, store, recommend.WithModel(m),
		recommend.WithClock(func() time.Time { return at }), recommend.WithExploration(0, 0), recommend.WithDiversity(0))
	if err != nil {
		t.Fatal(err)
	}
	got, err := eng.Recommend(context.Background(), recommend.Request{User: "new", Limit: clockLimit})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestLearnedClock: the hour, the day of the month, the weekday and a
// declared period each raise their question for a user the model knows
// nothing about, and the reason says which; without the clock the same
// log teaches none of it.
func TestLearnedClock(t *testing.T) {
	ms, err := clockModels()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		at     time.Time
		want   string
		reason string
	}{
		{"night", time.Date(2025, 12, 3, 2, 30, 0, 0, beijing), "night-q", "夜深了，这时候常有人问"},
		{"bill day", time.Date(2025, 12, 9, 14, 0, 0, 0, beijing), "bill-q", "今天是9号"},
		{"festival", time.Date(2025, 11, 5, 14, 0, 0, 0, beijing), "fest-q", "今天是双十一"},
		{"weekend", time.Date(2025, 12, 6, 14, 0, 0, 0, beijing), "weekend-q", "周末常有人问"},
	}
	for _, c := range cases {
		got := clockServe(t, ms[0], c.at)
		if len(got) == 0 || got[0].FAQ.ID != c.want {
			t.Errorf("%s (%s): first is %v, want %s", c.name, c.at.Format(time.DateTime), ids(got), c.want)
			continue
		}
		if rs := got[0].Reasons; len(rs) == 0 || rs[0].Text != c.reason || rs[0].Kind != recommend.ReasonLearned || rs[0].Event != nil {
			t.Errorf("%s: reasons %+v, want %q first", c.name, rs, c.reason)
		}
		if off := clockServe(t, ms[1], c.at); len(off) > 0 && off[0].FAQ.ID == c.want {
			t.Errorf("%s: without the clock %s is first too: the log does not test the clock", c.name, c.want)
		}
	}
	// An ordinary weekday afternoon raises none of them.
	plain := clockServe(t, ms[0], time.Date(2025, 12, 3, 14, 0, 0, 0, beijing))
	if slices.ContainsFunc(plain[:1], func(s recommend.Suggestion) bool { return !strings.HasPrefix(s.FAQ.ID, "any-") }) {
		t.Errorf("an ordinary afternoon serves %v first", ids(plain))
	}
}

// TestCalendarInModelFile: the zone and the periods travel with the model,
// so a replica that reads the file serves what the trainer's model did.
func TestCalendarInModelFile(t *testing.T) {
	ms, err := clockModels()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := ms[0].WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := recommend.ReadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Info().ID != ms[0].Info().ID {
		t.Errorf("read back with ID %s, wrote %s", back.Info().ID, ms[0].Info().ID)
	}
	at := time.Date(2025, 11, 5, 14, 0, 0, 0, beijing)
	if a, b := ids(clockServe(t, ms[0], at)), ids(clockServe(t, back, at)); !slices.Equal(a, b) {
		t.Errorf("read back serves %v, the trained model %v", b, a)
	}
}

// TestCalendarZone: the hours are the calendar's: a log of night asks in
// Beijing is a log of afternoon asks in UTC, and a model trained with UTC
// finds the need in the afternoon (UTC) instead.
func TestCalendarZone(t *testing.T) {
	log := clockWorld(1500, 2)
	m, err := recommend.Train(context.Background(), log, nil, recommend.TrainOptions{Seed: 1, Calendar: recommend.Calendar{Location: time.UTC}, Weights: &clockWeights})
	if err != nil {
		t.Fatal(err)
	}
	// 2:30 in Beijing is 18:30 UTC the day before.
	if got := clockServe(t, m, time.Date(2025, 12, 2, 18, 30, 0, 0, time.UTC)); len(got) == 0 || got[0].FAQ.ID != "night-q" {
		t.Errorf("at 18:30 UTC (2:30 Beijing) the UTC model serves %v first, want night-q", ids(got))
	}
}

func TestReadCalendar(t *testing.T) {
	in := `# festivals
{"name": "双十一", "start": "2025-11-01", "end": "2025-11-12"}

{"name": "直播", "start": "2025-11-10T20:00:00+08:00", "end": "2025-11-10T22:00:00+08:00"}
`
	ps, err := recommend.ReadCalendar(strings.NewReader(in), "cal.jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.Period{
		{Name: "双十一", Start: time.Date(2025, 11, 1, 0, 0, 0, 0, beijing), End: time.Date(2025, 11, 13, 0, 0, 0, 0, beijing)},
		{Name: "直播", Start: time.Date(2025, 11, 10, 20, 0, 0, 0, beijing), End: time.Date(2025, 11, 10, 22, 0, 0, 0, beijing)},
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d periods, want %d", len(ps), len(want))
	}
	for i := range want {
		if ps[i].Name != want[i].Name || !ps[i].Start.Equal(want[i].Start) || !ps[i].End.Equal(want[i].End) {
			t.Errorf("period %d is %v, want %v", i, ps[i], want[i])
		}
	}
	bad := []struct{ in, want string }{
		{`{"name": "a", "start": "2025-11-01"}`, `cal.jsonl:1: field "end": invalid calendar: missing`},
		{"\n" + `{"name": "", "start": "2025-11-01", "end": "2025-11-02"}`, `cal.jsonl:2: field "name": invalid calendar: missing`},
		{`{"name": "a", "start": "2025-11-05", "end": "2025-11-01"}`, `cal.jsonl:1: field "end": invalid calendar: "a" ends`},
		{`{"name": "a", "start": "11/01", "end": "2025-11-01"}`, `cal.jsonl:1: field "start": invalid calendar: "11/01" is neither a day`},
		{`{"name": "a", "begin": "2025-11-01"}`, `cal.jsonl:1: field "begin": invalid calendar: unknown field`},
		{`{"name": 3, "start": "2025-11-01", "end": "2025-11-02"}`, `cal.jsonl:1: field "name": invalid calendar: must be text`},
		{`not json`, "cal.jsonl:1: invalid calendar: not a JSON object"},
		{strings.Repeat("x", 70<<10), "cal.jsonl:1: invalid calendar: line longer than 64 KiB"},
	}
	for _, c := range bad {
		_, err := recommend.ReadCalendar(strings.NewReader(c.in), "cal.jsonl", nil)
		var fe *recommend.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, recommend.ErrInvalidCalendar) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadCalendar(%.40q) = %v, want a field error containing %q", c.in, err, c.want)
		}
	}
}

func TestTrainRejectsBadCalendar(t *testing.T) {
	log := clockWorld(20, 3)
	for _, cal := range []recommend.Calendar{
		{Periods: []recommend.Period{{Name: "x", Start: festival.End, End: festival.Start}}},
		{Periods: []recommend.Period{{Start: festival.Start, End: festival.End}}},
		{Periods: make([]recommend.Period, recommend.MaxPeriods+1)},
	} {
		if _, err := recommend.Train(context.Background(), log, nil, recommend.TrainOptions{Calendar: cal}); !errors.Is(err, recommend.ErrInvalidOption) {
			t.Errorf("Train with calendar of %d periods (first %+v): %v, want an invalid option", len(cal.Periods), cal.Periods[0], err)
		}
	}
}
