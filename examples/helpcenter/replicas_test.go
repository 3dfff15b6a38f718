package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/internal/redistest"
)

// TestTwoReplicasOnRedis runs two instances of the demo as separate
// processes on one redis-server: the second loads the models the first
// published, an event recorded through one changes the other's
// suggestions (both then answer alike), and a knowledge-base entry added
// through one is found by the other's search within a second.
func TestTwoReplicasOnRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo and starts two processes")
	}
	srv := redistest.Start(t)
	bin := filepath.Join(t.TempDir(), "helpcenter")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	start := func(name string) string {
		t.Helper()
		addr := freeAddr(t)
		cmd := exec.Command(bin, "-redis", srv.URL(), "-redis-prefix", "twotest", "-addr", addr, "-users", "300")
		logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("%s's log:\n%s", name, b)
			}
		})
		base := "http://" + addr
		deadline := time.Now().Add(3 * time.Minute)
		for {
			resp, err := http.Get(base + "/api/status")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return base
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not start within 3 minutes: %v", name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	a := start("A")
	b := start("B")

	var sa, sb statusView
	get(t, a+"/api/status", &sa)
	get(t, b+"/api/status", &sb)
	if sa.Store != "redis" || sb.Store != "redis" {
		t.Fatalf("stores %q and %q, want redis", sa.Store, sb.Store)
	}
	if sa.Models["recommend"] == "" || sa.Models["recommend"] != sb.Models["recommend"] ||
		sa.Models["intent@published"] != sb.Models["intent@published"] || sa.KBVersion != sb.KBVersion {
		t.Fatalf("replicas serve different versions:\nA %+v\nB %+v", sa, sb)
	}

	// An event through A changes B's suggestions, and both answer alike.
	type recs struct {
		Suggestions []suggestionView `json:"suggestions"`
		Degraded    string           `json:"degraded"`
	}
	var before, afterA, afterB recs
	get(t, b+"/api/recommend?user=xinren", &before)
	post(t, a+"/api/timeline", `{"user":"xinren","type":"transfer.fail","attrs":{"channel":"bank_card","reason":"risk_control"}}`, 201)
	get(t, b+"/api/recommend?user=xinren", &afterB)
	get(t, a+"/api/recommend?user=xinren", &afterA)
	if reflect.DeepEqual(ids(before.Suggestions), ids(afterB.Suggestions)) {
		t.Errorf("B's suggestions did not change after an event recorded through A: %v", ids(afterB.Suggestions))
	}
	// The same suggestions and reasons; scores differ only by the
	// milliseconds between the two requests (needs decay with time).
	if d := cmp.Diff(afterA, afterB, cmpopts.EquateApprox(1e-4, 0)); d != "" {
		t.Errorf("the replicas answer differently (-A +B):\n%s", d)
	}
	if afterA.Degraded != "" {
		t.Errorf("degraded answer with Redis up: %q", afterA.Degraded)
	}

	// A KB edit through A is searchable on B within a second.
	post(t, a+"/api/kb", `{"id":"replica-new-1","question":"跨副本新增的问题怎么办理","answer":"测试"}`, 200)
	t0 := time.Now()
	for {
		var hits struct {
			Hits []hitView `json:"hits"`
		}
		get(t, b+"/api/search?q="+url.QueryEscape("跨副本新增的问题怎么办理"), &hits)
		if len(hits.Hits) > 0 && hits.Hits[0].ID == "replica-new-1" {
			break
		}
		if time.Since(t0) > time.Second {
			t.Fatalf("B does not find the entry added through A after 1 s: %v", hits.Hits)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("KB edit through A found on B after %v", time.Since(t0).Round(time.Millisecond))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, u string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := http.DefaultClient.Do(req)
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

func post(t *testing.T, u, body string, want int) {
	t.Helper()
	resp, err := http.Post(u, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %s %s, want %d", u, resp.Status, b, want)
	}
}
