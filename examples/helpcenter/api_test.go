package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The backend (tokenizer, index, trained models) is built once per test
// binary; every test gets its own server over it, in its own namespace.
var shared struct {
	once sync.Once
	b    *backend
	err  error
	n    int
	mu   sync.Mutex
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.b != nil {
		if err := shared.b.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close backend:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newTestServer returns a fresh server (demo users as scripted) on the shared backend.
func newTestServer(t testing.TB) *server {
	t.Helper()
	shared.once.Do(func() {
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		shared.b, shared.err = build(context.Background(), buildConfig{Seed: 1, Users: 1000, Now: time.Now}, log)
	})
	if shared.err != nil {
		t.Fatalf("build: %v", shared.err)
	}
	shared.mu.Lock()
	shared.n++
	ns := fmt.Sprintf("t%d/", shared.n)
	shared.mu.Unlock()
	s, err := newServer(context.Background(), shared.b, serverConfig{Log: testLogger(t), Now: time.Now, Namespace: ns})
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	return s
}

// do sends one request to h and returns the status, the headers and the body.
func do(t testing.TB, h http.Handler, method, target, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Header(), rec.Body.Bytes()
}

// call sends a request that must succeed with want and decodes the JSON answer into out.
func call(t testing.TB, h http.Handler, method, target, body string, want int, out any) {
	t.Helper()
	code, _, b := do(t, h, method, target, body)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, target, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, target, b, err)
		}
	}
}

// TestAPIRefusesNonJSONBodies: a body sent as anything but
// application/json (a cross-site form posts text/plain or form data) is
// 415; a wrong type is named in JSON terms, not Go's.
func TestAPIRefusesNonJSONBodies(t *testing.T) {
	h := newTestServer(t).handler()
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		req := httptest.NewRequest("POST", "/api/classify", strings.NewReader(`{"text":"我要查账单"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Type %q: status %d, want 415", ct, rec.Code)
		}
	}
	req := httptest.NewRequest("POST", "/api/classify", strings.NewReader(`{"text":"我要查账单"}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("application/json; charset=utf-8: status %d", rec.Code)
	}
	for _, body := range []string{`{"text":42}`, `{"user":1,"type":"card.bind"}`, `["x"]`} {
		_, _, b := do(t, h, "POST", "/api/timeline", body)
		if strings.Contains(string(b), "Go ") || strings.Contains(string(b), "Request") {
			t.Errorf("%s: error names Go types: %s", body, b)
		}
	}
}

// TestAPIUserEventsCapped: a user's event list keeps its newest
// maxUserEvents, so a response does not grow with every event posted.
func TestAPIUserEventsCapped(t *testing.T) {
	h := newTestServer(t).handler()
	for range maxUserEvents + 30 {
		call(t, h, "POST", "/api/timeline", `{"user":"xinren","type":"card.bind","attrs":{"card_type":"debit"}}`, 201, nil)
	}
	var u struct {
		Events []json.RawMessage `json:"events"`
	}
	call(t, h, "GET", "/api/users/xinren", "", 200, &u)
	if len(u.Events) != maxUserEvents {
		t.Errorf("%d events shown, want %d", len(u.Events), maxUserEvents)
	}
}

func TestAPIBadInput(t *testing.T) {
	h := newTestServer(t).handler()
	long := strings.Repeat("转", maxTextRunes+1)
	tests := []struct {
		name, method, target, body string
		want                       int
		wantErr                    string // substring of the error message
	}{
		{"recommend unknown user", "GET", "/api/recommend?user=nobody", "", 404, `unknown user "nobody"`},
		{"recommend missing user", "GET", "/api/recommend", "", 400, "user: missing"},
		{"recommend limit zero", "GET", "/api/recommend?user=xiaowang&limit=0", "", 400, "limit"},
		{"recommend limit too big", "GET", "/api/recommend?user=xiaowang&limit=21", "", 400, "limit"},
		{"recommend limit not a number", "GET", "/api/recommend?user=xiaowang&limit=five", "", 400, "limit"},
		{"recommend wrong method", "POST", "/api/recommend?user=xiaowang", `{}`, 405, "use GET"},
		{"user unknown", "GET", "/api/users/nobody", "", 404, "unknown user"},
		{"users wrong method", "DELETE", "/api/users", "", 405, "method DELETE not allowed"},
		{"reset unknown user", "POST", "/api/users/nobody/reset", "", 404, "unknown user"},
		{"reset wrong method", "GET", "/api/users/xiaowang/reset", "", 405, "use POST"},
		{"search empty", "GET", "/api/search?q=", "", 400, "q: empty"},
		{"search blank", "GET", "/api/search?q=%20%20", "", 400, "q: empty"},
		{"search missing", "GET", "/api/search", "", 400, "q: empty"},
		{"search oversized", "GET", "/api/search?q=" + long, "", 400, "more than the limit"},
		{"search invalid utf-8", "GET", "/api/search?q=%ff%fe", "", 400, "UTF-8"},
		{"search bad limit", "GET", "/api/search?q=x&limit=-1", "", 400, "limit"},
		{"search wrong method", "POST", "/api/search?q=x", "", 405, "use GET"},
		{"classify malformed", "POST", "/api/classify", `{"text":`, 400, "malformed JSON"},
		{"classify not an object", "POST", "/api/classify", `["我要查账单"]`, 400, "malformed JSON"},
		{"classify empty body", "POST", "/api/classify", "", 400, "empty body"},
		{"classify unknown field", "POST", "/api/classify", `{"txt":"我要查账单"}`, 400, "unknown field"},
		{"classify trailing data", "POST", "/api/classify", `{"text":"我要查账单"} {}`, 400, "after the object"},
		{"classify wrong type", "POST", "/api/classify", `{"text":42}`, 400, "malformed JSON"},
		{"classify empty text", "POST", "/api/classify", `{"text":""}`, 400, "text: empty"},
		{"classify blank text", "POST", "/api/classify", `{"text":" \n\t "}`, 400, "text: empty"},
		{"classify oversized text", "POST", "/api/classify", `{"text":"` + long + `"}`, 400, "more than the limit"},
		{"classify oversized body", "POST", "/api/classify", `{"text":"` + strings.Repeat("a", maxBodyBytes) + `"}`, 413, "larger than"},
		{"classify wrong method", "GET", "/api/classify?text=x", "", 405, "use POST"},
		{"event unknown type", "POST", "/api/timeline", `{"user":"xiaowang","type":"transfer.exploded"}`, 400, "unknown event type"},
		{"event missing type", "POST", "/api/timeline", `{"user":"xiaowang"}`, 400, "type: missing"},
		{"event not by hand", "POST", "/api/timeline", `{"user":"xiaowang","type":"ask","attrs":{"query":"x"}}`, 400, "cannot be added by hand"},
		{"event unknown attribute", "POST", "/api/timeline", `{"user":"xiaowang","type":"card.bind","attrs":{"card_type":"debit","color":"red"}}`, 400, `no attribute "color"`},
		{"event bad value", "POST", "/api/timeline", `{"user":"xiaowang","type":"transfer.fail","attrs":{"channel":"cash","reason":"risk_control"}}`, 400, "want one of bank_card, alipay_account"},
		{"event bad amount", "POST", "/api/timeline", `{"user":"xiaowang","type":"refund.apply","attrs":{"amount":"lots"}}`, 400, `attribute "amount"`},
		{"event missing attribute", "POST", "/api/timeline", `{"user":"xiaowang","type":"transfer.fail","attrs":{"channel":"bank_card"}}`, 400, `needs attribute "reason"`},
		{"event attrs not strings", "POST", "/api/timeline", `{"user":"xiaowang","type":"card.bind","attrs":{"card_type":1}}`, 400, "malformed JSON"},
		{"event unknown user", "POST", "/api/timeline", `{"user":"nobody","type":"card.bind","attrs":{"card_type":"debit"}}`, 404, "unknown user"},
		{"event missing user", "POST", "/api/timeline", `{"type":"card.bind","attrs":{"card_type":"debit"}}`, 400, "user: missing"},
		{"events wrong method", "GET", "/api/timeline", "", 405, "use POST"},
		{"open unknown question", "POST", "/api/open", `{"user":"xiaowang","id":"no-such-faq"}`, 404, "unknown question"},
		{"open unknown user", "POST", "/api/open", `{"user":"nobody","id":"transfer-bank-arrival-time"}`, 404, "unknown user"},
		{"open missing id", "POST", "/api/open", `{"user":"xiaowang"}`, 400, "id: missing"},
		{"open with kind", "POST", "/api/open", `{"user":"xiaowang","id":"transfer-bank-arrival-time","kind":"dismiss"}`, 400, "kind"},
		{"feedback bad kind", "POST", "/api/feedback", `{"user":"xiaowang","id":"transfer-bank-arrival-time","kind":"love"}`, 400, `want "dismiss", "resolve"`},
		{"feedback missing kind", "POST", "/api/feedback", `{"user":"xiaowang","id":"transfer-bank-arrival-time"}`, 400, "kind"},
		{"feedback unknown question", "POST", "/api/feedback", `{"user":"xiaowang","id":"no-such-faq","kind":"dismiss"}`, 404, "unknown question"},
		{"feedback unknown user", "POST", "/api/feedback", `{"user":"nobody","id":"transfer-bank-arrival-time","kind":"dismiss"}`, 404, "unknown user"},
		{"feedback malformed", "POST", "/api/feedback", `user=xiaowang`, 400, "malformed JSON"},
		{"unknown endpoint", "GET", "/api/nope", "", 404, "no such endpoint"},
		{"classify invalid utf-8 body", "POST", "/api/classify", "{\"text\":\"\xff\xfe\"}", 400, "not valid UTF-8"},
		{"classify oversized non-JSON body", "POST", "/api/classify", strings.Repeat("x", 10<<20), 413, "larger than"},
		{"search malformed query", "GET", "/api/search?q=%zz", "", 400, "malformed query string"},
		{"recommend malformed query", "GET", "/api/recommend?user=%zz", "", 400, "malformed query string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr, body := do(t, h, tt.method, tt.target, tt.body)
			if code != tt.want {
				t.Errorf("status %d, want %d; body %s", code, tt.want, body)
			}
			if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			var e errorBody
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if !strings.Contains(e.Error, tt.wantErr) {
				t.Errorf("error %q does not contain %q", e.Error, tt.wantErr)
			}
			if code == 405 && hdr.Get("Allow") == "" {
				t.Errorf("405 without an Allow header")
			}
		})
	}
}

// TestAPINoServerErrors throws odd bodies at every endpoint: whatever a
// client sends, the answer is never a 5xx.
func TestAPINoServerErrors(t *testing.T) {
	h := newTestServer(t).handler()
	bodies := []string{
		"", "null", "0", `""`, "[]", "{}", "{", "}", `{"user":null}`, `{"user":"xiaowang","id":null}`,
		`{"user":"xiaowang","type":"transfer.success","attrs":null}`, `{"text":"\u0000"}`, `{"text":"\ud800"}`,
		"\xff\xfe", `{"user":"xiaowang","id":"../../etc/passwd","kind":"dismiss"}`, `{"text":"` + strings.Repeat("😀", 150) + `"}`,
		`{"user":"xiaowang","type":"huabei.overdue","attrs":{"days":"99999999999"}}`, `{"user":"xiaowang","type":"search","attrs":{"query":"x"}}`,
	}
	targets := []string{"/api/classify", "/api/timeline", "/api/open", "/api/feedback", "/api/users/xiaowang/reset", "/api/recommend", "/api/search", "/api/users"}
	for _, target := range targets {
		for _, method := range []string{"GET", "POST", "PUT"} {
			for _, body := range bodies {
				code, _, resp := do(t, h, method, target, body)
				if code >= 500 {
					t.Errorf("%s %s %q: status %d: %s", method, target, body, code, resp)
				}
			}
		}
	}
	for _, q := range []string{"\x00", "\xe8\xbd", "<script>", "*", "\"", "AND OR NOT", "+-~", "转账^2", "a:b"} {
		code, _, resp := do(t, h, "GET", "/api/search?q="+url.QueryEscape(q), "")
		if code >= 500 {
			t.Errorf("search %q: status %d: %s", q, code, resp)
		}
	}
}

type usersResp struct {
	Users []userView `json:"users"`
}

type recResp struct {
	User        string           `json:"user"`
	Suggestions []suggestionView `json:"suggestions"`
}

func ids(sugs []suggestionView) []string {
	var out []string
	for _, s := range sugs {
		out = append(out, s.ID)
	}
	return out
}

func TestAPIUsers(t *testing.T) {
	h := newTestServer(t).handler()
	var got usersResp
	call(t, h, "GET", "/api/users", "", 200, &got)
	var names []string
	for _, u := range got.Users {
		names = append(names, u.ID)
	}
	if want := []string{"xiaowang", "lijie", "azhang", "xinren"}; !slices.Equal(names, want) {
		t.Fatalf("users %v, want %v", names, want)
	}
	if len(got.Users[0].Events) == 0 || !strings.Contains(got.Users[0].Events[0].Phrase, "转账到银行卡") {
		t.Errorf("xiaowang's newest event = %+v, want the transfer to a bank card", got.Users[0].Events)
	}
	if n := len(got.Users[3].Events); n != 0 {
		t.Errorf("the new user has %d events, want none", n)
	}
}

func TestAPIRecommendReasonsFollowTheTrajectory(t *testing.T) {
	h := newTestServer(t).handler()
	tests := []struct {
		user, reason string // a reason of the top suggestion must contain this
	}{
		{"xiaowang", "转账到银行卡"},
		{"lijie", "退款"},
		{"azhang", "花呗"},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			var got recResp
			call(t, h, "GET", "/api/recommend?user="+tt.user, "", 200, &got)
			if len(got.Suggestions) == 0 {
				t.Fatal("no suggestions")
			}
			if r := strings.Join(got.Suggestions[0].Reasons, "；"); !strings.Contains(r, tt.reason) {
				t.Errorf("top suggestion %q has reasons %q, want one about %q", got.Suggestions[0].Question, r, tt.reason)
			}
		})
	}
	t.Run("new user", func(t *testing.T) {
		var got recResp
		call(t, h, "GET", "/api/recommend?user=xinren&limit=3", "", 200, &got)
		if len(got.Suggestions) != 3 {
			t.Fatalf("cold start gave %d suggestions, want 3", len(got.Suggestions))
		}
	})
}

func TestAPIFeedbackChangesTheList(t *testing.T) {
	h := newTestServer(t).handler()
	for _, kind := range []string{"dismiss", "resolve"} {
		t.Run(kind, func(t *testing.T) {
			var before, after recResp
			call(t, h, "GET", "/api/recommend?user=xiaowang", "", 200, &before)
			if len(before.Suggestions) == 0 {
				t.Fatal("no suggestions")
			}
			top := before.Suggestions[0].ID
			call(t, h, "POST", "/api/feedback", fmt.Sprintf(`{"user":"xiaowang","id":%q,"kind":%q}`, top, kind), 200, nil)
			call(t, h, "GET", "/api/recommend?user=xiaowang", "", 200, &after)
			if slices.Contains(ids(after.Suggestions), top) {
				t.Errorf("after %s of %s the list is still %v", kind, top, ids(after.Suggestions))
			}
		})
	}
	t.Run("reset", func(t *testing.T) {
		var got recResp
		call(t, h, "POST", "/api/users/xiaowang/reset", "", 200, nil)
		call(t, h, "GET", "/api/recommend?user=xiaowang", "", 200, &got)
		if len(got.Suggestions) == 0 {
			t.Fatal("no suggestions after reset")
		}
	})
}

func TestAPIEventChangesTheList(t *testing.T) {
	h := newTestServer(t).handler()
	var before, after recResp
	call(t, h, "GET", "/api/recommend?user=xinren", "", 200, &before)
	var u userView
	call(t, h, "POST", "/api/timeline", `{"user":"xinren","type":"transfer.fail","attrs":{"channel":"bank_card","amount":"800.00","reason":"card_invalid"}}`, 201, &u)
	if len(u.Events) != 1 || u.Events[0].Phrase != "有一笔转账到银行卡失败了（银行卡状态异常）" || u.Events[0].Ago != "刚刚" {
		t.Errorf("timeline after the event: %+v", u.Events)
	}
	call(t, h, "GET", "/api/recommend?user=xinren", "", 200, &after)
	if slices.Equal(ids(before.Suggestions), ids(after.Suggestions)) {
		t.Errorf("a failed transfer did not change the list %v", ids(after.Suggestions))
	}
	if len(after.Suggestions) == 0 || !strings.Contains(strings.Join(after.Suggestions[0].Reasons, ""), "失败") {
		t.Errorf("top suggestion after a failed transfer: %+v", after.Suggestions)
	}
}

func TestAPIOpenCountsAsAsk(t *testing.T) {
	h := newTestServer(t).handler()
	var got struct {
		FAQ  faqView  `json:"faq"`
		User userView `json:"user"`
	}
	call(t, h, "POST", "/api/open", `{"user":"azhang","id":"transfer-bank-arrival-time"}`, 200, &got)
	if got.FAQ.Answer == "" || got.FAQ.Question != "转账到银行卡多久到账？" {
		t.Errorf("opened %+v", got.FAQ)
	}
	if e := got.User.Events[0]; e.Type != "ask" || e.Question != "transfer-bank-arrival-time" || !strings.Contains(e.Phrase, "转账到银行卡多久到账") {
		t.Errorf("newest event after opening = %+v, want the ask", e)
	}
}

func TestAPISearchHighlights(t *testing.T) {
	h := newTestServer(t).handler()
	var got struct {
		Query string    `json:"query"`
		Hits  []hitView `json:"hits"`
	}
	call(t, h, "GET", "/api/search?q=%E8%BD%AC%E8%B4%A6%E5%A4%9A%E4%B9%85%E5%88%B0%E8%B4%A6&limit=3", "", 200, &got) // 转账多久到账
	if got.Query != "转账多久到账" || len(got.Hits) == 0 || len(got.Hits) > 3 {
		t.Fatalf("search: %+v", got)
	}
	if !strings.Contains(got.Hits[0].Fragment, "<mark>") {
		t.Errorf("top hit fragment %q has no <mark>", got.Hits[0].Fragment)
	}
	var esc struct {
		Hits []hitView `json:"hits"`
	}
	call(t, h, "GET", "/api/search?q=%3Cb%3E%E8%BD%AC%E8%B4%A6", "", 200, &esc) // <b>转账
	for _, hit := range esc.Hits {
		if strings.Contains(hit.Fragment, "<b>") {
			t.Errorf("fragment %q lets markup through", hit.Fragment)
		}
	}
}

func TestAPIClassify(t *testing.T) {
	h := newTestServer(t).handler()
	tests := []struct {
		text, outcome, service string
		slot                   string // a slot kind that must be extracted
	}{
		{"我要查账单", "matched", "账单查询", ""},
		{"帮我转500元到尾号6621的卡", "matched", "转账", "amount"},
		{"今天天气怎么样", "", "", ""}, // anything but matched
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var c classification
			call(t, h, "POST", "/api/classify", fmt.Sprintf(`{"text":%q}`, tt.text), 200, &c)
			if tt.outcome == "" {
				if c.Outcome == "matched" || c.Service != nil {
					t.Errorf("%q understood as %+v, want not understood", tt.text, c)
				}
				if c.Related == nil {
					t.Errorf("no related questions offered")
				}
				return
			}
			if c.Outcome != tt.outcome || c.Service == nil || c.Service.Name != tt.service {
				t.Fatalf("%q: %+v, want %s to %s", tt.text, c, tt.outcome, tt.service)
			}
			if tt.slot != "" && !slices.ContainsFunc(c.Slots, func(s slotView) bool { return s.Kind == tt.slot }) {
				t.Errorf("%q: slots %+v, want a %s", tt.text, c.Slots, tt.slot)
			}
		})
	}
}

func TestStaticPage(t *testing.T) {
	h := newTestServer(t).handler()
	for _, path := range []string{"/", "/app.js", "/app.css"} {
		code, _, body := do(t, h, "GET", path, "")
		if code != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", path, code, len(body))
		}
		if strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") {
			t.Errorf("%s refers to an external URL: the page must work offline", path)
		}
	}
	if code, _, _ := do(t, h, "POST", "/", ""); code != 405 {
		t.Errorf("POST /: %d, want 405", code)
	}
}

func TestMetricsAndStatus(t *testing.T) {
	h := newTestServer(t).handler()
	call(t, h, "GET", "/api/recommend?user=xiaowang", "", 200, nil)
	code, _, body := do(t, h, "GET", "/metrics", "")
	if code != 200 {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, want := range []string{`duxin_recommend_call_seconds_count{op="recommend"}`, `duxin_served_version_info{kind="recommend"`,
		`duxin_recommend_suggestions_total{source=`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var st statusView
	call(t, h, "GET", "/api/status", "", 200, &st)
	if st.Store != "memory" || st.KBEntries == 0 || st.Models["recommend"] == "" {
		t.Errorf("status %+v", st)
	}
	// A KB edit is searchable at once and then gone after its delete.
	call(t, h, "POST", "/api/kb", `{"id":"demo-added","question":"新增的测试问题怎么用"}`, 200, nil)
	var hits struct {
		Hits []hitView `json:"hits"`
	}
	call(t, h, "GET", "/api/search?q="+url.QueryEscape("新增的测试问题怎么用"), "", 200, &hits)
	if len(hits.Hits) == 0 || hits.Hits[0].ID != "demo-added" {
		t.Errorf("search after POST /api/kb: %+v", hits.Hits)
	}
	call(t, h, "DELETE", "/api/kb/demo-added", "", 200, nil)
	call(t, h, "DELETE", "/api/kb/demo-added", "", 404, nil)
	call(t, h, "POST", "/api/kb", `{"id":"","question":"x"}`, 400, nil)
}

// TestSearchHandsOffWhenNothingAnswers: a question the knowledge base
// cannot answer gets the hand-over sentence; one it answers does not.
func TestSearchHandsOffWhenNothingAnswers(t *testing.T) {
	h := newTestServer(t).handler()
	type result struct {
		Hits     []hitView `json:"hits"`
		Answered bool      `json:"answered"`
		Handoff  string    `json:"handoff"`
	}
	var got result
	call(t, h, "GET", "/api/search?q="+url.QueryEscape("转账到银行卡多久到账"), "", 200, &got)
	if !got.Answered || got.Handoff != "" || len(got.Hits) == 0 || got.Hits[0].Confidence <= 0 {
		t.Errorf("an answerable question: %+v", got)
	}
	for _, q := range []string{"今天天气怎么样", "帮我订一张机票"} {
		got = result{}
		call(t, h, "GET", "/api/search?q="+url.QueryEscape(q), "", 200, &got)
		if got.Answered || got.Handoff != "没有找到相关问题，为你转接人工客服" {
			t.Errorf("%s: %+v, want the hand-over", q, got)
		}
	}
}

// TestAPIIsDuxinsHTTPAPI: the library's routes are httpapi's, mounted
// under /api/ (its OpenAPI document says so), answering for the demo's
// users and versions; the demo's own routes keep theirs.
func TestAPIIsDuxinsHTTPAPI(t *testing.T) {
	h := newTestServer(t).handler()
	var doc struct {
		Servers []struct{ URL string } `json:"servers"`
		Paths   map[string]any         `json:"paths"`
	}
	call(t, h, "GET", "/api/openapi.json", "", 200, &doc)
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api" {
		t.Errorf("servers %+v, want /api", doc.Servers)
	}
	for _, p := range []string{"/search", "/classify", "/recommend", "/feedback", "/kb", "/kb/{id}", "/versions"} {
		if doc.Paths[p] == nil {
			t.Errorf("the API lacks %s", p)
		}
	}
	var vs map[string]string
	call(t, h, "GET", "/api/versions", "", 200, &vs)
	if vs["kb"] == "" || vs["recommend"] == "" {
		t.Errorf("versions %v", vs)
	}
	var f struct {
		Question string `json:"question"`
	}
	call(t, h, "GET", "/api/kb/transfer-bank-arrival-time", "", 200, &f)
	if f.Question != "转账到银行卡多久到账？" {
		t.Errorf("GET /api/kb/transfer-bank-arrival-time: %+v", f)
	}
	// Feedback from a demo user reaches the engine under the user's key.
	call(t, h, "POST", "/api/feedback", `{"user":"lijie","id":"transfer-bank-arrival-time","kind":"click"}`, 200, nil)
}
