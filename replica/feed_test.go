package replica_test

import (
	"testing"

	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/replica/feedtest"
)

func TestMemFeed(t *testing.T) {
	feedtest.Run(t, func(t *testing.T, keep int) replica.Feed { return replica.NewMemFeed(keep) })
}
