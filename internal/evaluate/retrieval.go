package evaluate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"time"

	"github.com/duxin-ai/duxin/kb"
)

// RetrievalFigures are the quality figures of a knowledge base on labelled
// queries.
type RetrievalFigures struct {
	Entries      int     `json:"entries"`
	Queries      int     `json:"queries"`
	Recall1      float64 `json:"recall@1"`
	Recall5      float64 `json:"recall@5"`
	Recall50     float64 `json:"recall@50"`
	MRR10        float64 `json:"mrr@10"`
	IndexSeconds float64 `json:"index_seconds"`
	P50ms        float64 `json:"p50_ms"`
	P99ms        float64 `json:"p99_ms"`
	Ranker       string  `json:"ranker"`
	// ECE is the expected calibration error of the best hit's confidence
	// (10 equal bins), over every query.
	ECE             float64 `json:"ece"`
	AnswerThreshold float64 `json:"answer_threshold"`
	// With unanswerable queries: the queries whose entry was removed, and
	// at the answer threshold the share of them refused, of the
	// answerable ones answered, and of the answers (best hits at or over
	// the threshold, of any query) that were right.
	Unanswerable    int     `json:"unanswerable,omitempty"`
	RefuseRecall    float64 `json:"refuse_recall,omitempty"`
	AnswerCoverage  float64 `json:"answer_coverage,omitempty"`
	AnswerPrecision float64 `json:"answer_precision,omitempty"`
}

// UnanswerableEntry reports whether the entry id is among the share frac
// of entries removed to make their queries unanswerable (a fixed hash of
// the id).
func UnanswerableEntry(id string, frac float64) bool {
	h := fnv.New32a()
	h.Write([]byte("eval-unanswerable:" + id))
	return float64(h.Sum32()%10000) < frac*10000
}

// RemoveUnanswerable removes the share frac of the queried entries
// (UnanswerableEntry) from faqs; gone holds their ids.
func RemoveUnanswerable(faqs []kb.FAQ, qs []kb.Labeled, frac float64) (kept []kb.FAQ, gone map[string]bool) {
	gone = map[string]bool{}
	if frac <= 0 {
		return faqs, gone
	}
	queried := map[string]bool{}
	for _, q := range qs {
		queried[q.ID] = true
	}
	kept = faqs[:0:0]
	for _, f := range faqs {
		if queried[f.ID] && UnanswerableEntry(f.ID, frac) {
			gone[f.ID] = true
			continue
		}
		kept = append(kept, f)
	}
	return kept, gone
}

// Retrieval searches every query in idx (50 hits, no confidence cut) and
// measures Recall@1/5/50 and MRR@10 over the answerable queries (those
// whose id is not in gone), the latency, and the confidence figures at the
// index's answer threshold. each, if not nil, sees every query's hits.
// Entries, IndexSeconds and Ranker are left for the caller.
func Retrieval(ctx context.Context, idx *kb.Index, qs []kb.Labeled, gone map[string]bool, each func(i int, q kb.Labeled, hits []kb.Hit)) (RetrievalFigures, error) {
	fig := RetrievalFigures{Queries: len(qs)}
	lat := make([]float64, 0, len(qs))
	tops := make([]kb.BestHit, 0, len(qs))
	for i, q := range qs {
		t0 := time.Now()
		hits, err := idx.Search(ctx, kb.Query{Text: q.Query, Limit: 50, MinConfidence: -1})
		lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
		if err != nil {
			return fig, fmt.Errorf("query %d %q: %w", i+1, q.Query, err)
		}
		top := kb.BestHit{Answerable: !gone[q.ID]}
		if len(hits) > 0 {
			top.Confidence, top.Right = hits[0].Confidence, hits[0].FAQ.ID == q.ID
		}
		tops = append(tops, top)
		if each != nil {
			each(i, q, hits)
		}
		for r, h := range hits {
			if h.FAQ.ID != q.ID {
				continue
			}
			if r == 0 {
				fig.Recall1++
			}
			if r < 5 {
				fig.Recall5++
			}
			if r < 10 {
				fig.MRR10 += 1 / float64(r+1)
			}
			fig.Recall50++
			break
		}
	}
	ConfidenceFigures(&fig, tops, idx.AnswerThreshold())
	// Recall counts the answerable queries only.
	n := float64(max(len(qs)-fig.Unanswerable, 1))
	fig.Recall1 = Round(fig.Recall1/n, 4)
	fig.Recall5 = Round(fig.Recall5/n, 4)
	fig.Recall50 = Round(fig.Recall50/n, 4)
	fig.MRR10 = Round(fig.MRR10/n, 4)
	slices.Sort(lat)
	fig.P50ms = Round(Percentile(lat, 0.50), 3)
	fig.P99ms = Round(Percentile(lat, 0.99), 3)
	return fig, nil
}

// ConfidenceFigures fills the calibration figures of the best hits (see
// kb.ConfidenceReport) at threshold t; the answer figures only when some
// queries are unanswerable.
func ConfidenceFigures(fig *RetrievalFigures, best []kb.BestHit, t float64) {
	r := kb.ConfidenceReport(best, t)
	fig.ECE, fig.AnswerThreshold = Round(r.ECE, 4), t
	if r.Unanswerable > 0 {
		fig.Unanswerable = r.Unanswerable
		fig.RefuseRecall = Round(r.RefuseRecall, 4)
		fig.AnswerCoverage = Round(r.AnswerCoverage, 4)
		fig.AnswerPrecision = Round(r.AnswerPrecision, 4)
	}
}

// ReadLabeledQueries reads JSON Lines of {"query": ..., "id": ...}; errors
// name the file, the line and the field.
func ReadLabeledQueries(path string) ([]kb.Labeled, error) {
	qs, _, err := ReadLabeledQueryLines(path)
	return qs, err
}

// ReadLabeledQueryLines is ReadLabeledQueries that also returns the line
// of each query.
func ReadLabeledQueryLines(path string) ([]kb.Labeled, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var out []kb.Labeled
	var lines []int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var q kb.Labeled
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		switch {
		case q.Query == "":
			return nil, nil, fmt.Errorf("%s:%d: field \"query\": missing", path, line)
		case q.ID == "":
			return nil, nil, fmt.Errorf("%s:%d: field \"id\": missing", path, line)
		}
		out = append(out, q)
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, lines, nil
}
