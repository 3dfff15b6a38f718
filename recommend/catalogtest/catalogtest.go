// Package catalogtest is a conformance suite for implementations of
// [recommend.Catalog]: a knowledge base the engine and Train can read.
//
//	func TestMyCatalog(t *testing.T) {
//		catalogtest.Run(t, func(t *testing.T, faqs []kb.FAQ) recommend.Catalog {
//			return newMyCatalog(t, faqs)
//		})
//	}
//
// The constructor gets the suite's entries ([FAQs]: a small help center in
// Chinese) and returns a catalog holding exactly them.
package catalogtest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// FAQs returns the entries the suite gives the constructor.
func FAQs() []kb.FAQ {
	tr := func(event string, weight float64) []kb.Trigger {
		return []kb.Trigger{{Event: event, Window: kb.Duration(2 * time.Hour), Weight: weight}}
	}
	return []kb.FAQ{
		{ID: "transfer-arrival", Question: "转账到银行卡多久到账？", Similar: []string{"钱转到卡上啥时候到"}, Answer: "大部分银行实时到账。", Category: "转账", Triggers: tr("transfer.success", 0.8)},
		{ID: "transfer-fail", Question: "转账失败是什么原因？", Similar: []string{"为啥转不了账"}, Answer: "常见原因包括余额不足。", Category: "转账", Triggers: tr("transfer.fail", 0.9)},
		{ID: "transfer-receipt", Question: "转账为什么没有电子回单？", Similar: []string{"电子回单在哪下载"}, Answer: "到账后可申请电子回单。", Category: "转账"},
		{ID: "refund-time", Question: "退款多久能到账？", Similar: []string{"退款啥时候退回来"}, Answer: "原路退回一般1到3个工作日。", Category: "退款", Triggers: tr("refund.apply", 0.7)},
		{ID: "refund-where", Question: "退款资金去向在哪里查？", Similar: []string{"退的钱去哪了"}, Answer: "在账单详情里查看退款去向。", Category: "退款"},
		{ID: "huabei-repay", Question: "花呗怎么还款？", Similar: []string{"花呗咋还"}, Answer: "在花呗页面点击还款。", Category: "花呗"},
		{ID: "huabei-date", Question: "花呗还款日是哪天？", Similar: []string{"花呗几号还"}, Answer: "每月9日或10日。", Category: "花呗"},
	}
}

// Run runs the Catalog conformance tests as subtests of t.
func Run(t *testing.T, newCatalog func(t *testing.T, faqs []kb.FAQ) recommend.Catalog) {
	ctx := context.Background()
	want := FAQs()
	ids := func(faqs []kb.FAQ) []string {
		out := make([]string, len(faqs))
		for i, f := range faqs {
			out[i] = f.ID
		}
		return out
	}

	t.Run("AllListsEveryEntryStably", func(t *testing.T) {
		c := newCatalog(t, FAQs())
		a, err := c.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(a)
		if !slices.Equal(got, ids(b)) {
			t.Errorf("All is not stable: %v, then %v", got, ids(b))
		}
		slices.Sort(got)
		w := ids(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("All ids %v, want %v", got, w)
		}
		for _, f := range a {
			i := slices.Index(ids(want), f.ID)
			if f.Question != want[i].Question || f.Category != want[i].Category || len(f.Triggers) != len(want[i].Triggers) {
				t.Errorf("All: %s = %+v, want %+v", f.ID, f, want[i])
			}
		}
	})

	t.Run("GetFindsEachEntry", func(t *testing.T) {
		c := newCatalog(t, FAQs())
		for _, f := range want {
			got, err := c.Get(ctx, f.ID)
			if err != nil || got.ID != f.ID || got.Question != f.Question {
				t.Errorf("Get(%s) = %+v, %v", f.ID, got, err)
			}
		}
		if _, err := c.Get(ctx, "no-such-entry"); !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("Get(unknown) error = %v, want kb.ErrNotFound", err)
		}
	})

	t.Run("SearchFindsAQuestionByItsText", func(t *testing.T) {
		c := newCatalog(t, FAQs())
		for _, f := range want {
			hits, err := c.Search(ctx, kb.Query{Text: f.Question, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) > 3 {
				t.Errorf("Search(%q, limit 3) gave %d hits", f.Question, len(hits))
			}
			found := false
			for i, h := range hits {
				found = found || h.FAQ.ID == f.ID
				if i > 0 && h.Score > hits[i-1].Score {
					t.Errorf("Search(%q): hits not best first: %v", f.Question, hits)
				}
			}
			if !found {
				t.Errorf("Search(%q) did not find %s: %v", f.Question, f.ID, ids(hitFAQs(hits)))
			}
		}
	})

	t.Run("RelatedExcludesItselfAndRespectsLimit", func(t *testing.T) {
		c := newCatalog(t, FAQs())
		for _, f := range want {
			hits, err := c.Related(ctx, f.ID, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) > 2 {
				t.Errorf("Related(%s, 2) gave %d hits", f.ID, len(hits))
			}
			for _, h := range hits {
				if h.FAQ.ID == f.ID {
					t.Errorf("Related(%s) includes itself", f.ID)
				}
			}
		}
		hits, err := c.Related(ctx, "no-such-entry", 2)
		if err != nil && !errors.Is(err, kb.ErrNotFound) || err == nil && len(hits) > 0 {
			t.Errorf("Related(unknown) = %v, %v; want kb.ErrNotFound or no hits", hits, err)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		c := newCatalog(t, FAQs())
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		check := func(name string, err error) {
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled context: %v, want nil or context.Canceled", name, err)
			}
		}
		_, err := c.All(cctx)
		check("All", err)
		_, err = c.Get(cctx, want[0].ID)
		check("Get", err)
		_, err = c.Search(cctx, kb.Query{Text: "转账"})
		check("Search", err)
		_, err = c.Related(cctx, want[0].ID, 2)
		check("Related", err)
	})

	t.Run("ConcurrentReads", func(t *testing.T) {
		c := newCatalog(t, FAQs())
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 20 {
					f := want[(w+i)%len(want)]
					var err error
					switch i % 4 {
					case 0:
						_, err = c.All(ctx)
					case 1:
						_, err = c.Get(ctx, f.ID)
					case 2:
						_, err = c.Search(ctx, kb.Query{Text: f.Question})
					case 3:
						_, err = c.Related(ctx, f.ID, 3)
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

func hitFAQs(hits []kb.Hit) []kb.FAQ {
	out := make([]kb.FAQ, len(hits))
	for i, h := range hits {
		out[i] = h.FAQ
	}
	return out
}
