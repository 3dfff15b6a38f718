package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
)

// The sample knowledge base is indexed once per test binary (pure-Go
// tokenizer: this package needs no cgo); the classifier is a stand-in that
// knows three utterances, so the tests are about the handler, not the model.
var shared struct {
	once sync.Once
	ix   *kb.Index
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.ix != nil {
		shared.ix.Close()
	}
	os.Exit(code)
}

func sampleIndex(t testing.TB) *kb.Index {
	t.Helper()
	shared.once.Do(func() {
		faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
		if err != nil {
			shared.err = err
			return
		}
		if shared.ix, shared.err = kb.New(tokenize.Bigram()); shared.err == nil {
			shared.err = shared.ix.Reload(context.Background(), faqs)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.ix
}

// standIn classifies three utterances the way a trained model would.
var standIn = intent.ClassifierFunc(func(ctx context.Context, text string) (intent.Result, error) {
	if err := ctx.Err(); err != nil {
		return intent.Result{}, err
	}
	switch {
	case strings.Contains(text, "账单"):
		return intent.Result{Intent: "query_bill", Outcome: intent.Matched, Predictions: []intent.Prediction{{Label: "query_bill", Confidence: 0.9}}}, nil
	case strings.Contains(text, "转"):
		return intent.Result{Intent: "transfer", Outcome: intent.Matched, Predictions: []intent.Prediction{{Label: "transfer", Confidence: 0.8}}}, nil
	case strings.Contains(text, "无路由"):
		return intent.Result{Intent: "no_route", Outcome: intent.Matched, Predictions: []intent.Prediction{{Label: "no_route", Confidence: 0.8}}}, nil
	}
	return intent.Result{Outcome: intent.OutOfScope, Predictions: []intent.Prediction{{Label: "oos", Confidence: 0.7}}}, nil
})

// newFull returns a handler with every service, over a writable copy of
// nothing: edits go to the shared index, so tests use their own ids.
func newFull(t testing.TB, opts ...httpapi.Option) *httpapi.Handler {
	t.Helper()
	ix := sampleIndex(t)
	routes, err := intent.LoadRoutes(bytes.NewReader(sampledata.RoutesJSONL()))
	if err != nil {
		t.Fatal(err)
	}
	extractor, err := slots.New()
	if err != nil {
		t.Fatal(err)
	}
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(ix, store, store)
	if err != nil {
		t.Fatal(err)
	}
	users := func(ctx context.Context, id string) (string, error) {
		if id == "nobody" {
			return "", &httpapi.Error{Status: http.StatusNotFound, Message: fmt.Sprintf("unknown user %q", id)}
		}
		return "t/" + id, nil
	}
	h, err := httpapi.New(ix, append([]httpapi.Option{httpapi.WithWriter(ix), httpapi.WithClassifier(standIn, routes, extractor),
		httpapi.WithRecommender(eng), httpapi.WithUsers(users),
		httpapi.WithLimits(httpapi.Limits{Body: 8 << 10, Text: 200, Results: 20}),
		httpapi.WithVersions(func() map[string]string { return map[string]string{"intent": "test-model"} })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
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

// call sends a request that must answer want and decodes the answer into out.
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

func TestBadInput(t *testing.T) {
	h := newFull(t)
	long := strings.Repeat("转", 201)
	tests := []struct {
		name, method, target, body string
		want                       int
		wantErr                    string // substring of the error message
	}{
		{"search empty", "GET", "/search?q=", "", 400, "q: empty"},
		{"search blank", "GET", "/search?q=%20%20", "", 400, "q: empty"},
		{"search missing", "GET", "/search", "", 400, "q: empty"},
		{"search oversized", "GET", "/search?q=" + long, "", 400, "more than the limit of 200"},
		{"search invalid utf-8", "GET", "/search?q=%ff%fe", "", 400, "UTF-8"},
		{"search bad limit", "GET", "/search?q=x&limit=-1", "", 400, "limit: want a whole number from 1 to 20"},
		{"search limit too big", "GET", "/search?q=x&limit=21", "", 400, "limit"},
		{"search limit not a number", "GET", "/search?q=x&limit=five", "", 400, "limit"},
		{"search bad category", "GET", "/search?q=x&category=%ff", "", 400, "category"},
		{"search malformed query", "GET", "/search?q=%zz", "", 400, "malformed query string"},
		{"search wrong method", "POST", "/search?q=x", "", 405, "use GET"},
		{"entry unknown", "GET", "/kb/no-such-faq", "", 404, `unknown question "no-such-faq"`},
		{"entry wrong method", "PUT", "/kb/x", "", 405, "use GET, DELETE"},
		{"delete unknown", "DELETE", "/kb/no-such-faq", "", 404, "unknown question"},
		{"upsert no id", "POST", "/kb", `{"id":"","question":"x"}`, 400, "id and question: both required"},
		{"upsert no question", "POST", "/kb", `{"id":"x","question":"  "}`, 400, "both required"},
		{"upsert unknown field", "POST", "/kb", `{"id":"x","question":"y","colour":"red"}`, 400, `unknown field "colour"`},
		{"upsert similar not a list", "POST", "/kb", `{"id":"x","question":"y","similar":"z"}`, 400, `field "similar": want a list, got string`},
		{"upsert long answer", "POST", "/kb", `{"id":"x","question":"y","answer":"` + strings.Repeat("长", 2001) + `"}`, 400, "answer: 2001 characters"},
		{"upsert bad window", "POST", "/kb", `{"id":"x","question":"y","triggers":[{"event":"a.b","window":"3x"}]}`, 400, `field "triggers[0].window": bad duration "3x"`},
		{"upsert window a number", "POST", "/kb", `{"id":"x","question":"q","triggers":[{"event":"e","window":"2h","weight":0.5},{"event":"e","window":5,"weight":0.5}]}`, 400, `field "triggers[1].window": want a duration such as "90s", "2h" or "7d", got number`},
		{"upsert weight a string", "POST", "/kb", `{"id":"x","question":"q","triggers":[{"event":"e","window":"2h","weight":"high"}]}`, 400, `field "triggers[0].weight": want a number, got string`},
		{"upsert priority a fraction", "POST", "/kb", `{"id":"x","question":"q","priority":1.5}`, 400, `field "priority": want a whole number, got 1.5`},
		{"upsert bad valid_from", "POST", "/kb", `{"id":"x","question":"q","valid_from":"tomorrow"}`, 400, `field "valid_from": want an RFC 3339 time such as "2006-01-02T15:04:05+08:00", got "tomorrow"`},
		{"upsert unknown nested field", "POST", "/kb", `{"id":"x","question":"q","triggers":[{"event":"e","window":"2h","colour":"red"}]}`, 400, `unknown field "triggers[0].colour"`},
		{"upsert weight too large", "POST", "/kb", `{"id":"x","question":"q","triggers":[{"event":"transfer.success","window":"2h","weight":1e308}]}`, 400, `entry "x": field "triggers[0].weight"`},
		{"upsert null trigger", "POST", "/kb", `{"id":"x","question":"q","triggers":[null]}`, 400, `triggers[0]`},
		{"upsert validity reversed", "POST", "/kb", `{"id":"x","question":"q","valid_from":"2026-12-02T00:00:00Z","valid_until":"2026-12-01T00:00:00Z"}`, 400, `valid_until`},
		{"upsert field in capitals", "POST", "/kb", `{"ID":"x","question":"q"}`, 400, `unknown field "ID" (names are case-sensitive: "id")`},
		{"upsert field twice", "POST", "/kb", `{"id":"x","question":"q","id":"y"}`, 400, `field "id" given twice`},
		{"upsert attr twice", "POST", "/kb", `{"id":"x","question":"q","triggers":[{"event":"e","window":"2h","attrs":{"a":"1","a":"2"}}]}`, 400, `field "triggers[0].attrs.a" given twice`},
		{"upsert wrong method", "GET", "/kb", "", 405, "use POST"},
		{"classify malformed", "POST", "/classify", `{"text":`, 400, "malformed JSON"},
		{"classify not an object", "POST", "/classify", `["我要查账单"]`, 400, "malformed JSON: want an object"},
		{"classify empty body", "POST", "/classify", "", 400, "empty body"},
		{"classify unknown field", "POST", "/classify", `{"txt":"我要查账单"}`, 400, `unknown field "txt"`},
		{"classify trailing data", "POST", "/classify", `{"text":"我要查账单"} {}`, 400, "after the object"},
		{"classify wrong type", "POST", "/classify", `{"text":42}`, 400, `field "text": want a string, got number`},
		{"classify text in capitals", "POST", "/classify", `{"TEXT":"转账"}`, 400, `unknown field "TEXT" (names are case-sensitive: "text")`},
		{"classify text twice", "POST", "/classify", `{"text":"查账单","text":"转账"}`, 400, `field "text" given twice`},
		{"classify empty text", "POST", "/classify", `{"text":""}`, 400, "text: empty"},
		{"classify blank text", "POST", "/classify", `{"text":" \n\t "}`, 400, "text: empty"},
		{"classify oversized text", "POST", "/classify", `{"text":"` + long + `"}`, 400, "more than the limit"},
		{"classify oversized body", "POST", "/classify", `{"text":"` + strings.Repeat("a", 8<<10) + `"}`, 413, "larger than 8192 bytes"},
		{"classify oversized non-JSON body", "POST", "/classify", strings.Repeat("x", 10<<20), 413, "larger than"},
		{"classify invalid utf-8 body", "POST", "/classify", "{\"text\":\"\xff\xfe\"}", 400, "not valid UTF-8"},
		{"classify wrong method", "GET", "/classify?text=x", "", 405, "use POST"},
		{"recommend missing user", "GET", "/recommend", "", 400, "user: missing"},
		{"recommend unknown user", "GET", "/recommend?user=nobody", "", 404, `unknown user "nobody"`},
		{"recommend long user", "GET", "/recommend?user=" + strings.Repeat("u", 300), "", 400, "user: 300 bytes"},
		{"recommend limit zero", "GET", "/recommend?user=a&limit=0", "", 400, "limit"},
		{"recommend malformed query", "GET", "/recommend?user=%zz", "", 400, "malformed query string"},
		{"recommend wrong method", "POST", "/recommend?user=a", `{}`, 405, "use GET"},
		{"events empty", "POST", "/events", `{"events":[]}`, 400, "events: empty"},
		{"events missing", "POST", "/events", `{}`, 400, "events: empty"},
		{"events not a list", "POST", "/events", `{"events":{}}`, 400, `field "events": want a list`},
		{"events missing type", "POST", "/events", `{"events":[{"user":"a"}]}`, 400, "events[0].type: missing"},
		{"events missing user", "POST", "/events", `{"events":[{"type":"card.bind"}]}`, 400, "events[0].user: missing"},
		{"events unknown user", "POST", "/events", `{"events":[{"user":"a","type":"x.y"},{"user":"nobody","type":"x.y"}]}`, 404, `unknown user "nobody"`},
		{"events ask without question", "POST", "/events", `{"events":[{"user":"a","type":"ask"}]}`, 400, "events[0].question: missing for an ask"},
		{"events search without text", "POST", "/events", `{"events":[{"user":"a","type":"search"}]}`, 400, "events[0].text: missing for a search"},
		{"events search with blank text", "POST", "/events", `{"events":[{"user":"a","type":"x.y"},{"user":"a","type":"search","text":" \u3000 "}]}`, 400, "events[1].text: missing for a search"},
		{"events bad time", "POST", "/events", `{"events":[{"user":"a","type":"x.y","time":"yesterday"}]}`, 400, "RFC 3339"},
		{"events time as number", "POST", "/events", `{"events":[{"user":"a","type":"x.y","time":1700000000}]}`, 400, "RFC 3339"},
		{"events in the future", "POST", "/events", `{"events":[{"user":"a","type":"x.y","time":"2999-01-01T00:00:00Z"}]}`, 400, "events[0].time: 2999-01-01T00:00:00Z is more than"},
		{"events second in the future", "POST", "/events", `{"events":[{"user":"a","type":"x.y"},{"user":"a","type":"x.y","time":"2999-01-01T00:00:00Z"}]}`, 400, "events[1].time: 2999-01-01T00:00:00Z is more than"},
		{"events attrs not strings", "POST", "/events", `{"events":[{"user":"a","type":"x.y","attrs":{"n":1}}]}`, 400, `malformed JSON: field "events[0].attrs.n": want a string, got number`},
		{"events second time bad", "POST", "/events", `{"events":[{"user":"a","type":"x.y"},{"user":"a","type":"x.y","time":1700000000}]}`, 400, `field "events[1].time": want an RFC 3339 time`},
		{"events user in capitals", "POST", "/events", `{"events":[{"User":"a","type":"x.y"}]}`, 400, `unknown field "events[0].User"`},
		{"feedback kind twice", "POST", "/feedback", `{"user":"a","id":"transfer-bank-arrival-time","kind":"love","kind":"dismiss"}`, 400, `field "kind" given twice`},
		{"events too many", "POST", "/events", `{"events":[` + strings.Repeat(`{"user":"a","type":"x.y"},`, 100) + `{"user":"a","type":"x.y"}]}`, 400, "more than the limit of 100"},
		{"events wrong method", "GET", "/events", "", 405, "use POST"},
		{"feedback bad kind", "POST", "/feedback", `{"user":"a","id":"transfer-bank-arrival-time","kind":"love"}`, 400, `kind: want "dismiss", "resolve", "click" or "impression", got "love"`},
		{"feedback missing id", "POST", "/feedback", `{"user":"a","kind":"dismiss"}`, 400, "id: missing"},
		{"feedback unknown question", "POST", "/feedback", `{"user":"a","id":"no-such-faq","kind":"dismiss"}`, 404, "unknown question"},
		{"feedback unknown user", "POST", "/feedback", `{"user":"nobody","id":"transfer-bank-arrival-time","kind":"dismiss"}`, 404, "unknown user"},
		{"feedback form body", "POST", "/feedback", `user=a`, 400, "malformed JSON"},
		{"health wrong method", "POST", "/health", "", 405, "use GET"},
		{"health malformed query", "GET", "/health?x=%zz", "", 400, "malformed query string"},
		{"entry malformed query", "GET", "/kb/transfer-bank-arrival-time?%zz", "", 400, "malformed query string"},
		{"unknown endpoint", "GET", "/nope", "", 404, "no such endpoint: /nope"},
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
			var e httpapi.ErrorBody
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("error body %q is not JSON: %v", body, err)
			}
			if !strings.Contains(e.Error, tt.wantErr) {
				t.Errorf("error %q does not contain %q", e.Error, tt.wantErr)
			}
			if strings.Contains(e.Error, "Go ") || strings.Contains(e.Error, "httpapi.") || strings.Contains(e.Error, "recommend:") {
				t.Errorf("error %q names Go types or packages", e.Error)
			}
			if code == 405 && hdr.Get("Allow") == "" {
				t.Errorf("405 without an Allow header")
			}
			checkDocumented(t, h, tt.method, tt.target, code)
		})
	}
}

// TestRefusesNonJSONBodies: a body sent as anything but application/json
// (a cross-site form posts text/plain or form data) is 415.
func TestRefusesNonJSONBodies(t *testing.T) {
	h := newFull(t)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		req := httptest.NewRequest("POST", "/classify", strings.NewReader(`{"text":"我要查账单"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Type %q: status %d, want 415", ct, rec.Code)
		}
	}
	req := httptest.NewRequest("POST", "/classify", strings.NewReader(`{"text":"我要查账单"}`))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("application/json; charset=utf-8: status %d", rec.Code)
	}
}

// TestNoServerErrors throws odd bodies and queries at every route:
// whatever a client sends, the answer is never a 5xx.
func TestNoServerErrors(t *testing.T) {
	h := newFull(t)
	bodies := []string{
		"", "null", "0", `""`, "[]", "{}", "{", "}", `{"user":null}`, `{"user":"a","id":null}`, `{"events":null}`,
		`{"events":[null]}`, `{"events":[{"user":"a","type":"x.y","attrs":null}]}`, `{"text":"\u0000"}`, `{"text":"\ud800"}`,
		"\xff\xfe", `{"user":"a","id":"../../etc/passwd","kind":"dismiss"}`, `{"text":"` + strings.Repeat("😀", 150) + `"}`,
		`{"id":"\u0000","question":"\u0000"}`, `{"id":"x","question":"y","valid_from":"never"}`,
		`{"events":[{"user":"a","type":"x.y","attrs":{"":"v"}}]}`, `{"user":"a","id":"transfer-bank-arrival-time","kind":""}`,
	}
	for _, rt := range h.Routes() {
		_, path, _ := strings.Cut(rt, " ")
		path = strings.ReplaceAll(path, "{id}", "x%2Fy")
		for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
			for _, body := range bodies {
				code, _, resp := do(t, h, method, path, body)
				if code >= 500 {
					t.Errorf("%s %s %q: status %d: %s", method, path, body, code, resp)
				}
				checkDocumented(t, h, method, path, code)
			}
		}
	}
	for _, q := range []string{"\x00", "\xe8\xbd", "<script>", "*", "\"", "AND OR NOT", "+-~", "转账^2", "a:b"} {
		code, _, resp := do(t, h, "GET", "/search?q="+url.QueryEscape(q), "")
		if code >= 500 {
			t.Errorf("search %q: status %d: %s", q, code, resp)
		}
	}
}

func TestSearch(t *testing.T) {
	h := newFull(t)
	var got httpapi.SearchResult
	call(t, h, "GET", "/search?q="+url.QueryEscape("转账到银行卡多久到账")+"&limit=3", "", 200, &got)
	if got.Query != "转账到银行卡多久到账" || len(got.Hits) == 0 || len(got.Hits) > 3 || got.Hits[0].ID != "transfer-bank-arrival-time" {
		t.Fatalf("search: %+v", got)
	}
	if !got.Answered || got.Handoff != "" || !strings.Contains(got.Hits[0].Fragment, "<mark>") {
		t.Errorf("an answerable question: %+v", got)
	}
	got = httpapi.SearchResult{}
	call(t, h, "GET", "/search?q="+url.QueryEscape("今天天气怎么样"), "", 200, &got)
	if got.Answered || got.Handoff != "没有找到相关问题，为你转接人工客服" {
		t.Errorf("an unanswerable question: %+v", got)
	}
	var f kb.FAQ
	call(t, h, "GET", "/kb/transfer-bank-arrival-time", "", 200, &f)
	if f.Question != "转账到银行卡多久到账？" || f.Answer == "" {
		t.Errorf("GET /kb/transfer-bank-arrival-time: %+v", f)
	}
}

func TestClassify(t *testing.T) {
	h := newFull(t)
	var c httpapi.Classification
	call(t, h, "POST", "/classify", `{"text":"帮我转500元到尾号6621的卡"}`, 200, &c)
	if c.Outcome != "matched" || c.Intent != "transfer" || c.Service == nil || c.Service.Name != "转账" {
		t.Fatalf("classify: %+v", c)
	}
	if !slices.ContainsFunc(c.Slots, func(s httpapi.Slot) bool { return s.Kind == "amount" && s.Label == "金额" && s.Value != "" }) {
		t.Errorf("slots %+v, want an amount", c.Slots)
	}
	if len(c.Related) != 0 || len(c.Predictions) == 0 || c.Confidence != 0.8 {
		t.Errorf("classify: %+v", c)
	}
	c = httpapi.Classification{}
	call(t, h, "POST", "/classify", `{"text":"今天天气怎么样"}`, 200, &c)
	if c.Outcome != "out_of_scope" || c.Service != nil || c.Related == nil || c.Slots == nil || c.Missing == nil {
		t.Errorf("not understood: %+v", c)
	}
	c = httpapi.Classification{}
	call(t, h, "POST", "/classify", `{"text":"无路由"}`, 200, &c)
	if c.Outcome != "unrouted" || c.Service != nil {
		t.Errorf("an intent without a route: %+v", c)
	}
}

// TestEventsFeedbackAndEdits walks the write routes: an event changes the
// suggestions, a dismissal removes one, an added entry is found and a
// deleted one is gone; the knowledge base's version moves with each edit.
func TestEventsFeedbackAndEdits(t *testing.T) {
	h := newFull(t)
	var before, after httpapi.Recommendations
	call(t, h, "GET", "/recommend?user=walk", "", 200, &before)
	var rec map[string]int
	call(t, h, "POST", "/events", `{"events":[{"id":"e1","user":"walk","type":"transfer.fail","attrs":{"channel":"bank_card","reason":"card_invalid"}}]}`, 200, &rec)
	if rec["recorded"] != 1 {
		t.Errorf("recorded %v", rec)
	}
	call(t, h, "GET", "/recommend?user=walk&limit=3", "", 200, &after)
	if len(after.Suggestions) != 3 || after.User != "walk" || after.Degraded != "" {
		t.Fatalf("after the event: %+v", after)
	}
	top := after.Suggestions[0]
	if slices.Equal(ids(before.Suggestions), ids(after.Suggestions)) || len(top.Reasons) == 0 || !strings.HasPrefix(top.ID, "transfer-fail") {
		t.Errorf("a failed transfer did not lead the list: before %v, after %+v", ids(before.Suggestions), after.Suggestions)
	}
	call(t, h, "POST", "/feedback", fmt.Sprintf(`{"user":"walk","id":%q,"kind":"dismiss"}`, top.ID), 200, nil)
	call(t, h, "GET", "/recommend?user=walk", "", 200, &after)
	if slices.Contains(ids(after.Suggestions), top.ID) {
		t.Errorf("dismissed %s still suggested: %v", top.ID, ids(after.Suggestions))
	}

	var v0, v1 map[string]string
	call(t, h, "GET", "/versions", "", 200, &v0)
	if v0["kb"] == "" || v0["intent"] != "test-model" || v0["recommend"] == "" {
		t.Errorf("versions %v", v0)
	}
	var ed httpapi.Edited
	call(t, h, "POST", "/kb", `{"id":"api-added","question":"新增的测试问题怎么用","similar":["测试问题新增"],"answer":"这样用"}`, 200, &ed)
	if ed.ID != "api-added" || ed.Versions["kb"] == v0["kb"] {
		t.Errorf("upsert answered %+v (versions before %v)", ed, v0)
	}
	var got httpapi.SearchResult
	call(t, h, "GET", "/search?q="+url.QueryEscape("新增的测试问题怎么用"), "", 200, &got)
	if len(got.Hits) == 0 || got.Hits[0].ID != "api-added" {
		t.Errorf("search after POST /kb: %+v", got.Hits)
	}
	call(t, h, "DELETE", "/kb/api-added", "", 200, nil)
	call(t, h, "DELETE", "/kb/api-added", "", 404, nil)
	call(t, h, "GET", "/versions", "", 200, &v1)
	if v1["kb"] == ed.Versions["kb"] {
		t.Errorf("kb version %s did not move with the delete", v1["kb"])
	}
	var health map[string]string
	call(t, h, "GET", "/health", "", 200, &health)
	if health["status"] != "ok" {
		t.Errorf("health %v", health)
	}
}

func ids(sugs []httpapi.Suggestion) []string {
	var out []string
	for _, s := range sugs {
		out = append(out, s.ID)
	}
	return out
}

// TestDeadline: a request whose work outlives the time budget is answered
// 503 when the budget is spent, not when the work would have finished.
func TestDeadline(t *testing.T) {
	slow := intent.ClassifierFunc(func(ctx context.Context, text string) (intent.Result, error) {
		select {
		case <-ctx.Done():
			return intent.Result{}, fmt.Errorf("classify: %w", ctx.Err())
		case <-time.After(10 * time.Second):
			return intent.Result{}, nil
		}
	})
	h, err := httpapi.New(sampleIndex(t), httpapi.WithClassifier(slow, nil, nil), httpapi.WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, _, body := do(t, h, "POST", "/classify", `{"text":"我要查账单"}`)
	if took := time.Since(start); code != 503 || took > 5*time.Second {
		t.Errorf("status %d after %v (%s), want 503 after about 50ms", code, took, body)
	}
	checkDocumented(t, h, "POST", "/classify", code)
	// A client that has gone away is not waited for either.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", "/classify", strings.NewReader(`{"text":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 503 {
		t.Errorf("cancelled request: %d %s", rec.Code, rec.Body)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	ix := sampleIndex(t)
	for name, opts := range map[string][]httpapi.Option{
		"timeout":  {httpapi.WithTimeout(0)},
		"limits":   {httpapi.WithLimits(httpapi.Limits{Body: -1})},
		"reasons":  {httpapi.WithReasons(-1)},
		"no clock": {httpapi.WithClock(nil)},
	} {
		if _, err := httpapi.New(ix, opts...); err == nil {
			t.Errorf("%s: New accepted a bad option", name)
		}
	}
	if _, err := httpapi.New(nil); err == nil {
		t.Error("New accepted a nil knowledge base")
	}
}

// TestConcurrentUse runs reads and writes of every kind at once (go test
// -race checks the handler shares nothing unsafely).
func TestConcurrentUse(t *testing.T) {
	h := newFull(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			user := fmt.Sprintf("c%d", i)
			for j := range 5 {
				for _, r := range []struct{ method, target, body string }{
					{"GET", "/search?q=" + url.QueryEscape("花呗怎么还"), ""},
					{"POST", "/classify", `{"text":"我要查账单"}`},
					{"POST", "/events", fmt.Sprintf(`{"events":[{"user":%q,"type":"transfer.success","attrs":{"channel":"bank_card"}}]}`, user)},
					{"GET", "/recommend?user=" + user, ""},
					{"POST", "/kb", fmt.Sprintf(`{"id":"conc-%d-%d","question":"并发新增问题%d"}`, i, j, j)},
					{"DELETE", fmt.Sprintf("/kb/conc-%d-%d", i, j), ""},
				} {
					if code, _, body := do(t, h, r.method, r.target, r.body); code != 200 {
						t.Errorf("%s %s: %d %s", r.method, r.target, code, body)
					}
				}
			}
		})
	}
	wg.Wait()
}
