package kb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// newJieba returns the process's shared jieba tokenizer.
func newJieba(t testing.TB) *jieba.Tokenizer { return kb.SharedTokenizer(t) }

func sampleFAQs(t testing.TB) []kb.FAQ {
	t.Helper()
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
	if err != nil {
		t.Fatal(err)
	}
	return faqs
}

// newSample returns an index of the sample knowledge base of its own,
// closed when t ends; tests that only search use kb.SharedSampleIndex.
func newSample(t testing.TB, tok tokenize.Tokenizer, opts ...kb.Option) *kb.Index {
	t.Helper()
	ix, err := kb.New(tok, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Reload(context.Background(), sampleFAQs(t)); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestSearchFilters(t *testing.T) {
	t.Parallel()
	ix := kb.SharedSampleIndex(t)
	ctx := context.Background()
	all, err := ix.Search(ctx, kb.Query{Text: "怎么还款", Limit: 50})
	if err != nil || len(all) == 0 {
		t.Fatalf("Search: %d hits, %v", len(all), err)
	}
	cat := all[len(all)-1].FAQ.Category
	hits, err := ix.Search(ctx, kb.Query{Text: "怎么还款", Category: cat, Limit: 50})
	if err != nil || len(hits) == 0 {
		t.Fatalf("Search in %q: %d hits, %v", cat, len(hits), err)
	}
	for _, h := range hits {
		if h.FAQ.Category != cat {
			t.Errorf("category filter %q: got %s in %q", cat, h.FAQ.ID, h.FAQ.Category)
		}
	}
	var tag string
	for _, h := range all {
		if len(h.FAQ.Tags) > 0 {
			tag = h.FAQ.Tags[0]
			break
		}
	}
	hits, err = ix.Search(ctx, kb.Query{Text: "怎么还款", Tags: []string{tag}, Limit: 50})
	if err != nil || len(hits) == 0 {
		t.Fatalf("Search with tag %q: %d hits, %v", tag, len(hits), err)
	}
	for _, h := range hits {
		if !containsString(h.FAQ.Tags, tag) {
			t.Errorf("tag filter %q: got %s with %v", tag, h.FAQ.ID, h.FAQ.Tags)
		}
	}
	hits, err = ix.Search(ctx, kb.Query{Text: "怎么还款", Category: "no such category"})
	if err != nil || len(hits) != 0 {
		t.Errorf("unknown category: %d hits, %v", len(hits), err)
	}
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestSearchEachEntryOnceAndLimit(t *testing.T) {
	t.Parallel()
	ix := kb.SharedSampleIndex(t)
	for _, limit := range []int{0, 1, 3, 100} {
		// MinConfidence -1: every candidate, however unlikely, counts here.
		hits, err := ix.Search(context.Background(), kb.Query{Text: "转账到银行卡多久到账", Limit: limit, MinConfidence: -1})
		if err != nil {
			t.Fatal(err)
		}
		want := limit
		if limit == 0 {
			want = 10
		}
		if len(hits) > want || limit <= 10 && len(hits) != want {
			t.Errorf("limit %d: %d hits", limit, len(hits))
		}
		seen := map[string]bool{}
		for i, h := range hits {
			if seen[h.FAQ.ID] {
				t.Errorf("limit %d: %s twice", limit, h.FAQ.ID)
			}
			seen[h.FAQ.ID] = true
			if i > 0 && h.Score > hits[i-1].Score {
				t.Errorf("limit %d: hit %d scores above hit %d", limit, i, i-1)
			}
		}
	}
	if _, err := ix.Search(context.Background(), kb.Query{Text: "x", Limit: -1}); err == nil {
		t.Error("negative limit: no error")
	}
	hits, err := ix.Search(context.Background(), kb.Query{Text: "？？！！"})
	if err != nil || len(hits) != 0 {
		t.Errorf("punctuation only: %d hits, %v", len(hits), err)
	}
}

func TestHighlight(t *testing.T) {
	t.Parallel()
	ix := kb.SharedSampleIndex(t)
	hits, err := ix.Search(context.Background(), kb.Query{Text: "轉帳到銀行卡多久到賬", Limit: 5})
	if err != nil || len(hits) == 0 {
		t.Fatalf("%d hits, %v", len(hits), err)
	}
	for _, h := range hits {
		plain := html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.Fragment))
		if plain != h.Matched {
			t.Errorf("%s: fragment %q does not reduce to %q", h.FAQ.ID, h.Fragment, h.Matched)
		}
		want := h.FAQ.Question
		if h.Field == kb.FieldSimilar {
			want = h.FAQ.Similar[h.SimilarIndex]
		}
		if h.Matched != want {
			t.Errorf("%s: Matched %q, want %q (field %s %d)", h.FAQ.ID, h.Matched, want, h.Field, h.SimilarIndex)
		}
	}
	if !strings.Contains(hits[0].Fragment, "<mark>") {
		t.Errorf("top hit has no mark: %q", hits[0].Fragment)
	}
}

func TestSimilarQuestionsFindTheirEntry(t *testing.T) {
	t.Parallel()
	ix := kb.SharedSampleIndex(t)
	faqs := sampleFAQs(t)
	total, first := 0, 0
	for _, f := range faqs {
		for i, s := range f.Similar {
			total++
			hits, err := ix.Search(context.Background(), kb.Query{Text: s, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 1 && hits[0].FAQ.ID == f.ID {
				first++
				if hits[0].Field != kb.FieldSimilar || hits[0].SimilarIndex != i {
					t.Logf("%s similar[%d] matched %s %d", f.ID, i, hits[0].Field, hits[0].SimilarIndex)
				}
			}
		}
	}
	rate := float64(first) / float64(total)
	t.Logf("similar questions at rank 1: %d/%d = %.3f", first, total, rate)
	if rate < 0.9 {
		t.Errorf("similar questions at rank 1: %.3f, want >= 0.9", rate)
	}
}

func TestUpsertDeleteGet(t *testing.T) {
	t.Parallel()
	ix := newSample(t, newJieba(t))
	ctx := context.Background()
	n := ix.Len()
	f := kb.FAQ{ID: "test-new", Question: "数字人民币钱包怎么开通", Similar: []string{"数币钱包在哪开", "数字人民币怎么用"}, Category: "测试"}
	if err := ix.Upsert(ctx, f); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != n+1 {
		t.Errorf("Len = %d, want %d", ix.Len(), n+1)
	}
	hits, err := ix.Search(ctx, kb.Query{Text: "数币钱包在哪开", Limit: 1})
	if err != nil || len(hits) == 0 || hits[0].FAQ.ID != f.ID || hits[0].Field != kb.FieldSimilar || hits[0].SimilarIndex != 0 {
		t.Fatalf("after upsert: %+v, %v", hits, err)
	}
	got, err := ix.Get(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	// Replace with fewer similar questions: the dropped one must not match as a similar.
	f.Similar = f.Similar[1:]
	if err := ix.Upsert(ctx, f); err != nil {
		t.Fatal(err)
	}
	hits, err = ix.Search(ctx, kb.Query{Text: "数币钱包在哪开", Category: "测试"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if h.Field == kb.FieldSimilar && h.SimilarIndex >= len(h.FAQ.Similar) {
			t.Errorf("stale similar index %d", h.SimilarIndex)
		}
	}
	// All or none.
	if err := ix.Upsert(ctx, kb.FAQ{ID: "ok", Question: "好的问题"}, kb.FAQ{ID: "", Question: "没有 id"}); !errors.Is(err, kb.ErrEmptyID) {
		t.Errorf("upsert without id: %v, want ErrEmptyID", err)
	}
	if _, err := ix.Get(ctx, "ok"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("half-applied upsert: Get(ok) = %v", err)
	}
	if err := ix.Delete(ctx, f.ID, "unknown"); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Get(ctx, f.ID); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	hits, _ = ix.Search(ctx, kb.Query{Text: "数字人民币钱包怎么开通", Limit: 50})
	for _, h := range hits {
		if h.FAQ.ID == f.ID {
			t.Errorf("deleted entry still found")
		}
	}
	all, err := ix.All(ctx)
	if err != nil || len(all) != n {
		t.Errorf("All: %d entries, %v; want %d", len(all), err, n)
	}
}

func TestReloadDuringSearches(t *testing.T) {
	t.Parallel()
	tok := newJieba(t)
	ix := newSample(t, tok)
	ctx := context.Background()
	faqs := sampleFAQs(t)
	half := faqs[:len(faqs)/2]
	queries := []string{"花呗怎么还款", "转账多久到账", "余额宝怎么转出", "银行卡解绑"}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := queries[(i+w)%len(queries)]
				// Every hit, however unconfident: with half the entries,
				// what a query asks about may be gone (银行卡解绑 then
				// has no confident hit), but never every candidate.
				hits, err := ix.Search(ctx, kb.Query{Text: q, MinConfidence: -1})
				if err != nil {
					errs <- fmt.Errorf("search %q: %w", q, err)
					return
				}
				if len(hits) == 0 {
					errs <- fmt.Errorf("search %q: no hits (half-built index?)", q)
					return
				}
			}
		}()
	}
	for i := range 6 {
		set := faqs
		if i%2 == 0 {
			set = half
		}
		if err := ix.Reload(ctx, set); err != nil {
			t.Fatal(err)
		}
		if err := ix.Upsert(ctx, kb.FAQ{ID: fmt.Sprintf("extra-%d", i), Question: "花呗还款日是哪天"}); err != nil {
			t.Fatal(err)
		}
		if err := ix.Delete(ctx, fmt.Sprintf("extra-%d", i)); err != nil {
			t.Fatal(err)
		}
		// A failing reload leaves the previous knowledge base serving.
		bad := append(append([]kb.FAQ{}, set...), kb.FAQ{ID: "bad"})
		if err := ix.Reload(ctx, bad); !errors.Is(err, kb.ErrEmptyQuestion) {
			t.Errorf("bad reload: %v, want ErrEmptyQuestion", err)
		}
		if ix.Len() != len(set) {
			t.Errorf("after failed reload: %d entries, want %d", ix.Len(), len(set))
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCloseAndCancel(t *testing.T) {
	t.Parallel()
	ix := newSample(t, newJieba(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, kb.Query{Text: "花呗"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v", err)
	}
	if err := ix.Reload(ctx, sampleFAQs(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled reload: %v", err)
	}
	if ix.Len() == 0 {
		t.Error("cancelled reload emptied the index")
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	bg := context.Background()
	if _, err := ix.Search(bg, kb.Query{Text: "花呗"}); !errors.Is(err, kb.ErrClosed) {
		t.Errorf("Search after Close: %v", err)
	}
	if _, err := ix.Get(bg, "x"); !errors.Is(err, kb.ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	if err := ix.Upsert(bg, kb.FAQ{ID: "x", Question: "y"}); !errors.Is(err, kb.ErrClosed) {
		t.Errorf("Upsert after Close: %v", err)
	}
	if err := ix.Reload(bg, nil); !errors.Is(err, kb.ErrClosed) {
		t.Errorf("Reload after Close: %v", err)
	}
	if _, err := ix.Related(bg, "x", 3); !errors.Is(err, kb.ErrClosed) {
		t.Errorf("Related after Close: %v", err)
	}
}

func TestOpenPersistsAndRefusesOtherConfig(t *testing.T) {
	t.Parallel()
	tok := newJieba(t)
	dir := filepath.Join(t.TempDir(), "kb")
	ctx := context.Background()
	ix, err := kb.Open(dir, tok)
	if err != nil {
		t.Fatal(err)
	}
	faqs := sampleFAQs(t)
	if err := ix.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = kb.Open(dir, tokenize.Bigram())
	if !errors.Is(err, kb.ErrIncompatible) || !strings.Contains(err.Error(), "tokenizer") {
		t.Errorf("open with another tokenizer: %v, want ErrIncompatible naming the tokenizer", err)
	}
	_, err = kb.Open(dir, tok, kb.WithSynonyms(nil))
	if !errors.Is(err, kb.ErrIncompatible) || !strings.Contains(err.Error(), "synonyms") {
		t.Errorf("open with other synonyms: %v, want ErrIncompatible naming the synonyms", err)
	}
	ix, err = kb.Open(dir, tok)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	all, err := ix.All(ctx)
	if err != nil || len(all) != len(faqs) {
		t.Fatalf("reopened: %d entries, %v; want %d", len(all), err, len(faqs))
	}
	if diff := cmp.Diff(faqs[0], mustGet(t, ix, faqs[0].ID)); diff != "" {
		t.Errorf("reopened entry (-want +got):\n%s", diff)
	}
	hits, err := ix.Search(ctx, kb.Query{Text: faqs[0].Question, Limit: 1})
	if err != nil || len(hits) != 1 || hits[0].FAQ.ID != faqs[0].ID {
		t.Errorf("search after reopen: %+v, %v", hits, err)
	}
}

func mustGet(t *testing.T, ix *kb.Index, id string) kb.FAQ {
	t.Helper()
	f, err := ix.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRelated(t *testing.T) {
	t.Parallel()
	ix := kb.SharedSampleIndex(t)
	faqs := sampleFAQs(t)
	f := faqs[0]
	hits, err := ix.Related(context.Background(), f.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 5 {
		t.Fatalf("%d related, want 5", len(hits))
	}
	same := 0
	for _, h := range hits {
		if h.FAQ.ID == f.ID {
			t.Errorf("related includes the entry itself")
		}
		if h.FAQ.Category == f.Category {
			same++
		}
	}
	if same == 0 {
		t.Errorf("no related entry shares category %q", f.Category)
	}
	if _, err := ix.Related(context.Background(), "no-such-id", 5); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestTrainRanker(t *testing.T) {
	t.Parallel()
	ix := kb.SharedSampleIndex(t)
	var ex []kb.Labeled
	for _, f := range sampleFAQs(t) {
		for _, s := range f.Similar {
			ex = append(ex, kb.Labeled{Query: s, ID: f.ID})
		}
	}
	r, rep, err := kb.TrainRanker(context.Background(), ix, ex, kb.TrainConfig{Epochs: 3, Note: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Used == 0 || rep.Examples != len(ex) || !rep.Calibrated || rep.Calibration.Queries == 0 {
		t.Errorf("report %+v", rep)
	}
	cal, ok := r.Calibration()
	if !ok || !(cal.AnswerThreshold() > 0 && cal.AnswerThreshold() < 1) {
		t.Errorf("trained ranker's calibration %+v, %v", cal, ok)
	}
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	r2, err := kb.ReadRanker(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Note() != "test" {
		t.Errorf("note %q", r2.Note())
	}
	if c2, _ := r2.Calibration(); c2 != cal {
		t.Errorf("calibration after a round trip %+v, want %+v", c2, cal)
	}
	ix2 := newSample(t, newJieba(t), kb.WithRanker(r2))
	hits, err := ix2.Search(context.Background(), kb.Query{Text: ex[0].Query, Limit: 1})
	if err != nil || len(hits) != 1 {
		t.Errorf("search with trained ranker: %v, %v", hits, err)
	}
	// What was written ranks as what was trained, learned tables included.
	ix1 := newSample(t, newJieba(t), kb.WithRanker(r))
	for _, q := range []string{"花呗怎么还钱", "转账到银行卡要多久", "余额宝收益怎么没了", "电子回单在哪里开"} {
		h1, err1 := ix1.Search(context.Background(), kb.Query{Text: q, Limit: 5})
		h2, err2 := ix2.Search(context.Background(), kb.Query{Text: q, Limit: 5})
		if err1 != nil || err2 != nil || len(h1) == 0 || len(h1) != len(h2) {
			t.Fatalf("%s: %d hits, %v; after a round trip %d, %v", q, len(h1), err1, len(h2), err2)
		}
		for i := range h1 {
			if h1[i].FAQ.ID != h2[i].FAQ.ID || h1[i].Score != h2[i].Score {
				t.Errorf("%s: hit %d %s %v, after a round trip %s %v", q, i, h1[i].FAQ.ID, h1[i].Score, h2[i].FAQ.ID, h2[i].Score)
			}
		}
	}
	// Enough examples that the default share would calibrate (20 held out).
	few := ex[:200]
	if r, rep, err := kb.TrainRanker(context.Background(), ix, few, kb.TrainConfig{Epochs: 1, CalibrationShare: -1}); err != nil || rep.Calibrated || rep.Examples != len(few) {
		t.Errorf("CalibrationShare -1: %+v, %v", rep, err)
	} else if _, ok := r.Calibration(); ok {
		t.Error("CalibrationShare -1 calibrated the ranker")
	}
	if _, _, err := kb.TrainRanker(context.Background(), ix, ex, kb.TrainConfig{CalibrationShare: 1}); err == nil {
		t.Error("CalibrationShare 1 accepted")
	}
	if _, _, err := kb.TrainRanker(context.Background(), ix, []kb.Labeled{{Query: "x", ID: "nope"}}, kb.TrainConfig{}); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	body := `{"features":["nope"],"mean":[0],"scale":[1],"weights":[1]}`
	file := fmt.Sprintf("duxin-kb-ranker 2 %d %x\n%s", len(body), sha256.Sum256([]byte(body)), body)
	if _, err := kb.ReadRanker(strings.NewReader(file)); err == nil || !strings.Contains(err.Error(), `unknown feature "nope"`) {
		t.Errorf("unknown feature: %v", err)
	}
}

func FuzzSearch(f *testing.F) {
	ix := kb.SharedSampleIndex(f)
	for _, s := range []string{"花呗怎么还款", "", "***", "ＡＢＣ", "\xff\xfe", "a b c", "<mark>&amp;", "轉帳"} {
		f.Add(s, "")
	}
	f.Add("还款", "花呗")
	f.Fuzz(func(t *testing.T, text, category string) {
		hits, err := ix.Search(context.Background(), kb.Query{Text: text, Category: category})
		if err != nil {
			t.Fatalf("Search(%q, %q): %v", text, category, err)
		}
		for _, h := range hits {
			plain := html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.Fragment))
			if plain != h.Matched {
				t.Fatalf("fragment %q does not reduce to %q", h.Fragment, h.Matched)
			}
		}
	})
}

// TestConfidence: the default ranker is calibrated; a query that names an
// entry gets it first with a confidence over the answer threshold, hits
// under DefaultMinConfidence are dropped unless asked for, confidences
// are probabilities, and a query the knowledge base cannot answer has no
// hit over the threshold.
func TestConfidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ix := kb.SharedSampleIndex(t)
	th := ix.AnswerThreshold()
	if !(th > 0 && th < 1) {
		t.Fatalf("AnswerThreshold = %v, want in (0, 1) for the default ranker", th)
	}
	hits, err := ix.Search(ctx, kb.Query{Text: "转账到银行卡多久到账", Limit: 100, MinConfidence: -1})
	if err != nil {
		t.Fatal(err)
	}
	if hits[0].Confidence < th {
		t.Errorf("the entry named by the query: confidence %.3f under the threshold %.3f", hits[0].Confidence, th)
	}
	low := 0
	for _, h := range hits {
		if !(h.Confidence >= 0 && h.Confidence <= 1) {
			t.Errorf("%s: confidence %v", h.FAQ.ID, h.Confidence)
		}
		if h.Confidence < kb.DefaultMinConfidence {
			low++
		}
	}
	if low == 0 {
		t.Fatal("no hit under DefaultMinConfidence among 100: the test proves nothing")
	}
	def, err := ix.Search(ctx, kb.Query{Text: "转账到银行卡多久到账", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(def) != len(hits)-low {
		t.Errorf("default search: %d hits, want %d (all but the %d under DefaultMinConfidence)", len(def), len(hits)-low, low)
	}
	for _, q := range []string{"今天天气怎么样", "推荐一部好看的电影"} {
		hits, err := ix.Search(ctx, kb.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) > 0 && hits[0].Confidence >= th {
			t.Errorf("%q: %s with confidence %.3f, over the threshold %.3f", q, hits[0].FAQ.ID, hits[0].Confidence, th)
		}
	}
}

// TestUpsertRefusesWhatTheLoaderRefuses: an entry handed to Check, Upsert or
// Reload in Go is held to the same rules as one read from a file, so an
// edit through an API cannot store what the knowledge base's own file
// could then not be loaded with (a trigger weight of 1e308 would swamp
// every other suggestion).
func TestUpsertRefusesWhatTheLoaderRefuses(t *testing.T) {
	t.Parallel()
	ix, err := kb.New(tokenize.Bigram())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ok := kb.Trigger{Event: "transfer.success", Window: kb.Duration(2 * time.Hour), Weight: 0.5}
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		f         kb.FAQ
		sentinel  error
		wantField string
	}{
		"weight huge":      {kb.FAQ{ID: "x", Question: "q", Triggers: []kb.Trigger{{Event: "e", Window: ok.Window, Weight: 1e308}}}, kb.ErrBadTrigger, "triggers[0].weight"},
		"weight negative":  {kb.FAQ{ID: "x", Question: "q", Triggers: []kb.Trigger{ok, {Event: "e", Window: ok.Window, Weight: -5}}}, kb.ErrBadTrigger, "triggers[1].weight"},
		"empty trigger":    {kb.FAQ{ID: "x", Question: "q", Triggers: []kb.Trigger{{}}}, kb.ErrBadTrigger, "triggers[0].event"},
		"no window":        {kb.FAQ{ID: "x", Question: "q", Triggers: []kb.Trigger{{Event: "e", Weight: 1}}}, kb.ErrBadTrigger, "triggers[0].window"},
		"validity reverse": {kb.FAQ{ID: "x", Question: "q", ValidFrom: day, ValidUntil: day.Add(-time.Hour)}, kb.ErrBadValidity, "valid_until"},
		"invalid utf-8":    {kb.FAQ{ID: "x", Question: "q", Answer: "\xff"}, kb.ErrInvalidUTF8, "answer"},
	} {
		err := kb.Check(c.f)
		if !errors.Is(err, c.sentinel) || !strings.Contains(err.Error(), c.wantField) || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("%s: Check = %v, want %v naming entry \"x\" and %s", name, err, c.sentinel, c.wantField)
		}
		if err := ix.Upsert(context.Background(), c.f); !errors.Is(err, c.sentinel) {
			t.Errorf("%s: Upsert = %v, want %v", name, err, c.sentinel)
		}
	}
	if n := ix.Len(); n != 0 {
		t.Errorf("%d entries stored, want none", n)
	}
	// A valid entry is stored as given: Check normalises a copy only.
	f := kb.FAQ{ID: "y", Question: "q", Triggers: []kb.Trigger{{Event: " transfer.success ", Window: ok.Window, Weight: 1}}}
	if err := kb.Check(f); err != nil {
		t.Fatal(err)
	}
	if f.Triggers[0].Event != " transfer.success " {
		t.Errorf("Check changed the caller's trigger to %q", f.Triggers[0].Event)
	}
}
