package evaluate

import (
	"context"
	"hash/fnv"
	"math"
	"time"

	"github.com/duxin-ai/duxin/intent"
)

// HashSplit holds out the examples whose FNV-1a hash of the text falls in
// the first frac of the hash range: fixed, seedless and the same for every
// run.
func HashSplit(all []intent.Example, frac float64) (train, test []intent.Example) {
	cut := uint32(frac * math.MaxUint32)
	for _, ex := range all {
		h := fnv.New32a()
		h.Write([]byte(ex.Text))
		if h.Sum32() < cut {
			test = append(test, ex)
		} else {
			train = append(train, ex)
		}
	}
	return train, test
}

// IntentRun is what a classifier answered on a test set, in its order.
type IntentRun struct {
	// Preds is the predicted label of each example: the recognised intent,
	// or the out-of-scope label when none was.
	Preds []string
	// Tops is the first prediction of each example, whatever the outcome.
	Tops    []intent.Prediction
	Results []intent.Result
	// Latency is each Classify call's wall time, in microseconds.
	Latency []float64
}

// ClassifyAll classifies every test example with c, after warming it up on
// the first 50, calling each (if not nil) with every result.
func ClassifyAll(ctx context.Context, c intent.Classifier, oos string, test []intent.Example, each func(i int, r intent.Result)) (IntentRun, error) {
	var run IntentRun
	for _, ex := range test[:min(len(test), 50)] { // warm up
		c.Classify(ctx, ex.Text)
	}
	for i, ex := range test {
		t0 := time.Now()
		r, err := c.Classify(ctx, ex.Text)
		run.Latency = append(run.Latency, float64(time.Since(t0).Nanoseconds())/1e3)
		if err != nil {
			return run, err
		}
		p := oos
		if r.Known() {
			p = r.Intent
		}
		run.Preds = append(run.Preds, p)
		run.Tops = append(run.Tops, r.Predictions[0])
		run.Results = append(run.Results, r)
		if each != nil {
			each(i, r)
		}
	}
	return run, nil
}

// IntentScores are the quality figures of an intent classifier on a test
// set. Rates are rounded to 4 digits.
type IntentScores struct {
	N               int
	Accuracy        float64
	InScopeAccuracy float64
	// OOSRecall and OOSPrecision are nil when the test set has no
	// out-of-scope example.
	OOSRecall    *float64
	OOSPrecision *float64
	MacroF1      float64
	Top1Accuracy float64
	// ECE is the expected calibration error of the top prediction's
	// confidence, in 15 equal bins.
	ECE float64
}

// ScoreIntents scores the predicted labels preds and the top predictions
// tops of the test examples; oos is the out-of-scope label.
func ScoreIntents(test []intent.Example, preds []string, tops []intent.Prediction, oos string) IntentScores {
	var f IntentScores
	f.N = len(test)
	var correct, inN, inOK, oosN, oosOK, oosPred, top1 int
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	gold := map[string]bool{}
	const bins = 15
	var binN [bins]int
	var binConf, binAcc [bins]float64
	for i, ex := range test {
		p := preds[i]
		gold[ex.Intent] = true
		if p == ex.Intent {
			correct++
			tp[p]++
		} else {
			fp[p]++
			fn[ex.Intent]++
		}
		if ex.Intent == oos {
			oosN++
			if p == oos {
				oosOK++
			}
		} else {
			inN++
			if p == ex.Intent {
				inOK++
			}
		}
		if p == oos {
			oosPred++
		}
		ok := tops[i].Label == ex.Intent
		if ok {
			top1++
		}
		b := min(int(tops[i].Confidence*bins), bins-1)
		binN[b]++
		binConf[b] += tops[i].Confidence
		if ok {
			binAcc[b]++
		}
	}
	div := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return Round(float64(a)/float64(b), 4)
	}
	f.Accuracy = div(correct, f.N)
	f.InScopeAccuracy = div(inOK, inN)
	f.Top1Accuracy = div(top1, f.N)
	if oosN > 0 {
		r, p := div(oosOK, oosN), div(oosOK, oosPred)
		f.OOSRecall, f.OOSPrecision = &r, &p
	}
	sumF1 := 0.0
	for l := range gold {
		prec, rec := 0.0, 0.0
		if tp[l]+fp[l] > 0 {
			prec = float64(tp[l]) / float64(tp[l]+fp[l])
		}
		if tp[l]+fn[l] > 0 {
			rec = float64(tp[l]) / float64(tp[l]+fn[l])
		}
		if prec+rec > 0 {
			sumF1 += 2 * prec * rec / (prec + rec)
		}
	}
	if len(gold) > 0 {
		f.MacroF1 = Round(sumF1/float64(len(gold)), 4)
	}
	ece := 0.0
	for b := range bins {
		if binN[b] > 0 {
			ece += math.Abs(binConf[b]-binAcc[b]) / float64(f.N)
		}
	}
	f.ECE = Round(ece, 4)
	return f
}
