package kb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize"
)

// TestEntryLimits: an entry with a field, or a list, over its limit is
// refused by Check, Upsert, Reload and the loader, with the field named and
// nothing stored; one at every limit is accepted.
func TestEntryLimits(t *testing.T) {
	t.Parallel()
	ix, err := kb.New(tokenize.Bigram(), kb.WithRanker(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	keep := kb.FAQ{ID: "keep", Question: "花呗怎么还款"}
	if err := ix.Reload(ctx, []kb.FAQ{keep}); err != nil {
		t.Fatal(err)
	}
	han := func(bytes int) string { return strings.Repeat("还", bytes/3) + strings.Repeat("x", bytes%3) }
	list := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("第", i, "种问法")
		}
		return out
	}
	atLimits := kb.FAQ{ID: strings.Repeat("i", kb.MaxIDBytes), Question: han(kb.MaxQuestionBytes),
		Similar: append(list(kb.MaxSimilar-1), han(kb.MaxQuestionBytes)), Answer: han(kb.MaxAnswerBytes),
		Category: han(kb.MaxLabelBytes), Tags: append(list(kb.MaxTags-1), han(kb.MaxLabelBytes))}
	for _, tc := range []struct {
		name, field string
		edit        func(*kb.FAQ)
	}{
		{"id", "id", func(f *kb.FAQ) { f.ID += "i" }},
		{"question", "question", func(f *kb.FAQ) { f.Question += "x" }},
		{"a similar question", "similar[255]", func(f *kb.FAQ) { f.Similar[kb.MaxSimilar-1] += "x" }},
		{"similar questions", "similar", func(f *kb.FAQ) { f.Similar = append(f.Similar, "再一种问法") }},
		{"answer", "answer", func(f *kb.FAQ) { f.Answer += "x" }},
		{"category", "category", func(f *kb.FAQ) { f.Category += "x" }},
		{"a tag", "tags[63]", func(f *kb.FAQ) { f.Tags[kb.MaxTags-1] += "x" }},
		{"tags", "tags", func(f *kb.FAQ) { f.Tags = append(f.Tags, "再一个") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := atLimits
			f.Similar, f.Tags = append([]string(nil), f.Similar...), append([]string(nil), f.Tags...)
			tc.edit(&f)
			named := fmt.Sprintf("kb: entry %q: field %q: too long: ", f.ID, tc.field)
			err := kb.Check(f)
			if !errors.Is(err, kb.ErrTooLong) || !strings.HasPrefix(err.Error(), named) {
				t.Errorf("Check = %.200v, want ErrTooLong, starting %.200s", err, named)
			}
			if err := ix.Upsert(ctx, keep, f); !errors.Is(err, kb.ErrTooLong) {
				t.Errorf("Upsert = %v, want ErrTooLong", err)
			}
			if err := ix.Reload(ctx, []kb.FAQ{f}); !errors.Is(err, kb.ErrTooLong) {
				t.Errorf("Reload = %v, want ErrTooLong", err)
			}
			if all, _ := ix.All(ctx); len(all) != 1 || all[0].ID != "keep" {
				ids := make([]string, len(all))
				for i, f := range all {
					ids[i] = fmt.Sprintf("%.20q", f.ID)
				}
				t.Errorf("after the refusals the index holds %v, want only keep", ids)
			}
			line, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			file := "{\"id\":\"ok\",\"question\":\"转账\"}\n" + string(line) + "\n"
			_, _, err = kb.Load(strings.NewReader(file), kb.FormatJSONL, kb.WithFileName("faq.jsonl"))
			var re *kb.RecordError
			want := fmt.Sprintf("kb: faq.jsonl:2: field %q: too long: ", tc.field)
			if !errors.Is(err, kb.ErrTooLong) || !errors.As(err, &re) || re.Line != 2 || re.Field != tc.field || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Load = %.200v, want ErrTooLong, starting %s", err, want)
			}
		})
	}
	if err := kb.Check(atLimits); err != nil {
		t.Errorf("an entry at every limit: %v", err)
	}
	if err := ix.Upsert(ctx, atLimits); err != nil {
		t.Errorf("Upsert of an entry at every limit: %v", err)
	}
}

// TestSearchReadsQueryPrefix: Search reads the first MaxQueryBytes bytes of
// a query, cut back to a whole character: a query with anything after them
// finds what its prefix finds, and a 10 MB query costs no more than a short
// one.
func TestSearchReadsQueryPrefix(t *testing.T) {
	ix := kb.SharedSampleIndex(t)
	ctx := context.Background()
	// The prefix is a question padded with spaces; the character on the
	// limit is cut, not split.
	prefix := "花呗怎么还款" + strings.Repeat(" ", kb.MaxQueryBytes-len("花呗怎么还款")-1)
	query := prefix + "转账到银行卡多久到账" + strings.Repeat("转账到银行卡多久到账", 1000)
	want, err := ix.Search(ctx, kb.Query{Text: prefix})
	if err != nil || len(want) == 0 {
		t.Fatalf("Search(prefix) = %v, %v", want, err)
	}
	got, err := ix.Search(ctx, kb.Query{Text: query})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("a long query's hits differ from its prefix's (-prefix +query):\n%s", diff)
	}
	huge := prefix + strings.Repeat("转", 10<<20/3)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err = ix.Search(ctx, kb.Query{Text: huge})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("a 10 MB query allocated %d KB", alloc>>10)
	if alloc > 16<<20 {
		t.Errorf("a 10 MB query allocated %d MB, more than 16 MB", alloc>>20)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("a 10 MB query's hits differ from its prefix's (-prefix +query):\n%s", diff)
	}
}
