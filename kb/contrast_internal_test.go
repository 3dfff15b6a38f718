package kb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
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
	for _, pairs := range []bool{false, true} {
		c, err := learnContrast(context.Background(), lists, use, pairs, contrastL2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if pairs != (len(c.pairs) > 0) {
			t.Errorf("pairs %v: %d pair weights", pairs, len(c.pairs))
		}
		// Lists of products the model has not seen: their names are
		// unknown words, so only the verbs and the other words tell.
		held := flipLists(30, 10000)
		for _, l := range held {
			l.fillContrast(c)
			for j := range l.x {
				if j != l.pos && l.x[j][firstContrastFeature] >= l.x[l.pos][firstContrastFeature] {
					t.Fatalf("pairs %v: %v: text %v scores %v, the expected %v %v", pairs, l.q.wordSet,
						l.texts[j].wordSet, l.x[j][firstContrastFeature:], l.texts[l.pos].wordSet, l.x[l.pos][firstContrastFeature:])
				}
			}
		}
		// The total is the sum of its parts.
		x := held[0].x[0][firstContrastFeature:]
		if d := x[0] - x[1] - x[2] - x[3]; d > 1e-9 || d < -1e-9 {
			t.Errorf("contrast %v is not the sum of its parts", x[:4])
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
				t.Fatalf("pairs %v: after a round trip %v, want %v", pairs, l.x, want)
			}
		}
	}
}

func TestContrastFileErrors(t *testing.T) {
	for _, js := range []string{
		`{"unknown":[0,0,0],"words":{"":[1,2,3]}}`,
		`{"unknown":[0,0,0],"words":{"a":[1,2,3]},"pairs":{"a\tb":1}}`,
		`{"unknown":[0,0,0],"words":{"a":[1,2,3]},"pairs":{"a":1}}`,
	} {
		var f contrastFile
		if err := json.NewDecoder(strings.NewReader(js)).Decode(&f); err != nil {
			t.Fatal(err)
		}
		if _, err := contrastFromFile(&f); err == nil {
			t.Errorf("%s: no error", js)
		}
	}
	if _, err := learnContrast(context.Background(), nil, nil, false, contrastL2, 1); err == nil {
		t.Error("no lists: no error")
	}
}
