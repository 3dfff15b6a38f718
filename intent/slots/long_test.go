package slots_test

import (
	"strings"
	"testing"
	"time"
)

// TestExtractLongInput guards against quadratic behaviour: each input is
// 100k runes of one repeated pattern, which a linear scan handles in tens of
// milliseconds and a quadratic one in seconds or minutes.
func TestExtractLongInput(t *testing.T) {
	if testing.Short() {
		t.Skip("slow in -short mode")
	}
	e := newTestExtractor(t)
	const runes = 100_000
	for _, in := range []string{
		strings.Repeat("1", runes) + "号",
		strings.Repeat("1", runes) + "元",
		"¥" + strings.Repeat("1,000", runes/5),
		strings.Repeat("零", runes) + "号",
		strings.Repeat("一", runes) + "万",
		strings.Repeat("转1", runes/2),
		strings.Repeat("5号", runes/2),
		strings.Repeat("上周", runes/2),
		strings.Repeat("3月", runes/2),
		strings.Repeat("给我", runes/2) + "转",
		strings.Repeat("尾号", runes/2),
		"订单号" + strings.Repeat("1", runes),
		strings.Repeat("1", runes) + "/" + strings.Repeat("2", runes),
	} {
		start := time.Now()
		got := e.Extract(in)
		checkSlots(t, in, got)
		// Generous: shared CI machines are slow, quadratic is far slower.
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Extract(%.20q…) took %v", in, d)
		}
	}
}
