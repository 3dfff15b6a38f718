package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/internal/stalltest"
)

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
			resp := stalltest.Post(t, srv.Listener.Addr().String(), "/events", `{"events":`, 30*time.Second)
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
