package storetest_test

import (
	"testing"

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
	}
	_ = testMyStore
}
