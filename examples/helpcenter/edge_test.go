package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestStalledBodyIs408: a client that stops sending in the middle of the
// body of one of the demo's own routes gets 408 (its fault), not 503.
func TestStalledBodyIs408(t *testing.T) {
	srv := httptest.NewUnstartedServer(newTestServer(t).handler())
	srv.Config.ReadTimeout = 200 * time.Millisecond // as httpapi.Serve sets one
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /api/timeline HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user\":")
	conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a guard against a hung server, not a measure
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", resp.StatusCode)
	}
}
