package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
)

// stalledPost sends the headers of a POST to path with a body of 100
// bytes, sends only the first few, and waits for the answer.
func stalledPost(t *testing.T, addr, path string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"events\":", path)
	// Only a guard against a hung server, not a measure: the answer is due
	// within the server's time budget.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestStalledBodyIsTheClientsFault: a client that stops sending in the
// middle of its body gets 408 and the connection closed, whether the
// server's read timeout or the handler's time budget ends the wait; it is
// not logged as a server error.
func TestStalledBodyIsTheClientsFault(t *testing.T) {
	for _, tc := range []struct {
		name        string
		readTimeout time.Duration // the server's (httpapi.Serve sets one)
		budget      time.Duration // the handler's (WithTimeout)
	}{
		{"server read timeout", 200 * time.Millisecond, time.Minute},
		{"time budget", 0, 200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := newFull(t, httpapi.WithTimeout(tc.budget), httpapi.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ReadTimeout = tc.readTimeout
			srv.Start()
			defer srv.Close()
			resp := stalledPost(t, srv.Listener.Addr().String(), "/events")
			if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
				t.Errorf("status %d, connection close %v; want 408 and the connection closed", resp.StatusCode, resp.Close)
			}
			checkDocumented(t, h, "POST", "/events", resp.StatusCode)
			if strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("a stalled client was logged as a server error:\n%s", logs.String())
			}
		})
	}
}
