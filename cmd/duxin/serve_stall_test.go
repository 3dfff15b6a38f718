package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/internal/stalltest"
)

// TestServeStalledBodyIs408: duxin serve answers a client that stops
// sending in the middle of its body 408 (its fault), once the server's
// read timeout (10 s) passes, and does not log it as a server error.
func TestServeStalledBodyIs408(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the server's 10 s read timeout")
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	codec := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		codec <- run(ctx, []string{"serve", "-kb", filepath.Join(sampleDir(t), "faq.jsonl"), "-addr", "127.0.0.1:0"},
			env{stdout: io.Discard, stderr: &stderr, ready: func(a string) { addrc <- a }})
	}()
	defer func() {
		cancel()
		<-codec
	}()
	var addr string
	select {
	case addr = <-addrc:
	case code := <-codec:
		t.Fatalf("serve exited %d before serving:\n%s", code, stderr.String())
	}
	resp := stalltest.Post(t, addr, "/api/events", `{"events":`, time.Minute)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", resp.StatusCode)
	}
	if strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("a stalled client was logged as a server error:\n%s", stderr.String())
	}
}
