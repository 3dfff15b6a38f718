package feedtest_test

import (
	"testing"

	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/replica/feedtest"
)

// A feed's own test runs the suite; each subtest gets a fresh feed that
// keeps at least the last keep changes. (In your package:
// func TestMyFeed(t *testing.T) { ... }.)
func ExampleRun() {
	testMyFeed := func(t *testing.T) {
		feedtest.Run(t, func(t *testing.T, keep int) replica.Feed {
			return replica.NewMemFeed(keep) // your feed here
		})
	}
	_ = testMyFeed
}
