package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// newEngine returns a cold engine over the sample KB (no model) with a
// memory store on a fixed clock, and the store.
func newEngine(t testing.TB, opts ...recommend.Option) (*recommend.Engine, *recommend.MemoryStore) {
	t.Helper()
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	return newEngineKB(t, k, opts...)
}

func newEngineKB(t testing.TB, k recommend.Catalog, opts ...recommend.Option) (*recommend.Engine, *recommend.MemoryStore) {
	t.Helper()
	store, err := recommend.NewMemoryStore(recommend.MemoryConfig{Clock: clock, TTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	pb, err := simulate.SamplePhrasebook()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := recommend.NewEngine(k, store, store, append([]recommend.Option{recommend.WithClock(clock), recommend.WithPhrasebook(pb)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return eng, store
}

func ids(s []recommend.Suggestion) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.FAQ.ID
	}
	return out
}

func record(t testing.TB, eng *recommend.Engine, evs ...recommend.Event) {
	t.Helper()
	if err := eng.Record(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
}

func transferFail(user string, ago time.Duration) recommend.Event {
	return recommend.Event{User: user, Time: now.Add(-ago), Type: "transfer.fail",
		Attrs: map[string]string{"channel": "bank_card", "amount": "500.00", "reason": "insufficient_balance"}}
}

func TestColdStartTriggers(t *testing.T) {
	eng, _ := newEngine(t)
	record(t, eng, transferFail("u1", 3*time.Minute))
	got, err := eng.Recommend(context.Background(), recommend.Request{User: "u1", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d suggestions, want 3", len(got))
	}
	top := got[0]
	if len(top.Reasons) == 0 || top.Reasons[0].Kind != recommend.ReasonTrigger {
		t.Fatalf("top suggestion %s has reasons %+v, want a trigger first", top.FAQ.ID, top.Reasons)
	}
	r := top.Reasons[0]
	if want := "你3分钟前有一笔转账到银行卡失败了（余额不足）"; r.Text != want {
		t.Errorf("reason text = %q, want %q", r.Text, want)
	}
	if r.Event == nil || r.Event.Type != "transfer.fail" || r.Ago != 3*time.Minute || !strings.HasPrefix(r.Rule, "transfer.fail") {
		t.Errorf("reason = %+v, want the transfer.fail event 3m ago and its rule", r)
	}
	// Every suggestion of a matched trigger names a transfer question.
	for _, s := range got {
		if s.FAQ.Category != "转账" {
			t.Logf("suggestion %s (%s): %v", s.FAQ.ID, s.FAQ.Category, s.Reasons[0].Text)
		}
		if len(s.Reasons) == 0 {
			t.Errorf("%s has no reasons", s.FAQ.ID)
		}
	}
	if top.FAQ.Category != "转账" {
		t.Errorf("top suggestion %s is in %s, want 转账", top.FAQ.ID, top.FAQ.Category)
	}
}

func TestColdStartNoEvents(t *testing.T) {
	eng, _ := newEngine(t)
	got, err := eng.Recommend(context.Background(), recommend.Request{User: "nobody", Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d suggestions, want 4 filled from the catalog", len(got))
	}
	for _, s := range got {
		if len(s.Reasons) != 1 || s.Reasons[0].Kind != recommend.ReasonDefault {
			t.Errorf("%s: reasons %+v, want one default reason", s.FAQ.ID, s.Reasons)
		}
	}
}

func TestDismissAndResolve(t *testing.T) {
	ctx := context.Background()
	eng, _ := newEngine(t, recommend.WithResolvedFor(time.Hour))
	record(t, eng, transferFail("u1", time.Minute))
	first, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 3, Diversity: -1})
	if err != nil {
		t.Fatal(err)
	}
	top, second := first[0].FAQ.ID, first[1].FAQ.ID
	if err := eng.Feedback(ctx,
		recommend.Feedback{User: "u1", Question: top, Kind: recommend.Dismiss},
		recommend.Feedback{User: "u1", Question: second, Kind: recommend.Resolve, Time: now.Add(-30 * time.Minute)},
	); err != nil {
		t.Fatal(err)
	}
	got, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 10, Diversity: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids(got) {
		if id == top || id == second {
			t.Errorf("%s suggested after dismiss/resolve: %v", id, ids(got))
		}
	}
	// Scores say the same.
	sc, err := eng.Score(ctx, "u1", time.Time{}, nil, []string{top, second})
	if err != nil {
		t.Fatal(err)
	}
	if sc[0] > -1e300 || sc[1] > -1e300 {
		t.Errorf("scores of dismissed/resolved = %v, want -Inf", sc)
	}
	// Resolution expires; dismissal does not.
	later := now.Add(2 * time.Hour)
	sc, err = eng.Score(ctx, "u1", later, nil, []string{top, second})
	if err != nil {
		t.Fatal(err)
	}
	if sc[0] > -1e300 {
		t.Errorf("dismissed %s scores %v after 2h, want -Inf", top, sc[0])
	}
	if sc[1] < -1e300 {
		t.Errorf("resolved %s still excluded after the period", second)
	}
}

func TestBusinessRules(t *testing.T) {
	ctx := context.Background()
	faqs, err := simulate.SampleFAQs()
	if err != nil {
		t.Fatal(err)
	}
	// Make one transfer question expire before now and one start after.
	var expired, future string
	for i := range faqs {
		if faqs[i].Category == "转账" && expired == "" && len(faqs[i].Triggers) > 0 && hasTrigger(faqs[i], "transfer.fail") {
			faqs[i].ValidUntil = now.Add(-time.Hour)
			expired = faqs[i].ID
		} else if faqs[i].Category == "转账" && future == "" && hasTrigger(faqs[i], "transfer.fail") {
			faqs[i].ValidFrom = now.Add(time.Hour)
			future = faqs[i].ID
		}
	}
	k, err := simulate.NewKB(faqs)
	if err != nil {
		t.Fatal(err)
	}
	eng, _ := newEngineKB(t, k)
	record(t, eng, transferFail("u1", time.Minute))
	base, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 5, Diversity: -1})
	if err != nil {
		t.Fatal(err)
	}
	blocked := base[0].FAQ.ID
	got, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 5, Diversity: -1,
		Pinned: []string{"huabei-repay-date", "no-such-id", expired}, Blocked: []string{blocked}})
	if err != nil {
		t.Fatal(err)
	}
	gotIDs := ids(got)
	if gotIDs[0] != "huabei-repay-date" || got[0].Reasons[0].Kind != recommend.ReasonPinned {
		t.Errorf("first = %s %+v, want the pinned huabei-repay-date", gotIDs[0], got[0].Reasons)
	}
	seen := map[string]bool{}
	for _, id := range gotIDs {
		if seen[id] {
			t.Errorf("duplicate %s in %v", id, gotIDs)
		}
		seen[id] = true
	}
	for _, bad := range []string{blocked, expired, future} {
		if seen[bad] {
			t.Errorf("%s returned (blocked or invalid): %v", bad, gotIDs)
		}
	}
}

func hasTrigger(f kb.FAQ, event string) bool {
	for _, t := range f.Triggers {
		if t.Event == event {
			return true
		}
	}
	return false
}

func TestDiversity(t *testing.T) {
	ctx := context.Background()
	eng, _ := newEngine(t)
	record(t, eng,
		transferFail("u1", 2*time.Minute),
		recommend.Event{User: "u1", Time: now.Add(-5 * time.Minute), Type: "utility.pay.fail", Attrs: map[string]string{"kind": "electricity", "reason": "system_busy"}},
		recommend.Event{User: "u1", Time: now.Add(-9 * time.Minute), Type: "bill.due", Attrs: map[string]string{"product": "huabei", "days_left": "1"}},
	)
	cats := func(div float64) map[string]int {
		got, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 3, Diversity: div})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, s := range got {
			m[s.FAQ.Category]++
		}
		return m
	}
	plain, diverse := cats(-1), cats(0.9)
	t.Logf("categories without diversity %v, with %v", plain, diverse)
	if len(diverse) <= len(plain) {
		t.Errorf("categories with diversity %v, without %v: want more with", diverse, plain)
	}
}

func TestRequestValidation(t *testing.T) {
	eng, _ := newEngine(t)
	for _, req := range []recommend.Request{{}, {User: "u", Limit: -1}, {User: "u", Diversity: 2}} {
		if _, err := eng.Recommend(context.Background(), req); !errors.Is(err, recommend.ErrInvalidOption) {
			t.Errorf("Recommend(%+v) error = %v, want ErrInvalidOption", req, err)
		}
	}
	if _, err := recommend.NewEngine(nil, nil, nil, recommend.WithDiversity(3)); !errors.Is(err, recommend.ErrInvalidOption) {
		t.Errorf("NewEngine error = %v", err)
	}
}

// TestLearnedFromLog trains on a log in which a campaign red packet is
// followed by a question no trigger names, and checks that a new user with
// the same event gets it first, for that reason, once the engine serves the
// model; and that recording events teaches the engine nothing by itself.
func TestLearnedFromLog(t *testing.T) {
	ctx := context.Background()
	eng, _ := newEngine(t, recommend.WithExploration(0, 0))
	const q = "huabei-repay-date"
	log := teachLog(200, q, func(u string, at time.Time) recommend.Event {
		return recommend.Event{User: u, Time: at, Type: "redpacket.receive", Attrs: map[string]string{"type": "campaign"}}
	})
	record(t, eng, log...)
	before := eng.Model()
	record(t, eng, recommend.Event{User: "new", Time: now.Add(-4 * time.Minute), Type: "redpacket.receive", Attrs: map[string]string{"type": "campaign"}})
	if eng.Model() != before || before.Asks() != 0 {
		t.Fatalf("Record changed the model (asks %d)", eng.Model().Asks())
	}
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	m, err := recommend.Train(ctx, log, k, recommend.TrainOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.SetModel(m); err != nil {
		t.Fatal(err)
	}
	got, err := eng.Recommend(ctx, recommend.Request{User: "new", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].FAQ.ID != q {
		t.Fatalf("top = %s %+v, want the learned %s", got[0].FAQ.ID, got[0].Reasons, q)
	}
	r := got[0].Reasons[0]
	if r.Kind != recommend.ReasonLearned && r.Kind != recommend.ReasonSequence || r.Text != "你4分钟前领取了一个红包" {
		t.Errorf("reasons %+v, want the learned association first", got[0].Reasons)
	}
	if m.Asks() != int64(countAsks(log)) || m.Info().Users != 400 || m.Info().TrainedAt != now {
		t.Errorf("model info %+v", m.Info())
	}
	if err := eng.SetModel(nil); !errors.Is(err, recommend.ErrInvalidOption) {
		t.Errorf("SetModel(nil) = %v, want ErrInvalidOption", err)
	}
}

func TestConcurrentRecommendAndFeedback(t *testing.T) {
	ctx := context.Background()
	eng, _ := newEngine(t)
	_, _, m := simulatedModel(t, 50, 2)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 20 {
			if err := eng.SetModel(m); err != nil {
				t.Error(err)
			}
			if _, err := eng.Score(ctx, "u1", time.Time{}, map[string]string{"from": "home"}, []string{"transfer-limit"}); err != nil {
				t.Error(err)
			}
		}
	})
	for w := range 4 {
		wg.Go(func() {
			for i := range 40 {
				u := fmt.Sprintf("u%d", i%5)
				var err error
				switch w {
				case 0:
					_, err = eng.Recommend(ctx, recommend.Request{User: u, Limit: 5})
				case 1:
					err = eng.Feedback(ctx, recommend.Feedback{User: u, Question: "transfer-limit", Kind: recommend.FeedbackKind(1 + i%4)})
				case 2:
					err = eng.Record(ctx, transferFail(u, time.Duration(i)*time.Second))
				case 3:
					err = eng.Record(ctx, recommend.Event{User: u, Time: now.Add(-time.Duration(i) * time.Second), Type: recommend.TypeAsk, Question: "transfer-limit"})
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var buf bytes.Buffer
	if _, err := eng.Model().WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
}

func TestModelRoundTripAndCorruption(t *testing.T) {
	ctx := context.Background()
	log, k, m := simulatedModel(t, 200, 3)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	m2, err := recommend.ReadModel(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m.Weights(), m2.Weights()); d != "" {
		t.Errorf("weights (-want +got):\n%s", d)
	}
	if d := cmp.Diff(m.Info(), m2.Info()); d != "" || len(m.Info().ID) != 64 {
		t.Errorf("info (-want +got):\n%s", d)
	}
	// Same scores from the original and the reloaded model.
	user := log.Asks[len(log.Asks)-1].User
	at := log.Asks[len(log.Asks)-1].Time
	score := func(m *recommend.Model) []float64 {
		store, _ := recommend.NewMemoryStore(recommend.MemoryConfig{TTL: -1})
		var hist []recommend.Event
		for _, e := range log.Events {
			if e.User == user && e.Time.Before(at) {
				hist = append(hist, e)
			}
		}
		if err := store.Append(ctx, hist...); err != nil {
			t.Fatal(err)
		}
		eng, err := recommend.NewEngine(k, store, store, recommend.WithModel(m), recommend.WithClock(func() time.Time { return at }))
		if err != nil {
			t.Fatal(err)
		}
		s, err := eng.Score(ctx, user, at, nil, log.Questions)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if d := cmp.Diff(score(m), score(m2)); d != "" {
		t.Errorf("scores differ after reload (-want +got):\n%s", d)
	}

	flip := func(i int) []byte {
		b := bytes.Clone(data)
		b[i] ^= 0x20
		return b
	}
	// duxin-model recommend 2 <length> <checksum>
	header := string(data[:bytes.IndexByte(data, '\n')])
	if !strings.HasPrefix(header, "duxin-model recommend 2 ") {
		t.Fatalf("header %q", header)
	}
	corrupt := map[string][]byte{
		"empty":     nil,
		"magic":     flip(0),
		"kind":      flip(len("duxin-model ")),
		"version":   flip(len("duxin-model recommend ")),
		"length":    flip(len("duxin-model recommend 2 ")),
		"checksum":  flip(len(header) - 1),
		"payload":   flip(len(data) - 10),
		"truncated": data[:len(data)/2],
		"header":    data[:20],
		"not model": []byte("{\"weights\":{}}"),
		"intent":    []byte("duxin-model intent 3 0 00000000\n"),
	}
	for name, b := range corrupt {
		t.Run(name, func(t *testing.T) {
			_, err := recommend.ReadModel(bytes.NewReader(b))
			if !errors.Is(err, recommend.ErrModelFormat) {
				t.Errorf("ReadModel error = %v, want ErrModelFormat", err)
			}
		})
	}
}

func FuzzReadModel(f *testing.F) {
	f.Add([]byte("DUXINREC"))
	f.Add([]byte("DUXINREC\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02"))
	f.Add([]byte("duxin-model recommend 2 2 00000000\n{}"))
	if b, err := os.ReadFile(legacyPath); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := recommend.ReadModel(bytes.NewReader(b)); err == nil {
			t.Skip()
		}
	})
}

// teachLog returns a log of 2n users over the week before now: n do ev
// (built by the function) and ask q one to ten minutes later; n others view
// a bill and ask transfer-limit; everyone also asks a popular question a
// day or two later.
func teachLog(n int, q string, ev func(user string, at time.Time) recommend.Event) []recommend.Event {
	popular := []string{"transfer-arrival-time", "huabei-repay-date", "refund-time", "transfer-limit"}
	var log []recommend.Event
	for i := range 2 * n {
		u := fmt.Sprintf("teach%d", i)
		at := now.Add(-time.Duration(100+i%50) * time.Hour)
		if i < n {
			log = append(log, ev(u, at),
				recommend.Event{User: u, Time: at.Add(time.Duration(1+i%10) * time.Minute), Type: recommend.TypeAsk, Question: q})
		} else {
			log = append(log, recommend.Event{User: u, Time: at, Type: "bill.view", Attrs: map[string]string{"product": "wallet"}},
				recommend.Event{User: u, Time: at.Add(time.Duration(1+i%10) * time.Minute), Type: recommend.TypeAsk, Question: "transfer-limit"})
		}
		log = append(log, recommend.Event{User: u, Time: at.Add(time.Duration(24+i%24) * time.Hour), Type: recommend.TypeAsk, Question: popular[i%len(popular)]})
	}
	return log
}

func countAsks(log []recommend.Event) int {
	n := 0
	for _, e := range log {
		if e.Type == recommend.TypeAsk {
			n++
		}
	}
	return n
}

// simulatedModel simulates users over the sample knowledge base and trains
// a model on their log.
func simulatedModel(t *testing.T, users int, seed uint64) (*simulate.Log, *simulate.KB, *recommend.Model) {
	t.Helper()
	log, err := simulate.Generate(simulate.Config{Users: users, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	m, err := recommend.Train(context.Background(), log.Events, k, recommend.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return log, k, m
}
