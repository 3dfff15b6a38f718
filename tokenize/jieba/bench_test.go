package jieba

import (
	"os"
	"strings"
	"testing"

	"github.com/yanyiwu/gojieba"

	"github.com/duxin-ai/duxin/internal/cputime"
)

// corpora returns about 1 MB of Chinese prose and a set of short FAQ-style
// queries, both written for this project (testdata/).
func corpora(b *testing.B) (article string, queries []string) {
	b.Helper()
	a, err := os.ReadFile("testdata/article.txt")
	if err != nil {
		b.Fatal(err)
	}
	q, err := os.ReadFile("testdata/queries.txt")
	if err != nil {
		b.Fatal(err)
	}
	return strings.Repeat(string(a), (1<<20)/len(a)+1), strings.Fields(string(q))
}

// BenchmarkJiebaRaw is the in-run baseline: gojieba's own Tokenize (search
// mode, HMM) with the same dictionaries, returning words with offsets.
func BenchmarkJiebaRaw(b *testing.B) {
	article, queries := corpora(b)
	o := defaultOptions()
	cfg, err := o.config()
	if err != nil {
		b.Fatal(err)
	}
	j := gojieba.NewJieba(cfg.main, cfg.hmm, cfg.user, cfg.idf, cfg.stop)
	defer j.Free()
	b.Run("corpus=1MB", func(b *testing.B) {
		b.SetBytes(int64(len(article)))
		b.ReportAllocs()
		cpu := cputime.Start()
		for b.Loop() {
			j.Tokenize(article, gojieba.SearchMode, true)
		}
		cpu.Report(b)
	})
	b.Run("corpus=queries", func(b *testing.B) {
		b.SetBytes(int64(len(strings.Join(queries, ""))))
		b.ReportAllocs()
		cpu := cputime.Start()
		for b.Loop() {
			for _, q := range queries {
				j.Tokenize(q, gojieba.SearchMode, true)
			}
		}
		cpu.Report(b)
	})
}

// BenchmarkPipeline is the full duxin pipeline on the same corpora: folding,
// gojieba, Latin words and numbers, stop words, stemming, offsets.
func BenchmarkPipeline(b *testing.B) {
	article, queries := corpora(b)
	tok, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer tok.Close()
	b.Run("corpus=1MB", func(b *testing.B) {
		b.SetBytes(int64(len(article)))
		b.ReportAllocs()
		n := 0
		cpu := cputime.Start()
		for b.Loop() {
			n = len(tok.Tokenize(article))
		}
		cpu.Report(b)
		b.ReportMetric(float64(n), "tokens/op")
	})
	b.Run("corpus=queries", func(b *testing.B) {
		b.SetBytes(int64(len(strings.Join(queries, ""))))
		b.ReportAllocs()
		cpu := cputime.Start()
		for b.Loop() {
			for _, q := range queries {
				tok.Tokenize(q)
			}
		}
		cpu.Report(b)
	})
}
