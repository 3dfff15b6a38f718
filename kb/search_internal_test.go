package kb

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/google/go-cmp/cmp"
)

// bleveHits is the first stage as bleve's own query machinery runs it: a
// disjunction of boosted term queries, filtered by a conjunction of keyword
// terms. The accumulator must give the same texts in the same order with
// the same scores.
func bleveHits(t testing.TB, g *generation, terms, filters []queryTerm, size int) ([]string, []float64) {
	t.Helper()
	should := make([]query.Query, 0, len(terms))
	for _, qt := range terms {
		q := bleve.NewTermQuery(qt.text)
		q.SetField(qt.field)
		q.SetBoost(qt.boost)
		should = append(should, q)
	}
	var root query.Query = bleve.NewDisjunctionQuery(should...)
	if len(filters) > 0 {
		var fs []query.Query
		for _, f := range filters {
			q := bleve.NewTermQuery(f.text)
			q.SetField(f.field)
			fs = append(fs, q)
		}
		b := bleve.NewBooleanQuery()
		b.AddShould(root)
		b.Filter = bleve.NewConjunctionQuery(fs...)
		root = b
	}
	res, err := g.bi.Search(bleve.NewSearchRequestOptions(root, size, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var scores []float64
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
		scores = append(scores, h.Score)
	}
	return ids, scores
}

// checkFirstStage compares the accumulator with bleveHits for each query.
// With filters, bleve's boolean query scales every score by one factor of
// its own; the order must still agree, and the scores up to that factor.
// Scorch merges segments in the background after updates, which changes the
// index statistics BM25 reads (bleve's field "cardinality" counts the terms
// of deleted documents until they are merged away); the two searches may
// read different snapshots, so a mismatch is retried for a while before it
// counts.
func checkFirstStage(t *testing.T, ix *Index, queries []string, filtersOf func(i int) []queryTerm) {
	t.Helper()
	g, err := ix.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer g.release()
	for i, q := range queries {
		var err error
		for try := 0; try < 50; try++ {
			if err = compareFirstStage(t, ix, g, q, filtersOf(i)); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func compareFirstStage(t *testing.T, ix *Index, g *generation, q string, filters []queryTerm) error {
	qa := ix.an.analyze(q)
	terms := ix.queryTerms(g, &qa)
	if len(terms) == 0 {
		return nil
	}
	wantIDs, wantScores := bleveHits(t, g, terms, filters, 60)
	acc := g.getAccumulator()
	defer g.putAccumulator(acc)
	if err := acc.search(context.Background(), g.bi, terms, filters, g.vocab(), 60); err != nil {
		t.Fatal(err)
	}
	if len(acc.ids) != len(wantIDs) {
		return fmt.Errorf("query %q filters %v: %d texts, bleve %d", q, filters, len(acc.ids), len(wantIDs))
	}
	if len(wantIDs) == 0 {
		return nil
	}
	factor := 1.0
	if len(filters) > 0 {
		factor = wantScores[0] / acc.top[0].score
	}
	bleveScore := make(map[string]float64, len(wantIDs))
	for j, id := range wantIDs {
		bleveScore[id] = wantScores[j] / factor
	}
	last := wantScores[len(wantScores)-1] / factor
	for j, id := range acc.ids {
		got := acc.top[j].score * factor
		if math.Abs(got-wantScores[j]) > 1e-9*wantScores[j] {
			return fmt.Errorf("query %q filters %v: text %d %s score %v, bleve %s %v", q, filters, j, id, got, wantIDs[j], wantScores[j])
		}
		// bleve adds a text's term scores in heap order, so texts whose
		// scores tie may differ in the last bits and swap places; any other
		// difference in order is a bug.
		want, ok := bleveScore[id]
		if !ok {
			want = last // cut off at the end of bleve's list by a near tie
		}
		if math.Abs(want-acc.top[j].score) > 1e-12*want {
			return fmt.Errorf("query %q filters %v: text %d is %s (score %v), bleve %s (score %v)", q, filters, j, id, got, wantIDs[j], wantScores[j])
		}
	}
	return nil
}

// TestFirstStageMatchesBleve checks the accumulator against bleve's own
// disjunction search on the sample KB, before and after live updates (which
// leave deleted documents and several segments behind), with and without
// category and tag filters.
func TestFirstStageMatchesBleve(t *testing.T) {
	t.Parallel()
	ix, faqs := newSampleIndex(t)
	ctx := context.Background()
	var queries []string
	for _, f := range faqs {
		queries = append(queries, f.Similar...)
	}
	if testing.Short() {
		queries = queries[:100]
	}
	none := func(int) []queryTerm { return nil }
	filtered := func(i int) []queryTerm {
		f := faqs[i%len(faqs)]
		out := []queryTerm{{text: f.Category, field: fieldCategory}}
		if i%2 == 0 && len(f.Tags) > 0 {
			out = append(out, queryTerm{text: f.Tags[0], field: fieldTags})
		}
		return out
	}
	t.Run("reloaded", func(t *testing.T) { checkFirstStage(t, ix, queries, none) })
	t.Run("filtered", func(t *testing.T) { checkFirstStage(t, ix, queries, filtered) })
	for i := 0; i < len(faqs); i += 7 {
		f := faqs[i]
		f.Similar = append(f.Similar[:len(f.Similar):len(f.Similar)], fmt.Sprintf("%s（第%d版）", f.Question, i))
		if err := ix.Upsert(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for i := 3; i < len(faqs); i += 11 {
		if err := ix.Delete(ctx, faqs[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("updated", func(t *testing.T) { checkFirstStage(t, ix, queries, none) })
	t.Run("updated-filtered", func(t *testing.T) { checkFirstStage(t, ix, queries, filtered) })
}

// TestFirstStageMatchesBleveAFQMC does the same on 10k entries of
// afqmc-full, when the shared data is present (not with -short).
func TestFirstStageMatchesBleveAFQMC(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short")
	}
	d := sharedDataDir()
	if d == "" {
		t.Skip("shared data absent")
	}
	faqs, _, err := LoadFile(filepath.Join(d, "retrieval", "afqmc-full", "kb.jsonl"), SkipInvalid())
	if err != nil {
		t.Fatal(err)
	}
	faqs = faqs[:min(len(faqs), 10000)]
	ix, err := New(sharedJieba(t), WithRanker(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Reload(context.Background(), faqs); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(d, "retrieval", "afqmc-full", "queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var queries []string
	for sc := bufio.NewScanner(f); sc.Scan() && len(queries) < 500; {
		var l Labeled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		queries = append(queries, l.Query)
	}
	checkFirstStage(t, ix, queries, func(int) []queryTerm { return nil })
}

// sharedDataDir returns the shared evaluation data folder (DUXIN_DATA, or
// ../../shared/data), or "" when absent.
func sharedDataDir() string {
	for _, d := range []string{os.Getenv("DUXIN_DATA"), filepath.Join("..", "..", "shared", "data")} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "retrieval", "afqmc-full", "kb.jsonl")); err == nil {
			return d
		}
	}
	return ""
}

// TestSearchIndependentOfSegments: the same entries give the same hits and
// scores whether they were written in one reload or in several upserts,
// which leave bleve with a different set of segments and document
// numbers. bleve's own BM25 average field length and tie order depend on
// both, so results used to change from run to run as merges happened.
func TestSearchIndependentOfSegments(t *testing.T) {
	t.Parallel()
	tok := sharedJieba(t)
	faqs := loadSampleFAQs(t)
	ctx := context.Background()
	one, err := New(tok)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	if err := one.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	many, err := New(tok)
	if err != nil {
		t.Fatal(err)
	}
	defer many.Close()
	for i := 0; i < len(faqs); i += 20 {
		if err := many.Upsert(ctx, faqs[i:min(i+20, len(faqs))]...); err != nil {
			t.Fatal(err)
		}
	}
	type hit struct {
		ID    string
		Score float64
	}
	results := func(ix *Index, q string) []hit {
		hits, err := ix.Search(ctx, Query{Text: q, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]hit, len(hits))
		for i, h := range hits {
			out[i] = hit{h.FAQ.ID, h.Score}
		}
		return out
	}
	n := 0
	for _, f := range faqs {
		for _, q := range f.Similar {
			if n++; n > 150 {
				return
			}
			if diff := cmp.Diff(results(one, q), results(many, q)); diff != "" {
				t.Fatalf("query %q: one reload vs upserts (-one +many):\n%s", q, diff)
			}
		}
	}
}

func TestSetRankerSwapsAndRevisionCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ix, _ := newSampleIndex(t)
	rev := ix.Revision()
	q := Query{Text: "花呗怎么提前还款", Limit: 3}
	before, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.SetRanker(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if ix.Ranker() != nil {
		t.Error("Ranker() after SetRanker(nil) is not nil")
	}
	firstStage, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	def, err := DefaultRanker()
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.SetRanker(ctx, def); err != nil {
		t.Fatal(err)
	}
	after, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 || !reflect.DeepEqual(before, after) {
		t.Errorf("the same ranker set back gives other hits:\n%v\n%v", before, after)
	}
	if reflect.DeepEqual(before, firstStage) {
		t.Errorf("without a ranker the hits are the same as with one: %v", firstStage)
	}
	if got := ix.Revision(); got != rev+2 {
		t.Errorf("Revision = %d after two SetRanker, want %d", got, rev+2)
	}
	if err := ix.Upsert(ctx, FAQ{ID: "x", Question: "新问题"}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if got := ix.Revision(); got != rev+4 {
		t.Errorf("Revision = %d after Upsert and Delete, want %d", got, rev+4)
	}
	if err := ix.Upsert(ctx, FAQ{ID: ""}); err == nil {
		t.Fatal("Upsert of an entry without id succeeded")
	}
	if got := ix.Revision(); got != rev+4 {
		t.Errorf("a failed Upsert moved Revision to %d", got)
	}
}
