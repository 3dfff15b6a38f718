//go:build duxin_sample_ranker

package kb

import (
	"context"
	"strings"
	"testing"
)

// TestSampleRankerBuild: with -tags duxin_sample_ranker the default ranker
// is the sample-data one, calibrated, and searches the sample knowledge
// base well enough to serve it.
func TestSampleRankerBuild(t *testing.T) {
	t.Parallel()
	r, err := DefaultRanker()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Note(), "Sample-data ranker") || len(defaultRankerFile) > 1<<20 {
		t.Fatalf("default ranker: %d bytes, note %.60q", len(defaultRankerFile), r.Note())
	}
	if _, ok := r.Calibration(); !ok {
		t.Fatal("the sample ranker is not calibrated")
	}
	ix, _ := sharedSample(t) // the default ranker, here the sample one
	for q, want := range map[string]string{"钱转到银行卡要等多久": "transfer-bank-arrival-time", "花呗咋还钱": "huabei-repay-how"} {
		hits, err := ix.Search(context.Background(), Query{Text: q, Limit: 3})
		if err != nil || len(hits) == 0 || hits[0].FAQ.ID != want {
			t.Errorf("%s: %v, %v; want %s first", q, hits, err, want)
		}
	}
	// Its calibration's domain features refuse most out-of-domain
	// queries (0.785 of them before it had any).
	if share := offDomainRefused(t, ix); share < 0.9 {
		t.Errorf("%.3f of the out-of-domain queries refused, want at least 0.9", share)
	}
}
