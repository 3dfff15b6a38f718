package insight_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/insight"
	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeRec answers every request with sugs and err, and keeps the last request.
type fakeRec struct {
	sugs []recommend.Suggestion
	err  error
	req  recommend.Request
}

func (f *fakeRec) Recommend(_ context.Context, req recommend.Request) ([]recommend.Suggestion, error) {
	f.req = req
	return f.sugs, f.err
}

// fakeEvents holds one user's history, oldest first.
type fakeEvents struct {
	evs   []recommend.Event
	err   error
	limit int
}

func (f *fakeEvents) Recent(_ context.Context, user string, _ time.Time, limit int) ([]recommend.Event, error) {
	f.limit = limit
	if f.err != nil {
		return nil, f.err
	}
	var out []recommend.Event
	for _, e := range f.evs {
		if e.User == user {
			out = append(out, e)
		}
	}
	return out, nil
}

type fakeFeedback struct {
	fbs []recommend.UserFeedback
	err error
}

func (f *fakeFeedback) UserFeedback(context.Context, string) ([]recommend.UserFeedback, error) {
	return f.fbs, f.err
}

// fakeKB knows three entries; a search hits the entries whose question
// shares a word of the text, with the confidence of the entry.
type fakeKB struct {
	err       error
	getErr    error
	threshold float64
}

var fakeFAQs = []struct {
	faq  kb.FAQ
	word string
	conf float64
}{
	{kb.FAQ{ID: "fail", Question: "转账失败是什么原因？"}, "失败", 0.9},
	{kb.FAQ{ID: "refund", Question: "转账失败钱退回哪里？"}, "退回", 0.4},
	{kb.FAQ{ID: "arrive", Question: "转账多久到账？"}, "到账", 0.7},
}

func (f *fakeKB) Search(_ context.Context, q kb.Query) ([]kb.Hit, error) {
	if f.err != nil {
		return nil, f.err
	}
	var hits []kb.Hit
	for _, x := range fakeFAQs {
		if strings.Contains(q.Text, x.word) {
			hits = append(hits, kb.Hit{FAQ: x.faq, Confidence: x.conf})
		}
	}
	slices.SortFunc(hits, func(a, b kb.Hit) int { return -cmpFloat(a.Confidence, b.Confidence) })
	if q.Limit > 0 && len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	return hits, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (f *fakeKB) Get(_ context.Context, id string) (kb.FAQ, error) {
	if f.getErr != nil {
		return kb.FAQ{}, f.getErr
	}
	for _, x := range fakeFAQs {
		if x.faq.ID == id {
			return x.faq, nil
		}
	}
	return kb.FAQ{}, fmt.Errorf("fake: %q: %w", id, kb.ErrNotFound)
}

func (f *fakeKB) AnswerThreshold() float64 { return f.threshold }

// standIn classifies like a trained model would: 到账 is a transfer's
// status, 转账 a transfer, 账单 a bill (which the routes lack).
var standIn = intent.ClassifierFunc(func(_ context.Context, text string) (intent.Result, error) {
	label := ""
	switch {
	case strings.Contains(text, "到账"):
		label = "transfer_status"
	case strings.Contains(text, "转账"):
		label = "transfer"
	case strings.Contains(text, "账单"):
		label = "query_bill"
	default:
		return intent.Result{Outcome: intent.OutOfScope, Predictions: []intent.Prediction{{Label: "other", Confidence: 0.8}}}, nil
	}
	return intent.Result{Intent: label, Outcome: intent.Matched, Predictions: []intent.Prediction{{Label: label, Confidence: 0.9}}}, nil
})

func testRoutes(t *testing.T) *intent.Routes {
	t.Helper()
	rs, err := intent.LoadRoutes(strings.NewReader(
		`{"intent":"transfer","service":"转账","link":"duxin://service/transfer","slots":["amount","card_tail"],"required":["amount"]}
{"intent":"transfer_status","service":"转账进度查询","link":"duxin://service/transfer/status","slots":["card_tail"],"required":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func testSlots(t *testing.T) *slots.Extractor {
	t.Helper()
	ex, err := slots.New(slots.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func hev(ago time.Duration, typ string, attrs map[string]string, question, text string) recommend.Event {
	return recommend.Event{User: "u1", Time: t0.Add(-ago), Type: typ, Attrs: attrs, Question: question, Text: text}
}

// history is u1's: a failed transfer, two searches, feedback events, an
// ask, a hand-off, and an event of another user.
func history() []recommend.Event {
	return []recommend.Event{
		hev(50*time.Minute, "transfer.fail", map[string]string{"channel": "bank_card"}, "", ""),
		hev(40*time.Minute, recommend.TypeSearch, map[string]string{"answered": "false"}, "", "转账账单"),
		hev(30*time.Minute, recommend.TypeFeedback, map[string]string{"kind": "impression"}, "arrive", ""),
		hev(29*time.Minute, recommend.TypeFeedback, map[string]string{"kind": "impression"}, "arrive", ""),
		hev(28*time.Minute, recommend.TypeFeedback, map[string]string{"kind": "click"}, "arrive", ""),
		hev(27*time.Minute, recommend.TypeFeedback, map[string]string{"kind": "dismiss"}, "fail", ""),
		hev(26*time.Minute, recommend.TypeFeedback, map[string]string{"kind": "bogus"}, "refund", ""),
		hev(20*time.Minute, recommend.TypeSearch, map[string]string{"answered": "true", "top": "fail"}, "", "转账失败了，钱退回了吗"),
		hev(10*time.Minute, recommend.TypeAsk, nil, "fail", ""), // no text: not a request
		hev(5*time.Minute, recommend.TypeHandoff, map[string]string{"reason": recommend.ReasonUnanswered}, "", ""),
		hev(time.Minute, recommend.TypeHandoff, map[string]string{"reason": recommend.ReasonRequested}, "fail", ""),
		{User: "u2", Time: t0.Add(-time.Minute), Type: recommend.TypeSearch, Text: "别人的搜索"},
		hev(-time.Minute, recommend.TypeSearch, nil, "", "未来的搜索到账"), // after Now: not read
	}
}

func fullSources(t *testing.T) (insight.HandoffSources, *fakeRec, *fakeEvents) {
	rec := &fakeRec{sugs: []recommend.Suggestion{
		{FAQ: kb.FAQ{ID: "fail", Question: "转账失败是什么原因？", Category: "转账"}, Score: 2,
			Reasons: []recommend.Reason{{Text: "你50分钟前有一笔转账到银行卡失败了"}, {Text: "很多人都在问"}}},
		{FAQ: kb.FAQ{ID: "arrive", Question: "转账多久到账？"}, Score: 1, Reasons: []recommend.Reason{{Text: "常见问题"}}},
	}}
	evs := &fakeEvents{evs: history()}
	return insight.HandoffSources{
		Recommender: rec, Events: evs,
		Feedback: &fakeFeedback{fbs: []recommend.UserFeedback{
			{Question: "arrive", Impressions: 1, Clicks: 3},
			{Question: "refund", Impressions: 4},
			{Question: "fail", Dismissed: t0.Add(-45 * time.Minute), Resolved: t0.Add(-44 * time.Minute)},
		}},
		KB: &fakeKB{threshold: 0.8}, Classifier: standIn, Routes: testRoutes(t), Slots: testSlots(t),
		SlotLabels: map[string]string{"card_tail": "卡号尾号"},
	}, rec, evs
}

// TestHandoffWhole: every part of the summary from every source, on a
// hand-made history.
func TestHandoffWhole(t *testing.T) {
	src, rec, evs := fullSources(t)
	sum, err := insight.Handoff(context.Background(), src, "u1", insight.HandoffOptions{Now: t0, Events: 4, Searches: 5, Hits: 2, Reasons: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rec.req.User != "u1" || rec.req.Limit != 5 || !rec.req.Now.Equal(t0) {
		t.Errorf("recommend request %+v, want u1, 5 suggestions, at Now", rec.req)
	}
	if evs.limit != 200 {
		t.Errorf("read %d events, want the default 200", evs.limit)
	}
	want := &insight.HandoffSummary{
		User: "u1", At: t0,
		Handoff: &insight.HandoffEvent{Reason: "requested", Text: "你1分钟前申请了人工客服（主动要求）",
			Question: "fail", QuestionText: "转账失败是什么原因？", Time: t0.Add(-time.Minute), Ago: "1分钟前"},
		Likely: []insight.LikelyQuestion{
			{ID: "fail", Question: "转账失败是什么原因？", Category: "转账", Score: 2, Reasons: []string{"你50分钟前有一笔转账到银行卡失败了"}},
			{ID: "arrive", Question: "转账多久到账？", Score: 1, Reasons: []string{"常见问题"}},
		},
		// Newest first, feedback events left out, 4 of them; without a
		// phrasebook an ask without text is told neutrally.
		Recent: []insight.EventLine{
			{Type: "handoff", Time: t0.Add(-time.Minute), Ago: "1分钟前", Text: "你1分钟前申请了人工客服（主动要求）", Question: "fail"},
			{Type: "handoff", Time: t0.Add(-5 * time.Minute), Ago: "5分钟前", Text: "你5分钟前申请了人工客服（没有找到答案）"},
			{Type: "ask", Time: t0.Add(-10 * time.Minute), Ago: "10分钟前", Text: "你10分钟前有一次相关操作", Question: "fail"},
			{Type: "search", Time: t0.Add(-20 * time.Minute), Ago: "20分钟前", Text: "你20分钟前搜索了“转账失败了，钱退回了吗”"},
		},
		Searches: []insight.SearchLine{
			{Text: "转账失败了，钱退回了吗", Time: t0.Add(-20 * time.Minute), Ago: "20分钟前", Answered: true,
				Hits:           []insight.SearchHit{{ID: "fail", Question: "转账失败是什么原因？", Confidence: 0.9}, {ID: "refund", Question: "转账失败钱退回哪里？", Confidence: 0.4}},
				LoggedAnswered: "true", LoggedTop: "fail"},
			{Text: "转账账单", Time: t0.Add(-40 * time.Minute), Ago: "40分钟前", Hits: []insight.SearchHit{}, LoggedAnswered: "false"},
		},
		// arrive: 2 impressions from the events beat the store's 1, the
		// store's 3 clicks beat the events' 1; fail: the dismissal of the
		// events is later than the store's, the resolution only the
		// store's; refund: the bogus kind is no reaction.
		Shown: []insight.ShownQuestion{
			{ID: "fail", Question: "转账失败是什么原因？", Dismissed: t0.Add(-27 * time.Minute), Resolved: t0.Add(-44 * time.Minute), Last: t0.Add(-27 * time.Minute)},
			{ID: "arrive", Question: "转账多久到账？", Impressions: 2, Clicks: 3, Last: t0.Add(-28 * time.Minute)},
			{ID: "refund", Question: "转账失败钱退回哪里？", Impressions: 4},
		},
		LastRequest: &insight.LastRequest{Type: "search", Text: "转账失败了，钱退回了吗", Time: t0.Add(-20 * time.Minute), Ago: "20分钟前",
			Outcome: "matched", Intent: "transfer", Confidence: 0.9, Service: "转账", Link: "duxin://service/transfer",
			Slots: []insight.HandoffSlot{}, Missing: []string{"amount"}},
		Incomplete: []insight.PartNote{},
	}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

// TestHandoffLastRequest: the last request's intent, route, slots and
// outcome, for each way it can go.
func TestHandoffLastRequest(t *testing.T) {
	src, _, _ := fullSources(t)
	tests := []struct {
		name string
		last recommend.Event
		src  func(s *insight.HandoffSources)
		want insight.LastRequest
	}{
		{"routed with slots", hev(time.Minute, recommend.TypeAsk, nil, "arrive", "转给尾号6621的钱怎么还没到账"), nil,
			insight.LastRequest{Type: "ask", Outcome: "matched", Intent: "transfer_status", Confidence: 0.9, Service: "转账进度查询",
				Link: "duxin://service/transfer/status", Slots: []insight.HandoffSlot{{Kind: "card_tail", Label: "卡号尾号", Text: "尾号6621", Value: "6621"}}, Missing: []string{}}},
		{"recognised, no route", hev(time.Minute, recommend.TypeSearch, nil, "", "查账单500元"), nil,
			insight.LastRequest{Type: "search", Outcome: "unrouted", Intent: "query_bill", Confidence: 0.9,
				Slots: []insight.HandoffSlot{{Kind: "amount", Label: "amount", Text: "500元", Value: "500"}}, Missing: []string{}}},
		{"out of scope", hev(time.Minute, recommend.TypeSearch, nil, "", "你好"), nil,
			insight.LastRequest{Type: "search", Outcome: "out_of_scope", Confidence: 0.8, Slots: []insight.HandoffSlot{}, Missing: []string{}}},
		{"no routes: every slot", hev(time.Minute, recommend.TypeSearch, nil, "", "转账500元到尾号6621"),
			func(s *insight.HandoffSources) { s.Routes = nil },
			insight.LastRequest{Type: "search", Outcome: "matched", Intent: "transfer", Confidence: 0.9,
				Slots: []insight.HandoffSlot{{Kind: "amount", Label: "amount", Text: "500元", Value: "500"}, {Kind: "card_tail", Label: "卡号尾号", Text: "尾号6621", Value: "6621"}}, Missing: []string{}}},
		{"no slot extractor", hev(time.Minute, recommend.TypeSearch, nil, "", "转账500元"),
			func(s *insight.HandoffSources) { s.Slots = nil },
			insight.LastRequest{Type: "search", Outcome: "matched", Intent: "transfer", Confidence: 0.9, Service: "转账",
				Link: "duxin://service/transfer", Slots: []insight.HandoffSlot{}, Missing: []string{"amount"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := src
			s.Events = &fakeEvents{evs: []recommend.Event{hev(time.Hour, recommend.TypeSearch, nil, "", "更早的搜索"), tc.last}}
			if tc.src != nil {
				tc.src(&s)
			}
			sum, err := insight.Handoff(context.Background(), s, "u1", insight.HandoffOptions{Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.Text, want.Time, want.Ago = tc.last.Text, tc.last.Time, "1分钟前"
			if diff := cmp.Diff(&want, sum.LastRequest); diff != "" {
				t.Errorf("last request (-want +got):\n%s", diff)
			}
		})
	}
}

func parts(notes []insight.PartNote) []string {
	var out []string
	for _, n := range notes {
		out = append(out, n.Part+": "+n.Why)
	}
	return out
}

// TestHandoffMissingSources: with no source at all the summary is empty
// and says why for every part; each source alone fills its parts.
func TestHandoffMissingSources(t *testing.T) {
	sum, err := insight.Handoff(context.Background(), insight.HandoffSources{}, "u1", insight.HandoffOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"likely: no recommender",
		"recent: no event reader", "searches: no event reader", "handoff: no event reader", "last_request: no event reader",
		"shown: no feedback store: from the feedback events alone", "shown: no events: from the feedback store alone",
	}
	if diff := cmp.Diff(want, parts(sum.Incomplete)); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if len(sum.Likely)+len(sum.Recent)+len(sum.Searches)+len(sum.Shown) != 0 || sum.Handoff != nil || sum.LastRequest != nil {
		t.Errorf("summary without sources has content: %+v", sum)
	}
	if sum.Likely == nil || sum.Recent == nil || sum.Searches == nil || sum.Shown == nil {
		t.Errorf("nil lists: %+v", sum)
	}

	// Events alone: the history's parts, searches without hits, the
	// request without its intent.
	sum, err = insight.Handoff(context.Background(), insight.HandoffSources{Events: &fakeEvents{evs: history()}}, "u1", insight.HandoffOptions{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"likely: no recommender",
		"searches: no knowledge base: searches without their hits",
		"shown: no feedback store: from the feedback events alone",
		"last_request: no classifier: the request without its intent",
	}
	if diff := cmp.Diff(want, parts(sum.Incomplete)); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	if len(sum.Searches) != 2 || len(sum.Searches[0].Hits) != 0 || sum.Searches[0].Answered {
		t.Errorf("searches without a knowledge base: %+v", sum.Searches)
	}
	if r := sum.LastRequest; r == nil || r.Text != "转账失败了，钱退回了吗" || r.Outcome != "" || len(r.Slots) != 0 {
		t.Errorf("last request without a classifier: %+v", r)
	}
	if len(sum.Shown) != 3 || sum.Shown[0].Question != "" {
		t.Errorf("shown from events alone, without question texts: %+v", sum.Shown)
	}
	if sum.Handoff == nil || sum.Handoff.QuestionText != "" || sum.Handoff.Question != "fail" {
		t.Errorf("handoff without a knowledge base: %+v", sum.Handoff)
	}
}

// TestHandoffFailingSources: a source that fails degrades its part only,
// and the note keeps its error for the host's log.
func TestHandoffFailingSources(t *testing.T) {
	down := errors.New("store down")
	tests := []struct {
		name  string
		fail  func(s *insight.HandoffSources)
		want  []string
		check func(t *testing.T, sum *insight.HandoffSummary)
	}{
		{"recommender", func(s *insight.HandoffSources) { s.Recommender = &fakeRec{err: down} },
			[]string{"likely: the recommender failed"},
			func(t *testing.T, sum *insight.HandoffSummary) {
				if len(sum.Likely) != 0 || len(sum.Recent) == 0 {
					t.Errorf("likely %v, recent %v", sum.Likely, sum.Recent)
				}
			}},
		{"degraded", func(s *insight.HandoffSources) {
			s.Recommender = &fakeRec{err: fmt.Errorf("%w: %w", recommend.ErrDegraded, down),
				sugs: []recommend.Suggestion{{FAQ: kb.FAQ{ID: "arrive", Question: "转账多久到账？"}, Reasons: []recommend.Reason{{Text: "很多人都在问"}}}}}
		}, []string{"likely: made without the user's history: a store failed"},
			func(t *testing.T, sum *insight.HandoffSummary) {
				if len(sum.Likely) != 1 || sum.Likely[0].Reasons[0] != "很多人都在问" {
					t.Errorf("degraded suggestions not kept: %+v", sum.Likely)
				}
			}},
		{"event store", func(s *insight.HandoffSources) { s.Events = &fakeEvents{err: down} },
			[]string{"recent: the event store failed", "searches: the event store failed", "handoff: the event store failed",
				"last_request: the event store failed", "shown: no events: from the feedback store alone"},
			func(t *testing.T, sum *insight.HandoffSummary) {
				if len(sum.Likely) != 2 || len(sum.Shown) != 3 || sum.Shown[0].ID != "arrive" {
					t.Errorf("likely %v, shown %+v", sum.Likely, sum.Shown)
				}
			}},
		{"feedback store", func(s *insight.HandoffSources) { s.Feedback = &fakeFeedback{err: down} },
			[]string{"shown: the feedback store failed: from the feedback events alone"},
			func(t *testing.T, sum *insight.HandoffSummary) {
				if len(sum.Shown) != 3 || sum.Shown[1].Clicks != 1 {
					t.Errorf("shown from events: %+v", sum.Shown)
				}
			}},
		{"knowledge base search", func(s *insight.HandoffSources) { s.KB = &fakeKB{err: down} },
			[]string{"searches: the knowledge base failed: searches without their hits"},
			func(t *testing.T, sum *insight.HandoffSummary) {
				if len(sum.Searches) != 2 || len(sum.Searches[0].Hits) != 0 {
					t.Errorf("searches: %+v", sum.Searches)
				}
			}},
		{"knowledge base get", func(s *insight.HandoffSources) { s.KB = &fakeKB{getErr: down, threshold: 0.8} },
			[]string{"handoff: the knowledge base failed: questions without their text", "shown: the knowledge base failed: questions without their text"},
			func(t *testing.T, sum *insight.HandoffSummary) {
				if len(sum.Shown) != 3 || sum.Shown[0].Question != "" || !sum.Searches[0].Answered {
					t.Errorf("shown %+v, searches %+v", sum.Shown, sum.Searches)
				}
			}},
		{"classifier", func(s *insight.HandoffSources) {
			s.Classifier = intent.ClassifierFunc(func(context.Context, string) (intent.Result, error) { return intent.Result{}, down })
		}, []string{"last_request: the classifier failed: the request without its intent"},
			func(t *testing.T, sum *insight.HandoffSummary) {
				if r := sum.LastRequest; r == nil || r.Intent != "" || r.Text == "" {
					t.Errorf("last request: %+v", r)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, _, _ := fullSources(t)
			tc.fail(&src)
			sum, err := insight.Handoff(context.Background(), src, "u1", insight.HandoffOptions{Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, parts(sum.Incomplete)); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			for _, n := range sum.Incomplete {
				if strings.Contains(n.Why, "failed") && !errors.Is(n.Err, down) {
					t.Errorf("note %q lost the error: %v", n.Why, n.Err)
				}
			}
			tc.check(t, sum)
		})
	}
}

// TestHandoffBounds: the options bound every list, and an option out of
// range or a bad user is an error naming it.
func TestHandoffBounds(t *testing.T) {
	src, _, _ := fullSources(t)
	sum, err := insight.Handoff(context.Background(), src, "u1",
		insight.HandoffOptions{Now: t0, Events: 1, Searches: 1, Hits: 1, Suggestions: 1, Reasons: 1, Shown: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Recent) != 1 || len(sum.Searches) != 1 || len(sum.Searches[0].Hits) != 1 || len(sum.Likely) != 1 ||
		len(sum.Likely[0].Reasons) != 1 || len(sum.Shown) != 1 {
		t.Errorf("lists over their bounds: %+v", sum)
	}
	// History 3: only the three latest events up to Now are read.
	sum, err = insight.Handoff(context.Background(), src, "u1", insight.HandoffOptions{Now: t0, History: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Recent) != 3 || sum.Recent[2].Type != recommend.TypeAsk || len(sum.Searches) != 0 {
		t.Errorf("history 3: recent %+v, searches %+v", sum.Recent, sum.Searches)
	}

	bad := []struct {
		user string
		opts insight.HandoffOptions
		want string
	}{
		{"", insight.HandoffOptions{}, "user: missing"},
		{"  ", insight.HandoffOptions{}, "user: missing"},
		{strings.Repeat("u", recommend.MaxFieldBytes+1), insight.HandoffOptions{}, "user: 257 bytes, more than the limit of 256"},
		{"u1", insight.HandoffOptions{Events: -1}, "events -1, want 1 to 100"},
		{"u1", insight.HandoffOptions{History: 10001}, "history 10001, want 1 to 10000"},
		{"u1", insight.HandoffOptions{Searches: 51}, "searches 51, want 1 to 50"},
		{"u1", insight.HandoffOptions{Hits: 21}, "hits 21, want 1 to 20"},
		{"u1", insight.HandoffOptions{Suggestions: 51}, "suggestions 51, want 1 to 50"},
		{"u1", insight.HandoffOptions{Reasons: 11}, "reasons 11, want 1 to 10"},
		{"u1", insight.HandoffOptions{Shown: 101}, "shown 101, want 1 to 100"},
	}
	for _, tc := range bad {
		_, err := insight.Handoff(context.Background(), src, tc.user, tc.opts)
		if !errors.Is(err, insight.ErrBadHandoff) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Handoff(%.10q, %+v) = %v, want %q", tc.user, tc.opts, err, tc.want)
		}
	}
}

// TestHandoffCancelled: a summary whose context ended is an error, not a
// summary of failures.
func TestHandoffCancelled(t *testing.T) {
	src, _, _ := fullSources(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := insight.Handoff(ctx, src, "u1", insight.HandoffOptions{Now: t0}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}
