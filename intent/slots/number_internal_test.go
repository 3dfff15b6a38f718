package slots

import (
	"testing"
)

func TestParseChineseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		n    int // runes read; 0 means rejected
	}{
		{"零", 0, 1},
		{"五", 5, 1},
		{"十", 10, 1},
		{"十五", 15, 2},
		{"二十", 20, 2},
		{"二十五", 25, 3},
		{"一百", 100, 2},
		{"五百", 500, 2},
		{"一百零五", 105, 4},
		{"一百一十", 110, 4},
		{"一百一", 110, 3},
		{"三百五", 350, 3},
		{"一千二", 1200, 3},
		{"一千二百", 1200, 4},
		{"一千零二", 1002, 4},
		{"一千零一十", 1010, 5},
		{"两千", 2000, 2},
		{"两万", 20000, 2},
		{"两万五", 25000, 3},
		{"两万五千", 25000, 4},
		{"十万", 100000, 2},
		{"十二万三千四百五十六", 123456, 10},
		{"一百万", 1000000, 3},
		{"三亿五千万", 350000000, 5},
		{"一亿零五百", 100000500, 5},
		{"壹仟贰佰", 1200, 4},
		{"伍佰", 500, 2},
		{"玖拾", 90, 2},
		{"五百块", 500, 2},
		{"一二", 0, 0},
		{"百", 0, 0},
		{"万", 0, 0},
		{"五百三百", 0, 0},
		{"", 0, 0},
		{"好", 0, 0},
	}
	for _, tt := range tests {
		got, n, _ := parseChineseNumber([]rune(tt.in))
		if n == 0 {
			got = 0
		}
		if got != tt.want || n != tt.n {
			t.Errorf("parseChineseNumber(%q) = %d, %d runes; want %d, %d", tt.in, got, n, tt.want, tt.n)
		}
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		d    decimal
		want string
	}{
		{decimal{"500", 0}, "500"},
		{decimal{"120050", 2}, "1200.5"},
		{decimal{"35", 1}.shift(4), "35000"},
		{decimal{"1", 0}.shift(3), "1000"},
		{decimal{"5", 2}, "0.05"},
		{decimal{"000", 0}, "0"},
		{decimal{"5", 0}.addFraction(5, 1), "5.5"},
		{decimal{"5", 0}.addFraction(5, 1).addFraction(3, 2), "5.53"},
		{decimal{"99", 1}.addFraction(1, 1), "10"},
		{decimalOf(0), "0"},
		{decimalOf(1234567), "1234567"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.d, got, tt.want)
		}
	}
}
