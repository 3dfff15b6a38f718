package insight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/duxin-ai/duxin/insight"
	"github.com/duxin-ai/duxin/tokenize"
)

func TestCleanQuestion(t *testing.T) {
	for in, want := range map[string]string{
		"  花呗怎么开通呢？？ ": "花呗怎么开通",
		"能退款吗吧。":       "能退款",
		"吗？":           "吗",
		"怎么改密码":        "怎么改密码",
		"？？":           "？？",
	} {
		if got := insight.CleanQuestion(in); got != want {
			t.Errorf("CleanQuestion(%q) = %q, want %q", in, got, want)
		}
	}
}

// unanswered are queries of two missing topics, one typed twice, plus
// a stray one and one answered query.
var unanswered = []insight.Query{
	{Text: "发票怎么开", Outcome: insight.OutcomeUnanswered},
	{Text: "怎么开发票呢", Outcome: insight.OutcomeUnanswered},
	{Text: "电子发票怎么开", Outcome: insight.OutcomeUnanswered, Count: 2},
	{Text: "开发票", Outcome: insight.OutcomeUnanswered},
	{Text: "快递到哪了", Outcome: insight.OutcomeUnanswered},
	{Text: "我的快递到哪了", Outcome: insight.OutcomeUnanswered},
	{Text: "查快递到哪了", Outcome: insight.OutcomeUnanswered},
	{Text: "今天星期几", Outcome: insight.OutcomeUnanswered},
	{Text: "花呗怎么还款", Outcome: insight.OutcomeAnswered, Count: 4},
	{Text: "发票怎么开", Outcome: insight.OutcomeUnanswered}, // merges with the first
}

func TestGaps(t *testing.T) {
	rep, err := insight.Gaps(context.Background(), nil, tokenize.Bigram(), unanswered, insight.GapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Answered != 4 || rep.Unanswered != 10 {
		t.Errorf("answered %d, unanswered %d; want 4, 10", rep.Answered, rep.Unanswered)
	}
	if len(rep.Gaps) != 2 {
		t.Fatalf("%d gaps, want 2: %+v", len(rep.Gaps), rep.Gaps)
	}
	inv, exp := rep.Gaps[0], rep.Gaps[1]
	if inv.Count != 6 || inv.Phrasings != 4 || exp.Count != 3 || exp.Phrasings != 3 {
		t.Errorf("gaps %+v, want counts 6 and 3 with 4 and 3 phrasings, largest first", rep.Gaps)
	}
	for _, q := range inv.All {
		if q == "快递到哪了" || q == "今天星期几" {
			t.Errorf("invoice gap holds %q", q)
		}
	}
	if rep.Unclustered != 1 {
		t.Errorf("unclustered %d, want 1 (今天星期几)", rep.Unclustered)
	}
	if inv.Question == "" || inv.Question[len(inv.Question)-1] == '?' {
		t.Errorf("question %q", inv.Question)
	}
	rep, err = insight.Gaps(context.Background(), nil, tokenize.Bigram(), unanswered, insight.GapOptions{MaxGaps: 1, Phrasings: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Gaps) != 1 || rep.Omitted != 1 || len(rep.Gaps[0].Queries) != 2 || len(rep.Gaps[0].All) != 4 {
		t.Errorf("MaxGaps 1, Phrasings 2: %+v", rep)
	}
	rep, err = insight.Gaps(context.Background(), nil, tokenize.Bigram(), unanswered, insight.GapOptions{MaxQueries: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Overflow != 7 || rep.Unclustered != 10 {
		t.Errorf("MaxQueries 2: overflow %d, unclustered %d; want 7, 10", rep.Overflow, rep.Unclustered)
	}
}

func TestGapsErrors(t *testing.T) {
	ctx := context.Background()
	tok := tokenize.Bigram()
	for name, c := range map[string]struct {
		q    insight.Query
		opt  insight.GapOptions
		want error
	}{
		"empty":      {q: insight.Query{Text: "  "}, want: insight.ErrEmptyQuery},
		"count":      {q: insight.Query{Text: "x", Count: -1}, want: insight.ErrQueryCount},
		"similarity": {q: insight.Query{Text: "x"}, opt: insight.GapOptions{Similarity: 2}, want: insight.ErrGapOptions},
		"min size":   {q: insight.Query{Text: "x"}, opt: insight.GapOptions{MinSize: -1}, want: insight.ErrGapOptions},
		"no index":   {q: insight.Query{Text: "x"}},
	} {
		_, err := insight.Gaps(ctx, nil, tok, []insight.Query{c.q}, c.opt)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: err %v, want %v", name, err, c.want)
		}
	}
	if _, err := insight.NewGapFinder(nil, nil, insight.GapOptions{}); !errors.Is(err, insight.ErrGapOptions) {
		t.Errorf("no tokenizer: %v", err)
	}
}
