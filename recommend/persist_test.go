package recommend_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// legacyPath is a model file written by duxin v0.1.0, before the
// model-file envelope: the model legacyModel trains.
const legacyPath = "testdata/legacy-v0.1.0.model"

// legacyModel trains a model on the log legacyPath was trained on by v0.1.0
// (25 simulated users, seed 3) with today's Train,
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
// and reads back from the file it writes now with the same ID, weights,
// bytes and scores. (Training has changed since: the model trained now
// from the same log is another model, so the file is compared with itself.)
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
	if id := old.Info().ID; id != legacyID {
		t.Errorf("the v0.1.0 model reads with ID %s, want %s", id, legacyID)
	}
	var a bytes.Buffer
	if _, err := old.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	again, err := recommend.ReadModel(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(old.Info(), again.Info()); d != "" {
		t.Errorf("info, ID included (-v0.1.0 file +written now):\n%s", d)
	}
	if d := cmp.Diff(old.Weights(), again.Weights()); d != "" {
		t.Errorf("weights (-v0.1.0 file +written now):\n%s", d)
	}
	var b bytes.Buffer
	if _, err := again.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the model read back writes other bytes")
	}
	log, k, _ := legacyModel(t)
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
		s := score(old)
		if slices.Max(s) <= 0 {
			t.Errorf("scores for %s all zero: %v", ask.User, s)
		}
		if d := cmp.Diff(s, score(again)); d != "" {
			t.Errorf("scores for %s (-v0.1.0 file +written now):\n%s", ask.User, d)
		}
	}
}

// legacyID is the ID of the model in legacyPath, as v0.1.0 wrote it.
const legacyID = "12dc311f36ea1aaa7ec585baaabb8f376dd8d35ee2c27f12c2dfd2704dcfc7a0"
