package recommend_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// learnedWorld is the synthetic world the learned-model tests share: each
// rule is a property the model must learn from the log alone (the catalog
// has no triggers).
var learnedWorld = &synthWorld{
	needs: []synthNeed{
		// Elapsed time: A's need peaks about two hours after it, B's
		// within ten minutes.
		{typ: "a.event", q: "late", p: 0.8, from: 100 * time.Minute, to: 140 * time.Minute},
		{typ: "b.event", q: "soon", p: 0.8, from: 0, to: 8 * time.Minute},
		// Attribute values raise different questions.
		{typ: "transfer.fail", attrs: map[string]string{"reason": "balance"}, q: "fail-balance", p: 0.8, from: time.Minute, to: 20 * time.Minute},
		{typ: "transfer.fail", attrs: map[string]string{"reason": "risk"}, q: "fail-risk", p: 0.8, from: time.Minute, to: 20 * time.Minute},
		// Only a combination raises this one.
		{typ: "transfer.success", attrs: map[string]string{"channel": "bank_card", "size": "large"}, q: "large-to-card", p: 0.9, from: 30 * time.Minute, to: 3 * time.Hour},
		// Two questions equally likely after c.event; the entry page tells
		// them apart.
		{typ: "c.event", q: "huabei-q", p: 0.5, from: 5 * time.Minute, to: 30 * time.Minute},
		{typ: "c.event", q: "other-q", p: 0.5, from: 5 * time.Minute, to: 30 * time.Minute},
	},
	events: map[string]map[string][]string{
		"a.event":          nil,
		"b.event":          nil,
		"c.event":          nil,
		"noise.event":      {"k": {"x", "y"}},
		"transfer.fail":    {"reason": {"balance", "risk", "timeout"}},
		"transfer.success": {"channel": {"bank_card", "account"}, "size": {"large", "small"}},
	},
	base:     []string{"base1", "base2", "base3", "base4", "base5", "base6"},
	vipQ:     "vip-q",
	openFrom: map[string]string{"huabei-q": "huabei"},
	reaskP:   0.4,
}

// learned returns an engine serving a model trained on learnedWorld, over a
// catalog of its questions, and a fresh store to put test users in.
var learned = sync.OnceValues(func() (*learnedFixture, error) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	log := learnedWorld.log(3000, 1, start)
	var faqs []kb.FAQ
	for _, q := range learnedWorld.questions() {
		faqs = append(faqs, kb.FAQ{ID: q, Question: q, Category: q})
	}
	cat, err := simulate.NewKB(faqs)
	if err != nil {
		return nil, err
	}
	m, err := recommend.Train(context.Background(), log, cat, recommend.TrainOptions{Seed: 1})
	if err != nil {
		return nil, err
	}
	return &learnedFixture{cat: cat, model: m}, nil
})

type learnedFixture struct {
	cat   *simulate.KB
	model *recommend.Model
}

// engine returns an engine on the fixture's model with hist in its store.
func (f *learnedFixture) engine(t *testing.T, hist ...recommend.Event) *recommend.Engine {
	t.Helper()
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := simulate.SamplePhrasebook()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(f.cat, store, store, recommend.WithModel(f.model), recommend.WithClock(clock),
		recommend.WithExploration(0, 0), recommend.WithPhrasebook(pb))
	if err != nil {
		t.Fatal(err)
	}
	record(t, eng, hist...)
	return eng
}

func learnedFix(t *testing.T) *learnedFixture {
	t.Helper()
	f, err := learned()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// ranking returns every catalog question for user at `at` with the visit
// context, best first.
func ranking(t *testing.T, eng *recommend.Engine, user string, at time.Time, visit map[string]string) []string {
	t.Helper()
	return rankingOf(t, eng, user, at, visit, learnedWorld.questions())
}

// rankingOf returns questions qs for user at `at`, best first.
func rankingOf(t *testing.T, eng *recommend.Engine, user string, at time.Time, visit map[string]string, qs []string) []string {
	t.Helper()
	sc, err := eng.Score(context.Background(), user, at, visit, qs)
	if err != nil {
		t.Fatal(err)
	}
	order := slices.Clone(qs)
	slices.SortStableFunc(order, func(a, b string) int {
		sa, sb := sc[slices.Index(qs, a)], sc[slices.Index(qs, b)]
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	return order
}

func rankOf(order []string, q string) int { return slices.Index(order, q) + 1 }

// TestLearnedElapsedTime: A's need peaks two hours after it and B's fades
// within ten minutes; with both in a user's history, B's question leads at
// first, A's two hours later, each by a wide margin at its moment, and three
// days on neither is raised any more.
func TestLearnedElapsedTime(t *testing.T) {
	f := learnedFix(t)
	at := now.Add(-24 * time.Hour)
	eng := f.engine(t,
		recommend.Event{User: "u", Time: at, Type: "a.event"},
		recommend.Event{User: "u", Time: at, Type: "b.event"})
	score := func(after time.Duration) map[string]float64 {
		qs := []string{"soon", "late", "base1"}
		sc, err := eng.Score(context.Background(), "u", at.Add(after), nil, qs)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]float64{qs[0]: sc[0], qs[1]: sc[1], qs[2]: sc[2]}
	}
	early, later, gone := score(3*time.Minute), score(2*time.Hour), score(72*time.Hour)
	if order := ranking(t, eng, "u", at.Add(3*time.Minute), nil); order[0] != "soon" || early["late"] > early["soon"]/2 {
		t.Errorf("3m after: ranking %v, scores %v; want soon first, late under half of it", order[:4], early)
	}
	if order := ranking(t, eng, "u", at.Add(2*time.Hour), nil); order[0] != "late" || later["soon"] > later["late"]/2 {
		t.Errorf("2h after: ranking %v, scores %v; want late first, soon under half of it", order[:4], later)
	}
	// Three days on, both are back to their base rates: no more than
	// twice a base question's.
	if gone["soon"] > 2*gone["base1"] || gone["late"] > 2*gone["base1"] {
		t.Errorf("3 days after: scores %v, want soon and late near base1", gone)
	}
}

// TestLearnedAttributes: transfer.fail{reason=balance} and {reason=risk}
// raise different questions.
func TestLearnedAttributes(t *testing.T) {
	f := learnedFix(t)
	for reason, want := range map[string]string{"balance": "fail-balance", "risk": "fail-risk"} {
		eng := f.engine(t, recommend.Event{User: "u", Time: now.Add(-5 * time.Minute), Type: "transfer.fail", Attrs: map[string]string{"reason": reason}})
		if order := ranking(t, eng, "u", now, nil); order[0] != want {
			t.Errorf("reason=%s: ranking %v, want %s first", reason, order[:4], want)
		}
	}
}

// TestLearnedCombination: only a large transfer to a bank card raises
// large-to-card; either attribute alone does not.
func TestLearnedCombination(t *testing.T) {
	f := learnedFix(t)
	for _, tc := range []struct {
		channel, size string
		top           bool
	}{
		{"bank_card", "large", true},
		{"bank_card", "small", false},
		{"account", "large", false},
	} {
		eng := f.engine(t, recommend.Event{User: "u", Time: now.Add(-time.Hour), Type: "transfer.success",
			Attrs: map[string]string{"channel": tc.channel, "size": tc.size}})
		r := rankOf(ranking(t, eng, "u", now, nil), "large-to-card")
		if tc.top != (r == 1) || !tc.top && r <= 3 {
			t.Errorf("%s/%s: large-to-card ranks %d, want first: %v", tc.channel, tc.size, r, tc.top)
		}
	}
}

// TestLearnedProfile: a vip profile shifts the base rates toward vip-q, a
// regular one away from it; a user with no history gets the global ones.
func TestLearnedProfile(t *testing.T) {
	f := learnedFix(t)
	vip := f.engine(t, recommend.Event{User: "u", Time: now.Add(-time.Hour), Type: "profile.snapshot", Attrs: map[string]string{"level": "vip"}})
	if order := ranking(t, vip, "u", now, nil); order[0] != "vip-q" {
		t.Errorf("vip: ranking %v, want vip-q first", order[:4])
	}
	regular := f.engine(t, recommend.Event{User: "u", Time: now.Add(-time.Hour), Type: "profile.snapshot", Attrs: map[string]string{"level": "regular"}})
	none := f.engine(t)
	rr, rn := rankOf(ranking(t, regular, "u", now, nil), "vip-q"), rankOf(ranking(t, none, "u", now, nil), "vip-q")
	if rr <= rn || rn <= 1 {
		t.Errorf("vip-q ranks %d for a regular user and %d for one without history (the global base rates), want lower for the regular user, and not first without history", rr, rn)
	}
}

// TestLearnedEntryContext: after c.event two questions are equally likely;
// where the help center was opened from — in the request or as a logged
// open event — decides.
func TestLearnedEntryContext(t *testing.T) {
	f := learnedFix(t)
	ev := recommend.Event{User: "u", Time: now.Add(-10 * time.Minute), Type: "c.event"}
	eng := f.engine(t, ev)
	for from, want := range map[string]string{"huabei": "huabei-q", "home": "other-q"} {
		if order := ranking(t, eng, "u", now, map[string]string{"from": from}); order[0] != want {
			t.Errorf("from=%s: ranking %v, want %s first", from, order[:4], want)
		}
	}
	logged := f.engine(t, ev, recommend.Event{User: "u", Time: now.Add(-time.Second), Type: recommend.TypeOpen, Attrs: map[string]string{"from": "huabei"}})
	got, err := logged.Recommend(context.Background(), recommend.Request{User: "u", Limit: 2, Diversity: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].FAQ.ID != "huabei-q" {
		t.Errorf("logged open from=huabei: %v, want huabei-q first", ids(got))
	}
}

// TestLearnedReask: a question asked minutes ago and not resolved is
// suggested again, saying so; marked resolved, it is not.
func TestLearnedReask(t *testing.T) {
	f := learnedFix(t)
	ctx := context.Background()
	eng := f.engine(t, recommend.Event{User: "u", Time: now.Add(-5 * time.Minute), Type: recommend.TypeAsk, Question: "base3"})
	got, err := eng.Recommend(ctx, recommend.Request{User: "u", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].FAQ.ID != "base3" || got[0].Reasons[0].Text != "你5分钟前看过这个问题" {
		t.Fatalf("got %v, reasons %+v; want base3 first, because it was asked 5 minutes ago", ids(got), got[0].Reasons)
	}
	if err := eng.Feedback(ctx, recommend.Feedback{User: "u", Question: "base3", Kind: recommend.Resolve, Time: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	got, err = eng.Recommend(ctx, recommend.Request{User: "u", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids(got), "base3") {
		t.Errorf("resolved base3 still suggested: %v", ids(got))
	}
}

// TestLearnedReasons: a suggestion the learned model raises names the
// event and its age; an event type the phrasebook lacks is told neutrally.
func TestLearnedReasons(t *testing.T) {
	f := learnedFix(t)
	eng := f.engine(t, recommend.Event{User: "u", Time: now.Add(-3 * time.Minute), Type: "transfer.fail", Attrs: map[string]string{"reason": "risk"}})
	got, err := eng.Recommend(context.Background(), recommend.Request{User: "u", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := got[0].Reasons[0]
	// transfer.fail is in the wallet phrasebook (its value risk is not: the
	// clause keeps the value).
	if r.Kind != recommend.ReasonLearned || !strings.HasPrefix(r.Text, "你3分钟前有一笔转账") || r.Event == nil || r.Ago != 3*time.Minute {
		t.Errorf("reason %+v, want the learned transfer.fail 3 minutes ago", r)
	}
	eng = f.engine(t, recommend.Event{User: "u", Time: now.Add(-4 * time.Minute), Type: "b.event"})
	got, err = eng.Recommend(context.Background(), recommend.Request{User: "u", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r := got[0].Reasons[0]; got[0].FAQ.ID != "soon" || r.Text != "你4分钟前有一次相关操作" {
		t.Errorf("%s: reason %+v, want a neutral sentence for b.event", got[0].FAQ.ID, r)
	}
}

// questions returns every question of the world, sorted.
func (w *synthWorld) questions() []string {
	set := map[string]bool{w.vipQ: true}
	for _, n := range w.needs {
		set[n.q] = true
	}
	for _, q := range w.base {
		set[q] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// TestTriggersSurviveTraining: on a log the need model explains alone, an
// operator's rule still works after training — on a question the log knows
// (base2, after a campaign page) and on one it has never seen, after an
// event type it has never seen — beside the learned model's best guess.
func TestTriggersSurviveTraining(t *testing.T) {
	f := learnedFix(t)
	if w := f.model.Weights(); w.Trigger < w.Learned || w.Trigger < w.Sequence {
		t.Errorf("fitted weights %+v: the trigger weight fell below the strongest source's", w)
	}
	var faqs []kb.FAQ
	for _, q := range learnedWorld.questions() {
		faqs = append(faqs, kb.FAQ{ID: q, Question: q, Category: q})
	}
	day := kb.Duration(24 * time.Hour)
	for i := range faqs {
		if faqs[i].ID == "base2" {
			faqs[i].Triggers = []kb.Trigger{{Event: "page.view", Attrs: map[string]string{"page": "double11"}, Window: day, Weight: 1}}
		}
	}
	faqs = append(faqs, kb.FAQ{ID: "new-q", Question: "new-q", Category: "new",
		Triggers: []kb.Trigger{{Event: "coupon.expire", Window: day, Weight: 1}}})
	cat, err := simulate.NewKB(faqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ev   recommend.Event
		want string
	}{
		{recommend.Event{Type: "page.view", Attrs: map[string]string{"page": "double11"}}, "base2"},
		{recommend.Event{Type: "coupon.expire"}, "new-q"},
	} {
		store, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		eng, err := recommend.NewEngine(cat, store, store, recommend.WithModel(f.model), recommend.WithClock(clock),
			recommend.WithExploration(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		// The learned model's own favourite: late, two hours after a.event.
		tc.ev.User, tc.ev.Time = "u", now.Add(-10*time.Minute)
		record(t, eng, recommend.Event{User: "u", Time: now.Add(-2 * time.Hour), Type: "a.event"}, tc.ev)
		got, err := eng.Recommend(context.Background(), recommend.Request{User: "u", Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		k := slices.Index(ids(got), tc.want)
		if k < 0 || got[k].Reasons[0].Kind != recommend.ReasonTrigger {
			t.Errorf("after %s: %v, want %s among them for its trigger (weights %+v)", tc.ev.Type, ids(got), tc.want, f.model.Weights())
		}
		if !slices.Contains(ids(got), "late") {
			t.Errorf("after %s: %v, want the learned late beside it", tc.ev.Type, ids(got))
		}
	}
}

// TestDiversityKeepsTheLikely: three needs raised at once, their questions
// in one category: the default diversity keeps all three at the top, in
// the model's order, where it would have pulled weaker questions of
// another category between them.
func TestDiversityKeepsTheLikely(t *testing.T) {
	f := learnedFix(t)
	strong := []string{"fail-balance", "fail-risk", "late"}
	var faqs []kb.FAQ
	for _, q := range learnedWorld.questions() {
		c := "other"
		if slices.Contains(strong, q) {
			c = "strong"
		}
		faqs = append(faqs, kb.FAQ{ID: q, Question: q, Category: c})
	}
	cat, err := simulate.NewKB(faqs)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(opts ...recommend.Option) []string {
		store, err := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		opts = append([]recommend.Option{recommend.WithModel(f.model), recommend.WithClock(clock), recommend.WithExploration(0, 0)}, opts...)
		eng, err := recommend.NewEngine(cat, store, store, opts...)
		if err != nil {
			t.Fatal(err)
		}
		record(t, eng,
			recommend.Event{User: "u", Time: now.Add(-2 * time.Hour), Type: "a.event"},
			recommend.Event{User: "u", Time: now.Add(-5 * time.Minute), Type: "transfer.fail", Attrs: map[string]string{"reason": "risk"}},
			recommend.Event{User: "u", Time: now.Add(-4 * time.Minute), Type: "transfer.fail", Attrs: map[string]string{"reason": "balance"}})
		got, err := eng.Recommend(context.Background(), recommend.Request{User: "u", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	plain := serve(recommend.WithDiversity(0))
	if got := plain[:3]; !slices.Equal(slices.Sorted(slices.Values(got)), strong) {
		t.Fatalf("without diversity the top three are %v, want %v", got, strong)
	}
	if got := serve(); !slices.Equal(got[:3], plain[:3]) {
		t.Errorf("default diversity serves %v, want the top three %v kept", got, plain[:3])
	}
	if got := serve(recommend.WithDiversity(0.3)); slices.Equal(got[:3], plain[:3]) {
		t.Errorf("at 0.3 too the top three stay (%v): this world no longer tells a near tie from a wide gap", got)
	}
}
