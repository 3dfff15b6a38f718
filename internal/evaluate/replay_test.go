package evaluate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/recommend"
)

const day = 24 * time.Hour

// replayLog is a small hand-made log around a cut: 40 users ask the 13
// questions alpha…mike in the 10 days before it; after it, zulu — a
// question no one asked before — is the third ask of 20 users on the
// cut's day (z*), 20 the next day (y*) and 10 four days later (x*),
// nothing happening on the two days between. A few more users sit on
// either side of the rules that pick whom Replay ranks.
func replayLog(cut time.Time) []recommend.Event {
	pre := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike")
	var evs []recommend.Event
	ask := func(u string, at time.Time, q string) {
		evs = append(evs, recommend.Event{User: u, Time: at, Type: recommend.TypeAsk, Question: q})
	}
	view := func(u string, at time.Time) {
		evs = append(evs, recommend.Event{User: u, Time: at, Type: "page.view", Attrs: map[string]string{"page": "home"}})
	}
	t0 := cut.Add(-10 * day)
	for i := range 40 {
		u, d := fmt.Sprintf("b%02d", i), t0.Add(time.Duration(i%10)*day)
		view(u, d.Add(30*time.Minute))
		for j := range 4 {
			ask(u, d.Add(time.Duration(j+1)*time.Hour), pre[(i+j)%len(pre)])
		}
	}
	for _, g := range []struct {
		prefix string
		n      int
		day    time.Duration
		first  []string
	}{{"z", 20, 0, []string{"alpha", "bravo"}}, {"y", 20, 1, []string{"charlie", "delta"}}, {"x", 10, 4, []string{"echo", "foxtrot"}}} {
		for i := range g.n {
			u, d := fmt.Sprintf("%s%02d", g.prefix, i), cut.Add(g.day*day+time.Duration(i)*time.Minute)
			ask(u, d.Add(1*time.Hour), g.first[0])
			ask(u, d.Add(2*time.Hour), g.first[1])
			ask(u, d.Add(3*time.Hour), "zulu")
		}
	}
	// Three asks, all before the cut: not ranked.
	ask("pre3", t0.Add(2*day), "alpha")
	ask("pre3", t0.Add(2*day+time.Hour), "bravo")
	ask("pre3", t0.Add(2*day+2*time.Hour), "charlie")
	// Three asks before the cut, only a view after it: not ranked.
	ask("pre3late", t0.Add(3*day), "delta")
	ask("pre3late", t0.Add(3*day+time.Hour), "echo")
	ask("pre3late", t0.Add(3*day+2*time.Hour), "golf")
	view("pre3late", cut.Add(5*time.Hour))
	// The last of three asks a second before the cut: not ranked.
	ask("justbefore", t0.Add(9*day), "hotel")
	ask("justbefore", t0.Add(9*day+time.Hour), "india")
	ask("justbefore", cut.Add(-time.Second), "juliet")
	// The last of three asks at the cut: ranked.
	ask("atcut", t0.Add(9*day), "alpha")
	ask("atcut", t0.Add(9*day+time.Hour), "bravo")
	ask("atcut", cut, "charlie")
	// Two asks before the cut, the last after it: ranked.
	ask("span", t0.Add(5*day), "alpha")
	ask("span", t0.Add(5*day+time.Hour), "bravo")
	ask("span", cut.Add(4*day+5*time.Hour), "charlie")
	// Two asks, after the cut: not ranked.
	ask("post2", cut.Add(day+5*time.Hour), "alpha")
	ask("post2", cut.Add(day+6*time.Hour), "bravo")
	// Zulu asked once after the cut and again as the last ask: ranked,
	// and the only history that knows zulu is what Record stored.
	ask("again", cut.Add(6*time.Hour), "alpha")
	ask("again", cut.Add(7*time.Hour), "zulu")
	ask("again", cut.Add(8*time.Hour), "bravo")
	ask("again", cut.Add(9*time.Hour), "zulu")
	// Three asks after the cut, then more events: ranked.
	ask("tail", cut.Add(day+7*time.Hour), "golf")
	ask("tail", cut.Add(day+8*time.Hour), "hotel")
	ask("tail", cut.Add(day+9*time.Hour), "india")
	view("tail", cut.Add(4*day+8*time.Hour))
	// The log's order is not time order: Replay must sort it.
	slices.Reverse(evs)
	return evs
}

// replayCase is what the dump says about one ranked user.
type replayCase struct {
	target string
	score  float64 // the target's Engine.Score
	served []string
}

// runReplay replays log with Retrain every retrain, returning the
// figures and each ranked user's dump.
func runReplay(t *testing.T, log []recommend.Event, cut time.Time, retrain time.Duration) (ReplayFigures, map[string]*replayCase) {
	t.Helper()
	cases := map[string]*replayCase{}
	var cur *replayCase
	dump := func(fields ...any) {
		switch {
		case fields[0] != "":
			cur = &replayCase{target: fields[1].(string), score: fields[2].(float64)}
			cases[fields[0].(string)] = cur
		case fields[1] != "":
			cur.served = append(cur.served, fields[1].(string))
		}
	}
	// History decides, with a hint of popularity: a question scores above
	// zero only if the user asked it before (what the store holds) or the
	// model counted it (what it was trained on).
	w := recommend.Weights{History: 1, Popular: 0.001}
	fig, err := Replay(context.Background(), log, ReplayConfig{
		RecommendConfig: RecommendConfig{Weights: &w, Seed: 1, Dump: dump},
		From:            cut, Retrain: retrain,
	})
	if err != nil {
		t.Fatal(err)
	}
	return fig, cases
}

func TestReplay(t *testing.T) {
	cut := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	log := replayLog(cut)
	before := func(at time.Time) int {
		n := 0
		for _, e := range log {
			if e.Time.Before(at) {
				n++
			}
		}
		return n
	}

	var wantUsers []string
	for _, g := range []struct {
		prefix string
		n      int
	}{{"z", 20}, {"y", 20}, {"x", 10}} {
		for i := range g.n {
			wantUsers = append(wantUsers, fmt.Sprintf("%s%02d", g.prefix, i))
		}
	}
	wantUsers = append(wantUsers, "atcut", "span", "again", "tail")
	slices.Sort(wantUsers)

	for _, tc := range []struct {
		name    string
		retrain time.Duration
		// trained are the TrainedAt of the models served, in order.
		trained []time.Time
	}{
		{"never", 0, []time.Time{cut}},
		// Days 2 and 3 have no event: one retraining at day 4 covers them.
		{"daily", day, []time.Time{cut, cut.Add(day), cut.Add(4 * day)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fig, cases := runReplay(t, log, cut, tc.retrain)

			users := slices.Sorted(maps.Keys(cases))
			if d := cmp.Diff(wantUsers, users); d != "" {
				t.Errorf("ranked users (-want +got):\n%s", d)
			}
			if fig.Users != len(wantUsers) || fig.Questions != 14 {
				t.Errorf("Users, Questions = %d, %d; want %d, 14", fig.Users, fig.Questions, len(wantUsers))
			}

			// Each model learned from exactly the events before it was
			// trained; the first never saw zulu.
			if fig.Retrains != len(tc.trained)-1 || len(fig.Models) != len(tc.trained) {
				t.Fatalf("Retrains = %d with %d models, want %d retrains", fig.Retrains, len(fig.Models), len(tc.trained)-1)
			}
			if fig.Model != fig.Models[0] {
				t.Errorf("Model is not Models[0]")
			}
			for k, at := range tc.trained {
				info := fig.Models[k].Info()
				if !info.TrainedAt.Equal(at) || info.Events != before(at) {
					t.Errorf("model %d: trained at %s on %d events, want %s and %d", k, info.TrainedAt, info.Events, at, before(at))
				}
			}
			if q := fig.Models[0].Info().Questions; q != 13 {
				t.Errorf("the model trained before the cut knew %d questions, want the 13 asked before it", q)
			}

			// Zulu, first asked after the cut, is known to a request only
			// from the user's own recorded asks or from a model retrained
			// since: never to z*, ranked before the first retraining.
			retrained := tc.retrain > 0
			for u, c := range cases {
				if c.target != "zulu" || u == "again" {
					continue
				}
				known := retrained && u[0] != 'z'
				if got := slices.Contains(c.served, "zulu"); got != known {
					t.Errorf("%s: zulu served = %v, want %v (served %v)", u, got, known, c.served)
				}
				if got := c.score > 0; got != known {
					t.Errorf("%s: zulu scores %v, want > 0 = %v", u, c.score, known)
				}
			}
			// Zulu asked before, after the cut: Record stored it.
			if c := cases["again"]; c == nil || c.score <= 0 || !slices.Contains(c.served, "zulu") {
				t.Errorf("again: %+v, want zulu scored above 0 and served", c)
			}
			wantHR := 1.0 / float64(len(wantUsers)) // again's
			if retrained {
				wantHR = 31.0 / float64(len(wantUsers)) // y*, x* and again
			}
			if fig.ServedHR10 < round4(wantHR) {
				t.Errorf("ServedHR10 = %v, want at least %v", fig.ServedHR10, round4(wantHR))
			}
		})
	}
}

func TestReplayRefuses(t *testing.T) {
	cut := time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC)
	log := replayLog(cut)
	first, last := cut.Add(-10*day+30*time.Minute), cut.Add(4*day+8*time.Hour)
	for _, tc := range []struct {
		name string
		cfg  ReplayConfig
		want string
	}{
		{"no cut", ReplayConfig{}, "no cut"},
		{"cut at the first event", ReplayConfig{From: first}, "not after the log's first event"},
		{"cut before the first event", ReplayConfig{From: first.Add(-day)}, "not after the log's first event"},
		{"cut after the last event", ReplayConfig{From: last.Add(time.Second)}, "after the log's last event"},
		{"negative retrain", ReplayConfig{From: cut, Retrain: -time.Hour}, "want >= 0"},
		{"model given", ReplayConfig{From: cut, RecommendConfig: RecommendConfig{Model: &recommend.Model{}}}, "trains its own"},
		{"bad half", ReplayConfig{From: cut, RecommendConfig: RecommendConfig{Users: "even"}}, "want tune, report or all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Replay(context.Background(), log, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}
