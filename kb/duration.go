package kb

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrBadDuration reports a window that [ParseDuration] cannot read or that is
// not positive.
var ErrBadDuration = errors.New("kb: bad duration")

// ParseDuration reads a positive duration written as a Go duration ("90s",
// "30m", "1h30m", "500ms") or with the day unit d, which means exactly 24 hours
// ("7d", "1d12h", "0.5d"). Surrounding white space is ignored. Empty, signed,
// zero and overflowing durations are rejected with an error wrapping
// [ErrBadDuration].
func ParseDuration(s string) (Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%w %q: empty", ErrBadDuration, orig)
	}
	if s[0] == '-' || s[0] == '+' {
		return 0, fmt.Errorf("%w %q: must be positive and unsigned", ErrBadDuration, orig)
	}
	var total time.Duration
	for rest := s; rest != ""; {
		// One segment: a decimal number followed by a unit.
		i := 0
		for i < len(rest) && (rest[i] == '.' || rest[i] >= '0' && rest[i] <= '9') {
			i++
		}
		j := i
		for j < len(rest) && !(rest[j] == '.' || rest[j] >= '0' && rest[j] <= '9') {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		if num == "" || unit == "" {
			return 0, fmt.Errorf("%w %q", ErrBadDuration, orig)
		}
		var seg time.Duration
		if unit == "d" {
			h, err := time.ParseDuration(num + "h")
			if err != nil || h > math.MaxInt64/24 {
				return 0, fmt.Errorf("%w %q", ErrBadDuration, orig)
			}
			seg = h * 24
		} else {
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, fmt.Errorf("%w %q", ErrBadDuration, orig)
			}
			seg = d
		}
		if total > math.MaxInt64-seg {
			return 0, fmt.Errorf("%w %q: too long", ErrBadDuration, orig)
		}
		total += seg
	}
	if total <= 0 {
		return 0, fmt.Errorf("%w %q: must be positive", ErrBadDuration, orig)
	}
	return Duration(total), nil
}

// String formats d compactly in the units [ParseDuration] reads, largest
// first and omitting zero parts: "7d", "1d12h", "30m", "1m30s", "1s500ms".
// Zero prints as "0s"; a negative value prints with a leading minus sign,
// which ParseDuration rejects.
func (d Duration) String() string {
	if d == 0 {
		return "0s"
	}
	if d < 0 {
		if d == math.MinInt64 {
			return time.Duration(d).String()
		}
		return "-" + (-d).String()
	}
	var b strings.Builder
	rem := time.Duration(d)
	for _, u := range [...]struct {
		unit string
		size time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if n := rem / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", int64(n), u.unit)
			rem -= n * u.size
		}
	}
	if rem > 0 { // sub-second remainder: "500ms", "1.5µs", "7ns"
		b.WriteString(rem.String())
	}
	return b.String()
}

// Std returns d as a [time.Duration].
func (d Duration) Std() time.Duration { return time.Duration(d) }

// MarshalText implements [encoding.TextMarshaler] with [Duration.String], so
// JSON, YAML and CSV all write windows as strings such as "7d".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseDuration]:
// only positive durations are accepted.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
