package kb

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFoldedQueriesScoreAsSimplified: a query in traditional characters or
// full-width forms finds the same entries, with the same scores,
// confidences and highlights, as its simplified, half-width form. 帳 and 賬
// are both 账 here: OpenCC's table simplifies 帳 to the variant 帐, so
// 转帳多久到賬 used to rank 提现多久到账 above the 转账…多久到账 entries the
// simplified query finds.
func TestFoldedQueriesScoreAsSimplified(t *testing.T) {
	ix, _ := sharedSample(t)
	tests := []struct{ name, folded, simplified string }{
		{"traditional 帳 and 賬", "转帳多久到賬", "转账多久到账"},
		{"all traditional", "轉帳多久到賬", "转账多久到账"},
		{"variant 帐", "转帐多久到账", "转账多久到账"},
		{"bill", "帳單可以導出嗎", "账单可以导出吗"},
		{"temporary limit", "我的花唄臨時額度怎麼提升？", "我的花呗临时额度怎么提升？"},
		{"full-width latin and digits", "ａｐｐｌｅ　ｐａｙ绑定失败１００３", "apple pay绑定失败1003"},
		{"full-width punctuation", "余额宝转出要多久！！", "余额宝转出要多久!!"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := ix.Search(ctx, Query{Text: tt.simplified})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("Search(%q) found nothing", tt.simplified)
			}
			got, err := ix.Search(ctx, Query{Text: tt.folded})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Search(%q) differs from Search(%q) (-simplified +folded):\n%s", tt.folded, tt.simplified, diff)
			}
		})
	}
}
