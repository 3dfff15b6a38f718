package kb

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

// words returns an analysis with the given word set (all a contrast model
// reads of a text).
func words(ws ...string) *analysis {
	s := slices.Clone(ws)
	slices.Sort(s)
	return &analysis{wordSet: slices.Compact(s)}
}

// flipLists returns lists in which the query's verb decides: the expected
// text has it, a distractor has its opposite and otherwise the same
// words, and a second distractor lacks the query's product.
func flipLists(n int, offset int) []trainList {
	verbs := [][2]string{{"开通", "关闭"}, {"还款", "借款"}, {"提额", "降额"}}
	var lists []trainList
	for i := range n {
		v := verbs[i%len(verbs)]
		p := fmt.Sprintf("产品%d", (i+offset)/len(verbs))
		q := words(p, v[0], "怎么")
		texts := []*analysis{
			words(p, v[1], "如何"),
			words(p, v[0], "如何"),
			words("其他", v[0], "如何"),
		}
		lists = append(lists, trainList{x: make([][numFeatures]float64, len(texts)), pos: 1, q: q, texts: texts, pair: i})
	}
	return lists
}

func TestContrastLearnsFlips(t *testing.T) {
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
					t.Fatalf("%v: text %v scores %v, the expected %v %v", l.q.wordSet,
						l.texts[j].wordSet, l.x[j][firstContrastFeature:], l.texts[l.pos].wordSet, l.x[l.pos][firstContrastFeature:])
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

// TestReadRankerContrast reads rankers with and without a contrast model,
// and contrast models with bad weights, which must fail naming what is
// wrong.
func TestReadRankerContrast(t *testing.T) {
	r := &Ranker{contrast: &contrast{ids: map[string]int32{"借呗": 1, "花呗": 2}, uni: [][3]float64{{0.1, 0.2, 0.3}, {1, 2, 3}, {-1, -2, -3}}}}
	for i := range r.scale {
		r.scale[i] = 1
	}
	good := rankerJSON(t, r)
	r2, err := ReadRanker(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.contrast, r2.contrast, cmp.AllowUnexported(contrast{})); diff != "" {
		t.Errorf("contrast after a round trip (-written +read):\n%s", diff)
	}
	t.Run("none", func(t *testing.T) {
		r := &Ranker{}
		for i := range r.scale {
			r.scale[i] = 1
		}
		js := rankerJSON(t, r)
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(rankerBody(t, []byte(js)), &keys); err != nil {
			t.Fatal(err)
		}
		if _, ok := keys["contrast"]; ok {
			t.Error("a ranker without a contrast model writes one")
		}
		r2, err := ReadRanker(strings.NewReader(js))
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
			var f rankerFile
			if err := json.Unmarshal(rankerBody(t, []byte(good)), &f); err != nil {
				t.Fatal(err)
			}
			tc.change(f.Contrast)
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadRanker(bytes.NewReader(sealRanker(b)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestTrainRankerOneQuery: when every example has the same query, every
// list falls in one fold and the other folds have nothing to learn
// contrast or associations from; training still succeeds, and the
// ranker has both models, learned from all lists.
func TestTrainRankerOneQuery(t *testing.T) {
	ix := productIndex(t, []string{"花呗", "借呗", "余额宝", "银行卡"}, []string{"%s怎么还款", "%s怎么开通", "%s怎么关闭", "%s提前还款"})
	ctx := context.Background()
	ex := []Labeled{{"花呗怎么还钱", "e0"}, {"花呗怎么还钱", "e0"}}
	r, rep, err := TrainRanker(ctx, ix, ex, TrainConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if r.contrast == nil || r.assoc == nil || rep.Used != 2 {
		t.Errorf("contrast %v, assoc %v, report %+v", r.contrast != nil, r.assoc != nil, rep)
	}
	if c, err := learnContrast(ctx, nil, nil, 1); c != nil || err != nil {
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
// numbered at indexing, matches from the word overlap) and the training
// path (ids looked up, matches merged) against the definition.
func TestContrastFeaturesMatchDefinition(t *testing.T) {
	ix, g, texts := sampleTexts(t)
	c := ix.rank.contrast
	if c == nil {
		t.Fatal("default ranker without a contrast model")
	}
	for _, tx := range texts {
		if tx.ctOf != c || len(tx.ctIDs) != len(tx.wordSet) {
			t.Fatalf("text %q: words not numbered in the index's model", string(tx.runes))
		}
	}
	queries := []string{"zqxw花呗还不上了怎么办啊zqxw", "余额宝转出到银行卡要多久", "qwertyuiop", ""}
	for i := 0; i < len(texts); i += 7 {
		queries = append(queries, string(texts[i].runes))
	}
	checked := 0
	for _, qs := range queries {
		qa := ix.an.analyze(qs)
		qi := newQueryInfo(&qa)
		qi.setContrast(c)
		qid := c.wordIDs(nil, qa.wordSet)
		for j := 0; j < len(texts); j += 3 {
			tx := texts[j]
			var search, train [numFeatures]float64
			g.mu.RLock()
			featureVector(&search, &qi, tx, 0, 0, 0, &g.stats)
			g.mu.RUnlock()
			unnumbered := *tx
			unnumbered.ctIDs, unnumbered.ctOf = nil, nil
			c.textFeatures(train[:], qa.wordSet, qid, &unnumbered, nil)
			want := naiveContrast(c, qa.wordSet, tx.wordSet)
			for f := range numContrastFeatures {
				k := firstContrastFeature + f
				if d := math.Abs(search[k] - want[f]); !(d <= 1e-9*max(1, math.Abs(want[f]))) {
					t.Fatalf("query %q, text %q: feature %s = %v, want %v", qs, string(tx.runes), featureNames[k], search[k], want[f])
				}
				if search[k] != train[k] {
					t.Fatalf("query %q, text %q: feature %s = %v in search, %v in training", qs, string(tx.runes), featureNames[k], search[k], train[k])
				}
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d comparisons", checked)
	}
}
