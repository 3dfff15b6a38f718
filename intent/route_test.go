package intent_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
)

const sampleDir = "../sampledata"

func TestLoadRoutesErrors(t *testing.T) {
	ok := `{"intent":"transfer","service":"转账","link":"duxin://service/transfer","slots":["amount","payee"],"required":["amount"]}`
	tests := []struct {
		name  string
		in    string
		line  int
		field string
		msg   string
	}{
		{"empty intent", `{"intent":"","service":"x","link":"duxin://x"}`, 1, "intent", "empty"},
		{"missing intent", `{"service":"x","link":"duxin://x"}`, 1, "intent", "missing"},
		{"duplicate intent", ok + "\n\n" + ok, 3, "intent", "duplicate intent \"transfer\" (first on line 1)"},
		{"unknown slot", `{"intent":"a","service":"x","link":"duxin://x","slots":["amout"]}`, 1, "slots", `unknown slot kind "amout"`},
		{"slot twice", `{"intent":"a","service":"x","link":"duxin://x","slots":["date","date"]}`, 1, "slots", "listed twice"},
		{"required not in slots", `{"intent":"a","service":"x","link":"duxin://x","slots":["date"],"required":["amount"]}`, 1, "required", `"amount" is not in slots`},
		{"unknown field", `{"intent":"a","service":"x","link":"duxin://x","slot":["date"]}`, 1, "slot", "unknown field"},
		{"invalid utf-8", "{\"intent\":\"a\",\"service\":\"\xff\",\"link\":\"duxin://x\"}", 1, "service", "invalid UTF-8"},
		{"invalid utf-8 in syntax error", "{\"intent\":\"a\xff", 1, "", "invalid UTF-8"},
		{"not json", ok + "\n{intent:", 2, "", "not a JSON object"},
		{"array", `[1,2]`, 1, "", "not a JSON object"},
		{"null", `null`, 1, "", "not a JSON object"},
		{"wrong type", `{"intent":"a","service":"x","link":"duxin://x","slots":"date"}`, 1, "slots", "want an array of strings"},
		{"empty link", `{"intent":"a","service":"x","link":""}`, 1, "link", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := intent.LoadRoutes(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("LoadRoutes succeeded with %d routes", rt.Len())
			}
			if !errors.Is(err, intent.ErrBadRoute) {
				t.Errorf("error %v does not wrap ErrBadRoute", err)
			}
			var re *intent.RouteError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RouteError", err)
			}
			if re.Line != tt.line || re.Field != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got line %d field %q error %q; want line %d field %q containing %q", re.Line, re.Field, err, tt.line, tt.field, tt.msg)
			}
		})
	}
}

func TestLoadRoutesFileNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "routes.jsonl")
	if err := os.WriteFile(path, []byte("\n"+`{"intent":"a","service":"x","link":"duxin://x","required":["date"]}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := intent.LoadRoutesFile(path)
	want := "intent: " + path + `:2: field "required": intent: bad route: "date" is not in slots`
	if err == nil || err.Error() != want {
		t.Errorf("LoadRoutesFile error = %v\nwant %s", err, want)
	}
	if _, err := intent.LoadRoutesFile(filepath.Join(t.TempDir(), "missing.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v does not wrap os.ErrNotExist", err)
	}
}

func TestLoadRoutesReportsAllLines(t *testing.T) {
	in := `{"intent":""}` + "\n" + `{"intent":"a","service":"x","link":"duxin://x"}` + "\n" + `{"bogus":1}`
	_, err := intent.LoadRoutes(strings.NewReader(in))
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *intent.RouteError
		if errors.As(e, &re) {
			lines = append(lines, re.Line)
		}
	}
	if diff := cmp.Diff([]int{1, 3}, lines); diff != "" {
		t.Errorf("bad lines (-want +got):\n%s", diff)
	}
}

func loadSampleRoutes(t testing.TB) *intent.Routes {
	t.Helper()
	rt, err := intent.LoadRoutesFile(filepath.Join(sampleDir, "routes.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestSampleRoutesCoverIntents checks that every in-scope intent of the
// sample training data has a route and every route an intent with data.
func TestSampleRoutesCoverIntents(t *testing.T) {
	rt := loadSampleRoutes(t)
	f, err := os.Open(filepath.Join(sampleDir, "intents.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	count := map[string]int{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var ex struct{ Text, Intent string }
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil || ex.Text == "" || ex.Intent == "" {
			t.Fatalf("intents.jsonl:%d: bad line (%v)", line, err)
		}
		count[ex.Intent]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for label := range count {
		if _, ok := rt.Get(label); !ok && label != "oos" {
			t.Errorf("intent %q has examples but no route", label)
		}
	}
	for _, label := range rt.Intents() {
		if count[label] == 0 {
			t.Errorf("route %q has no examples", label)
		}
	}
	if count["oos"] < 60 {
		t.Errorf("%d oos examples, want at least 60", count["oos"])
	}
}

func TestResolve(t *testing.T) {
	rt := loadSampleRoutes(t)
	// A fixed clock: 2026-03-18 is a Wednesday.
	e, err := slots.New(slots.WithClock(func() time.Time { return time.Date(2026, 3, 18, 15, 0, 0, 0, time.FixedZone("CST", 8*3600)) }))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		intent, text string
		values       map[slots.Kind]string
		missing      []string
	}{
		{"transfer", "给妈妈转500", map[slots.Kind]string{slots.Payee: "妈妈", slots.Amount: "500"}, nil},
		{"transfer", "我要转账", nil, []string{"amount"}},
		// The date is not a transfer slot, so it is dropped.
		{"transfer", "昨天转账给张三", map[slots.Kind]string{slots.Payee: "张三"}, []string{"amount"}},
		{"unbind_card", "解绑尾号1234的卡", map[slots.Kind]string{slots.CardTail: "1234"}, nil},
		{"mobile_topup", "充100话费", map[slots.Kind]string{slots.Amount: "100"}, []string{"phone"}},
		{"human_agent", "转人工", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			res, err := rt.Resolve(tt.intent, e.Extract(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			got := map[slots.Kind]string{}
			for _, s := range res.Slots {
				got[s.Kind] = s.Value
			}
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.values, got); diff != "" {
				t.Errorf("slots (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.missing, res.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
			if res.Route.Intent != tt.intent || !strings.HasPrefix(res.Route.Link, "duxin://service/") {
				t.Errorf("route %+v", res.Route)
			}
		})
	}
	if _, err := rt.Resolve("oos", nil); !errors.Is(err, intent.ErrUnknownIntent) {
		t.Errorf("Resolve(oos) error = %v, want ErrUnknownIntent", err)
	}
	var nilRoutes *intent.Routes
	if _, err := nilRoutes.Resolve("transfer", nil); !errors.Is(err, intent.ErrUnknownIntent) {
		t.Errorf("nil Routes: error = %v", err)
	}
}

func TestGetReturnsCopy(t *testing.T) {
	rt := loadSampleRoutes(t)
	r, _ := rt.Get("transfer")
	r.Slots[0] = "changed"
	r2, _ := rt.Get("transfer")
	if slices.Contains(r2.Slots, "changed") {
		t.Error("Get shares its slices with the table")
	}
}

func ExampleRoutes_Resolve() {
	routes, err := intent.LoadRoutes(strings.NewReader(
		`{"intent":"transfer","service":"转账","link":"duxin://service/transfer","slots":["amount","card_tail","payee"],"required":["amount"]}
{"intent":"unbind_card","service":"解绑银行卡","link":"duxin://service/card/unbind","slots":["card_tail"],"required":["card_tail"]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ex, err := slots.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, q := range []struct{ intent, text string }{
		{"transfer", "给妈妈转500块"},
		{"unbind_card", "我要解绑银行卡"},
	} {
		res, err := routes.Resolve(q.intent, ex.Extract(q.text))
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(q.text, "→", res.Route.Service, res.Route.Link)
		for _, s := range res.Slots {
			fmt.Printf("  %s = %s\n", s.Kind, s.Value)
		}
		if len(res.Missing) > 0 {
			fmt.Println("  ask for:", strings.Join(res.Missing, ", "))
		}
	}
	// Output:
	// 给妈妈转500块 → 转账 duxin://service/transfer
	//   payee = 妈妈
	//   amount = 500
	// 我要解绑银行卡 → 解绑银行卡 duxin://service/card/unbind
	//   ask for: card_tail
}
