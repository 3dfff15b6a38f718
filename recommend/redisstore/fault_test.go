package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/internal/redistest"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// TestEngineThroughRedisRestart kills redis-server under concurrent
// Record and Recommend calls of an engine on the store, and restarts it:
// every event whose Record returned nil is there afterwards; while Redis
// is down Record fails and Recommend answers degraded (never another
// error, never a hang past its deadline); once it is back both work again,
// without a new store or engine.
func TestEngineThroughRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a redis-server")
	}
	ctx := context.Background()
	srv := redistest.Start(t)
	f := newStoreAt(t, srv.URL(), redisstore.Config{})
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(k, f.Store, f.Store, recommend.WithStoreTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	acked := map[string][]string{} // user → ids of events Record accepted
	var recordFails, degraded, healthy int
	var other []error
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		user := fmt.Sprintf("u%d", w)
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("%s-%d", user, i)
				opCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
				err := eng.Record(opCtx, recommend.Event{ID: id, User: user, Time: time.Now(), Type: "transfer.fail",
					Attrs: map[string]string{"channel": "bank_card"}})
				cancel()
				mu.Lock()
				if err == nil {
					acked[user] = append(acked[user], id)
				} else {
					recordFails++
				}
				mu.Unlock()
				opCtx, cancel = context.WithTimeout(ctx, 2*time.Second)
				t0 := time.Now()
				sugs, err := eng.Recommend(opCtx, recommend.Request{User: user})
				took := time.Since(t0)
				cancel()
				mu.Lock()
				switch {
				case err == nil:
					healthy++
				case errors.Is(err, recommend.ErrDegraded) && len(sugs) > 0:
					degraded++
				default:
					other = append(other, fmt.Errorf("after %v: %w", took, err))
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	srv.Kill()
	time.Sleep(time.Second)
	srv.Restart(t)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(other) > 0 {
		t.Errorf("%d Recommend calls failed instead of answering degraded, first: %v", len(other), other[0])
	}
	if recordFails == 0 || degraded == 0 {
		t.Errorf("Redis was down for a second, yet %d Record calls failed and %d Recommend calls were degraded", recordFails, degraded)
	}
	lost := 0
	for user, ids := range acked {
		evs, err := f.Recent(ctx, user, time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, e := range evs {
			have[e.ID] = true
		}
		for _, id := range ids {
			if !have[id] {
				lost++
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d events whose Record returned nil are not in the store after the restart", lost)
	}
	if _, err := eng.Recommend(ctx, recommend.Request{User: "u0"}); err != nil {
		t.Errorf("Recommend after the restart: %v", err)
	}
	n := 0
	for _, ids := range acked {
		n += len(ids)
	}
	t.Logf("fault: %d events acknowledged (none lost), %d Record calls failed; Recommend: %d healthy, %d degraded, %d failed",
		n, recordFails, healthy, degraded, len(other))
}
