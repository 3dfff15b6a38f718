package rank

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flipLists returns lists in which the query's verb decides: the expected
// text has it, a distractor has its opposite and otherwise the same
// words, and a second distractor lacks the query's product.
func flipLists(n int, offset int) []List {
	verbs := [][2]string{{"开通", "关闭"}, {"还款", "借款"}, {"提额", "降额"}}
	var lists []List
	for i := range n {
		v := verbs[i%len(verbs)]
		p := fmt.Sprintf("产品%d", (i+offset)/len(verbs))
		q := words(p, v[0], "怎么")
		texts := []*Text{
			text(p, v[1], "如何"),
			text(p, v[0], "如何"),
			text("其他", v[0], "如何"),
		}
		lists = append(lists, List{x: make([][numFeatures]float64, len(texts)), pos: 1, q: q, texts: texts, pair: i})
	}
	return lists
}

func TestContrastLearnsFlips(t *testing.T) {
	t.Parallel()
	lists := flipLists(300, 0)
	use := make([]int, len(lists))
	for i := range use {
		use[i] = i
	}
	{
		c, err := learnContrast(context.Background(), lists, use, 1)
		if err != nil {
			t.Fatal(err)
		}
		// Lists of products the model has not seen: their names are
		// unknown words, so only the verbs and the other words tell.
		held := flipLists(30, 10000)
		for _, l := range held {
			l.fillContrast(c)
			for j := range l.x {
				if j != l.pos && l.x[j][firstContrastFeature] >= l.x[l.pos][firstContrastFeature] {
					t.Fatalf("%v: text %v scores %v, the expected %v %v", l.q.WordSet,
						l.texts[j].a.WordSet, l.x[j][firstContrastFeature:], l.texts[l.pos].a.WordSet, l.x[l.pos][firstContrastFeature:])
				}
			}
		}
		// The JSON form scores as the learned model does.
		b, err := json.Marshal(c.file())
		if err != nil {
			t.Fatal(err)
		}
		var f contrastFile
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		c2, err := contrastFromFile(&f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range held {
			want := slices.Clone(l.x)
			l.fillContrast(c2)
			if !slices.Equal(want, l.x) {
				t.Fatalf("after a round trip %v, want %v", l.x, want)
			}
		}
	}
}

// TestReadContrast reads models with and without a contrast model, and
// contrast models with bad weights, which must fail naming what is wrong.
func TestReadContrast(t *testing.T) {
	t.Parallel()
	r := newModel("")
	r.contrast = &contrast{ids: map[string]int32{"借呗": 1, "花呗": 2}, uni: [][3]float64{{0.1, 0.2, 0.3}, {1, 2, 3}, {-1, -2, -3}}}
	good := modelJSON(t, r)
	r2, err := Read(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.contrast, r2.contrast, cmp.AllowUnexported(contrast{})); diff != "" {
		t.Errorf("contrast after a round trip (-written +read):\n%s", diff)
	}
	t.Run("none", func(t *testing.T) {
		js := modelJSON(t, newModel(""))
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(fileBody(t, []byte(js)), &keys); err != nil {
			t.Fatal(err)
		}
		if _, ok := keys["contrast"]; ok {
			t.Error("a model without a contrast model writes one")
		}
		r2, err := Read(strings.NewReader(js))
		if err != nil || r2.contrast != nil {
			t.Fatalf("read: contrast %v, error %v", r2 != nil && r2.contrast != nil, err)
		}
	})
	for _, tc := range []struct {
		name   string
		change func(f *contrastFile)
		want   string
	}{
		{"short", func(f *contrastFile) { f.Words["借呗"] = []float64{1, 2} }, `contrast: word "借呗": 2 weights, want 3`},
		{"long", func(f *contrastFile) { f.Words["花呗"] = []float64{1, 2, 3, 4} }, `contrast: word "花呗": 4 weights, want 3`},
		{"no unknown", func(f *contrastFile) { f.Unknown = nil }, "contrast: unknown: 0 weights, want 3"},
		{"empty word", func(f *contrastFile) { f.Words[""] = []float64{1, 2, 3} }, "contrast: a word is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f modelFile
			if err := json.Unmarshal(fileBody(t, []byte(good)), &f); err != nil {
				t.Fatal(err)
			}
			tc.change(f.Contrast)
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Read(bytes.NewReader(seal(b)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestLearnContrastNothing: no lists, no model and no error (a fold of
// cross-fitting with nothing outside it).
func TestLearnContrastNothing(t *testing.T) {
	t.Parallel()
	if c, err := learnContrast(context.Background(), nil, nil, 1); c != nil || err != nil {
		t.Errorf("no lists: %v, %v; want no model and no error", c, err)
	}
}

// naiveContrast is the contrast features' definition, word by word over
// sets: the model's weights of the words both sides have, of those only
// the query has and of those only the text has.
func naiveContrast(c *contrast, q, t []string) [numContrastFeatures]float64 {
	inT := map[string]bool{}
	for _, w := range t {
		inT[w] = true
	}
	inQ := map[string]bool{}
	var shared, qOnly, tOnly float64
	for _, w := range q {
		inQ[w] = true
		if inT[w] {
			shared += c.uni[c.id(w)][ctShared]
		} else {
			qOnly += c.uni[c.id(w)][ctQuery]
		}
	}
	for _, w := range t {
		if !inQ[w] {
			tOnly += c.uni[c.id(w)][ctText]
		}
	}
	return [numContrastFeatures]float64{shared + qOnly + tOnly, shared, qOnly + tOnly}
}

// TestContrastFeaturesMatchDefinition checks the search path (word ids
// numbered when the text was prepared, matches from the word overlap) and
// the training path (ids looked up, matches merged) against the
// definition.
func TestContrastFeaturesMatchDefinition(t *testing.T) {
	t.Parallel()
	tok, m, sample := fixtures(t)
	texts := sample.texts
	c := m.contrast
	if c == nil {
		t.Fatal("default model without a contrast model")
	}
	for _, tx := range texts {
		if tx.ctOf != c || len(tx.ctIDs) != len(tx.a.WordSet) {
			t.Fatalf("text %q: words not numbered in the model's", string(tx.a.Runes))
		}
	}
	queries := []string{"zqxw花呗还不上了怎么办啊zqxw", "余额宝转出到银行卡要多久", "qwertyuiop", ""}
	for i := 0; i < len(texts); i += 7 {
		queries = append(queries, string(texts[i].a.Runes))
	}
	checked := 0
	for _, qs := range queries {
		qa, _ := analyze(tok, qs)
		q := NewQuery(&qa, m)
		q.Prepare(&sample.stats)
		qid := c.wordIDs(nil, qa.WordSet)
		for j := 0; j < len(texts); j += 3 {
			tx := texts[j]
			var search, train [numFeatures]float64
			q.features(&search, tx, 0, 0, 0, &sample.stats)
			unnumbered := *tx
			unnumbered.ctIDs, unnumbered.ctOf = nil, nil
			c.textFeatures(train[:], qa.WordSet, qid, &unnumbered, nil)
			want := naiveContrast(c, qa.WordSet, tx.a.WordSet)
			for f := range numContrastFeatures {
				k := firstContrastFeature + f
				if d := math.Abs(search[k] - want[f]); !(d <= 1e-9*max(1, math.Abs(want[f]))) {
					t.Fatalf("query %q, text %q: feature %s = %v, want %v", qs, string(tx.a.Runes), featureNames[k], search[k], want[f])
				}
				if search[k] != train[k] {
					t.Fatalf("query %q, text %q: feature %s = %v in search, %v in training", qs, string(tx.a.Runes), featureNames[k], search[k], train[k])
				}
			}
			checked++
		}
		q.Release()
	}
	if checked < 1000 {
		t.Fatalf("only %d comparisons", checked)
	}
}
