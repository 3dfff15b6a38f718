package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
)

// TestServeShutsDownGracefully: once the context is done, Serve stops
// accepting connections, lets the request in flight finish, and returns nil.
func TestServeShutsDownGracefully(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrc, errc := make(chan string, 1), make(chan error, 1)
	go func() {
		errc <- httpapi.Serve(ctx, "127.0.0.1:0", h, httpapi.ServeConfig{Ready: func(a string) { addrc <- a }})
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("Serve: %v", err)
	}
	type answer struct {
		body string
		err  error
	}
	ansc := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			ansc <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		ansc <- answer{string(b), err}
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond) // Serve is now waiting for the request
	select {
	case err := <-errc:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(release)
	if a := <-ansc; a.err != nil || a.body != "finished" {
		t.Errorf("the request in flight got %q, %v; want it finished", a.body, a.err)
	}
	if err := <-errc; err != nil {
		t.Errorf("Serve after a graceful shutdown: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Error("the server still accepts connections after Serve returned")
	}
}

func TestServeReportsListenErrors(t *testing.T) {
	t.Parallel()
	err := httpapi.Serve(context.Background(), "127.0.0.1:-1", http.NotFoundHandler(), httpapi.ServeConfig{})
	if err == nil {
		t.Fatal("Serve on port -1: no error")
	}
}
