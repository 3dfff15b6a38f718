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
	for _, k := range []int{25, 50, 200, 1000} {
		vs = append(vs, variant{fmt.Sprintf("fanout=%d", k), func(o *Options) { o.SecondFanout = k }})
	}
	vs = append(vs, variant{"first-order only", func(o *Options) { o.SecondOrder = 0 }})
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
