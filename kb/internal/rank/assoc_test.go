package rank

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naiveAssocFeatures computes the association features of text terms t
// for query terms q from their definition, pair by pair, with the
// table's string maps: the reference for assocQuery's numbered, hashed
// computation.
func naiveAssocFeatures(a *assoc, byDst map[string][]assocLink, q, t []string) [numAssocFeatures]float64 {
	var x [numAssocFeatures]float64
	if len(q) > maxAssocWords {
		q = q[:maxAssocWords]
	}
	if len(q) == 0 || len(t) == 0 {
		return x
	}
	// p(dst, src) is P(dst | src) as the features see it: byDst holds the
	// (capped) links into dst; a word without links stands for itself.
	fwdP := func(qw, u string) float64 { // P(query word | text word)
		for _, l := range byDst[qw] {
			if l.word == u {
				return l.p
			}
		}
		if _, known := a.bySrc[qw]; !known && qw == u {
			return 1
		}
		return 0
	}
	revP := func(u, qw string) float64 { // P(text word | query word)
		links, known := a.bySrc[qw]
		for _, l := range links {
			if l.word == u {
				return l.p
			}
		}
		if !known && qw == u {
			return 1
		}
		return 0
	}
	has := func(set []string, w string) bool {
		for _, s := range set {
			if s == w {
				return true
			}
		}
		return false
	}
	var fwdLL, fwdCov, fwdW, diffCov, diffW float64
	for _, qw := range q {
		sum, best := 0.0, 0.0
		for _, u := range t {
			p := fwdP(qw, u)
			sum += p
			best = max(best, p)
		}
		st := a.termStat(qw)
		if p := sum / float64(len(t)); p > 0 {
			fwdLL += math.Log1p(p / st.bg)
		}
		fwdCov += st.w * min(best, 1)
		fwdW += st.w
		if !has(t, qw) {
			diffCov += st.w * min(best, 1)
			diffW += st.w
		}
	}
	var revLL, revCov, revW, rdiffCov, rdiffW float64
	for _, u := range t {
		pu, bu := 0.0, 0.0
		for _, qw := range q {
			p := revP(u, qw)
			pu += p
			bu = max(bu, p)
		}
		st := a.termStat(u)
		if pu > 0 {
			revLL += math.Log1p(pu / float64(len(q)) / st.bg)
		}
		revCov += st.w * bu
		revW += st.w
		if !has(q, u) {
			rdiffCov += st.w * bu
			rdiffW += st.w
		}
	}
	x[0], x[1] = fwdLL/float64(len(q)), revLL/float64(len(t))
	x[2], x[3] = fwdCov/fwdW, revCov/revW
	x[4], x[5] = 1, 1
	if diffW > 0 {
		x[4] = diffCov / diffW
	}
	if rdiffW > 0 {
		x[5] = rdiffCov / rdiffW
	}
	return x
}

// naiveByDst returns, for naiveAssocFeatures, a's links by target word
// from their definition: for each word a, the words b with P(a | b) kept
// (bySrc), the maxDst most probable when a's maxDst is positive.
func naiveByDst(a *assoc) map[string][]assocLink {
	m := map[string][]assocLink{}
	for s, links := range a.bySrc {
		for _, l := range links {
			m[l.word] = append(m[l.word], assocLink{s, l.p})
		}
	}
	for d, links := range m {
		if a.maxDst > 0 && len(links) > a.maxDst {
			slices.SortFunc(links, byProb)
			m[d] = links[:a.maxDst]
		}
	}
	return m
}

// TestAssocFeaturesMatchDefinition checks the features search computes
// (query links hashed by term number, indexed texts' terms numbered when
// they were indexed) against naiveAssocFeatures, for the default ranker's
// word, character and bigram tables over the sample KB: every query is one
// sample text, scored against every other text, plus queries with words
// the tables do not know.
func TestAssocFeaturesMatchDefinition(t *testing.T) {
	t.Parallel()
	tok, m, sample := fixtures(t)
	texts := sample.texts
	a := m.assoc
	if a == nil || a.sub[subChars] == nil || a.sub[subGrams] == nil {
		t.Fatal("default ranker without association tables")
	}
	for _, tx := range texts {
		if tx.aid == nil || tx.aid.a != a {
			t.Fatalf("text %q: terms not numbered in the model's table", string(tx.a.Runes))
		}
	}
	queries := []string{"zqxw花呗还不上了怎么办啊zqxw", "余额宝转出到银行卡要多久", "qwertyuiop"}
	for i := 0; i < len(texts); i += 7 {
		queries = append(queries, string(texts[i].a.Runes))
	}
	byDst := map[*assoc]map[string][]assocLink{}
	for _, tab := range []*assoc{a, a.sub[subChars], a.sub[subGrams]} {
		byDst[tab] = naiveByDst(tab)
	}
	checked := 0
	for _, qs := range queries {
		qa, _ := analyze(tok, qs)
		aq := a.query(&qa)
		for j := 0; j < len(texts); j += 3 {
			tx := texts[j]
			var got [numFeatures]float64
			aq.textFeatures(got[:], tx)
			for k, c := range []struct {
				tab  *assoc
				q, t []string
				at   int
			}{
				{a, qa.WordSet, tx.a.WordSet, firstAssocFeature},
				{a.sub[subChars], qa.Uni, tx.a.Uni, firstCharAssocFeature},
				{a.sub[subGrams], qa.Grams, tx.a.Grams, firstGramAssocFeature},
			} {
				want := naiveAssocFeatures(c.tab, byDst[c.tab], c.q, c.t)
				for f := range numAssocFeatures {
					if d := math.Abs(got[c.at+f] - want[f]); !(d <= 1e-9*max(1, math.Abs(want[f]))) {
						t.Fatalf("query %q, text %q, table %d: feature %s = %v, want %v",
							qs, string(tx.a.Runes), k, featureNames[c.at+f], got[c.at+f], want[f])
					}
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d comparisons", checked)
	}
}

// features is featuresIDs with t's terms looked up (for tests that give
// texts as word lists).
func (q *assocQuery) features(x []float64, t []string) {
	q.featuresIDs(x, t, q.a.lookupIDs(make([]int32, 0, len(t)), t))
}

func TestLearnAssoc(t *testing.T) {
	t.Parallel()
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
	q := a.query(words("花呗", "还钱"))
	var para, other [numAssocFeatures]float64
	q.features(para[:], []string{"花呗", "还款"})
	q.features(other[:], []string{"花呗", "开通"})
	for i := range numAssocFeatures {
		if !(para[i] > other[i]) {
			t.Errorf("feature %s: paraphrase %.3f, other %.3f", featureNames[firstAssocFeature+i], para[i], other[i])
		}
	}
	// An unknown word translates to itself.
	u := a.query(words("转账"))
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
	b.query(words("花呗", "还钱")).features(back[:], []string{"花呗", "还款"})
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
	t.Parallel()
	type pair struct{ q, e string }
	var pairs []Pair
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
		pairs = append(pairs, Pair{
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
		q := tab.query(&Analysis{WordSet: []string{query}, Uni: chars(query), Grams: grams(query)})
		for k, terms := range []func(string) []string{chars, grams} {
			var typo, other [numAssocFeatures]float64
			q.subFeatures(k, typo[:], terms("余额提现不出"), nil)
			q.subFeatures(k, other[:], terms("余额提现多久"), nil)
			if !(typo[0] > other[0]) || !(typo[2] > other[2]) {
				t.Errorf("%s table: typo %v, other %v", subTableNames[k], typo, other)
			}
		}
	}
	var none [numAssocFeatures]float64
	none[0] = 7
	(&assoc{total: 1}).query(&Analysis{WordSet: []string{"a"}, Uni: []string{"a"}}).subFeatures(subChars, none[:], []string{"a"}, nil)
	if none != [numAssocFeatures]float64{} {
		t.Errorf("features without a character table: %v, want zeros", none)
	}
}

// TestAppendFieldsMatchesStringsFields holds appendFields, which splits
// the lines of an association table file, to strings.Fields.
func TestAppendFieldsMatchesStringsFields(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", " ", "3", "12 花呗 0.5 借呗 0.25", "  lead  and trail  ",
		"tab\tnl\nvt\vff\fcr\r", "nel\u0085nbsp\u00a0ideo\u3000ogham\u1680em\u2003ls\u2028x",
		"bad \xff utf-8\xe2\x80", "\u200bzero-width-not-space",
	} {
		if got, want := appendFields([]string{"keep"}, s), append([]string{"keep"}, strings.Fields(s)...); !slices.Equal(got, want) {
			t.Errorf("appendFields(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestAssocNumbersWordsOnlyLinked: a table file whose links name a word it
// does not count still numbers that word, and links it both ways.
func TestAssocNumbersWordsOnlyLinked(t *testing.T) {
	t.Parallel()
	a, err := assocFromFile(&assocFile{Total: 10, Words: map[string]string{"a": "3 c 0.5 b 0.25", "b": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int32{"a": 0, "b": 1, "c": 2}
	if d := cmp.Diff(ids, a.ids); d != "" {
		t.Fatalf("ids (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]idLink{{{2, 0.5}, {1, 0.25}}, nil, nil}, a.idSrc, cmp.AllowUnexported(idLink{})); d != "" {
		t.Errorf("idSrc (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]idLink{nil, {{0, 0.25}}, {{0, 0.5}}}, a.idDst, cmp.AllowUnexported(idLink{})); d != "" {
		t.Errorf("idDst (-want +got):\n%s", d)
	}
	if got, want := a.idStat[ids["c"]], a.computeStat(0); got != want {
		t.Errorf("stat of c = %v, want %v", got, want)
	}
}
