package main

import (
	"flag"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/pinyin"
)

func newTestGarbler(t *testing.T, args []string, corpus ...string) *garbler {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f := addGarbleFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	g, err := f.newGarbler(slices.Values(corpus))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGarbleHomophones(t *testing.T) {
	corpus := []string{"花呗怎么还款", "花被子", "借呗被拒", "还有", "环境", "款待"}
	g := newTestGarbler(t, []string{"-garble", "homophone", "-garble-rate", "1"}, corpus...)
	in := "花呗怎么还款"
	out := g.garble(in)
	if out == in {
		t.Fatalf("garble(%q) at rate 1 changed nothing", in)
	}
	if utf8.RuneCountInString(out) != utf8.RuneCountInString(in) {
		t.Fatalf("garble(%q) = %q: another length", in, out)
	}
	ir, or := []rune(in), []rune(out)
	for i := range ir {
		if ir[i] == or[i] {
			continue
		}
		if pinyin.Readings(ir[i])[0] != pinyin.Readings(or[i])[0] {
			t.Errorf("%q swapped for %q, which sounds otherwise", ir[i], or[i])
		}
		if !slices.ContainsFunc(corpus, func(s string) bool { return slices.Contains([]rune(s), or[i]) }) {
			t.Errorf("%q swapped for %q, which is not in the data", ir[i], or[i])
		}
	}
	// Deterministic: the same seed and text give the same garbling.
	g2 := newTestGarbler(t, []string{"-garble", "homophone", "-garble-rate", "1"}, corpus...)
	if again := g2.garble(in); again != out {
		t.Errorf("garble(%q) = %q, then %q", in, out, again)
	}
	if info := g.info(); info.GarbledShare == nil || *info.GarbledShare <= 0 || info.Garbled != 1 {
		t.Errorf("info() = %+v, want a positive share and one garbled query", info)
	}
	g0 := newTestGarbler(t, []string{"-garble", "homophone", "-garble-rate", "0"}, corpus...)
	if got := g0.garble(in); got != in {
		t.Errorf("garble(%q) at rate 0 = %q", in, got)
	}
}

func TestGarblePinyin(t *testing.T) {
	g := newTestGarbler(t, []string{"-garble", "pinyin"})
	for in, want := range map[string]string{
		"花呗怎么还？":   "huabeizenmehai", // the first reading, as a per-character converter gives
		"***元花呗卡卷": "yuanhuabeikajuan",
		"打开QQ 2次":  "dakaiqq2ci",
	} {
		if got := g.garble(in); got != want {
			t.Errorf("garble(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGarbleFlagsRefuseBadValues(t *testing.T) {
	for _, args := range [][]string{{"-garble", "typo"}, {"-garble", "homophone", "-garble-rate", "1.5"}} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		f := addGarbleFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, err := f.newGarbler(slices.Values([]string{"花呗"})); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
