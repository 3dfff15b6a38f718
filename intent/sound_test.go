package intent_test

import (
	"context"
	"testing"

	"github.com/duxin-ai/duxin/intent"
)

// TestClassifyBySound: an utterance typed as toneless pinyin, or with a
// character swapped for another of the same sound (as speech recognition
// and pinyin input methods do), gets the intent of the characters meant.
func TestClassifyBySound(t *testing.T) {
	m := train(t, wallet(t), decision(func(d *intent.Decision) { d.Threshold = 0 }))
	for _, h := range []struct{ text, want string }{
		{"zhuanzhang", "transfer"},
		{"chakan zhangdan", "bill"},
		{"huabei zenme huankuan", "huabei_repay"}, // 还 read huan, not hai
		{"退宽到哪了", "refund_status"},                // 宽 for 款
		{"专帐给朋友", "transfer"},                     // 专 for 转
	} {
		r, err := m.Classify(context.Background(), h.text)
		if err != nil {
			t.Fatal(err)
		}
		if r.Intent != h.want {
			t.Errorf("Classify(%q) = %q, want %q; predictions %v", h.text, r.Intent, h.want, r.Predictions)
		}
	}
}
