package main

import (
	"flag"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
)

// TestNumericFlagsHaveRanges walks every flag of every command: a numeric
// flag must have a range (a flag declared with the FlagSet's own Int,
// Float64, Duration… fails here), which its usage text states; its default
// and the ends of its range are accepted, and the values just outside the
// range are refused as the command line is parsed (exit 2, before any
// work: no file is named), with a message naming the flag and the range.
func TestNumericFlagsHaveRanges(t *testing.T) {
	numeric := 0
	for _, c := range commands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.flags(fs)
		fs.VisitAll(func(f *flag.Flag) {
			t.Run(c.name+" -"+f.Name, func(t *testing.T) {
				inside, outside, interval, ok := flagBounds(t, f.Value)
				if !ok {
					switch v := f.Value.(flag.Getter).Get(); v.(type) {
					case bool, string:
						return
					default:
						t.Fatalf("-%s holds a %T and has no range: declare it with intFlag, seedFlag, shareFlag, durationFlag or sizeFlag", f.Name, v)
					}
				}
				numeric++
				if !strings.Contains(f.Usage, interval) {
					t.Errorf("usage %q does not say the range %s", f.Usage, interval)
				}
				for _, v := range append([]string{f.DefValue}, inside...) {
					fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
					c.flags(fs)
					if err := fs.Parse([]string{"-" + f.Name, v}); err != nil {
						t.Errorf("-%s %s, in %s: %v", f.Name, v, interval, err)
					}
				}
				for _, v := range outside {
					code, _, errOut := cli(t, append(strings.Fields(c.name), "-"+f.Name, v)...)
					want := "flag -" + f.Name + ": want "
					if code != exitUsage || !strings.Contains(errOut, want) || !strings.Contains(errOut, interval) {
						t.Errorf("-%s %s, outside %s: exit %d, want %d and a message with %q and the range:\n%s",
							f.Name, v, interval, code, exitUsage, want, errOut)
					}
				}
			})
		})
	}
	if numeric == 0 {
		t.Fatal("no numeric flag seen")
	}
}

// flagBounds returns, for a ranged flag, values at the ends of its range,
// values just outside it and the range as its messages write it; ok is
// false for any other flag.
func flagBounds(t *testing.T, v flag.Value) (inside, outside []string, interval string, ok bool) {
	t.Helper()
	switch f := v.(type) {
	case *rangeFlag[int]:
		inside, outside = wholeBounds(t, f)
	case *rangeFlag[int64]:
		inside, outside = wholeBounds(t, f)
	case *rangeFlag[uint64]:
		inside, outside = wholeBounds(t, f)
	case *rangeFlag[time.Duration]:
		inside, outside = wholeBounds(t, f)
	case *rangeFlag[float64]:
		if !f.open {
			t.Fatal("a float flag with a closed range: this test makes no value just past it")
		}
		inside = []string{f.format(f.lo), f.format(math.Nextafter(f.hi, math.Inf(-1)))}
		outside = []string{f.format(math.Nextafter(f.lo, math.Inf(-1))), f.format(f.hi), "NaN"}
	default:
		return nil, nil, "", false
	}
	return inside, outside, v.(interface{ interval() string }).interval(), true
}

// wholeBounds is flagBounds for whole numbers: one past an end that is the
// type's own limit is written out in decimal.
func wholeBounds[T ~int | ~int64 | ~uint64](t *testing.T, f *rangeFlag[T]) (inside, outside []string) {
	t.Helper()
	inside = []string{f.format(f.lo), f.format(f.hi)}
	step := func(end T, by int64) string {
		if next := end + T(by); (by < 0) == (next < end) {
			return f.format(next)
		}
		n, ok := new(big.Int).SetString(f.format(end), 10)
		if !ok {
			t.Fatalf("%s is at its type's limit and not a decimal number", f.format(end))
		}
		return n.Add(n, big.NewInt(by)).String()
	}
	return inside, []string{step(f.lo, -1), step(f.hi, 1)}
}

func TestFormatBytesAndDuration(t *testing.T) {
	for n, want := range map[int64]string{64 << 20: "64MiB", 1 << 30: "1GiB", 1 << 40: "1TiB", 1536 << 20: "1536MiB", 1000: "1000", 0: "0"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
		if got, err := parseBytes(want); n > 0 && (err != nil || got != n) {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", want, got, err, n)
		}
	}
	for d, want := range map[time.Duration]string{time.Hour: "1h", 10 * time.Minute: "10m", 90 * time.Second: "1m30s", 10 * time.Second: "10s", 0: "0s", time.Hour + time.Second: "1h0m1s"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
		if got, err := time.ParseDuration(want); err != nil || got != d {
			t.Errorf("time.ParseDuration(%q) = %v, %v", want, got, err)
		}
	}
}
