package evaluate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
)

// TestRecommendShortNegatives: Recommend counts the targets ranked among
// fewer sampled questions than Negatives, and the fewest, which a catalog
// of 14 questions less the 4 or 5 each user asked decides.
func TestRecommendShortNegatives(t *testing.T) {
	const questions = 14
	var evs []recommend.Event
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for u := range 30 {
		asks := 4 + u%2 // distinct questions: 4 or 5
		for j := range asks {
			evs = append(evs, recommend.Event{User: fmt.Sprintf("u%02d", u), Time: t0.Add(time.Duration(u*10+j) * time.Minute),
				Type: recommend.TypeAsk, Question: fmt.Sprintf("q%02d", (u+j)%questions)})
		}
	}
	for _, tt := range []struct {
		negatives, short, fewest int
	}{
		{5, 0, 5},                // every target has 9 or 10 to choose from
		{9, 0, 9},                // 9: every user has that many
		{10, 15, 9},              // the 15 who asked 5 questions have 9
		{100, 30, questions - 5}, // everyone is short
	} {
		fig, err := Recommend(context.Background(), evs, RecommendConfig{Negatives: tt.negatives, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if fig.Users != 30 || fig.Questions != questions || fig.ShortCases != tt.short || fig.FewestNegatives != tt.fewest {
			t.Errorf("negatives %d: %d users, %d questions, short %d, fewest %d; want 30, %d, %d, %d",
				tt.negatives, fig.Users, fig.Questions, fig.ShortCases, fig.FewestNegatives, questions, tt.short, tt.fewest)
		}
	}
}
