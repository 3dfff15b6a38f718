package storetest_test

import (
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/storetest"
)

// A store's own test runs the suites; each subtest gets a fresh store.
// (In your package: func TestMyStore(t *testing.T) { ... }.)
func ExampleRun() {
	testMyStore := func(t *testing.T) {
		newStore := func(t *testing.T) *recommend.MemoryStore { // your store here
			s, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		storetest.Run(t, func(t *testing.T) recommend.EventStore { return newStore(t) })
		storetest.RunFeedback(t, func(t *testing.T) recommend.FeedbackStore { return newStore(t) })
		// A store that counts the crowd tells the time by the suite's clock.
		storetest.RunCrowd(t, func(t *testing.T, clock func() time.Time) recommend.EventStore {
			s, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	}
	_ = testMyStore
}
