package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/recommend"
)

func TestReadEventsRoundTrip(t *testing.T) {
	in := []recommend.Event{
		{User: "u1", Time: time.Unix(1700000000, 0).UTC(), Type: "transfer.fail", Object: "t1", Attrs: map[string]string{"reason": "risk_control", "channel": "bank_card"}},
		{User: "u1", Time: time.Unix(1700000180, 0).UTC(), Type: recommend.TypeAsk, Question: "transfer-fail-reason"},
		{User: "u2", Time: time.Unix(1700000200, 0).UTC(), Type: recommend.TypeSearch, Text: "电子回单<怎么>开"},
	}
	var buf bytes.Buffer
	if err := recommend.WriteEvents(&buf, in...); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"attrs":{"channel":"bank_card","reason":"risk_control"}`) {
		t.Errorf("attrs not written sorted:\n%s", buf.String())
	}
	got, err := recommend.ReadEvents(&buf, "log.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestReadEventsErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"not json", "{\"user\":\"u\",\"time\":1,\"type\":\"a.b\"}\n\nnope", "recommend: log.jsonl:3: invalid event: invalid character"},
		{"not an object", `["u",1]`, "recommend: log.jsonl:1: invalid event: want a JSON object, got an array"},
		{"missing user", `{"time":1,"type":"bill.view"}`, `recommend: log.jsonl:1: field "user": invalid event: missing`},
		{"missing time", `{"user":"u","type":"bill.view"}`, `recommend: log.jsonl:1: field "time": invalid event: missing`},
		{"bad time", `{"user":"u","time":"noon","type":"bill.view"}`, `recommend: log.jsonl:1: field "time": invalid event: want an integer, got a string`},
		{"fractional time", `{"user":"u","time":1.5,"type":"bill.view"}`, `recommend: log.jsonl:1: field "time": invalid event: want an integer, got 1.5`},
		{"ask without question", `{"user":"u","time":5,"type":"ask"}`, `recommend: log.jsonl:1: field "question": invalid event: missing for an ask`},
		{"search without text", `{"user":"u","time":5,"type":"search"}`, `recommend: log.jsonl:1: field "text": invalid event: missing for a search`},
		{"search with blank text", `{"user":"u","time":5,"type":"search","text":" \u3000\t"}`, `recommend: log.jsonl:1: field "text": invalid event: missing for a search`},
		{"search later in the log", `{"user":"u","time":5,"type":"search","text":"电子回单"}` + "\n" + `{"user":"u","time":6,"type":"search","text":""}`, `recommend: log.jsonl:2: field "text": invalid event: missing for a search`},
		{"handoff without reason", `{"user":"u","time":5,"type":"handoff","attrs":{"reason":" "}}`, `recommend: log.jsonl:1: field "attrs": invalid event: attribute "reason" missing for a handoff`},
		{"feedback without question", `{"user":"u","time":5,"type":"feedback","attrs":{"kind":"click"}}`, `recommend: log.jsonl:1: field "question": invalid event: missing for a feedback`},
		{"feedback of unknown kind", `{"user":"u","time":5,"type":"feedback","question":"q","attrs":{"kind":"like"}}`, `recommend: log.jsonl:1: field "attrs": invalid event: attribute "kind" of a feedback is "like"; want impression, click, dismiss or resolve`},
		{"unknown field", `{"user":"u","time":5,"type":"ask","question":"q","extra":1}`,
			`recommend: log.jsonl:1: field "extra": invalid event: unknown field (want "id", "user", "time", "type", "object", "attrs", "question" or "text")`},
		{"bad attrs", `{"user":"u","time":5,"type":"x","attrs":{"a":1}}`, `recommend: log.jsonl:1: field "attrs": invalid event: want a string, got a number`},
		{"line too long", `{"user":"u","time":5,"type":"x"}` + "\n" + `{"user":"u","time":5,"type":"x","object":"` + strings.Repeat("a", 16<<20) + `"}`,
			"recommend: log.jsonl:2: invalid event: line longer than 16 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recommend.ReadEvents(strings.NewReader(tc.input), "log.jsonl")
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v, want prefix %q", err, tc.want)
			}
			if !errors.Is(err, recommend.ErrInvalidEvent) {
				t.Errorf("error %v does not wrap ErrInvalidEvent", err)
			}
			var fe *recommend.FieldError
			if !errors.As(err, &fe) || fe.File != "log.jsonl" {
				t.Errorf("error %v is not a *FieldError naming the file", err)
			}
		})
	}
}

// FuzzReadEvents: any bytes are a log or an error naming a line, never a
// panic; events read write back to a log that reads the same.
func FuzzReadEvents(f *testing.F) {
	var buf bytes.Buffer
	if err := recommend.WriteEvents(&buf,
		recommend.Event{User: "u1", Time: time.Unix(1.7e9, 0), Type: "transfer.fail", Object: "t9", Attrs: map[string]string{"channel": "bank_card"}},
		recommend.Event{User: "u1", Time: time.Unix(1.7e9+60, 0), Type: recommend.TypeAsk, Question: "q1", Text: "怎么还"},
		recommend.Event{User: "u2", Time: time.Unix(1.7e9+120, 0), Type: recommend.TypeSearch, Text: "电子回单"},
	); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"user":"u","time":-9223372036854775808,"type":"x"}`))
	f.Add([]byte(`{"user":"u","time":1,"type":"ask"}` + "\n\n" + `{"user":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := recommend.ReadEvents(bytes.NewReader(data), "fuzz.jsonl")
		if err != nil {
			var fe *recommend.FieldError
			if errors.As(err, &fe) && (fe.File != "fuzz.jsonl" || fe.Line < 1) {
				t.Fatalf("error %v does not name the file and line", err)
			}
			return
		}
		var out bytes.Buffer
		if err := recommend.WriteEvents(&out, evs...); err != nil {
			t.Fatal(err)
		}
		again, err := recommend.ReadEvents(&out, "again")
		if err != nil {
			t.Fatalf("events read do not read back: %v", err)
		}
		if diff := cmp.Diff(evs, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-read +again):\n%s", diff)
		}
	})
}

func TestFieldErrorForms(t *testing.T) {
	tests := []struct {
		err  *recommend.FieldError
		want string
	}{
		{&recommend.FieldError{File: "log.jsonl", Line: 3, Field: "time", Err: recommend.ErrInvalidEvent}, `recommend: log.jsonl:3: field "time": invalid event`},
		{&recommend.FieldError{Line: 3, Field: "time", Err: recommend.ErrInvalidEvent}, `recommend: line 3: field "time": invalid event`},
		{&recommend.FieldError{Field: "user", Err: recommend.ErrInvalidEvent}, `recommend: field "user": invalid event`},
		{&recommend.FieldError{File: "log.jsonl", Line: 3}, `recommend: log.jsonl:3: invalid record`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

// TestTrainNoAsksSaysSo: the error says "recommend: " once.
func TestTrainNoAsksSaysSo(t *testing.T) {
	events := []recommend.Event{{User: "u", Time: time.Unix(1.7e9, 0), Type: "bill.view"}}
	_, err := recommend.Train(context.Background(), events, nil, recommend.TrainOptions{})
	if !errors.Is(err, recommend.ErrNoEvents) || err.Error() != "recommend: no ask events to train on" {
		t.Errorf("error %q, want ErrNoEvents saying %q", err, recommend.ErrNoEvents)
	}
}

func TestParseFeedbackKind(t *testing.T) {
	for k := recommend.Impression; k <= recommend.Resolve; k++ {
		if got := recommend.ParseFeedbackKind(k.String()); got != k {
			t.Errorf("ParseFeedbackKind(%q) = %v, want %v", k.String(), got, k)
		}
	}
	for _, s := range []string{"", "Click", "like", "FeedbackKind(9)"} {
		if got := recommend.ParseFeedbackKind(s); got != 0 {
			t.Errorf("ParseFeedbackKind(%q) = %v, want 0", s, got)
		}
	}
}
