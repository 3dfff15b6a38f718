package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/recommend"
)

// stalledRecorder is a store that hangs: every Record and Feedback waits
// until release is closed (or the request ends).
type stalledRecorder struct {
	recorder
	entered chan struct{} // one send per call that started waiting
	release chan struct{}
}

func (s *stalledRecorder) wait(ctx context.Context) error {
	s.entered <- struct{}{}
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *stalledRecorder) Record(ctx context.Context, events ...recommend.Event) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.recorder.Record(ctx, events...)
}

func (s *stalledRecorder) Feedback(ctx context.Context, fb ...recommend.Feedback) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.recorder.Feedback(ctx, fb...)
}

// TestStalledStoreDoesNotBlockOtherUsers: while one user's timeline post,
// answer opening or reset waits for a stalled store, the server's lock is
// free, so every other user's requests are answered; once the store
// answers, the waiting request completes as usual.
func TestStalledStoreDoesNotBlockOtherUsers(t *testing.T) {
	for _, tc := range []struct{ name, method, target, body string }{
		{"timeline", "POST", "/api/timeline", `{"user":"xinren","type":"transfer.fail","attrs":{"channel":"bank_card","amount":"800.00","reason":"card_invalid"}}`},
		{"open", "POST", "/api/open", `{"user":"xinren","id":"transfer-bank-arrival-time"}`},
		{"reset", "POST", "/api/users/xiaowang/reset", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			stalled := &stalledRecorder{recorder: s.rec, entered: make(chan struct{}, 4), release: make(chan struct{})}
			s.rec = stalled
			h := s.handler()
			type answer struct {
				code int
				body string
			}
			done := make(chan answer, 1)
			go func() {
				req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				done <- answer{rec.Code, rec.Body.String()}
			}()
			select {
			case <-stalled.entered: // the request waits for the store now
			case a := <-done:
				t.Fatalf("answered %d %s without writing to the store", a.code, a.body)
			}
			if !s.mu.TryLock() {
				close(stalled.release)
				<-done
				t.Fatal("the server's lock is held while the store is waited for")
			}
			s.mu.Unlock()
			call(t, h, "GET", "/api/users/azhang", "", http.StatusOK, nil)
			close(stalled.release)
			if tc.name == "open" {
				<-stalled.entered // the click, after the ask
			}
			if a := <-done; a.code >= 300 {
				t.Errorf("the stalled request answered %d %s once the store was back", a.code, a.body)
			}
		})
	}
}

// failingRecorder is a store that refuses every write.
type failingRecorder struct{ recorder }

func (failingRecorder) Record(context.Context, ...recommend.Event) error {
	return errors.New("store down")
}

// TestFailedResetChangesNothing: a reset whose new history cannot be stored
// fails and leaves the user on the history they had, timeline included.
func TestFailedResetChangesNothing(t *testing.T) {
	s := newTestServer(t)
	h := s.handler()
	call(t, h, "POST", "/api/timeline", `{"user":"xiaowang","type":"transfer.fail","attrs":{"channel":"bank_card","amount":"800.00","reason":"card_invalid"}}`, http.StatusCreated, nil)
	s.mu.Lock()
	key, n := s.users["xiaowang"].key, len(s.users["xiaowang"].events)
	s.mu.Unlock()
	s.rec = failingRecorder{s.rec}
	if code, _, body := do(t, h, "POST", "/api/users/xiaowang/reset", ""); code < 500 {
		t.Fatalf("reset with the store down answered %d %s", code, body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users["xiaowang"]; u.key != key || len(u.events) != n {
		t.Errorf("after a failed reset the user is on %q with %d events, want %q with %d", u.key, len(u.events), key, n)
	}
}
