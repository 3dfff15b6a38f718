package recommend_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// TestReasonsDistinctText checks that one event told by two sources — a
// trigger rule and a learned association from the same failed transfer —
// appears once, as the stronger reason.
func TestReasonsDistinctText(t *testing.T) {
	ctx := context.Background()
	eng, _ := newEngine(t, recommend.WithExploration(0, 0))
	record(t, eng, transferFail("probe", 3*time.Minute))
	cold, err := eng.Recommend(ctx, recommend.Request{User: "probe", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	q := cold[0].FAQ.ID
	// A log in which the failed transfer is followed by the question its
	// trigger names teaches the learned model the same association.
	log := teachLog(200, q, func(u string, at time.Time) recommend.Event { return transferFail(u, now.Sub(at)) })
	k, err := simulate.SampleKB()
	if err != nil {
		t.Fatal(err)
	}
	m, err := recommend.Train(ctx, log, k, recommend.TrainOptions{Weights: &recommend.Weights{Trigger: 1, Learned: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.SetModel(m); err != nil {
		t.Fatal(err)
	}
	record(t, eng, transferFail("u1", 3*time.Minute))
	got, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].FAQ.ID != q {
		t.Fatalf("top = %s, want %s", got[0].FAQ.ID, q)
	}
	const want = "你3分钟前有一笔转账到银行卡失败了（余额不足）"
	kinds := map[recommend.ReasonKind]bool{}
	for _, s := range got {
		seen := map[string]bool{}
		for _, r := range s.Reasons {
			if seen[r.Text] {
				t.Errorf("%s: reason %q appears twice in %+v", s.FAQ.ID, r.Text, s.Reasons)
			}
			seen[r.Text] = true
			if r.Text == want {
				kinds[r.Kind] = true
			}
		}
	}
	top := got[0].Reasons[0]
	if top.Text != want {
		t.Errorf("top reason %q, want %q", top.Text, want)
	}
	// Both sources explained some suggestion with this sentence (so the
	// test exercises the merge), and the top one kept the stronger.
	if !kinds[recommend.ReasonTrigger] || !kinds[recommend.ReasonLearned] {
		t.Errorf("trigger and learned reasons do not both say %q: %v\n%+v", want, kinds, got)
	}
	for _, r := range got[0].Reasons[1:] {
		if r.Weight > top.Weight {
			t.Errorf("reason %+v is stronger than the first %+v", r, top)
		}
	}
}

// TestExplorationReason checks when exploration is a reason: never when no
// impressions were ever recorded (the bonus would be the same for every
// candidate), and only for a suggestion the bonus moved up once other
// questions have been shown.
func TestExplorationReason(t *testing.T) {
	ctx := context.Background()
	eng, _ := newEngine(t, recommend.WithExploration(5, 50), recommend.WithStatsCache(0)) // fresh totals after the feedback below
	record(t, eng, transferFail("u1", 3*time.Minute))
	req := recommend.Request{User: "u1", Limit: 2, Diversity: -1}
	got, err := eng.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		for _, r := range s.Reasons {
			if r.Kind == recommend.ReasonExplore {
				t.Errorf("no feedback recorded, yet %s has reason %+v", s.FAQ.ID, r)
			}
		}
	}
	// Show every matched question often but the weakest, which stays unseen.
	wide, err := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 11, Diversity: -1})
	if err != nil {
		t.Fatal(err)
	}
	var matched []string // questions with evidence (not the fill)
	for _, s := range wide {
		if k := s.Reasons[0].Kind; k != recommend.ReasonPopular && k != recommend.ReasonDefault {
			matched = append(matched, s.FAQ.ID)
		}
	}
	if len(matched) <= req.Limit {
		t.Fatalf("%d questions with evidence (%v), want more than %d", len(matched), matched, req.Limit)
	}
	fresh := matched[len(matched)-1]
	var fb []recommend.Feedback
	for _, q := range matched[:len(matched)-1] {
		for i := range 60 {
			fb = append(fb, recommend.Feedback{User: fmt.Sprintf("v%d", i), Question: q, Kind: recommend.Impression})
		}
	}
	if err := eng.Feedback(ctx, fb...); err != nil {
		t.Fatal(err)
	}
	got, err = eng.Recommend(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var explored []string
	for _, s := range got {
		for _, r := range s.Reasons {
			if r.Kind != recommend.ReasonExplore {
				continue
			}
			explored = append(explored, s.FAQ.ID)
			if r.Text != "新问题，推荐给你看看" {
				t.Errorf("%s: explore reason %q, want 新问题… for a question never shown", s.FAQ.ID, r.Text)
			}
		}
	}
	if len(explored) == 0 || explored[0] != fresh || len(explored) > len(got)-1 {
		t.Errorf("explore reasons on %v, want the unseen %s (moved up by the bonus) and not on every suggestion; suggestions %v", explored, fresh, ids(got))
	}
}
