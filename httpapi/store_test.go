package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/recommend"
)

// faultyStore is a memory store whose writes fail: at once (a dead
// server) or only when the call's context ends (a stalled one).
type faultyStore struct {
	*recommend.MemoryStore
	stalled bool
}

func (s faultyStore) fail(ctx context.Context) error {
	if s.stalled {
		<-ctx.Done()
		return fmt.Errorf("store: %w", ctx.Err())
	}
	return errors.New("store: dial tcp 127.0.0.1:6379: connect: connection refused")
}

func (s faultyStore) Append(ctx context.Context, _ ...recommend.Event) error { return s.fail(ctx) }

func (s faultyStore) AddFeedback(ctx context.Context, _ ...recommend.Feedback) error {
	return s.fail(ctx)
}

// TestStoreFaultsAre503: when the stores are down or stalled, recording
// events and feedback answers 503 with Retry-After and a sentence for the
// user, after the engine's store timeout (not the request's whole budget),
// and the cause is logged; never a 500.
func TestStoreFaultsAre503(t *testing.T) {
	for _, stalled := range []bool{false, true} {
		t.Run(map[bool]string{false: "down", true: "stalled"}[stalled], func(t *testing.T) {
			mem, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
			if err != nil {
				t.Fatal(err)
			}
			store := faultyStore{mem, stalled}
			// The store timeout ends a stalled write long before the
			// request's budget would.
			eng, err := recommend.NewEngine(sampleIndex(t), store, store, recommend.WithStoreTimeout(50*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			h := newFull(t, httpapi.WithRecommender(eng), httpapi.WithTimeout(5*time.Second),
				httpapi.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			for _, r := range []struct{ target, body string }{
				{"/events", `{"events":[{"user":"u","type":"transfer.fail","attrs":{"channel":"bank_card"}}]}`},
				{"/feedback", `{"user":"u","id":"transfer-fail-reason","kind":"dismiss"}`},
			} {
				code, hdr, body := do(t, h, "POST", r.target, r.body)
				if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") != "2" ||
					!strings.Contains(string(body), `"message":"服务暂时繁忙，请稍后再试"`) {
					t.Errorf("POST %s: %d, Retry-After %q, %s; want 503, 2 and the sentence for the user", r.target, code, hdr.Get("Retry-After"), body)
				}
				checkDocumented(t, h, "POST", r.target, code)
			}
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "store: ") {
				t.Errorf("the store's failure is not logged with its cause:\n%s", logs.String())
			}
			// Suggestions degrade instead.
			var got httpapi.Recommendations
			call(t, h, "GET", "/recommend?user=u", "", 200, &got)
		})
	}
}
