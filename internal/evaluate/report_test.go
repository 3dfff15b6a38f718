package evaluate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/intent"
)

// TestIntentReport works a small case by hand: 3 transfers (one taken for
// a bill), 2 bills, 1 out-of-scope taken for a transfer.
func TestIntentReport(t *testing.T) {
	test := []intent.Example{
		{Text: "t1", Intent: "transfer"}, {Text: "t2", Intent: "transfer"}, {Text: "t3", Intent: "transfer"},
		{Text: "b1", Intent: "bill"}, {Text: "b2", Intent: "bill"},
		{Text: "o1", Intent: "oos"},
	}
	preds := []string{"transfer", "transfer", "bill", "bill", "bill", "transfer"}
	got := NewIntentReport(test, preds, 10, 1)
	want := IntentReport{
		Labels: []string{"bill", "oos", "transfer"},
		Intents: []IntentClass{
			{Intent: "bill", Precision: 0.6667, Recall: 1, F1: 0.8, Support: 2, Predicted: 3},
			{Intent: "oos", Precision: 0, Recall: 0, F1: 0, Support: 1, Predicted: 0, ConfusedWith: map[string]int{"transfer": 1}},
			{Intent: "transfer", Precision: 0.6667, Recall: 0.6667, F1: 0.6667, Support: 3, Predicted: 3, ConfusedWith: map[string]int{"bill": 1}},
		},
		Accuracy:    0.6667,
		MacroAvg:    Averages{Precision: 0.4444, Recall: 0.5556, F1: 0.4889, Support: 6},
		WeightedAvg: Averages{Precision: 0.5556, Recall: 0.6667, F1: 0.6, Support: 6},
		Confusion:   [][]int{{2, 0, 0}, {0, 0, 1}, {1, 0, 2}},
		Pairs: []ConfusedPair{
			{Gold: "oos", Predicted: "transfer", Count: 1, Examples: []string{"o1"}},
			{Gold: "transfer", Predicted: "bill", Count: 1, Examples: []string{"t3"}},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
	// The macro F1 of the report is the figures' macro_f1.
	tops := make([]intent.Prediction, len(preds))
	for i, p := range preds {
		tops[i] = intent.Prediction{Label: p, Confidence: 0.5}
	}
	if sc := ScoreIntents(test, preds, tops, "oos"); sc.MacroF1 != got.MacroAvg.F1 || sc.Accuracy != got.Accuracy {
		t.Errorf("scores %+v, report macro F1 %v accuracy %v", sc, got.MacroAvg.F1, got.Accuracy)
	}
}

func TestHashSplitIsFixed(t *testing.T) {
	var all []intent.Example
	for _, s := range []string{"我要转账", "查账单", "花呗怎么还", "借呗额度", "改手机号", "冻结账户", "退款进度", "充话费", "余额宝转出", "绑卡"} {
		all = append(all, intent.Example{Text: s, Intent: "x"})
	}
	train, test := HashSplit(all, 0.3)
	train2, test2 := HashSplit(all, 0.3)
	if len(train)+len(test) != len(all) || !cmp.Equal(train, train2) || !cmp.Equal(test, test2) {
		t.Errorf("split %d+%d of %d, or not the same twice", len(train), len(test), len(all))
	}
	if tr, te := HashSplit(all, 0); len(te) != 0 || len(tr) != len(all) {
		t.Errorf("split 0 held out %d", len(te))
	}
}

// TestIntentReportCounts: any count of pairs and examples is safe; ≤ 0
// keeps none, more than there are keeps them all.
func TestIntentReportCounts(t *testing.T) {
	test := []intent.Example{{Text: "t1", Intent: "transfer"}, {Text: "t2", Intent: "transfer"}, {Text: "b1", Intent: "bill"}}
	preds := []string{"bill", "bill", "transfer"}
	for _, c := range []struct{ pairs, examples, wantPairs, wantExamples int }{
		{-1, -1, 0, 0}, {0, 0, 0, 0}, {1, 1, 1, 1}, {1, -5, 1, 0}, {100, 100, 2, 2},
	} {
		rep := NewIntentReport(test, preds, c.pairs, c.examples)
		if len(rep.Pairs) != c.wantPairs || rep.Pairs == nil {
			t.Errorf("pairs %d: got %d pairs (%v), want %d", c.pairs, len(rep.Pairs), rep.Pairs, c.wantPairs)
			continue
		}
		if c.wantPairs > 0 && len(rep.Pairs[0].Examples) != c.wantExamples {
			t.Errorf("examples %d: got %v, want %d", c.examples, rep.Pairs[0].Examples, c.wantExamples)
		}
	}
}
