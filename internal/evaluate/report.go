package evaluate

import (
	"cmp"
	"slices"

	"github.com/duxin-ai/duxin/intent"
)

// IntentReport is the per-intent report of a test run: precision, recall,
// F1 and support of every label, the confusion matrix and the pairs most
// often confused, with example texts. It is what intent_report.json holds.
type IntentReport struct {
	// Labels are every gold and predicted label, sorted: the rows (gold)
	// and columns (predicted) of Confusion.
	Labels []string `json:"labels"`
	// Intents has one entry per label, in the order of Labels.
	Intents  []IntentClass `json:"intents"`
	Accuracy float64       `json:"accuracy"`
	// MacroAvg averages the labels that occur in the test set (support > 0),
	// each counting once, as the figures' macro_f1 does; WeightedAvg
	// weighs them by support.
	MacroAvg    Averages `json:"macro_avg"`
	WeightedAvg Averages `json:"weighted_avg"`
	// Confusion[i][j] counts the examples of Labels[i] predicted as
	// Labels[j].
	Confusion [][]int `json:"confusion"`
	// Pairs are the most frequent (gold, predicted) errors, most frequent
	// first (ties by gold, then predicted label).
	Pairs []ConfusedPair `json:"confused_pairs"`
}

// IntentClass is the report of one label. Rates are rounded to 4 digits.
type IntentClass struct {
	Intent    string  `json:"intent"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// Support counts the test examples of this label; Predicted those
	// predicted as it.
	Support   int `json:"support"`
	Predicted int `json:"predicted"`
	// ConfusedWith counts the examples of this label predicted as another.
	ConfusedWith map[string]int `json:"confused_with,omitempty"`
}

// Averages are averaged precision, recall and F1.
type Averages struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// ConfusedPair is one kind of error: examples of Gold predicted as
// Predicted.
type ConfusedPair struct {
	Gold      string   `json:"gold"`
	Predicted string   `json:"predicted"`
	Count     int      `json:"count"`
	Examples  []string `json:"examples"` // the first few, in test order
}

// NewIntentReport builds the report of the predicted labels preds of the
// test examples, keeping the maxPairs most frequent confusions with up to
// maxExamples texts each; a count ≤ 0 keeps none.
func NewIntentReport(test []intent.Example, preds []string, maxPairs, maxExamples int) IntentReport {
	maxPairs, maxExamples = max(maxPairs, 0), max(maxExamples, 0)
	set := map[string]bool{}
	for i, ex := range test {
		set[ex.Intent], set[preds[i]] = true, true
	}
	labels := make([]string, 0, len(set))
	for l := range set {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	at := make(map[string]int, len(labels))
	for i, l := range labels {
		at[l] = i
	}
	rep := IntentReport{Labels: labels, Confusion: make([][]int, len(labels)), Intents: make([]IntentClass, len(labels))}
	for i := range rep.Confusion {
		rep.Confusion[i] = make([]int, len(labels))
	}
	type pair struct{ gold, pred string }
	examples := map[pair][]string{}
	correct := 0
	for i, ex := range test {
		rep.Confusion[at[ex.Intent]][at[preds[i]]]++
		if preds[i] == ex.Intent {
			correct++
			continue
		}
		p := pair{ex.Intent, preds[i]}
		if len(examples[p]) < maxExamples {
			examples[p] = append(examples[p], ex.Text)
		}
	}
	var sumP, sumR, sumF, wP, wR, wF float64
	var present, total int
	for i, l := range labels {
		c := IntentClass{Intent: l}
		for j := range labels {
			c.Support += rep.Confusion[i][j]
			c.Predicted += rep.Confusion[j][i]
			if j != i && rep.Confusion[i][j] > 0 {
				if c.ConfusedWith == nil {
					c.ConfusedWith = map[string]int{}
				}
				c.ConfusedWith[labels[j]] = rep.Confusion[i][j]
			}
		}
		tp := rep.Confusion[i][i]
		var p, r, f float64
		if c.Predicted > 0 {
			p = float64(tp) / float64(c.Predicted)
		}
		if c.Support > 0 {
			r = float64(tp) / float64(c.Support)
		}
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		c.Precision, c.Recall, c.F1 = Round(p, 4), Round(r, 4), Round(f, 4)
		rep.Intents[i] = c
		if c.Support > 0 {
			present++
			total += c.Support
			sumP, sumR, sumF = sumP+p, sumR+r, sumF+f
			n := float64(c.Support)
			wP, wR, wF = wP+n*p, wR+n*r, wF+n*f
		}
	}
	if present > 0 {
		n := float64(present)
		rep.MacroAvg = Averages{Round(sumP/n, 4), Round(sumR/n, 4), Round(sumF/n, 4), total}
		w := float64(total)
		rep.WeightedAvg = Averages{Round(wP/w, 4), Round(wR/w, 4), Round(wF/w, 4), total}
		rep.Accuracy = Round(float64(correct)/w, 4)
	}
	for i, row := range rep.Confusion {
		for j, n := range row {
			if i != j && n > 0 {
				p := pair{labels[i], labels[j]}
				rep.Pairs = append(rep.Pairs, ConfusedPair{Gold: p.gold, Predicted: p.pred, Count: n, Examples: examples[p]})
			}
		}
	}
	slices.SortStableFunc(rep.Pairs, func(a, b ConfusedPair) int { return cmp.Compare(b.Count, a.Count) })
	rep.Pairs = rep.Pairs[:min(len(rep.Pairs), maxPairs)]
	if rep.Pairs == nil {
		rep.Pairs = []ConfusedPair{}
	}
	return rep
}
