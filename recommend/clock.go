package recommend

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Calendar is how the learned model reads the clock: the time zone its
// hours and days are counted in, and the named periods the host declares
// (a shopping festival, bill days, a campaign — dates vary by business, so
// they are data, not code). At every moment the need model sees the hour
// of day, the weekday, the day of the month and the periods in force as
// causes that raise questions, learned from the log as the entry page is,
// and a reason names them (今天是花呗还款日).
type Calendar struct {
	// Location is the time zone of hours and days; nil means Beijing time
	// (UTC+8, no daylight saving).
	Location *time.Location
	// Periods are the named spans of time; one name may have many spans
	// (a repayment day every month). At most MaxPeriods.
	Periods []Period
	// Off leaves the clock out of the model: no hour, day or period
	// causes.
	Off bool
}

// Period is a named span of time, [Start, End).
type Period struct {
	Name       string
	Start, End time.Time
}

// Calendar limits.
const (
	// MaxPeriods is how many periods a calendar may declare.
	MaxPeriods = 10000
	// MaxPeriodName is the longest period name, in bytes.
	MaxPeriodName = 64
)

// beijing is the default zone of a calendar.
var beijing = time.FixedZone("UTC+8", 8*3600)

// clock is a calendar as a trained model holds it: periods sorted by start.
type clock struct {
	loc     *time.Location
	periods []Period
}

// newClock checks cal and returns its clock, nil when it is Off.
func newClock(cal Calendar) (*clock, error) {
	if cal.Off {
		return nil, nil
	}
	if len(cal.Periods) > MaxPeriods {
		return nil, fmt.Errorf("%w: calendar: %d periods, more than %d", ErrInvalidOption, len(cal.Periods), MaxPeriods)
	}
	c := &clock{loc: cal.Location, periods: slices.Clone(cal.Periods)}
	if c.loc == nil {
		c.loc = beijing
	}
	for i, p := range c.periods {
		if field, err := p.check(); err != nil {
			return nil, fmt.Errorf("%w: calendar: period %d (%s): %s: %v", ErrInvalidOption, i+1, p.Name, field, err)
		}
	}
	slices.SortStableFunc(c.periods, func(a, b Period) int { return a.Start.Compare(b.Start) })
	return c, nil
}

// check reports what is wrong with p, if anything, and the field it is in.
func (p Period) check() (field string, err error) {
	switch {
	case p.Name == "":
		return "name", errors.New("missing")
	case len(p.Name) > MaxPeriodName:
		return "name", fmt.Errorf("%.20q… is longer than %d bytes", p.Name, MaxPeriodName)
	case !utf8.ValidString(p.Name) || strings.ContainsAny(p.Name, "\x00\n\r"):
		return "name", fmt.Errorf("%q is not one line of UTF-8 text", p.Name)
	case p.Start.IsZero():
		return "start", errors.New("missing")
	case p.End.IsZero():
		return "end", errors.New("missing")
	case !p.End.After(p.Start):
		return "end", fmt.Errorf("%q ends (%s) before it starts (%s)", p.Name, p.End.Format(time.RFC3339), p.Start.Format(time.RFC3339))
	}
	return "", nil
}

// The clock's cause keys.
const (
	clockHour   = "c:hour="   // hour of day, 0–23
	clockWday   = "c:wday="   // weekday, 0 (Sunday) – 6
	clockMday   = "c:mday="   // day of the month, 1–31
	clockPeriod = "c:period=" // a declared period's name
)

// causes calls emit with the key of each clock cause in force at now
// (Unix seconds): its hour, weekday, day of the month and periods. The key
// is valid only during the call. A nil clock has none.
func (c *clock) causes(kr *keyer, now int64, emit func(key []byte)) {
	if c == nil {
		return
	}
	t := time.Unix(now, 0).In(c.loc)
	kr.key = strconv.AppendInt(append(kr.key[:0], clockHour...), int64(t.Hour()), 10)
	emit(kr.key)
	kr.key = strconv.AppendInt(append(kr.key[:0], clockWday...), int64(t.Weekday()), 10)
	emit(kr.key)
	kr.key = strconv.AppendInt(append(kr.key[:0], clockMday...), int64(t.Day()), 10)
	emit(kr.key)
	for _, p := range c.periods {
		if p.Start.Unix() > now {
			break
		}
		if now < p.End.Unix() {
			kr.key = append(append(kr.key[:0], clockPeriod...), p.Name...)
			emit(kr.key)
		}
	}
}

// exposure calls add with each clock cause and the seconds of [from, to)
// (Unix seconds) it is in force: what the Process objective needs. Whole
// days are counted at once (each hour an hour of them, a day of the week
// and of the month a day), so the cost is in days, not hours; a day of a
// daylight-saving change counts as 24 hours.
func (c *clock) exposure(kr *keyer, from, to int64, add func(key []byte, seconds float64)) {
	if c == nil || to <= from {
		return
	}
	hours := func(t, end time.Time) { // within one day
		for t.Before(end) {
			y, m, d := t.Date()
			next := time.Date(y, m, d, t.Hour()+1, 0, 0, 0, c.loc)
			if !next.After(t) || next.After(end) { // a zone's odd hour
				next = end
			}
			kr.key = strconv.AppendInt(append(kr.key[:0], clockHour...), int64(t.Hour()), 10)
			add(kr.key, next.Sub(t).Seconds())
			t = next
		}
	}
	days := func(t time.Time, sec float64) {
		kr.key = strconv.AppendInt(append(kr.key[:0], clockWday...), int64(t.Weekday()), 10)
		add(kr.key, sec)
		kr.key = strconv.AppendInt(append(kr.key[:0], clockMday...), int64(t.Day()), 10)
		add(kr.key, sec)
	}
	// Hour by hour to the first local midnight, then day by day, then
	// hour by hour from the last.
	t := time.Unix(from, 0).In(c.loc)
	end := time.Unix(to, 0).In(c.loc)
	for t.Before(end) {
		y, m, d := t.Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
		if next.After(end) {
			next = end
		}
		sec := next.Sub(t).Seconds()
		days(t, sec)
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && sec >= 86400 {
			for h := range 24 {
				kr.key = strconv.AppendInt(append(kr.key[:0], clockHour...), int64(h), 10)
				add(kr.key, 3600)
			}
		} else {
			hours(t, next)
		}
		t = next
	}
	for _, p := range c.periods {
		lo, hi := max(p.Start.Unix(), from), min(p.End.Unix(), to)
		if lo < hi {
			kr.key = append(append(kr.key[:0], clockPeriod...), p.Name...)
			add(kr.key, float64(hi-lo))
		}
	}
}

// reason returns the text a reason gives for a clock cause key, "" for a
// key that is not the clock's.
func clockReason(key string) string {
	if v, ok := strings.CutPrefix(key, clockPeriod); ok {
		return "今天是" + v
	}
	if v, ok := strings.CutPrefix(key, clockHour); ok {
		h, _ := strconv.Atoi(v)
		switch {
		case h < 5:
			return "夜深了，这时候常有人问"
		case h < 9:
			return "早上这时候常有人问"
		default:
			return "每天这个时候常有人问"
		}
	}
	if v, ok := strings.CutPrefix(key, clockWday); ok {
		d, _ := strconv.Atoi(v)
		if d == 0 || d == 6 {
			return "周末常有人问"
		}
		return "今天是" + [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[d%7]
	}
	if v, ok := strings.CutPrefix(key, clockMday); ok {
		return "今天是" + v + "号"
	}
	return ""
}

// clockFile is a calendar in a model file: the zone's name and its offset
// at training time (used if the zone's rules are not on the reading
// machine), and the periods.
type clockFile struct {
	Zone    string       `json:"zone"`
	Offset  int          `json:"offset"` // seconds east of UTC
	Periods []periodFile `json:"periods,omitempty"`
}

type periodFile struct {
	Name  string `json:"name"`
	Start int64  `json:"start"` // Unix seconds
	End   int64  `json:"end"`
}

func (c *clock) file(at time.Time) *clockFile {
	if c == nil {
		return nil
	}
	_, off := at.In(c.loc).Zone()
	f := &clockFile{Zone: c.loc.String(), Offset: off}
	for _, p := range c.periods {
		f.Periods = append(f.Periods, periodFile{Name: p.Name, Start: p.Start.Unix(), End: p.End.Unix()})
	}
	return f
}

// clockOf returns the clock of a model file's calendar (nil: none).
func clockOf(f *clockFile) (*clock, error) {
	if f == nil {
		return nil, nil
	}
	if f.Offset < -18*3600 || f.Offset > 18*3600 {
		return nil, fmt.Errorf("calendar: zone offset %d s is out of range", f.Offset)
	}
	loc := time.FixedZone(f.Zone, f.Offset)
	if f.Zone == beijing.String() && f.Offset == 8*3600 {
		loc = beijing
	} else if l, err := time.LoadLocation(f.Zone); err == nil && f.Zone != "" && f.Zone != "Local" {
		loc = l
	}
	cal := Calendar{Location: loc}
	if len(f.Periods) > MaxPeriods {
		return nil, fmt.Errorf("calendar: %d periods, more than %d", len(f.Periods), MaxPeriods)
	}
	for _, p := range f.Periods {
		cal.Periods = append(cal.Periods, Period{Name: p.Name, Start: time.Unix(p.Start, 0), End: time.Unix(p.End, 0)})
	}
	c, err := newClock(cal)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	return c, nil
}

// ErrInvalidCalendar is wrapped by every error of [ReadCalendar] about
// the file's content.
var ErrInvalidCalendar = errors.New("invalid calendar")

// ReadCalendar reads the periods of a calendar, one JSON object per line:
//
//	{"name": "双十一", "start": "2025-11-01", "end": "2025-11-12"}
//	{"name": "花呗还款日", "start": "2025-11-09", "end": "2025-11-09"}
//
// start and end are days (YYYY-MM-DD) in loc (nil: Beijing time), the end
// day included, or RFC 3339 times, the end excluded. Blank lines and lines
// that start with # are skipped. A bad line is a [*FieldError] naming
// the file (name), the line and the field, wrapping [ErrInvalidCalendar];
// lines are at most 64 KiB, periods at most [MaxPeriods].
func ReadCalendar(r io.Reader, name string, loc *time.Location) ([]Period, error) {
	if loc == nil {
		loc = beijing
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var out []Period
	line := 0
	bad := func(field, format string, args ...any) error {
		return &FieldError{File: name, Line: line, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidCalendar}, args...)...)}
	}
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] == '#' {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(text, &raw); err != nil {
			return nil, bad("", "not a JSON object: %v", strings.TrimPrefix(err.Error(), "json: "))
		}
		var f [3]string
		for k, v := range raw {
			i := slices.Index([]string{"name", "start", "end"}, k)
			if i < 0 {
				return nil, bad(k, "unknown field (a period has name, start and end)")
			}
			if err := json.Unmarshal(v, &f[i]); err != nil {
				return nil, bad(k, "must be text")
			}
		}
		p := Period{Name: f[0]}
		var err error
		if p.Start, err = calendarTime(f[1], loc, false); err != nil {
			return nil, bad("start", "%v", err)
		}
		if p.End, err = calendarTime(f[2], loc, true); err != nil {
			return nil, bad("end", "%v", err)
		}
		if field, err := p.check(); err != nil {
			return nil, bad(field, "%v", err)
		}
		if len(out) == MaxPeriods {
			return nil, bad("", "more than %d periods", MaxPeriods)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		line++
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, bad("", "line longer than 64 KiB")
		}
		return nil, fmt.Errorf("recommend: read %s: %w", name, err)
	}
	return out, nil
}

// calendarTime parses a day (the end of the day when end) or an RFC 3339
// time.
func calendarTime(s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a day (2025-11-01) nor an RFC 3339 time", s)
	}
	return t, nil
}

// LoadCalendar returns the calendar of a command line: the periods of the
// file at path (see [ReadCalendar]; "" for none) in the time zone named
// zone, an IANA name such as Asia/Shanghai ("" for Beijing time). A
// program that names zones should import time/tzdata, so that they are
// known on a machine without zone files.
func LoadCalendar(path, zone string) (Calendar, error) {
	var cal Calendar
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return cal, fmt.Errorf("recommend: time zone %q: %w", zone, err)
		}
		cal.Location = loc
	}
	if path == "" {
		return cal, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return cal, fmt.Errorf("recommend: calendar: %w", err)
	}
	defer f.Close()
	cal.Periods, err = ReadCalendar(f, path, cal.Location)
	return cal, err
}
