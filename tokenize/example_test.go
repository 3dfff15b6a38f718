package tokenize_test

import (
	"fmt"

	"github.com/duxin-ai/duxin/tokenize"
)

func ExampleBigram() {
	in := "花唄ＶＩＰ refunds ***"
	for _, t := range tokenize.Bigram().Tokenize(in) {
		fmt.Printf("%s %s %q\n", t.Kind, t.Text, in[t.Start:t.End])
	}
	// Output:
	// han 花呗 "花唄"
	// word vip "ＶＩＰ"
	// word refund "refunds"
}
