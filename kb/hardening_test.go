package kb_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize"
)

// TestHugeLimits: no caller's number sizes an allocation; limits beyond the
// entries there are return what there is, quickly.
func TestHugeLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ix := newSample(t, tokenize.Bigram())
	n := ix.Len()
	for _, limit := range []int{math.MaxInt, 1 << 62, 1e8, 1e7} {
		start := time.Now()
		hits, err := ix.Search(ctx, kb.Query{Text: "转账失败怎么办", Limit: limit})
		if err != nil || len(hits) == 0 || len(hits) > n {
			t.Errorf("Search limit %d: %d hits, %v", limit, len(hits), err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Search limit %d took %v", limit, d)
		}
		all, err := ix.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := ix.Related(ctx, all[0].ID, limit)
		if err != nil || len(rel) > n-1 {
			t.Errorf("Related limit %d: %d hits, %v", limit, len(rel), err)
		}
	}
	for _, c := range []int{math.MaxInt, 10_001, 0, -1} {
		if ix, err := kb.New(tokenize.Bigram(), kb.WithCandidates(c)); err == nil {
			ix.Close()
			t.Errorf("WithCandidates(%d) accepted", c)
		}
	}
}

// generations lists the generation folders of an index folder.
func generations(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), "g") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestOpenRemovesWhatACrashLeft: a first Open that crashed before CURRENT
// was written, and Reloads that crashed before removing a generation, leave
// folders behind; the next Open removes them and works. (Without a ranker:
// nothing here searches, and reading the default one takes a moment.)
func TestOpenRemovesWhatACrashLeft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tok := tokenize.Bigram()
	dir := filepath.Join(t.TempDir(), "kb")
	// A first Open that died while building its generation.
	if err := os.MkdirAll(filepath.Join(dir, "g000001"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "CURRENT.tmp"), []byte("g000001\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ix, err := kb.Open(dir, tok, kb.WithRanker(nil))
	if err != nil {
		t.Fatalf("Open after a crashed first Open: %v", err)
	}
	if err := ix.Reload(ctx, sampleFAQs(t)[:20]); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	keep := generations(t, dir)
	if len(keep) != 1 {
		t.Fatalf("generations after Reload and Close: %v", keep)
	}
	// Reloads that died: a half-built newer generation, an old one not
	// removed.
	for _, g := range []string{"g000001", "g000099"} {
		if err := os.MkdirAll(filepath.Join(dir, g, "store"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ix, err = kb.Open(dir, tok, kb.WithRanker(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if got := generations(t, dir); !slices.Equal(got, keep) {
		t.Errorf("generations after Open: %v, want only %v", got, keep)
	}
	if all, err := ix.All(ctx); err != nil || len(all) != 20 {
		t.Errorf("entries after Open: %d, %v", len(all), err)
	}
	if err := ix.Reload(ctx, sampleFAQs(t)[:5]); err != nil {
		t.Errorf("Reload after Open: %v", err)
	}
	// Something that is not ours in a folder without an index.
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := kb.Open(other, tok, kb.WithRanker(nil)); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("Open of a foreign folder: %v", err)
	}
}

// TestOpenLockedFolder: a second Open of a folder an Index holds fails at
// once, naming the folder; after Close it works.
func TestOpenLockedFolder(t *testing.T) {
	t.Parallel()
	tok := tokenize.Bigram()
	dir := filepath.Join(t.TempDir(), "kb")
	ix, err := kb.Open(dir, tok, kb.WithRanker(nil))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = kb.Open(dir, tok, kb.WithRanker(nil))
	if !errors.Is(err, kb.ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second Open: %v, want ErrLocked naming %s", err, dir)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("second Open took %v", d)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err = kb.Open(dir, tok, kb.WithRanker(nil))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	ix.Close()
}

// TestLoadRefusesYAMLAliases: 10,000 entries aliasing one 1,000-item list
// (a 400 KB file standing for 10M strings) is refused at once, naming the
// alias's line.
func TestLoadRefusesYAMLAliases(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("- id: e0\n  question: 问题\n  similar: &s [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("相似问题")
	}
	b.WriteString("]\n")
	for i := 1; i <= 10000; i++ {
		b.WriteString("- {id: e" + strconv.Itoa(i) + ", question: 问题, similar: *s}\n")
	}
	start := time.Now()
	_, _, err := kb.Load(strings.NewReader(b.String()), kb.FormatYAML, kb.WithFileName("aliases.yaml"))
	if !errors.Is(err, kb.ErrSyntax) || !strings.Contains(err.Error(), "aliases.yaml:4") || !strings.Contains(err.Error(), "alias") {
		t.Errorf("Load: %v, want a syntax error about the alias on line 4", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Load took %v", d)
	}
}
