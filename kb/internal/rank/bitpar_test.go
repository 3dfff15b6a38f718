package rank

import (
	"math/rand/v2"
	"testing"
)

// TestRuneMasksMatchDP compares the bit-parallel edit distance and longest
// common subsequence with the dynamic programs, on random strings over
// small alphabets (many repeats) of every query length up to 64, and on
// characters that collide in the mask table.
func TestRuneMasksMatchDP(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := [][]rune{[]rune("ab"), []rune("花呗借还款"), []rune("abcdefghij余额宝转账到银行卡0123456789")}
	var m runeMasks
	n := 0
	for _, alpha := range alphabets {
		for qlen := 0; qlen <= 64; qlen++ {
			for range 8 {
				q := randRunes(rng, alpha, qlen)
				tx := randRunes(rng, alpha, rng.IntN(90))
				m.prepare(q)
				if !m.ok {
					t.Fatalf("query of %d characters not prepared", qlen)
				}
				if got, want := m.levenshtein(tx), levenshtein(q, tx); got != want {
					t.Fatalf("levenshtein(%q, %q) = %d, want %d", string(q), string(tx), got, want)
				}
				if got, want := m.lcsSeq(tx), lcsSeq(q, tx); got != want {
					t.Fatalf("lcsSeq(%q, %q) = %d, want %d", string(q), string(tx), got, want)
				}
				n++
			}
		}
	}
	m.prepare(make([]rune, 65))
	if m.ok {
		t.Error("a query of 65 characters prepared; the masks have 64 bits")
	}
	if n < 1000 {
		t.Fatalf("only %d cases", n)
	}
}

func randRunes(rng *rand.Rand, alpha []rune, n int) []rune {
	out := make([]rune, n)
	for i := range out {
		out[i] = alpha[rng.IntN(len(alpha))]
	}
	return out
}
