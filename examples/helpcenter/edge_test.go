package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/internal/redistest"
	"github.com/duxin-ai/duxin/internal/stalltest"
)

// TestStalledBodyIs408: a client that stops sending in the middle of the
// body of one of the demo's own routes gets 408 (its fault), not 503.
func TestStalledBodyIs408(t *testing.T) {
	srv := httptest.NewUnstartedServer(newTestServer(t).handler())
	srv.Config.ReadTimeout = 200 * time.Millisecond // as httpapi.Serve sets one
	srv.Start()
	defer srv.Close()
	resp := stalltest.Post(t, srv.Listener.Addr().String(), "/api/timeline", `{"user":`, 30*time.Second)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", resp.StatusCode)
	}
}

// TestTimelineErrorsSpeakChinese: what the page shows a user for an event
// the form cannot add is Chinese, in the phrasebook's words; the error for
// developers stays English.
func TestTimelineErrorsSpeakChinese(t *testing.T) {
	h := newTestServer(t).handler()
	for _, tc := range []struct{ body, wantErr, wantMessage string }{
		{`{"user":"xiaowang","type":"refund.apply","attrs":{"amount":"lots"}}`, `attribute "amount": want yuan`, "金额（元）：请填写带两位小数的金额，例如 500.00"},
		{`{"user":"xiaowang","type":"transfer.fail","attrs":{"channel":"cash","reason":"risk_control"}}`, "want one of bank_card", "渠道：请从“银行卡”“他人账户”中选择"},
		{`{"user":"xiaowang","type":"transfer.fail","attrs":{"channel":"bank_card"}}`, `needs attribute "reason"`, "“转账失败”需要填写原因"},
		{`{"user":"xiaowang","type":"transfer.exploded"}`, "unknown event type", "没有这种动态，请从列表中选择"},
		{`{"user":"xiaowang"}`, "type: missing", "请选择一种动态"},
	} {
		var e errorBody
		call(t, h, "POST", "/api/timeline", tc.body, http.StatusBadRequest, &e)
		if !strings.Contains(e.Error, tc.wantErr) || e.Message != tc.wantMessage {
			t.Errorf("%s: error %q, message %q; want an error with %q and the message %q", tc.body, e.Error, e.Message, tc.wantErr, tc.wantMessage)
		}
	}
}

// TestRedisKilledIs503: with the replicas' Redis killed, every route that
// writes to it (httpapi's events and feedback, the demo's timeline, open
// and reset) answers 503 with Retry-After and a Chinese sentence for the
// user, never a 500; suggestions are answered degraded.
func TestRedisKilledIs503(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the demo on a redis-server and kills it")
	}
	srv := redistest.Start(t)
	b, err := build(context.Background(), buildConfig{Seed: 1, Users: 300, Now: time.Now, Redis: srv.URL(), Prefix: redistest.Prefix(t, srv.URL())}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := newServer(context.Background(), b, serverConfig{Log: testLogger(t), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := s.handler()
	srv.Kill()
	for _, r := range []struct{ target, body string }{
		{"/api/events", `{"events":[{"user":"xinren","type":"transfer.fail","attrs":{"channel":"bank_card","reason":"risk_control"}}]}`},
		{"/api/feedback", `{"user":"xinren","id":"transfer-fail-reason","kind":"dismiss"}`},
		{"/api/timeline", `{"user":"xinren","type":"transfer.fail","attrs":{"channel":"bank_card","reason":"risk_control"}}`},
		{"/api/open", `{"user":"xinren","id":"transfer-fail-reason"}`},
		{"/api/users/xiaowang/reset", ""},
	} {
		code, hdr, body := do(t, h, "POST", r.target, r.body)
		var e errorBody
		json.Unmarshal(body, &e)
		if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || e.Message != unavailableText {
			t.Errorf("POST %s with Redis killed: %d, Retry-After %q, %s; want 503, Retry-After and %q", r.target, code, hdr.Get("Retry-After"), body, unavailableText)
		}
	}
	var rec struct {
		Suggestions []suggestionView `json:"suggestions"`
		Degraded    string           `json:"degraded"`
	}
	call(t, h, "GET", "/api/recommend?user=xinren", "", http.StatusOK, &rec)
	if rec.Degraded == "" || len(rec.Suggestions) == 0 {
		t.Errorf("suggestions with Redis killed: %+v, want degraded ones", rec)
	}
}
