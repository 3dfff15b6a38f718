package intent

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCharGramsLatinRange checks which character n-grams are taken: words
// are padded with a space on each side, lone spaces are never a gram, and
// with a Latin range, n-grams with a Han character follow CharMin..CharMax
// while the others follow LatinMin..LatinMax.
func TestCharGramsLatinRange(t *testing.T) {
	tests := []struct {
		name string
		cfg  featureConfig
		text string
		want []string
	}{
		{"one range", featureConfig{CharMin: 1, CharMax: 3}, "AB, 花呗",
			[]string{"a", "b", " a", "ab", "b ", " ab", "ab ", "花", "呗", " 花", "花呗", "呗 ", " 花呗", "花呗 "}},
		{"Latin 2-4", featureConfig{CharMin: 1, CharMax: 3, LatinMin: 2, LatinMax: 4}, "AB, 花呗",
			[]string{" a", "ab", "b ", " ab", "ab ", " ab ", "花", "呗", " 花", "花呗", "呗 ", " 花呗", "花呗 "}},
		{"mixed run", featureConfig{CharMin: 2, CharMax: 2, LatinMin: 3, LatinMax: 3}, "还500",
			[]string{" 还", "还5", "500", "00 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e extractor
			e.charGrams(&tt.cfg, tt.text)
			var got, want []uint64
			for _, f := range e.keys {
				got = append(got, f.key)
			}
			for _, g := range tt.want {
				want = append(want, hashRunes(hashByte(fnvOffset, kindChar), []rune(g)))
			}
			slices.Sort(got)
			slices.Sort(want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("n-gram hashes (-want +got):\n%s", d)
			}
		})
	}
}
