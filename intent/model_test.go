package intent_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/tokenize"
)

func wallet(t testing.TB) []intent.Example {
	t.Helper()
	exs, err := intent.ReadFile("testdata/wallet.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return exs
}

// features, learning and decision return the option for one group of
// settings: the group's defaults changed by edit.
func features(edit func(*intent.Features)) intent.Option {
	f := intent.DefaultFeatures()
	edit(&f)
	return intent.WithFeatures(f)
}

func learning(edit func(*intent.Learning)) intent.Option {
	l := intent.DefaultLearning()
	edit(&l)
	return intent.WithLearning(l)
}

func decision(edit func(*intent.Decision)) intent.Option {
	d := intent.DefaultDecision()
	edit(&d)
	return intent.WithDecision(d)
}

func train(t testing.TB, exs []intent.Example, opts ...intent.Option) *intent.Model {
	t.Helper()
	m, err := intent.Train(context.Background(), exs, tokenize.Bigram(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func modelBytes(t testing.TB, m *intent.Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d", n, err, buf.Len())
	}
	return buf.Bytes()
}

// heldOut are utterances not in the fixture, with the intent they mean.
var heldOut = []struct{ text, want string }{
	{"转五百给我爸", "transfer"},
	{"花呗的钱怎么还上", "huabei_repay"},
	{"退款还没有到账", "refund_status"},
	{"我想换个绑定手机号", "change_phone"},
	{"帮我转人工服务", "human_agent"},
	{"上个月账单明细", "bill"},
}

func TestClassifyHeldOut(t *testing.T) {
	m := train(t, wallet(t), decision(func(d *intent.Decision) { d.Threshold = 0 }))
	for _, h := range heldOut {
		r, err := m.Classify(context.Background(), h.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Intent != h.want || r.Outcome != intent.Matched {
			t.Errorf("Classify(%q) = %q %v, want %q matched; predictions %v", h.text, r.Intent, r.Outcome, h.want, r.Predictions)
		}
		if len(r.Predictions) != 5 {
			t.Errorf("%d predictions, want 5", len(r.Predictions))
		}
		sum := 0.0
		for i, p := range r.Predictions {
			sum += p.Confidence
			if i > 0 && p.Confidence > r.Predictions[i-1].Confidence {
				t.Errorf("predictions not ranked: %v", r.Predictions)
			}
		}
		if sum > 1+1e-9 {
			t.Errorf("confidences sum to %v > 1", sum)
		}
		if g := r.Predictions[0].Confidence - r.Predictions[1].Confidence; g != r.Gap {
			t.Errorf("Gap = %v, want %v", r.Gap, g)
		}
	}
}

func TestOutcomes(t *testing.T) {
	exs := wallet(t)
	ctx := context.Background()
	tests := []struct {
		name string
		opts []intent.Option
		text string
		want intent.Outcome
	}{
		{"in scope", []intent.Option{decision(func(d *intent.Decision) { d.Threshold = 0 })}, "花呗的钱怎么还上", intent.Matched},
		{"oos class", nil, "明天天气怎么样", intent.OutOfScope},
		{"threshold 1", []intent.Option{decision(func(d *intent.Decision) { d.Threshold = 1 })}, "花呗的钱怎么还上", intent.LowConfidence},
		{"gap 1", []intent.Option{decision(func(d *intent.Decision) { d.Threshold, d.MinGap = 0, 1 })}, "花呗的钱怎么还上", intent.Ambiguous},
		{"empty text", nil, "", intent.LowConfidence},
		{"custom oos label", []intent.Option{decision(func(d *intent.Decision) { d.OutOfScopeLabel = "transfer" })}, "我要转账给朋友", intent.OutOfScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := train(t, exs, tt.opts...)
			r, err := m.Classify(ctx, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != tt.want {
				t.Errorf("Classify(%q).Outcome = %v, want %v (%v)", tt.text, r.Outcome, tt.want, r.Predictions)
			}
			if r.Known() != (r.Intent != "") || r.Known() != (tt.want == intent.Matched) {
				t.Errorf("Known() = %v with Intent %q", r.Known(), r.Intent)
			}
		})
	}
}

// TestThresholdMeansConfidence checks calibration loosely: predictions made
// with more confidence are right more often.
func TestTemperatureIsFitted(t *testing.T) {
	m := train(t, wallet(t))
	if m.Temperature() == 1 || !(m.Temperature() > 0) {
		t.Errorf("Temperature() = %v, want a fitted value", m.Temperature())
	}
	m = train(t, wallet(t), learning(func(l *intent.Learning) { l.Holdout = 0 }))
	if m.Temperature() != 1 {
		t.Errorf("without holdout: Temperature() = %v, want 1", m.Temperature())
	}
}

func TestDeterministic(t *testing.T) {
	exs := wallet(t)
	for _, solver := range []intent.Solver{intent.Softmax, intent.SVM, intent.Ensemble, intent.NaiveBayes} {
		seeded := func(seed uint64) intent.Option {
			return learning(func(l *intent.Learning) { l.Seed, l.Solver = seed, solver })
		}
		a := modelBytes(t, train(t, exs, seeded(7)))
		b := modelBytes(t, train(t, exs, seeded(7)))
		if !bytes.Equal(a, b) {
			t.Errorf("solver %d: two trainings with seed 7 differ", solver)
		}
		c := modelBytes(t, train(t, exs, seeded(8)))
		if bytes.Equal(a, c) {
			t.Errorf("solver %d: seeds 7 and 8 give the same model", solver)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	ctx := context.Background()
	tok := tokenize.Bigram()
	tests := []struct {
		name string
		exs  []intent.Example
		tok  tokenize.Tokenizer
		opts []intent.Option
		want error
		msg  string
	}{
		{"no examples", nil, tok, nil, intent.ErrNoExamples, "intent: no examples"},
		{"empty text", []intent.Example{{Text: "转账", Intent: "a"}, {Text: " ", Intent: "b"}}, tok, nil, intent.ErrEmptyText, `intent: example 1: field "text": empty text`},
		{"empty intent", []intent.Example{{Text: "转账", Intent: "", Source: intent.Source{File: "f.csv", Line: 9}}}, tok, nil, intent.ErrEmptyIntent, `intent: f.csv:9: field "intent": empty intent`},
		{"nil tokenizer", []intent.Example{{Text: "转账", Intent: "a"}}, nil, nil, intent.ErrBadOption, ""},
		{"bad threshold", []intent.Example{{Text: "转账", Intent: "a"}}, tok, []intent.Option{decision(func(d *intent.Decision) { d.Threshold = 2 })}, intent.ErrBadOption, "threshold 2"},
		{"bad epochs and gap", []intent.Example{{Text: "转账", Intent: "a"}}, tok, []intent.Option{learning(func(l *intent.Learning) { l.Epochs = 0 }), decision(func(d *intent.Decision) { d.MinGap = -1 })}, intent.ErrBadOption, "gap -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := intent.Train(ctx, tt.exs, tt.tok, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := intent.Train(ctx, wallet(t), tokenize.Bigram()); !errors.Is(err, context.Canceled) {
		t.Errorf("Train: err = %v, want context.Canceled", err)
	}
	m := train(t, wallet(t))
	if _, err := m.Classify(ctx, "转账"); !errors.Is(err, context.Canceled) {
		t.Errorf("Classify: err = %v, want context.Canceled", err)
	}
}

func TestSingleLabel(t *testing.T) {
	m := train(t, []intent.Example{{Text: "转账", Intent: "transfer"}, {Text: "转钱", Intent: "transfer"}}, learning(func(l *intent.Learning) { l.Holdout = 0 }))
	r, err := m.Classify(context.Background(), "给妈妈转账")
	if err != nil {
		t.Fatal(err)
	}
	want := intent.Result{Intent: "transfer", Outcome: intent.Matched, Predictions: []intent.Prediction{{Label: "transfer", Confidence: 1}}, Gap: 1}
	if d := cmp.Diff(want, r); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestConcurrentClassify(t *testing.T) {
	m := train(t, wallet(t))
	ctx := context.Background()
	want := make([]intent.Result, len(heldOut))
	for i, h := range heldOut {
		want[i], _ = m.Classify(ctx, h.text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 50 {
				i := (g + n) % len(heldOut)
				got, err := m.Classify(ctx, heldOut[i].text)
				if err != nil || !cmp.Equal(want[i], got) {
					errs <- heldOut[i].text
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("concurrent Classify(%q) differs from sequential", text)
	}
}

func TestBadSolverOptions(t *testing.T) {
	exs := []intent.Example{{Text: "转账", Intent: "a"}}
	for _, opt := range []intent.Option{
		learning(func(l *intent.Learning) { l.Solver = 0 }),
		learning(func(l *intent.Learning) { l.Solver = 9 }),
		learning(func(l *intent.Learning) { l.Cost = 0 }),
		features(func(f *intent.Features) { f.CharNGrams = intent.NGrams{Min: 3, Max: 1} }),
		decision(func(d *intent.Decision) { d.TopK = 0 }),
		// Groups written from scratch leave a field at an invalid zero.
		intent.WithFeatures(intent.Features{CharNGrams: intent.NGrams{Min: 1, Max: 3}}),
		intent.WithLearning(intent.Learning{Seed: 7}),
		intent.WithDecision(intent.Decision{Threshold: 0.5}),
	} {
		if _, err := intent.Train(context.Background(), exs, tokenize.Bigram(), opt); !errors.Is(err, intent.ErrBadOption) {
			t.Errorf("err = %v, want ErrBadOption", err)
		}
	}
}
