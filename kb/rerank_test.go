package kb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/tokenize/jieba"
)

func TestLearnAssoc(t *testing.T) {
	pairs := [][2][]string{
		{{"花呗", "还钱"}, {"花呗", "还款"}},
		{{"借呗", "还钱", "怎么"}, {"借呗", "还款", "如何"}},
		{{"还钱", "晚了"}, {"逾期", "还款"}},
		{{"花呗", "用不了"}, {"花呗", "不能", "用"}},
		{{"借呗", "用不了"}, {"借呗", "不能", "用"}},
		{{"开启", "花呗"}, {"开通", "花呗"}},
	}
	a, err := learnAssoc(context.Background(), pairs)
	if err != nil {
		t.Fatal(err)
	}
	p := func(dst, src string) float64 {
		for _, l := range a.bySrc[src] {
			if l.word == dst {
				return l.p
			}
		}
		return 0
	}
	if p("还钱", "还款") <= p("花呗", "还款") || p("还钱", "还款") < 0.2 {
		t.Errorf("P(还钱|还款) = %.3f, P(花呗|还款) = %.3f", p("还钱", "还款"), p("花呗", "还款"))
	}
	q := a.query([]string{"花呗", "还钱"})
	var para, other [numAssocFeatures]float64
	q.features(para[:], []string{"花呗", "还款"})
	q.features(other[:], []string{"花呗", "开通"})
	for i := range numAssocFeatures {
		if !(para[i] > other[i]) {
			t.Errorf("feature %s: paraphrase %.3f, other %.3f", featureNames[firstAssocFeature+i], para[i], other[i])
		}
	}
	// An unknown word translates to itself.
	u := a.query([]string{"转账"})
	var same, diff [numAssocFeatures]float64
	u.features(same[:], []string{"转账"})
	u.features(diff[:], []string{"充值"})
	if !(same[0] > diff[0]) || same[2] != 1 {
		t.Errorf("unknown word: same %v, different %v", same, diff)
	}
	// The JSON form keeps the features (probabilities to 3 digits).
	b, err := assocFromFile(a.file())
	if err != nil {
		t.Fatal(err)
	}
	var back [numAssocFeatures]float64
	b.query([]string{"花呗", "还钱"}).features(back[:], []string{"花呗", "还款"})
	if diff := cmp.Diff(para[:], back[:], cmp.Comparer(func(x, y float64) bool { return math.Abs(x-y) < 0.02 })); diff != "" {
		t.Errorf("features after JSON round trip (-want +got):\n%s", diff)
	}
	for _, bad := range []*assocFile{
		{Total: 0, Words: map[string]string{"a": "1"}},
		{Total: 5, Words: map[string]string{"a": "x"}},
		{Total: 5, Words: map[string]string{"a": "1 b"}},
		{Total: 5, Words: map[string]string{"a": "1 b 1.5"}},
	} {
		if _, err := assocFromFile(bad); err == nil {
			t.Errorf("assocFromFile(%+v): no error", bad)
		}
	}
}

// TestAssocSubTables checks the character and bigram tables learned beside
// the word table: a typo the word table cannot bridge (岀 for 出) still
// scores above an unrelated text, and the tables survive the JSON form.
func TestAssocSubTables(t *testing.T) {
	type pair struct{ q, e string }
	var pairs []assocPair
	chars := func(s string) []string {
		var out []string
		for _, r := range s {
			out = append(out, string(r))
		}
		return sortedSet(out)
	}
	grams := func(s string) []string {
		rs := []rune(s)
		var out []string
		for i := 0; i+1 < len(rs); i++ {
			out = append(out, string(rs[i:i+2]))
		}
		return sortedSet(out)
	}
	for _, p := range []pair{
		{"花呗付款不岀", "花呗付款不出"}, {"借呗提现不岀来", "借呗提现不出来"}, {"钱转不岀去", "钱转不出去"},
		{"花呗怎么还钱", "花呗如何还款"}, {"借呗开通", "开通借呗"},
	} {
		pairs = append(pairs, assocPair{
			words: [2][]string{{p.q}, {p.e}},
			sub:   [numSubTables][2][]string{{chars(p.q), chars(p.e)}, {grams(p.q), grams(p.e)}},
		})
	}
	a, err := learnAssocPairs(context.Background(), pairs)
	if err != nil {
		t.Fatal(err)
	}
	for k := range numSubTables {
		if a.sub[k] == nil {
			t.Fatalf("sub-table %s not learned", subTableNames[k])
		}
	}
	b, err := assocFromFile(a.file())
	if err != nil {
		t.Fatal(err)
	}
	query := "余额提现不岀"
	for _, tab := range []*assoc{a, b} {
		q := tab.query([]string{query})
		for k, terms := range []func(string) []string{chars, grams} {
			var typo, other [numAssocFeatures]float64
			q.subFeatures(k, typo[:], terms(query), terms("余额提现不出"), nil)
			q.subFeatures(k, other[:], terms(query), terms("余额提现多久"), nil)
			if !(typo[0] > other[0]) || !(typo[2] > other[2]) {
				t.Errorf("%s table: typo %v, other %v", subTableNames[k], typo, other)
			}
		}
	}
	var none [numAssocFeatures]float64
	none[0] = 7
	(&assoc{total: 1}).query([]string{"a"}).subFeatures(subChars, none[:], []string{"a"}, []string{"a"}, nil)
	if none != [numAssocFeatures]float64{} {
		t.Errorf("features without a character table: %v, want zeros", none)
	}
}

func TestTrainTreesAndAssoc(t *testing.T) {
	ix, err := New(newTestTokenizer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
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
	if err := ix.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	// Each example four times gives the trees enough weight to split.
	ex = append(append(ex, ex...), append(ex, ex...)...)
	// One epoch of a strongly decayed linear part leaves the trees errors
	// to fit (otherwise it separates this small set alone and every tree
	// is a leaf).
	r, rep, err := TrainRanker(ctx, ix, ex, TrainConfig{Epochs: 1, L2: 1, Trees: 8, Depth: 2, AssocFolds: 2, Note: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if r.assoc == nil || r.contrast == nil || len(r.trees) != 8 || rep.Used == 0 || math.IsNaN(rep.Loss) {
		t.Fatalf("assoc %v, contrast %v, %d trees, report %+v", r.assoc != nil, r.contrast != nil, len(r.trees), rep)
	}
	js := rankerJSON(t, r)
	r2, err := ReadRanker(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	var x [numFeatures]float64
	for i := range x {
		x[i] = float64(i%5) / 4
	}
	if got, want := r2.score(&x), r.score(&x); math.Abs(got-want) > 1e-9 {
		t.Errorf("score after round trip %v, want %v", got, want)
	}
	// A tree whose child points back at its parent would never end.
	var f rankerFile
	if err := json.Unmarshal(rankerBody(t, []byte(js)), &f); err != nil {
		t.Fatal(err)
	}
	corrupted := false
	for i := range f.Trees {
		if len(f.Trees[i].Left) > 1 {
			f.Trees[i].Left[0] = 0
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
	ix2, err := New(newTestTokenizer(t), WithRanker(r2))
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if err := ix2.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	hits, err := ix2.Search(ctx, Query{Text: "花呗怎么还钱", Limit: 3})
	if err != nil || len(hits) == 0 {
		t.Fatalf("search: %v, %v", hits, err)
	}
	if _, _, err := TrainRanker(ctx, ix, ex, TrainConfig{Trees: -1}); err == nil {
		t.Error("negative trees: no error")
	}
}

func newTestTokenizer(t *testing.T) *jieba.Tokenizer {
	t.Helper()
	tok, err := jieba.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tok.Close() })
	return tok
}

// TestReadRankerWithoutItsModels checks that a ranker file trained on the
// association or contrast features but which lost the model computing them
// is refused, naming the feature and the missing model, while the file
// intact, and one trained without the models (hidden units and trees
// included), still load.
func TestReadRankerWithoutItsModels(t *testing.T) {
	if _, err := ReadRanker(bytes.NewReader(defaultRankerFile)); err != nil {
		t.Fatalf("default ranker: %v", err)
	}
	// Trained without the models: every part of the model present.
	ix := productIndex(t, []string{"花呗", "借呗", "余额宝"}, []string{"%s怎么还款", "%s怎么开通", "%s提前还款"})
	ex := []Labeled{{"花呗怎么还钱", "e0"}, {"借呗能提前还吗", "e5"}, {"余额宝咋开通", "e7"}, {"开通借呗", "e4"}}
	r, _, err := TrainRanker(context.Background(), ix, ex, TrainConfig{Associations: Skip, Contrast: Skip, Hidden: 2, Trees: 5, Depth: 2})
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
	return append(fmt.Appendf(nil, "%s %d %d %x\n", rankerMagic, rankerVersion, len(body), sum), body...)
}

// TestRankerFileIntegrity: a ranker file changed in any way — a digit, a
// truncation, data appended, a header from another version, no header at
// all (a file from before the header) — is an error, not another model.
func TestRankerFileIntegrity(t *testing.T) {
	file := defaultRankerFile
	body := rankerBody(t, file)
	i := bytes.Index(file, []byte("0.4975"))
	if i < 0 {
		i = bytes.IndexAny(file[200:], "123456789") + 200
	}
	digit := bytes.Clone(file)
	digit[i] = '9'
	for name, b := range map[string][]byte{
		"a digit changed": digit,
		"truncated":       file[:len(file)-100],
		"json appended":   append(bytes.Clone(file), []byte(`{"garbage":`)...),
		"space appended":  append(bytes.Clone(file), ' '),
		"other version":   bytes.Replace(bytes.Clone(file), []byte("duxin-kb-ranker 2 "), []byte("duxin-kb-ranker 3 "), 1),
		"no header":       body,
		"empty":           nil,
		"json after json": sealRanker(append(bytes.Clone(body), []byte("{}")...)),
	} {
		if _, err := ReadRanker(bytes.NewReader(b)); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
	// Written and read back: the same bytes again.
	r, err := ReadRanker(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := rankerJSON(t, r); got != string(file) {
		t.Errorf("WriteTo of the default ranker differs from its file (%d vs %d bytes)", len(got), len(file))
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
// (fmt.Sprintf(template, product)), numbered e0, e1, ... products first.
func productIndex(t *testing.T, products, templates []string) *Index {
	t.Helper()
	ix, err := New(newTestTokenizer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var faqs []FAQ
	for _, p := range products {
		for _, a := range templates {
			faqs = append(faqs, FAQ{ID: fmt.Sprintf("e%d", len(faqs)), Question: fmt.Sprintf(a, p)})
		}
	}
	if err := ix.Reload(context.Background(), faqs); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestTrainConfigNone: a zero field takes the default, a negative Epochs
// or L2 asks for none (L2 = 0 can be asked for), and Learning takes only
// Learn and Skip.
func TestTrainConfigNone(t *testing.T) {
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
