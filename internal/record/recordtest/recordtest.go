// Package recordtest is a test helper for the record readers of kb, intent
// and recommend: an endless input, to check that a reader stops at a bad
// record near the start instead of reading on.
package recordtest

import (
	"errors"
	"strings"
)

// ErrReadOn is what an Endless returns once more than its Limit was read:
// a reader that reports it read past the bad record it should stop at.
var ErrReadOn = errors.New("test: read on past the bad record")

// Endless serves Head, then Next(1), Next(2), … for ever, and fails with
// ErrReadOn once more than Limit bytes were read.
type Endless struct {
	Head  string
	Next  func(i int) string
	Limit int

	buf  strings.Reader
	i, n int
}

func (e *Endless) Read(p []byte) (int, error) {
	if e.n > e.Limit {
		return 0, ErrReadOn
	}
	if e.buf.Len() == 0 {
		if e.i == 0 {
			e.buf.Reset(e.Head)
		} else {
			e.buf.Reset(e.Next(e.i))
		}
		e.i++
	}
	n, err := e.buf.Read(p)
	e.n += n
	return n, err
}
