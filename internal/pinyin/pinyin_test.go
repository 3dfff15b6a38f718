package pinyin

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadings(t *testing.T) {
	tests := []struct {
		r    rune
		want []string
	}{
		{'花', []string{"hua"}},
		{'还', []string{"hai", "huan", "fu"}}, // every reading of a heteronym
		{'還', []string{"hai", "huan", "fu"}}, // traditional folds first
		{'绿', []string{"lv", "lu"}},          // ü is v
		{'a', nil},
		{'1', nil},
		{'？', nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Readings(tt.r)); diff != "" {
			t.Errorf("Readings(%q) mismatch (-want +got):\n%s", tt.r, diff)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"huabeizenmehuan", []string{"hua", "bei", "zen", "me", "huan"}, true},
		{"yuebao", []string{"yue", "bao"}, true},
		{"xian", []string{"xian"}, true},         // fewest syllables
		{"fangan", []string{"fan", "gan"}, true}, // no vowel-initial syllable inside
		{"zhuangkuang", []string{"zhuang", "kuang"}, true},
		{"lvse", []string{"lv", "se"}, true},
		{"hello", nil, false},
		{"asdfgh", nil, false},
		{"hm", nil, false}, // syllables without a vowel are not used
		{"", nil, false},
	}
	for _, tt := range tests {
		got, ok := Split(tt.in)
		if ok != tt.ok {
			t.Errorf("Split(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Split(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestPhrases(t *testing.T) {
	type sound struct {
		Readings   []string
		Start, End int
		Han        rune
	}
	conv := func(ps [][]Sound) [][]sound {
		var out [][]sound
		for _, p := range ps {
			var q []sound
			for _, s := range p {
				q = append(q, sound(s))
			}
			out = append(out, q)
		}
		return out
	}
	tests := []struct {
		name, in string
		want     [][]sound
	}{
		{"han", "花呗還", [][]sound{{{[]string{"hua"}, 0, 3, '花'}, {[]string{"bei", "bai"}, 3, 6, '呗'}, {[]string{"hai", "huan", "fu"}, 6, 9, '还'}}}},
		{"pinyin", "Hua bei", [][]sound{{{[]string{"hua"}, 0, 3, 0}, {[]string{"bei"}, 4, 7, 0}}}},
		{"mixed", "花呗zenme还", [][]sound{{{[]string{"hua"}, 0, 3, '花'}, {[]string{"bei", "bai"}, 3, 6, '呗'}, {[]string{"zen"}, 6, 9, 0}, {[]string{"me"}, 9, 11, 0}, {[]string{"hai", "huan", "fu"}, 11, 14, '还'}}}},
		{"full-width", "ｈｕａ花", [][]sound{{{[]string{"hua"}, 0, 9, 0}, {[]string{"hua"}, 9, 12, '花'}}}},
		{"broken by punctuation and non-pinyin", "花，hello呗", [][]sound{{{[]string{"hua"}, 0, 3, '花'}}, {{[]string{"bei", "bai"}, 11, 14, '呗'}}}},
		{"nothing", "123 ok!", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, conv(Phrases(tt.in))); diff != "" {
				t.Errorf("Phrases(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
