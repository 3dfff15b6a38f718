package textnorm_test

import (
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/internal/textnorm"
)

var simplifiedSentences = []string{
	"我的花呗临时额度怎么提升？",
	"余额宝转出到银行卡一般多久到账，今天转了还没收到。",
	"为什么我的账单显示有一笔没见过的扣款，请帮我查一下。",
	"Apple Pay 绑定失败，提示 code 1003，怎么办？",
	"借呗提前还款会收取手续费吗？我想这个月全部还清。",
	"收款码被限制收款了，如何解除限制？",
	"转账到对方账户显示成功但对方说没收到钱。",
}

var traditionalSentences = []string{
	"我的花唄臨時額度怎麼提升？",
	"餘額寶轉出到銀行卡一般多久到帳，今天轉了還沒收到。",
	"為什麼我的帳單顯示有一筆沒見過的扣款，請幫我查一下。",
	"Apple Pay 綁定失敗，提示 code 1003，怎麼辦？",
	"借唄提前還款會收取手續費嗎？我想這個月全部還清。",
	"收款碼被限制收款了，如何解除限制？",
	"轉帳到對方帳戶顯示成功但對方說沒收到錢。",
}

// corpus repeats sentences, one per line, to about 1 MiB.
func corpus(sentences []string) string {
	var b strings.Builder
	for b.Len() < 1<<20 {
		for _, s := range sentences {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func BenchmarkFoldString(b *testing.B) {
	// Simplified text is first folded once so that it needs no change (the
	// sentences contain full-width punctuation, as real chat text does).
	simplified := textnorm.FoldString(corpus(simplifiedSentences))
	raw := corpus(simplifiedSentences)
	traditional := corpus(traditionalSentences)
	for _, bc := range []struct {
		name, text string
	}{
		{"simplified", simplified},
		{"simplified-fullwidth-punct", raw},
		{"traditional", traditional},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				_ = textnorm.FoldString(bc.text)
			}
		})
	}
}

func BenchmarkNeedsFold(b *testing.B) {
	simplified := textnorm.FoldString(corpus(simplifiedSentences))
	b.SetBytes(int64(len(simplified)))
	b.ReportAllocs()
	for b.Loop() {
		if textnorm.NeedsFold(simplified) {
			b.Fatal("NeedsFold(simplified) = true")
		}
	}
}
