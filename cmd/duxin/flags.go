package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Every numeric flag of every command takes its values from a range that
// its own Set checks, so that flag.FlagSet.Parse refuses a value out of
// range (exit 2) before the command does any work, with a message naming
// the flag and the range:
//
//	invalid value "1000000000" for flag -trees: want a whole number in [0, 1000]
//
// Commands declare numeric flags with intFlag, seedFlag, shareFlag,
// durationFlag and sizeFlag, never with the FlagSet's own Int, Float64,
// Duration…: TestNumericFlagsHaveRanges walks every command's flags and
// fails on a numeric flag without a range.

// The upper bounds that are not a type's own.
const (
	// maxCandidates is the most candidates kb.WithCandidates takes
	// (test kb -candidates).
	maxCandidates = 10_000
	// maxTrees bounds train ranker -trees: a thousand trees of depth 4
	// is past where boosting at shrinkage 0.1 stops gaining.
	maxTrees = 1000
	// maxPairs bounds test intent -pairs, the confused pairs the report
	// lists.
	maxPairs = 1000
	// maxNegatives bounds test recommend -negatives: the protocol ranks
	// among 100; more than the catalog has ranks among all it has.
	maxNegatives = 10_000
	// maxGrace bounds serve -grace.
	maxGrace = time.Hour
	// maxMemory bounds train recommend -memory.
	maxMemory = 1 << 40
)

// number is what a ranged flag holds.
type number interface {
	~int | ~int64 | ~uint64 | ~float64
}

// rangeFlag is a numeric flag whose values are in [lo, hi], or [lo, hi)
// when open.
type rangeFlag[T number] struct {
	p      *T
	lo, hi T
	open   bool   // hi itself is out of range
	arg    string // the value's name in the usage text: n, x, d, size
	what   string // what the value is, in an error: "a whole number"…
	parse  func(string) (T, error)
	format func(T) string
}

// newRangeFlag declares f on fs with default value; the usage text says
// the range.
func newRangeFlag[T number](fs *flag.FlagSet, name string, value T, usage string, f *rangeFlag[T]) *T {
	f.p = new(T)
	*f.p = value
	fs.Var(f, name, usage+"; `"+f.arg+"` in "+f.interval())
	return f.p
}

// String is the value as a command line would give it. (On the zero
// rangeFlag, which flag.PrintDefaults makes to tell a default from the
// zero value, it is the zero value's.)
func (f *rangeFlag[T]) String() string {
	if f == nil || f.p == nil {
		var zero T
		return fmt.Sprint(zero)
	}
	return f.format(*f.p)
}

// Set sets the flag to s if s is a value in range.
func (f *rangeFlag[T]) Set(s string) error {
	v, err := f.parse(s)
	if err != nil || !f.in(v) {
		return errors.New("want " + f.what + " in " + f.interval())
	}
	*f.p = v
	return nil
}

// Get returns the value, for flag.Getter.
func (f *rangeFlag[T]) Get() any { return *f.p }

// in reports whether v is in range (NaN is not).
func (f *rangeFlag[T]) in(v T) bool {
	return v >= f.lo && (v < f.hi || !f.open && v == f.hi)
}

// interval is the range in interval notation, such as [0, 0.5).
func (f *rangeFlag[T]) interval() string {
	end := "]"
	if f.open {
		end = ")"
	}
	return "[" + f.format(f.lo) + ", " + f.format(f.hi) + end
}

// intFlag declares an int flag with values in [lo, hi].
func intFlag(fs *flag.FlagSet, name string, value, lo, hi int, usage string) *int {
	return newRangeFlag(fs, name, value, usage, &rangeFlag[int]{lo: lo, hi: hi, arg: "n", what: "a whole number",
		parse: func(s string) (int, error) { return strconv.Atoi(s) }, format: strconv.Itoa})
}

// seedFlag declares a uint64 flag that takes any uint64.
func seedFlag(fs *flag.FlagSet, name string, value uint64, usage string) *uint64 {
	return newRangeFlag(fs, name, value, usage, &rangeFlag[uint64]{lo: 0, hi: math.MaxUint64, arg: "n", what: "a whole number",
		parse:  func(s string) (uint64, error) { return strconv.ParseUint(s, 10, 64) },
		format: func(v uint64) string { return strconv.FormatUint(v, 10) }})
}

// shareFlag declares a float64 flag with values in [lo, hi).
func shareFlag(fs *flag.FlagSet, name string, value, lo, hi float64, usage string) *float64 {
	return newRangeFlag(fs, name, value, usage, &rangeFlag[float64]{lo: lo, hi: hi, open: true, arg: "x", what: "a number",
		parse:  func(s string) (float64, error) { return strconv.ParseFloat(s, 64) },
		format: func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }})
}

// durationFlag declares a time.Duration flag with values in [lo, hi].
func durationFlag(fs *flag.FlagSet, name string, value, lo, hi time.Duration, usage string) *time.Duration {
	return newRangeFlag(fs, name, value, usage, &rangeFlag[time.Duration]{lo: lo, hi: hi, arg: "d", what: "a duration such as 5s",
		parse: time.ParseDuration, format: formatDuration})
}

// formatDuration is d.String() without zero minutes and seconds after a
// larger unit: 1h, 10m, 1m30s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// sizeFlag declares a flag of a number of bytes (parseBytes: 512MB, 1GiB)
// with values in [lo, hi].
func sizeFlag(fs *flag.FlagSet, name string, value, lo, hi int64, usage string) *int64 {
	return newRangeFlag(fs, name, value, usage, &rangeFlag[int64]{lo: lo, hi: hi, arg: "size", what: "a size such as 512MB or 2GB",
		parse: parseBytes, format: formatBytes})
}

// formatBytes writes n as parseBytes reads it: in the largest binary unit
// that divides it (64MiB, 1GiB), else in bytes.
func formatBytes(n int64) string {
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.m == 0 {
			return strconv.FormatInt(n/u.m, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
