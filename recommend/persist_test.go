package recommend_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// legacyPath is a model file written by duxin v0.1.0, before the
// model-file envelope: the model legacyModel trains.
const legacyPath = "testdata/legacy-v0.1.0.model"

// legacyModel trains the model of legacyPath: 25 simulated users, seed 3,
// trained at a fixed time so that its ID is fixed.
func legacyModel(t *testing.T) (*simulate.Log, *simulate.KB, *recommend.Model) {
	t.Helper()
	log, err := simulate.Generate(simulate.Config{Users: 25, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	m, err := recommend.Train(context.Background(), log.Events, k, recommend.TrainOptions{Clock: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	return log, k, m
}

// TestReadLegacyModel: a model file written by duxin v0.1.0 still loads,
// with the ID, weights and scores of the same model trained now, and
// writes the same file as that model.
func TestReadLegacyModel(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile(legacyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("DUXINREC")) {
		t.Fatalf("%s starts with %.20q, not a v0.1.0 header", legacyPath, data)
	}
	old, err := recommend.ReadModel(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	log, k, fresh := legacyModel(t)
	if d := cmp.Diff(fresh.Info(), old.Info()); d != "" {
		t.Errorf("info, ID included (-trained now +file):\n%s", d)
	}
	if d := cmp.Diff(fresh.Weights(), old.Weights()); d != "" {
		t.Errorf("weights (-trained now +file):\n%s", d)
	}
	var a, b bytes.Buffer
	if _, err := fresh.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := old.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the v0.1.0 model writes other bytes than the same model trained now")
	}
	// The same scores for every question, for users at their last ask.
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Append(ctx, log.Events...); err != nil {
		t.Fatal(err)
	}
	for _, ask := range log.Asks[len(log.Asks)-5:] {
		score := func(m *recommend.Model) []float64 {
			eng, err := recommend.NewEngine(k, store, store, recommend.WithModel(m), recommend.WithClock(func() time.Time { return ask.Time }))
			if err != nil {
				t.Fatal(err)
			}
			s, err := eng.Score(ctx, ask.User, ask.Time, nil, log.Questions)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if d := cmp.Diff(score(fresh), score(old)); d != "" {
			t.Errorf("scores for %s (-trained now +file):\n%s", ask.User, d)
		}
	}
}
