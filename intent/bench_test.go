package intent_test

import (
	"context"
	"hash/fnv"
	"testing"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// sampleSplit splits the bundled sample 80/20 by a fixed hash of the text.
func sampleSplit(b *testing.B) (train, test []intent.Example) {
	b.Helper()
	all, err := sampleExamples()
	if err != nil {
		b.Fatal(err)
	}
	for _, ex := range all {
		h := fnv.New32a()
		h.Write([]byte(ex.Text))
		if h.Sum32()%5 == 0 {
			test = append(test, ex)
		} else {
			train = append(train, ex)
		}
	}
	return train, test
}

func newJieba(b *testing.B) *jieba.Tokenizer {
	b.Helper()
	tok, err := jieba.New(jieba.WithStopWords(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tok.Close() })
	return tok
}

var solvers = []struct {
	name   string
	solver intent.Solver
}{{"softmax", intent.Softmax}, {"svm", intent.SVM}, {"naivebayes", intent.NaiveBayes}, {"ensemble", intent.Ensemble}}

// BenchmarkTrain trains on 80% of the bundled sample and reports accuracy
// (out-of-scope counted as a class, unknown answers as out of scope) and
// out-of-scope recall on the other 20%.
func BenchmarkTrain(b *testing.B) {
	train, test := sampleSplit(b)
	tok := newJieba(b)
	ctx := context.Background()
	for _, s := range solvers {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			var m *intent.Model
			for b.Loop() {
				var err error
				if m, err = intent.Train(ctx, train, tok, learning(func(l *intent.Learning) { l.Solver = s.solver })); err != nil {
					b.Fatal(err)
				}
			}
			oos, _ := m.OutOfScopeLabel()
			var ok, nOOS, okOOS int
			for _, ex := range test {
				r, err := m.Classify(ctx, ex.Text)
				if err != nil {
					b.Fatal(err)
				}
				got := oos
				if r.Known() {
					got = r.Intent
				}
				if got == ex.Intent {
					ok++
				}
				if ex.Intent == oos {
					nOOS++
					if got == oos {
						okOOS++
					}
				}
			}
			b.ReportMetric(float64(ok)/float64(len(test)), "accuracy")
			if nOOS > 0 {
				b.ReportMetric(float64(okOOS)/float64(nOOS), "oos_recall")
			}
		})
	}
}

// BenchmarkClassify measures one classification, tokenization included, of
// the held-out sample utterances in turn.
func BenchmarkClassify(b *testing.B) {
	train, test := sampleSplit(b)
	tok := newJieba(b)
	ctx := context.Background()
	for _, s := range solvers {
		b.Run(s.name, func(b *testing.B) {
			m, err := intent.Train(ctx, train, tok, learning(func(l *intent.Learning) { l.Solver = s.solver }))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.Classify(ctx, test[i%len(test)].Text); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
