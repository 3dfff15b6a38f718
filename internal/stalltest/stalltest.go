// Package stalltest is a test helper for servers: a client that sends the
// headers of a POST and the start of its body, then stops sending, as a
// phone that lost its signal does. httpapi, the duxin command and the
// demo check with it that such a client is answered 408, not 503.
package stalltest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"
)

// Post sends a POST of path to addr declaring a JSON body of 100 bytes,
// sends only start of it, and returns the server's answer. It fails t if
// none comes within guard, which only guards against a hung server: it is
// not a measure. The connection and the answer's body close when t ends.
func Post(t testing.TB, addr, path, start string, guard time.Duration) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n%s", path, start)
	conn.SetReadDeadline(time.Now().Add(guard))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
