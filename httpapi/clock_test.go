package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/recommend"
)

// TestEventAheadOfTheClockCounts: an event posted with a time a little
// ahead of the server's clock (the client's clock, or another replica's,
// runs ahead; or the time is rounded up to the second) is recorded, and
// the next suggestions count it as just happened, rather than ignoring it
// until the server's clock passes its time.
func TestEventAheadOfTheClockCounts(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 400e6, time.UTC)
	clock := func() time.Time { return now }
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(sampleIndex(t), store, store, recommend.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	h := newFull(t, httpapi.WithRecommender(eng), httpapi.WithClock(clock))
	for _, ahead := range []time.Duration{600 * time.Millisecond, 2 * time.Second} {
		user := fmt.Sprintf("ahead%v", ahead)
		at := now.Add(ahead).Format(time.RFC3339Nano)
		call(t, h, "POST", "/events", fmt.Sprintf(`{"events":[{"user":%q,"time":%q,"type":"transfer.fail","attrs":{"channel":"bank_card","reason":"card_invalid"}}]}`, user, at), 200, nil)
		var got httpapi.Recommendations
		call(t, h, "GET", "/recommend?user="+user+"&limit=3", "", 200, &got)
		if len(got.Suggestions) == 0 || !strings.HasPrefix(got.Suggestions[0].ID, "transfer-fail") {
			t.Errorf("an event %v ahead of the clock: suggestions %v, want a failed transfer's first", ahead, ids(got.Suggestions))
		}
	}
}
