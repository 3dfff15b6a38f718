package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend/simulate"
)

// TestServeShutsDownGracefully serves on a free port, answers a request
// and returns nil once the context is cancelled, as it is by SIGINT or
// SIGTERM in main.
func TestServeShutsDownGracefully(t *testing.T) {
	h := newTestServer(t).handler()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGUSR1)
	defer stop()
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, "127.0.0.1:0", h, testLogger(t), func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/api/users")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/users: %s", resp.Status)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("serve returned %v after the signal, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return within 10s of the signal")
	}
	if _, err := http.Get("http://" + addr + "/api/users"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// TestVocabularyFromPhrasebook checks the form's vocabulary against the
// wallet phrasebook it is made from, and that check accepts what the form
// offers and refuses what it does not.
func TestVocabularyFromPhrasebook(t *testing.T) {
	pb, err := simulate.SamplePhrasebook()
	if err != nil {
		t.Fatal(err)
	}
	v := newVocabulary(pb)
	if len(v.specs) != len(pb.Events) || len(v.specs) < 30 {
		t.Fatalf("%d form types, phrasebook %d", len(v.specs), len(pb.Events))
	}
	for _, spec := range v.manual() {
		attrs := map[string]string{}
		for _, a := range spec.Attrs {
			switch {
			case len(a.Values) > 0:
				attrs[a.Name] = a.Values[len(a.Values)-1]
			case a.free == nil:
				t.Errorf("%s.%s: free attribute without a check", spec.Type, a.Name)
			}
		}
		for _, a := range spec.Attrs {
			if a.Name == "amount" {
				attrs["amount"] = "60000.00"
			}
			if a.Name == "days" {
				attrs["days"] = "3"
			}
		}
		got, err := v.check(spec.Type, attrs)
		if err != nil {
			t.Errorf("%s: check(%v): %v", spec.Type, attrs, err)
			continue
		}
		if spec.attr("amount_band") != nil && attrs["amount"] != "" && got["amount_band"] == "" {
			t.Errorf("%s: amount_band not derived: %v", spec.Type, got)
		}
		for _, a := range spec.Attrs {
			if len(a.Values) > 0 {
				bad := map[string]string{a.Name: "no-such-value"}
				if _, err := v.check(spec.Type, bad); err == nil {
					t.Errorf("%s: check accepted %v", spec.Type, bad)
				}
			}
		}
	}
}
