package kb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/internal/modelfile"
	"github.com/duxin-ai/duxin/tokenize"
)

func TestTrainTreesAndAssoc(t *testing.T) {
	t.Parallel()
	var faqs []FAQ
	var ex []Labeled
	asks := [][2]string{
		{"%s怎么还款", "%s怎么还钱"}, {"%s提前还款", "%s能提前还吗"}, {"%s怎么开通", "开启%s"},
		{"%s不能用了", "%s用不了"}, {"%s额度怎么提升", "%s提额"}, {"%s怎么关闭", "把%s关掉"},
	}
	for _, p := range []string{"花呗", "借呗", "余额宝"} {
		for _, a := range asks {
			id := fmt.Sprintf("e%d", len(faqs))
			faqs = append(faqs, FAQ{ID: id, Question: fmt.Sprintf(a[0], p)})
			ex = append(ex, Labeled{fmt.Sprintf(a[1], p), id})
		}
	}
	ctx := context.Background()
	ix := indexOf(t, faqs, WithRanker(nil))
	// Each example four times gives the trees enough weight to split.
	ex = append(append(ex, ex...), append(ex, ex...)...)
	// One epoch of a strongly decayed linear part leaves the trees errors
	// to fit (otherwise it separates this small set alone and every tree
	// is a leaf).
	r, rep, err := TrainRanker(ctx, ix, ex, TrainConfig{Epochs: 1, L2: 1, Trees: 8, Depth: 2, AssocFolds: 2, Note: "t", CalibrationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	js := rankerJSON(t, r)
	var f map[string]any
	if err := json.Unmarshal(rankerBody(t, []byte(js)), &f); err != nil {
		t.Fatal(err)
	}
	trees, _ := f["trees"].([]any)
	if f["assoc"] == nil || f["contrast"] == nil || len(trees) != 8 || rep.Used == 0 || math.IsNaN(rep.Loss) {
		t.Fatalf("assoc %v, contrast %v, %d trees, report %+v", f["assoc"] != nil, f["contrast"] != nil, len(trees), rep)
	}
	r2, err := ReadRanker(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	// What was written ranks as what was trained.
	ix1, ix2 := indexOf(t, faqs, WithRanker(r)), indexOf(t, faqs, WithRanker(r2))
	for _, q := range []string{"花呗怎么还钱", "借呗提额", "余额宝能提前还吗"} {
		h1, err1 := ix1.Search(ctx, Query{Text: q, Limit: 5})
		h2, err2 := ix2.Search(ctx, Query{Text: q, Limit: 5})
		if err1 != nil || err2 != nil || len(h1) == 0 {
			t.Fatalf("%s: %v, %v; %v, %v", q, h1, err1, h2, err2)
		}
		if diff := cmp.Diff(h1, h2); diff != "" {
			t.Errorf("%s: hits (-trained +read back):\n%s", q, diff)
		}
	}
	// A tree whose child points back at its parent would never end.
	corrupted := false
	for _, tr := range trees {
		if left, _ := tr.(map[string]any)["left"].([]any); len(left) > 1 {
			left[0] = 0
			corrupted = true
			break
		}
	}
	if !corrupted {
		t.Fatal("every tree is a single leaf")
	}
	bad, _ := json.Marshal(f)
	if _, err := ReadRanker(bytes.NewReader(sealRanker(bad))); err == nil || !strings.Contains(err.Error(), "tree") {
		t.Errorf("cyclic tree: %v, want an error about the tree", err)
	}
	if _, _, err := TrainRanker(ctx, ix, ex, TrainConfig{Trees: -1}); err == nil {
		t.Error("negative trees: no error")
	}
}

// TestTrainRankerOneQuery: when every example has the same query, every
// list falls in one fold and the other folds have nothing to learn
// contrast or associations from; training still succeeds, and the
// ranker has both models, learned from all lists.
func TestTrainRankerOneQuery(t *testing.T) {
	t.Parallel()
	ix := productIndex(t, []string{"花呗", "借呗", "余额宝", "银行卡"}, []string{"%s怎么还款", "%s怎么开通", "%s怎么关闭", "%s提前还款"})
	ex := []Labeled{{"花呗怎么还钱", "e0"}, {"花呗怎么还钱", "e0"}}
	// Two examples are too few to calibrate on: train uncalibrated.
	r, rep, err := TrainRanker(context.Background(), ix, ex, TrainConfig{CalibrationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal(rankerBody(t, []byte(rankerJSON(t, r))), &f); err != nil {
		t.Fatal(err)
	}
	if f["contrast"] == nil || f["assoc"] == nil || rep.Used != 2 {
		t.Errorf("contrast %v, assoc %v, report %+v", f["contrast"] != nil, f["assoc"] != nil, rep)
	}
}

// TestReadRankerWithoutItsModels checks that a ranker file trained on the
// association or contrast features but which lost the model computing them
// is refused, naming the feature and the missing model, while the file
// intact, and one trained without the models (hidden units and trees
// included), still load.
func TestReadRankerWithoutItsModels(t *testing.T) {
	t.Parallel()
	if _, err := ReadRanker(bytes.NewReader(defaultRankerFile)); err != nil {
		t.Fatalf("default ranker: %v", err)
	}
	// Trained without the models: every part of the model present.
	ix := productIndex(t, []string{"花呗", "借呗", "余额宝"}, []string{"%s怎么还款", "%s怎么开通", "%s提前还款"})
	ex := []Labeled{{"花呗怎么还钱", "e0"}, {"借呗能提前还吗", "e5"}, {"余额宝咋开通", "e7"}, {"开通借呗", "e4"}}
	r, _, err := TrainRanker(context.Background(), ix, ex, TrainConfig{Associations: Skip, Contrast: Skip, Hidden: 2, Trees: 5, Depth: 2, CalibrationShare: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRanker(strings.NewReader(rankerJSON(t, r))); err != nil {
		t.Errorf("trained without the models: %v", err)
	}
	for _, tc := range []struct {
		drop, want string
	}{
		{"assoc", "has no association table (assoc)"},
		{"contrast", "has no contrast model (contrast)"},
	} {
		var f map[string]json.RawMessage
		if err := json.Unmarshal(rankerBody(t, defaultRankerFile), &f); err != nil {
			t.Fatal(err)
		}
		if _, ok := f[tc.drop]; !ok {
			t.Fatalf("default ranker has no %q", tc.drop)
		}
		delete(f, tc.drop)
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ReadRanker(bytes.NewReader(sealRanker(b))) // a file edited, then given a valid header

		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("without %q: error %v, want one containing %q", tc.drop, err, tc.want)
		}
	}
}

// rankerBody returns the JSON of a ranker file.
func rankerBody(t *testing.T, file []byte) []byte {
	t.Helper()
	_, body, ok := bytes.Cut(file, []byte("\n"))
	if !ok {
		t.Fatal("no header line")
	}
	return body
}

// sealRanker returns body with a ranker file header that matches it.
func sealRanker(body []byte) []byte {
	sum := sha256.Sum256(body)
	return append(fmt.Appendf(nil, "duxin-kb-ranker 2 %d %x\n", len(body), sum), body...)
}

// TestRankerFileIntegrity: a ranker file changed in any way — a digit, a
// truncation, data appended, a header from another version, no header at
// all — is an error, not another model; in the model-file envelope WriteTo
// writes and in the header of the files written before it (the built-in
// rankers), which still load.
func TestRankerFileIntegrity(t *testing.T) {
	t.Parallel()
	legacy := defaultRankerFile
	r, err := ReadRanker(bytes.NewReader(legacy))
	if err != nil {
		t.Fatal(err)
	}
	written := []byte(rankerJSON(t, r))
	if !bytes.HasPrefix(written, []byte("duxin-model kb-ranker 2 ")) {
		t.Fatalf("WriteTo's header %q, want the model-file envelope of kind kb-ranker", written[:min(len(written), 40)])
	}
	// The payload is the legacy file's JSON, byte for byte.
	if got, want := rankerBody(t, written), rankerBody(t, legacy); !bytes.Equal(got, want) {
		t.Errorf("WriteTo's JSON differs from the built-in file's (%d vs %d bytes)", len(got), len(want))
	}
	// Read back: the same file again.
	r2, err := ReadRanker(bytes.NewReader(written))
	if err != nil {
		t.Fatal(err)
	}
	if again := rankerJSON(t, r2); again != string(written) {
		t.Errorf("a written ranker read back writes differently (%d vs %d bytes)", len(again), len(written))
	}
	for format, file := range map[string][]byte{"legacy": legacy, "envelope": written} {
		body := rankerBody(t, file)
		i := bytes.Index(file, []byte("0.4975"))
		if i < 0 {
			i = bytes.IndexAny(file[200:], "123456789") + 200
		}
		digit := bytes.Clone(file)
		digit[i] = '9'
		header, _, _ := bytes.Cut(file, []byte("\n"))
		otherVersion := bytes.Replace(bytes.Clone(file), header, bytes.Replace(header, []byte("ranker 2 "), []byte("ranker 3 "), 1), 1)
		var jsonAfterJSON []byte
		if format == "legacy" {
			jsonAfterJSON = sealRanker(append(bytes.Clone(body), []byte("{}")...))
		} else {
			var buf bytes.Buffer
			if _, err := (modelfile.Format{Kind: "kb-ranker", Version: 2}).Write(&buf, append(bytes.Clone(body), []byte("{}")...)); err != nil {
				t.Fatal(err)
			}
			jsonAfterJSON = buf.Bytes()
		}
		for name, b := range map[string][]byte{
			"a digit changed": digit,
			"truncated":       file[:len(file)-100],
			"json appended":   append(bytes.Clone(file), []byte(`{"garbage":`)...),
			"space appended":  append(bytes.Clone(file), ' '),
			"other version":   otherVersion,
			"no header":       body,
			"empty":           nil,
			"json after json": jsonAfterJSON,
		} {
			if _, err := ReadRanker(bytes.NewReader(b)); err == nil {
				t.Errorf("%s file, %s: read without error", format, name)
			}
		}
	}
}

// rankerJSON returns r as WriteTo writes it.
func rankerJSON(t *testing.T, r *Ranker) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// productIndex returns an index of one entry per product and template
// (fmt.Sprintf(template, product)), numbered e0, e1, ... products first,
// without a ranker (training does not use it).
func productIndex(t *testing.T, products, templates []string) *Index {
	t.Helper()
	var faqs []FAQ
	for _, p := range products {
		for _, a := range templates {
			faqs = append(faqs, FAQ{ID: fmt.Sprintf("e%d", len(faqs)), Question: fmt.Sprintf(a, p)})
		}
	}
	return indexOf(t, faqs, WithRanker(nil))
}

// indexOf returns an index of faqs with the shared tokenizer and opts,
// closed when t ends.
func indexOf(t *testing.T, faqs []FAQ, opts ...Option) *Index {
	t.Helper()
	ix, err := New(sharedJieba(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Reload(context.Background(), faqs); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestTrainConfigNone: a zero field takes the default, a negative Epochs
// or L2 asks for none (L2 = 0 can be asked for), and Learning takes only
// Learn and Skip.
func TestTrainConfigNone(t *testing.T) {
	t.Parallel()
	ix := productIndex(t, []string{"花呗", "借呗", "余额宝"}, []string{"%s怎么还款", "%s怎么开通", "%s提前还款"})
	ex := []Labeled{{"花呗怎么还钱", "e0"}, {"借呗能提前还吗", "e5"}, {"余额宝咋开通", "e7"}, {"开通借呗", "e4"}}
	train := func(cfg TrainConfig) (string, error) {
		if cfg.Associations == Learn {
			cfg.Associations = Skip
		}
		cfg.Contrast, cfg.CalibrationShare = Skip, -1
		r, _, err := TrainRanker(context.Background(), ix, ex, cfg)
		if err != nil {
			return "", err
		}
		return rankerJSON(t, r), nil
	}
	must := func(cfg TrainConfig) string {
		t.Helper()
		s, err := train(cfg)
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		return s
	}
	if must(TrainConfig{}) != must(TrainConfig{L2: 1e-4, Epochs: 60}) {
		t.Error("the zero config differs from the defaults written out")
	}
	if must(TrainConfig{L2: -1}) == must(TrainConfig{}) {
		t.Error("L2 -1 (none) trains the same ranker as the default 1e-4")
	}
	var f struct{ Weights []float64 }
	if err := json.Unmarshal(rankerBody(t, []byte(must(TrainConfig{Epochs: -1}))), &f); err != nil {
		t.Fatal(err)
	}
	for i, w := range f.Weights {
		if w != 0 {
			t.Fatalf("Epochs -1 (none): weight %d is %v, want 0", i, w)
		}
	}
	if _, err := train(TrainConfig{Associations: 2}); err == nil {
		t.Error("Associations 2 accepted")
	}
}

// TestZeroRankerRefused: an index refuses the zero Ranker, which has no
// model, with an error rather than a panic.
func TestZeroRankerRefused(t *testing.T) {
	t.Parallel()
	if ix, err := New(tokenize.Bigram(), WithRanker(&Ranker{})); err == nil {
		ix.Close()
		t.Fatal("New with the zero Ranker succeeded")
	}
	ix := indexOf(t, []FAQ{{ID: "a", Question: "花呗怎么还款"}}, WithRanker(nil))
	if err := ix.SetRanker(context.Background(), &Ranker{}); err == nil {
		t.Error("SetRanker with the zero Ranker succeeded")
	}
	var r Ranker
	if _, err := r.WriteTo(io.Discard); err == nil {
		t.Error("WriteTo of the zero Ranker succeeded")
	}
}
