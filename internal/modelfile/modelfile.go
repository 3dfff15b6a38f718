package modelfile

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Magic is the first word of every model file's header.
const Magic = "duxin-model"

// DefaultLimit is the largest payload [Format.Read] accepts when the
// Format sets no Limit: 1 GiB.
const DefaultLimit = 1 << 30

const (
	maxKind   = 32
	maxHeader = len(Magic) + 1 + maxKind + 1 + 10 + 1 + 19 + 1 + 8 + 1 // with the newline
	// firstChunk is how much Read allocates for the payload before any of
	// it has arrived; the buffer then grows as data arrives.
	firstChunk = 64 << 10
)

// ErrInvalid is wrapped by every error that refuses a file: one of the
// errors below, each of which wraps it.
var ErrInvalid = errors.New("invalid model file")

// The reasons a file is refused; each wraps [ErrInvalid].
var (
	// ErrNotModel: the input does not start with a model file header.
	ErrNotModel error = &reason{"not a model file"}
	// ErrKind: a model file of another kind.
	ErrKind error = &reason{"wrong model kind"}
	// ErrVersion: a format version this build does not read.
	ErrVersion error = &reason{"unsupported format version"}
	// ErrTooLarge: a payload longer than the Format's limit.
	ErrTooLarge error = &reason{"model too large"}
	// ErrTruncated: the input ends before the payload does.
	ErrTruncated error = &reason{"truncated"}
	// ErrChecksum: the checksum does not match: the file was damaged or
	// edited.
	ErrChecksum error = &reason{"checksum mismatch"}
)

type reason struct{ msg string }

func (r *reason) Error() string { return r.msg }
func (r *reason) Unwrap() error { return ErrInvalid }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Format describes one kind of model file.
type Format struct {
	// Kind names the model: 1 to 32 lowercase ASCII letters, digits or
	// '-', starting with a letter ("intent", "kb-ranker").
	Kind string
	// Version is the payload format version Write writes and the newest
	// Read accepts; at least 1.
	Version int
	// Oldest is the oldest version Read accepts; 0 means Version. A
	// package that reads several versions looks at the version Read
	// returns.
	Oldest int
	// Limit is the largest payload, in bytes, that Write writes and Read
	// accepts; 0 means DefaultLimit.
	Limit int64
}

func (f Format) limit() int64 {
	if f.Limit == 0 {
		return DefaultLimit
	}
	return f.Limit
}

func (f Format) oldest() int {
	if f.Oldest == 0 {
		return f.Version
	}
	return f.Oldest
}

// check reports a Format no file can have: a mistake in the calling
// package, not in a file.
func (f Format) check() error {
	switch {
	case !validKind(f.Kind):
		return fmt.Errorf("modelfile: bad kind %q: want 1 to %d of [a-z0-9-], starting with a letter", f.Kind, maxKind)
	case f.Version < 1 || f.Version > 1<<31-1:
		return fmt.Errorf("modelfile: %s: bad version %d", f.Kind, f.Version)
	case f.Oldest < 0 || f.oldest() > f.Version:
		return fmt.Errorf("modelfile: %s: oldest version %d is above version %d", f.Kind, f.Oldest, f.Version)
	case f.Limit < 0:
		return fmt.Errorf("modelfile: %s: negative limit", f.Kind)
	}
	return nil
}

func validKind(k string) bool {
	if k == "" || len(k) > maxKind || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, c := range []byte(k) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// header returns the header line of payload up to and including the space
// before the checksum.
func (f Format) header(version int, size int64) []byte {
	h := make([]byte, 0, maxHeader)
	h = append(h, Magic...)
	h = append(h, ' ')
	h = append(h, f.Kind...)
	h = append(h, ' ')
	h = strconv.AppendInt(h, int64(version), 10)
	h = append(h, ' ')
	h = strconv.AppendInt(h, size, 10)
	return append(h, ' ')
}

// Write writes payload to w in an envelope of version f.Version and
// returns the number of bytes written. The output depends only on f's
// kind and version and on payload.
func (f Format) Write(w io.Writer, payload []byte) (int64, error) {
	if err := f.check(); err != nil {
		return 0, err
	}
	if int64(len(payload)) > f.limit() {
		return 0, fmt.Errorf("write %s model: %d bytes is more than the limit of %d", f.Kind, len(payload), f.limit())
	}
	h := f.header(f.Version, int64(len(payload)))
	sum := crc32.Update(crc32.Checksum(h, castagnoli), castagnoli, payload)
	h = fmt.Appendf(h, "%08x\n", sum)
	n, err := w.Write(h)
	if err != nil {
		return int64(n), fmt.Errorf("write %s model: %w", f.Kind, err)
	}
	m, err := w.Write(payload)
	if err != nil {
		return int64(n + m), fmt.Errorf("write %s model: %w", f.Kind, err)
	}
	return int64(n + m), nil
}

// Read reads one model file of f's kind from r and returns its format
// version, within [f.Oldest, f.Version], and its payload. It reads exactly
// the file's bytes: whatever follows in r is left unread. A file it
// refuses gives an error wrapping [ErrInvalid] and the reason (see the
// package documentation); an error from r is returned wrapped.
func (f Format) Read(r io.Reader) (version int, payload []byte, err error) {
	if err := f.check(); err != nil {
		return 0, nil, err
	}
	line, err := readHeader(r)
	if err != nil && err != errShortHeader {
		return 0, nil, fmt.Errorf("read %s model: %w", f.Kind, err)
	}
	if n := min(len(line), len(Magic)+1); n == 0 || string(line[:n]) != (Magic + " ")[:n] {
		if len(line) == 0 {
			return 0, nil, fmt.Errorf("%w: empty input (%s model expected)", ErrNotModel, f.Kind)
		}
		return 0, nil, fmt.Errorf("%w: input starts with %.40q (%s model expected)", ErrNotModel, line, f.Kind)
	}
	if err == errShortHeader {
		return 0, nil, fmt.Errorf("%w: the input ends inside the header %q (%s model expected)", ErrTruncated, line, f.Kind)
	}
	h, ok := parseHeader(line)
	if !ok {
		return 0, nil, fmt.Errorf("%w: bad header line %.80q (%s model expected)", ErrNotModel, line, f.Kind)
	}
	switch {
	case h.kind != f.Kind:
		return 0, nil, fmt.Errorf("%w: this is %s %s model, not %s %s model", ErrKind, article(h.kind), h.kind, article(f.Kind), f.Kind)
	case h.version > f.Version:
		return 0, nil, fmt.Errorf("%w: %s model format %d is newer than this build reads (%s): upgrade duxin", ErrVersion, f.Kind, h.version, f.versions())
	case h.version < f.oldest():
		return 0, nil, fmt.Errorf("%w: %s model format %d is older than this build reads (%s): retrain the model", ErrVersion, f.Kind, h.version, f.versions())
	case h.size > f.limit():
		return 0, nil, fmt.Errorf("%w: %s model of %d bytes, limit %d", ErrTooLarge, f.Kind, h.size, f.limit())
	}
	payload, err = readN(r, h.size)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("%w: %s model has %d of %d payload bytes", ErrTruncated, f.Kind, len(payload), h.size)
		}
		return 0, nil, fmt.Errorf("read %s model: %w", f.Kind, err)
	}
	got := crc32.Update(crc32.Checksum(line[:len(line)-9], castagnoli), castagnoli, payload)
	if got != h.sum {
		return 0, nil, fmt.Errorf("%w: %s model is damaged (CRC-32C %08x, header says %08x)", ErrChecksum, f.Kind, got, h.sum)
	}
	return h.version, payload, nil
}

func (f Format) versions() string {
	if f.oldest() == f.Version {
		return strconv.Itoa(f.Version)
	}
	return fmt.Sprintf("%d to %d", f.oldest(), f.Version)
}

func article(kind string) string {
	if kind != "" && strings.IndexByte("aeio", kind[0]) >= 0 {
		return "an"
	}
	return "a"
}

// errShortHeader: the input ended inside the header line.
var errShortHeader = errors.New("short header")

// readHeader reads r up to and including the first newline, at most
// maxHeader bytes. It stops early when the input cannot be a header: when
// it does not start with the magic word and a space.
func readHeader(r io.Reader) ([]byte, error) {
	line := make([]byte, 0, maxHeader)
	br, _ := r.(io.ByteReader)
	var one [1]byte
	for len(line) < maxHeader {
		var c byte
		var err error
		if br != nil {
			c, err = br.ReadByte()
		} else {
			var n int
			n, err = r.Read(one[:])
			if n == 1 {
				c, err = one[0], nil
			} else if err == nil {
				continue
			}
		}
		if err != nil {
			if err == io.EOF {
				err = errShortHeader
			}
			return line, err
		}
		line = append(line, c)
		if c == '\n' {
			return line, nil
		}
		if len(line) == len(Magic)+1 && string(line) != Magic+" " {
			return line, nil // not a header: Read looks no further
		}
	}
	return line, nil
}

type header struct {
	kind    string
	version int
	size    int64
	sum     uint32
}

// parseHeader parses a header line, newline included.
func parseHeader(line []byte) (header, bool) {
	var h header
	rest, ok := bytes.CutSuffix(line, []byte("\n"))
	if !ok {
		return h, false
	}
	fields := bytes.Split(rest, []byte(" "))
	if len(fields) != 5 || string(fields[0]) != Magic || !validKind(string(fields[1])) || len(fields[4]) != 8 {
		return h, false
	}
	h.kind = string(fields[1])
	v, ok1 := decimal(fields[2], 10)
	size, ok2 := decimal(fields[3], 19)
	sum, err := strconv.ParseUint(string(fields[4]), 16, 32)
	if !ok1 || !ok2 || v < 1 || v > 1<<31-1 || err != nil || !isLowerHex(fields[4]) {
		return h, false
	}
	h.version, h.size, h.sum = int(v), size, uint32(sum)
	return h, true
}

// decimal parses a canonical decimal number of at most digits digits: no
// sign, no leading zero.
func decimal(b []byte, digits int) (int64, bool) {
	if len(b) == 0 || len(b) > digits || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	return v, err == nil
}

func isLowerHex(b []byte) bool {
	return !slices.ContainsFunc(b, func(c byte) bool { return !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') })
}

// readN reads n bytes from r, growing its buffer as data arrives, never
// beyond n. At the end of r it returns what it read and io.ErrUnexpectedEOF.
func readN(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, firstChunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			bigger := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(bigger, buf)
			buf = bigger
		}
		m, err := r.Read(buf[len(buf):int(min(int64(cap(buf)), n))])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if int64(len(buf)) < n {
				return buf, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// Sniff reads the first n bytes of r, or all of it when shorter, and
// returns them and a reader of all of r, those bytes first. A package that
// must still read an older format looks at head to choose its reader:
//
//	head, r, err := modelfile.Sniff(r, len(oldMagic))
//	if err != nil { ... }
//	if string(head) == oldMagic {
//		return readOld(r)
//	}
//	version, payload, err := fileFormat.Read(r)
//
// Only an error from r is an error; a short or empty r is not.
func Sniff(r io.Reader, n int) (head []byte, all io.Reader, err error) {
	head = make([]byte, n)
	k, err := io.ReadFull(r, head)
	head = head[:k]
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	if err != nil {
		return head, nil, fmt.Errorf("read model: %w", err)
	}
	return head, io.MultiReader(bytes.NewReader(head), r), nil
}

// Wrap returns err, an error from [Format.Read], as the error of the
// package that called Read: its message is prefix followed by err's, and
// it wraps sentinel (which may be nil) as well as err. A package keeps its
// own sentinels this way without repeating the reason in the message:
//
//	if errors.Is(err, modelfile.ErrVersion) {
//		return modelfile.Wrap("intent: ", ErrVersion, err)
//	}
func Wrap(prefix string, sentinel, err error) error {
	return &wrapped{prefix, sentinel, err}
}

type wrapped struct {
	prefix   string
	sentinel error
	err      error
}

func (w *wrapped) Error() string { return w.prefix + w.err.Error() }

func (w *wrapped) Unwrap() []error {
	if w.sentinel == nil {
		return []error{w.err}
	}
	return []error{w.sentinel, w.err}
}
