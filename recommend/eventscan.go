package recommend

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// fastLine parses the common log line — one flat object of the known
// fields with plain string values, an integer time and attrs of plain
// strings — without reflection, about ten times faster than decoding it
// through encoding/json. Anything else (escapes, null, a duplicate or
// unknown field, another type, invalid UTF-8, trailing bytes) reports ok
// false, and parseLine decodes the line the slow way, which gives the same
// event for what both accept and names the field of what is wrong.
func fastLine(b []byte) (l logLine, ok bool) {
	p := scanner{b: b}
	if !p.byte('{') {
		return l, false
	}
	var seen uint8
	if p.byte('}') {
		return l, false // no time: the slow path says so
	}
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return l, false
		}
		var bit uint8
		var dst *string
		switch key {
		case "id":
			bit, dst = 1, &l.ID
		case "user":
			bit, dst = 2, &l.User
		case "time":
			bit = 4
		case "type":
			bit, dst = 8, &l.Type
		case "object":
			bit, dst = 16, &l.Object
		case "attrs":
			bit = 32
		case "question":
			bit, dst = 64, &l.Question
		case "text":
			bit, dst = 128, &l.Text
		default:
			return l, false
		}
		if seen&bit != 0 {
			return l, false
		}
		seen |= bit
		switch {
		case dst != nil:
			if *dst, ok = p.str(); !ok {
				return l, false
			}
		case bit == 4:
			if l.Time, ok = p.int(); !ok {
				return l, false
			}
		default:
			if l.Attrs, ok = p.attrs(); !ok {
				return l, false
			}
		}
		if p.byte(',') {
			continue
		}
		if !p.byte('}') {
			return l, false
		}
		break
	}
	p.space()
	return l, p.i == len(p.b) && seen&4 != 0
}

// scanner reads JSON tokens from b at i.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

// byte consumes c after spaces.
func (p *scanner) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters, valid UTF-8.
func (p *scanner) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	ascii := true
	for ; p.i < len(p.b); p.i++ {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", false
}

// int reads an integer: digits, an optional minus, nothing else.
func (p *scanner) int() (int64, bool) {
	p.space()
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	if p.i == digits || p.b[digits] == '0' && p.i-digits > 1 {
		return 0, false // none, or a leading zero JSON forbids
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	x, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	return x, err == nil
}

// attrs reads an object of strings.
func (p *scanner) attrs() (map[string]string, bool) {
	if !p.byte('{') {
		return nil, false
	}
	m := map[string]string{}
	if p.byte('}') {
		return m, true
	}
	for {
		k, ok := p.str()
		if !ok || !p.byte(':') {
			return nil, false
		}
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		m[k] = v
		if p.byte(',') {
			continue
		}
		if p.byte('}') {
			return m, true
		}
		return nil, false
	}
}

// lineEvent is the event of a decoded line, before validation.
func lineEvent(l *logLine) Event {
	return Event{ID: l.ID, User: l.User, Time: time.Unix(l.Time, 0).UTC(), Type: l.Type, Object: l.Object,
		Attrs: l.Attrs, Question: l.Question, Text: l.Text}
}
