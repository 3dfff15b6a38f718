package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
)

// TestServe serves the sample files (the knowledge base, the trained
// intent model with the routing table, the phrasebook) on a free port,
// calls the API over HTTP, then sends the signal main turns into the
// context's end and checks the server shuts down and exits 0.
func TestServe(t *testing.T) {
	dir := sampleDir(t)
	model, trained := sampleIntentModel(t)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGUSR1)
	defer stop()
	addrc := make(chan string, 1)
	codec := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		codec <- run(ctx, []string{"serve", "-kb", filepath.Join(dir, "faq.jsonl"), "-intent", model,
			"-routes", filepath.Join(dir, "routes.jsonl"), "-phrasebook", filepath.Join(dir, "phrasebook.yaml"), "-addr", "127.0.0.1:0"},
			env{stdout: io.Discard, stderr: &stderr, ready: func(a string) { addrc <- a }})
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a + "/api"
	case code := <-codec:
		t.Fatalf("serve exited %d before serving:\n%s", code, stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not start within 2 minutes")
	}

	var search httpapi.SearchResult
	get(t, base+"/search?q="+url.QueryEscape("转账到银行卡多久到账"), &search)
	if len(search.Hits) == 0 || search.Hits[0].ID != "transfer-bank-arrival-time" || !search.Answered {
		t.Errorf("search: %+v", search)
	}
	var c httpapi.Classification
	post(t, base+"/classify", `{"text":"帮我转500元到尾号6621的卡"}`, 200, &c)
	if c.Outcome != "matched" || c.Intent != "transfer" || c.Service == nil || c.Service.Name != "转账" || len(c.Slots) == 0 {
		t.Errorf("classify: %+v", c)
	}
	post(t, base+"/events", `{"events":[{"user":"u1","type":"transfer.fail","attrs":{"channel":"bank_card","reason":"card_invalid"}}]}`, 200, nil)
	var recs httpapi.Recommendations
	get(t, base+"/recommend?user=u1&limit=3", &recs)
	if len(recs.Suggestions) != 3 || !strings.Contains(strings.Join(recs.Suggestions[0].Reasons, ""), "失败") {
		t.Errorf("recommend after a failed transfer: %+v", recs)
	}
	post(t, base+"/feedback", `{"user":"u1","id":"`+recs.Suggestions[0].ID+`","kind":"dismiss"}`, 200, nil)
	var versions map[string]string
	get(t, base+"/versions", &versions)
	if versions["intent"] != trained["sha256"] || versions["kb"] == "" || versions["recommend"] == "" {
		t.Errorf("versions %v; intent model sha256 %v", versions, trained["sha256"])
	}
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	get(t, base+"/openapi.json", &doc)
	for _, p := range []string{"/search", "/classify", "/recommend", "/kb/{id}"} {
		if doc.Paths[p] == nil {
			t.Errorf("OpenAPI document lacks %s", p)
		}
	}
	post(t, base+"/classify", `{"text":""}`, 400, nil)

	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-codec:
		if code != exitOK {
			t.Fatalf("serve exited %d after the signal:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return within 15s of the signal")
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("no shutdown logged:\n%s", stderr.String())
	}
	if _, err := http.Get(base + "/health"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func get(t *testing.T, u string, out any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", u, resp.Status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func post(t *testing.T, u, body string, want int, out any) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %s %s, want %d", u, resp.Status, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("POST %s: %v", u, err)
		}
	}
}
