package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// TestEventLimits: an event over any documented limit is refused with the
// field named.
func TestEventLimits(t *testing.T) {
	many := map[string]string{}
	for i := range recommend.MaxAttrs + 1 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	long := strings.Repeat("长", recommend.MaxFieldBytes) // 3 bytes a rune
	big := map[string]string{}                           // each value within MaxFieldBytes, over MaxAttrsBytes in all
	for i := range recommend.MaxAttrsBytes/recommend.MaxFieldBytes + 1 {
		big[fmt.Sprintf("k%d", i)] = strings.Repeat("v", recommend.MaxFieldBytes)
	}
	ok := recommend.Event{User: "u", Time: now, Type: "transfer.success"}
	for _, tc := range []struct {
		name  string
		edit  func(*recommend.Event)
		field string
	}{
		{"too many attributes", func(e *recommend.Event) { e.Attrs = many }, "attrs"},
		{"attributes too long together", func(e *recommend.Event) { e.Attrs = big }, "attrs"},
		{"long attribute value", func(e *recommend.Event) { e.Attrs = map[string]string{"k": long} }, "attrs"},
		{"long attribute name", func(e *recommend.Event) { e.Attrs = map[string]string{long: "v"} }, "attrs"},
		{"empty attribute name", func(e *recommend.Event) { e.Attrs = map[string]string{"": "v"} }, "attrs"},
		{"invalid UTF-8 attribute", func(e *recommend.Event) { e.Attrs = map[string]string{"k": "\xff"} }, "attrs"},
		{"long user", func(e *recommend.Event) { e.User = long }, "user"},
		{"long type", func(e *recommend.Event) { e.Type = long }, "type"},
		{"long text", func(e *recommend.Event) { e.Text = strings.Repeat("x", recommend.MaxTextBytes+1) }, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := ok
			tc.edit(&e)
			err := e.Validate()
			var fe *recommend.FieldError
			if !errors.Is(err, recommend.ErrInvalidEvent) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("Validate = %v, want ErrInvalidEvent in field %s", err, tc.field)
			}
		})
	}
	e := ok
	e.Text = strings.Repeat("x", recommend.MaxTextBytes)
	e.Attrs = map[string]string{"k": strings.Repeat("v", recommend.MaxFieldBytes)}
	if err := e.Validate(); err != nil {
		t.Errorf("an event at the limits: %v", err)
	}
	e.Attrs = map[string]string{}
	for i := range recommend.MaxAttrs {
		e.Attrs[fmt.Sprintf("k%02d", i)] = strings.Repeat("v", recommend.MaxAttrsBytes/recommend.MaxAttrs-3)
	}
	if err := e.Validate(); err != nil {
		t.Errorf("an event with MaxAttrs attributes in MaxAttrsBytes: %v", err)
	}
}

// TestFutureEventsRefused: an event dated more than the skew after the
// clock would never expire; Record and the memory store refuse it, all or
// none.
func TestFutureEventsRefused(t *testing.T) {
	ctx := context.Background()
	eng, store := newEngine(t)
	good := recommend.Event{User: "u", Time: now.Add(5 * time.Minute), Type: "transfer.success"}
	late := recommend.Event{User: "u", Time: now.Add(time.Hour), Type: "transfer.success"}
	if err := eng.Record(ctx, good, late); !errors.Is(err, recommend.ErrInvalidEvent) {
		t.Errorf("Record of an event an hour ahead: %v", err)
	}
	if got, _ := store.Recent(ctx, "u", time.Time{}, 0); len(got) != 0 {
		t.Errorf("a refused batch stored %d events", len(got))
	}
	if err := store.Append(ctx, late); !errors.Is(err, recommend.ErrInvalidEvent) {
		t.Errorf("Append of an event an hour ahead: %v", err)
	}
	loose, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock, MaxSkew: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := loose.Append(ctx, late); err != nil {
		t.Errorf("MaxSkew -1: %v", err)
	}
}

// TestHugeLimits: a request's limit is bounded by the catalog; the
// history a request reads is bounded.
func TestHugeLimits(t *testing.T) {
	ctx := context.Background()
	eng, _ := newEngine(t)
	for _, limit := range []int{math.MaxInt, 1 << 40, 1e8} {
		got, err := eng.Recommend(ctx, recommend.Request{User: "u", Limit: limit})
		if err != nil || len(got) == 0 || len(got) > 200 {
			t.Errorf("Limit %d: %d suggestions, %v", limit, len(got), err)
		}
	}
	_, store := newEngine(t)
	if _, err := recommend.NewEngine(mustSampleKB(t), store, store, recommend.WithHistory(math.MaxInt, time.Hour)); !errors.Is(err, recommend.ErrInvalidOption) {
		t.Errorf("WithHistory(MaxInt): %v", err)
	}
}

// TestRecordLearnsNothing: recording asks, for known or unknown questions,
// changes neither the model nor its file: what the engine learns is
// bounded by what Train was given.
func TestRecordLearnsNothing(t *testing.T) {
	_, _, m := simulatedModel(t, 50, 4)
	eng, _ := newEngine(t, recommend.WithModel(m))
	var before bytes.Buffer
	if _, err := m.WriteTo(&before); err != nil {
		t.Fatal(err)
	}
	var evs []recommend.Event
	for i := range 5000 {
		evs = append(evs, recommend.Event{User: fmt.Sprintf("u%d", i%50), Time: now.Add(-time.Duration(i) * time.Second),
			Type: recommend.TypeAsk, Question: fmt.Sprintf("no-such-question-%d", i)})
	}
	record(t, eng, evs...)
	var after bytes.Buffer
	if _, err := eng.Model().WriteTo(&after); err != nil {
		t.Fatal(err)
	}
	if eng.Model() != m || !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Errorf("the model changed: %d bytes before, %d after", before.Len(), after.Len())
	}
}

// TestQuestionStatsBounded: the memory store keeps the totals of at most
// MaxQuestions questions, forgetting the least recently updated.
func TestQuestionStatsBounded(t *testing.T) {
	ctx := context.Background()
	s, err := recommend.NewMemoryStore(recommend.MemoryConfig{MaxQuestions: 10, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := s.AddFeedback(ctx, recommend.Feedback{User: "u", Question: fmt.Sprintf("q%02d", i), Kind: recommend.Impression}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.QuestionStats(ctx, []string{"q00", "q09", "q10", "q19"})
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Impressions != 0 || st[1].Impressions != 0 || st[2].Impressions != 1 || st[3].Impressions != 1 {
		t.Errorf("stats %+v, want the 10 most recent questions only", st)
	}
	if _, err := recommend.NewMemoryStore(recommend.MemoryConfig{MaxQuestions: -1}); !errors.Is(err, recommend.ErrInvalidOption) {
		t.Errorf("MaxQuestions -1: %v", err)
	}
	if err := s.AddFeedback(ctx, recommend.Feedback{User: strings.Repeat("u", 300), Question: "q", Kind: recommend.Click}); !errors.Is(err, recommend.ErrInvalidFeedback) {
		t.Errorf("a 300-byte user: %v", err)
	}
}

func mustSampleKB(t *testing.T) *simulate.KB {
	t.Helper()
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestTrainLogWithoutTimeSpan: a log whose users each did everything at
// one instant gives the need model no time observed; training still
// succeeds (the at-ask objective needs none).
func TestTrainLogWithoutTimeSpan(t *testing.T) {
	var evs []recommend.Event
	for u := range 50 {
		for k := range 3 {
			evs = append(evs, recommend.Event{User: fmt.Sprint("u", u), Time: now, Type: recommend.TypeAsk, Question: fmt.Sprint("q", (u+k)%5)})
		}
	}
	m, err := recommend.Train(context.Background(), evs, nil, recommend.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Info().Asks != 150 {
		t.Errorf("model info %+v, want 150 asks", m.Info())
	}
}
