package seqrec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// gamesPath finds the games benchmark log, or "" when it is absent.
func gamesPath() string {
	var dirs []string
	if d := os.Getenv("DUXIN_DATA"); d != "" {
		dirs = append(dirs, filepath.Join(d, "recommend", "games"))
	}
	dirs = append(dirs, filepath.Join("..", "..", "..", "shared", "data", "recommend", "games"))
	for _, d := range dirs {
		p := filepath.Join(d, "events.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

type gamesData struct {
	train    [][]Step
	tune     []Case
	holdout  []Case
	universe []string
}

func loadGames(tb testing.TB) gamesData {
	tb.Helper()
	p := gamesPath()
	if p == "" {
		tb.Skip("games data absent: set DUXIN_DATA or place shared/data beside the repo")
	}
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	seqs, err := ReadLog(f, p)
	if err != nil {
		tb.Fatal(err)
	}
	train, cases := LeaveLastOut(seqs, IsAsk, 3)
	tune, hold := SplitCases(cases)
	return gamesData{train: train, tune: tune, holdout: hold, universe: Universe(seqs, IsAsk)}
}

func TestGamesSweep(t *testing.T) {
	if os.Getenv("SEQREC_SWEEP") == "" {
		t.Skip("set SEQREC_SWEEP=1 to run the tuning sweep")
	}
	g := loadGames(t)
	ctx := context.Background()
	ev := func(name string, s Scorer) {
		r, err := Evaluate(ctx, s, g.tune, g.universe, EvalOptions{SkipFull: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-40s tune %s", name, r)
	}
	ev("popularity", NewPopularity(g.train, IsAsk))
	ev("transition", NewTransition(g.train, IsAsk))
	type variant struct {
		name string
		mod  func(*Options)
	}
	vs := []variant{{"default", func(*Options) {}}}
	for _, k := range []int{50, 100, 200} {
		vs = append(vs, variant{fmt.Sprintf("neighbors=%d", k), func(o *Options) { o.MaxNeighbors = k }})
	}
	vs = append(vs, variant{"neighbors=100 fanout=50", func(o *Options) { o.MaxNeighbors = 100; o.SecondFanout = 50 }})
	for _, v := range vs {
		o := DefaultOptions()
		o.IsTarget = IsAsk
		v.mod(&o)
		start := time.Now()
		m, err := Train(g.train, o)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		ev(v.name+" ("+el.Round(time.Millisecond).String()+")", m)
	}
}

// TestGamesQuality measures the default model and the baselines on the
// holdout half of the games users (the half never looked at while tuning
// DefaultOptions) and checks the model clears HR@10 0.65 and beats both.
func TestGamesQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: trains on the games benchmark")
	}
	g := loadGames(t)
	ctx := context.Background()
	eval := func(name string, s Scorer) Result {
		r, err := Evaluate(ctx, s, g.holdout, g.universe, EvalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-11s holdout %s", name, r)
		return r
	}
	pop := eval("popularity", NewPopularity(g.train, IsAsk))
	tr := eval("transition", NewTransition(g.train, IsAsk))
	o := DefaultOptions()
	o.IsTarget = IsAsk
	start := time.Now()
	m, err := Train(g.train, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained %v in %v", m, time.Since(start).Round(time.Millisecond))
	r := eval("seqrec", m)
	if r.HR < 0.65 || r.HR <= pop.HR || r.HR <= tr.HR {
		t.Errorf("seqrec holdout HR@10 = %.4f, want >= 0.65 and above popularity %.4f and transition %.4f", r.HR, pop.HR, tr.HR)
	}
}

// BenchmarkGamesQuality reports holdout quality and training time per
// scorer, e.g. go test -run - -bench GamesQuality -benchtime 1x.
func BenchmarkGamesQuality(b *testing.B) {
	g := loadGames(b)
	ctx := context.Background()
	o := DefaultOptions()
	o.IsTarget = IsAsk
	scorers := []struct {
		name  string
		train func() Scorer
	}{
		{"popularity", func() Scorer { return NewPopularity(g.train, IsAsk) }},
		{"transition", func() Scorer { return NewTransition(g.train, IsAsk) }},
		{"seqrec", func() Scorer {
			m, err := Train(g.train, o)
			if err != nil {
				b.Fatal(err)
			}
			return m
		}},
	}
	for _, sc := range scorers {
		b.Run(sc.name, func(b *testing.B) {
			b.ReportAllocs()
			var s Scorer
			for b.Loop() {
				s = sc.train()
			}
			r, err := Evaluate(ctx, s, g.holdout, g.universe, EvalOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.HR, "hr@10")
			b.ReportMetric(r.NDCG, "ndcg@10")
			b.ReportMetric(r.FullHR, "full_hr@10")
			b.ReportMetric(r.FullMRR, "full_mrr@10")
		})
	}
}
