package kb

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/internal/offdomain"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
)

// sampleEvalHalf reports whether a similar question of the sample KB is
// in its evaluation half (FNV-32a of the text even), never trained or
// tuned on; the other half is the tuning half (benchmarks/eval
// retrieval-train -mix-kb trains on it, benchmarks/kbresearch splits it in
// two quarters).
func sampleEvalHalf(text string) bool {
	h := fnv.New32a()
	h.Write([]byte(text))
	return h.Sum32()%2 == 0
}

func loadSampleFAQs(t testing.TB) []FAQ {
	t.Helper()
	faqs, _, err := Load(bytes.NewReader(sampledata.FAQJSONL()), FormatJSONL)
	if err != nil {
		t.Fatal(err)
	}
	return faqs
}

// looFigures are leave-one-out figures on one half of the sample KB.
type looFigures struct {
	n       int
	r1, mrr float64
	// answered is the share of queries whose best hit is their entry and
	// at least the index's answer threshold confident.
	answered float64
}

// sampleLOO runs the leave-one-out evaluation on the sample KB: for each
// similar question in the chosen half, it indexes the KB without that text
// (an upsert of its entry without it), searches for it, and records the
// rank of its entry. It returns figures for the evaluation half (eval true)
// or the tuning half. An entry is restored once its questions are done,
// not after each: the knowledge base each search sees is the same, and a
// search does not depend on the write history (see
// TestSearchIndependentOfSegments).
func sampleLOO(t testing.TB, tok tokenize.Tokenizer, r *Ranker, eval bool) looFigures {
	t.Helper()
	ctx := context.Background()
	faqs := loadSampleFAQs(t)
	ix, err := New(tok, WithRanker(r))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Reload(ctx, faqs); err != nil {
		t.Fatal(err)
	}
	var fig looFigures
	for _, f := range faqs {
		changed := false
		for i, s := range f.Similar {
			if sampleEvalHalf(s) != eval {
				continue
			}
			without := cloneFAQ(f)
			without.Similar = slices.Delete(without.Similar, i, i+1)
			if err := ix.Upsert(ctx, without); err != nil {
				t.Fatal(err)
			}
			changed = true
			hits, err := ix.Search(ctx, Query{Text: s, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			fig.n++
			rank := slices.IndexFunc(hits, func(h Hit) bool { return h.FAQ.ID == f.ID })
			if rank == 0 {
				fig.r1++
				if hits[0].Confidence >= ix.AnswerThreshold() {
					fig.answered++
				}
			}
			if rank >= 0 {
				fig.mrr += 1 / float64(rank+1)
			}
		}
		if changed {
			if err := ix.Upsert(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	fig.r1 /= float64(fig.n)
	fig.mrr /= float64(fig.n)
	fig.answered /= float64(fig.n)
	return fig
}

// TestSampleObviousQueries checks, with the default configuration, that
// short keyword queries a help-center user types rank the obvious entry in
// the top two. These are the queries an AFQMC-only ranker got wrong.
func TestSampleObviousQueries(t *testing.T) {
	t.Parallel()
	ix, _ := sharedSample(t)
	ctx := context.Background()
	tests := []struct {
		query string
		want  []string // any of these in the top two
	}{
		{"转账多久到账", []string{"transfer-bank-arrival-time", "transfer-account-arrival-time"}},
		{"转账手续费", []string{"transfer-bank-fee", "transfer-account-fee"}},
		{"提现手续费", []string{"withdraw-fee"}},
		{"退款多久到账", []string{"refund-arrival-time", "refund-bank-card"}},
		{"花呗怎么还款", []string{"huabei-repay-how"}},
		{"借呗利息", []string{"jiebei-interest"}},
		{"忘记支付密码", []string{"security-payment-password-forget"}},
		{"怎么解绑银行卡", []string{"card-unbind"}},
		{"余额宝收益怎么算", []string{"yuebao-income-calc"}},
		{"账户被冻结了", []string{"security-frozen-reason", "security-unfreeze"}},
	}
	for _, tt := range tests {
		hits, err := ix.Search(ctx, Query{Text: tt.query, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.FAQ.ID)
		}
		if !slices.ContainsFunc(got, func(id string) bool { return slices.Contains(tt.want, id) }) {
			t.Errorf("Search(%q) top 2 = %v, want one of %v", tt.query, got, tt.want)
		}
	}
}

// TestSampleLOODefaultNotWorse checks that the default ranker is at least
// as good as the first stage alone on the sample KB's evaluation half
// (leave-one-out Recall@1, within a margin of one query in a hundred).
func TestSampleLOODefaultNotWorse(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("leave-one-out over the sample KB takes a few seconds")
	}
	tok := sharedJieba(t)
	def, err := DefaultRanker()
	if err != nil {
		t.Fatal(err)
	}
	// The two runs are independent: run them side by side (the group
	// returns when both are done).
	var first, ranked looFigures
	t.Run("runs", func(t *testing.T) {
		t.Run("first-stage", func(t *testing.T) {
			t.Parallel()
			first = sampleLOO(t, tok, nil, true)
		})
		t.Run("default-ranker", func(t *testing.T) {
			t.Parallel()
			ranked = sampleLOO(t, tok, def, true)
		})
	})
	if t.Failed() {
		return
	}
	t.Logf("sample KB evaluation half, %d queries: first stage R@1 %.4f MRR@10 %.4f; default ranker R@1 %.4f MRR@10 %.4f",
		first.n, first.r1, first.mrr, ranked.r1, ranked.mrr)
	if ranked.r1 < first.r1-0.01 {
		t.Errorf("default ranker R@1 %.4f < first stage %.4f", ranked.r1, first.r1)
	}
	if ranked.mrr < first.mrr-0.01 {
		t.Errorf("default ranker MRR@10 %.4f < first stage %.4f", ranked.mrr, first.mrr)
	}
}

// TestSampleRefusesOffDomain checks refusal on the sample KB with the
// default ranker: of the held-out out-of-domain queries (English, keyboard
// mash, emoji, chit-chat, other-domain Chinese; internal/offdomain, never
// calibrated on), at least 94% have no hit at the answer threshold, while
// the evaluation half's paraphrases, each searched without its own text,
// keep being answered with their entry: at least 90% of those ranked
// first are still over the threshold.
func TestSampleRefusesOffDomain(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("leave-one-out over the sample KB takes a few seconds")
	}
	def, err := DefaultRanker()
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(def.Note(), "Sample-data ranker") {
		t.Skip("the sample ranker's refusal is checked by TestSampleRankerBuild")
	}
	ix, _ := sharedSample(t)
	share := offDomainRefused(t, ix)
	// Issue 27's target is 0.95; with search by sound merged the default
	// ranker refuses 189 of 200 (0.945; it was 190 before, 160 before the
	// domain features). The bar guards that figure until the target is met.
	if share < 0.94 {
		t.Errorf("%.3f of the out-of-domain queries refused, want at least 0.94", share)
	}
	fig := sampleLOO(t, sharedJieba(t), def, true)
	t.Logf("sample KB evaluation half, %d paraphrases: R@1 %.4f, answered right %.4f (%.4f of those ranked first)", fig.n, fig.r1, fig.answered, fig.answered/fig.r1)
	if fig.answered < 0.9*fig.r1 {
		t.Errorf("answered right %.4f of R@1 %.4f: under 90%% of the right first hits stay answered", fig.answered, fig.r1)
	}
}

// offDomainRefused returns the share of internal/offdomain's held-out
// queries whose best hit in ix is under its answer threshold (or that
// have none), logging it by kind and a few of those answered.
func offDomainRefused(t *testing.T, ix *Index) float64 {
	t.Helper()
	ctx := context.Background()
	threshold := ix.AnswerThreshold()
	refused, perKind, refusedKind := 0, map[string]int{}, map[string]int{}
	ood := offdomain.HeldOut()
	var answered []string
	for _, q := range ood {
		hits, err := ix.Search(ctx, Query{Text: q.Text, Limit: 1, MinConfidence: -1})
		if err != nil {
			t.Fatal(err)
		}
		perKind[q.Kind]++
		if len(hits) == 0 || hits[0].Confidence < threshold {
			refused++
			refusedKind[q.Kind]++
		} else if len(answered) < 10 {
			answered = append(answered, fmt.Sprintf("%s → %s (%.3f)", q.Text, hits[0].FAQ.ID, hits[0].Confidence))
		}
	}
	for _, k := range offdomain.Kinds {
		t.Logf("%s: %d/%d refused", k, refusedKind[k], perKind[k])
	}
	t.Logf("%d of %d out-of-domain queries refused; answered, for instance: %v", refused, len(ood), answered)
	return float64(refused) / float64(len(ood))
}
