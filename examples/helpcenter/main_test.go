package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"syscall"
	"testing"
	"time"

	"os/signal"
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

// TestVocabularyMatchesEventsMD checks the form's event types and
// attribute values against internal/sampledata/EVENTS.md, the vocabulary
// the knowledge base's triggers and the engine speak.
func TestVocabularyMatchesEventsMD(t *testing.T) {
	f, err := os.Open("../../internal/sampledata/EVENTS.md")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("EVENTS.md not found")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([a-z_.]+)` \\| (.*) \\| (.*) \\|$")
	attr := regexp.MustCompile("`([a-z_]+)`((?: = `[a-z_0-9]+`(?: \\\\\\| `[a-z_0-9]+`)*)?)")
	val := regexp.MustCompile("`([a-z_0-9]+)`")
	v := newVocabulary()
	seen := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		seen++
		typ, attrs, phrase := m[1], m[2], m[3]
		spec, ok := v.byType[typ]
		if !ok {
			t.Errorf("EVENTS.md type %s is missing from the vocabulary", typ)
			continue
		}
		if spec.Phrase != phrase {
			t.Errorf("%s: phrase %q, EVENTS.md says %q", typ, spec.Phrase, phrase)
		}
		var names []string
		for _, am := range attr.FindAllStringSubmatch(attrs, -1) {
			names = append(names, am[1])
			a := spec.attr(am[1])
			if a == nil {
				t.Errorf("%s: attribute %s is missing", typ, am[1])
				continue
			}
			var values []string
			for _, vm := range val.FindAllStringSubmatch(am[2], -1) {
				values = append(values, vm[1])
			}
			if len(values) > 0 && !slices.Equal(a.Values, values) {
				t.Errorf("%s.%s: values %v, EVENTS.md says %v", typ, am[1], a.Values, values)
			}
			if len(values) > 0 && a.free != nil {
				t.Errorf("%s.%s: EVENTS.md lists values %v but the vocabulary takes free text", typ, am[1], values)
			}
		}
		for _, a := range spec.Attrs {
			if !slices.Contains(names, a.Name) {
				t.Errorf("%s: attribute %s is not in EVENTS.md", typ, a.Name)
			}
		}
	}
	if seen != len(v.specs) {
		t.Errorf("EVENTS.md has %d event types, the vocabulary %d", seen, len(v.specs))
	}
}
