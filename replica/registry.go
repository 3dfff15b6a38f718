package replica

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Errors of a Registry; test with errors.Is.
var (
	// ErrNoVersion: nothing is published under the name yet.
	ErrNoVersion = errors.New("replica: nothing published")
	// ErrCorrupt: a published blob's bytes do not hash to its version.
	ErrCorrupt = errors.New("replica: published data does not match its version")
)

// Registry keeps published model files by name ("recommend", "intent",
// "ranker"). Publishing writes the data first and then points the name at
// it, so a reader never sees half a model; a version is the SHA-256 of the
// data, in hex, so that a reader checks what it fetched. Implementations
// are safe for concurrent use: [Dir] here, a Redis one in
// replica/redisreplica.
type Registry interface {
	// Publish stores data and points name at it; it returns the version.
	Publish(ctx context.Context, name string, data []byte) (version string, err error)
	// Current returns the version name points at, or an error wrapping
	// [ErrNoVersion].
	Current(ctx context.Context, name string) (version string, err error)
	// Fetch returns the data of a version of name. Implementations check
	// the data against the version ([Verify]).
	Fetch(ctx context.Context, name, version string) ([]byte, error)
}

// VersionOf returns the version of data: its SHA-256 in hex.
func VersionOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Verify returns an error wrapping [ErrCorrupt] unless data is version's.
func Verify(name, version string, data []byte) error {
	if got := VersionOf(data); got != version {
		return fmt.Errorf("%w: %s@%.12s has %d bytes hashing to %.12s", ErrCorrupt, name, version, len(data), got)
	}
	return nil
}

// Publish writes m (a model: *recommend.Model, *intent.Model, *kb.Ranker)
// and publishes the bytes under name.
func Publish(ctx context.Context, reg Registry, name string, m io.WriterTo) (version string, err error) {
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return "", fmt.Errorf("replica: publish %s: %w", name, err)
	}
	return reg.Publish(ctx, name, b.Bytes())
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// CheckName reports whether name can name published models: 1 to 64
// lowercase letters, digits, '.', '_' or '-', starting with a letter or
// digit.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("replica: bad model name %q: want 1-64 of [a-z0-9._-], starting with a letter or digit", name)
	}
	return nil
}

func checkVersion(version string) error {
	if len(version) != 64 || strings.Trim(version, "0123456789abcdef") != "" {
		return fmt.Errorf("bad version %.80q: want 64 lowercase hex digits", version)
	}
	return nil
}

// Dir is a Registry in a folder that every replica reads (a shared volume,
// or a folder a deploy tool syncs): name/<version> holds the data and
// name/CURRENT the version, replaced by a rename, so that it changes at
// once. The zero Dir is not usable; convert a path: replica.Dir("/models").
//
// Every read is bounded: CURRENT is at most [MaxCurrentBytes] bytes and a
// version file at most [MaxModelBytes]; both must be regular files (or
// links to one). A longer or special file (a link to /dev/zero, a pipe)
// is refused with an error naming it, and the served model stays.
type Dir string

// Bounds of what [Dir] reads and publishes.
const (
	// MaxModelBytes bounds a published model file: 1 GiB.
	MaxModelBytes = 1 << 30
	// MaxCurrentBytes bounds a CURRENT file, which holds a version (64
	// hex digits) and a line end.
	MaxCurrentBytes = 256
)

// Publish implements [Registry].
func (d Dir) Publish(ctx context.Context, name string, data []byte) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("replica: publish %s: %w", name, err)
	}
	if len(data) > MaxModelBytes {
		return "", fmt.Errorf("replica: publish %s: %d bytes, more than the %d a registry folder holds", name, len(data), MaxModelBytes)
	}
	v := VersionOf(data)
	dir := filepath.Join(string(d), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("replica: publish %s: %w", name, err)
	}
	if err := writeAtomic(filepath.Join(dir, v), data); err != nil {
		return "", fmt.Errorf("replica: publish %s: %w", name, err)
	}
	if err := writeAtomic(filepath.Join(dir, "CURRENT"), []byte(v+"\n")); err != nil {
		return "", fmt.Errorf("replica: publish %s: %w", name, err)
	}
	return v, nil
}

// Current implements [Registry].
func (d Dir) Current(ctx context.Context, name string) (string, error) {
	if err := CheckName(name); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("replica: current %s: %w", name, err)
	}
	path := filepath.Join(string(d), name, "CURRENT")
	b, err := readBounded(path, MaxCurrentBytes)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w under %q in %s", ErrNoVersion, name, string(d))
	}
	if err != nil {
		return "", fmt.Errorf("replica: current %s: %w", name, err)
	}
	v := strings.TrimSpace(string(b))
	if err := checkVersion(v); err != nil {
		return "", fmt.Errorf("replica: %s: %w", path, err)
	}
	return v, nil
}

// Fetch implements [Registry].
func (d Dir) Fetch(ctx context.Context, name, version string) ([]byte, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if err := checkVersion(version); err != nil {
		return nil, fmt.Errorf("replica: fetch %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("replica: fetch %s: %w", name, err)
	}
	data, err := readBounded(filepath.Join(string(d), name, version), MaxModelBytes)
	if err != nil {
		return nil, fmt.Errorf("replica: fetch %s: %w", name, err)
	}
	if err := Verify(name, version, data); err != nil {
		return nil, err
	}
	return data, nil
}

// readBounded reads the regular file at path (or the one a link at path
// names), refusing one of more than limit bytes without reading it all.
// Errors name the file.
func readBounded(path string, limit int64) ([]byte, error) {
	// Stat first: opening a named pipe would block until a writer came.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi, limit); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil { // the file opened, in case path changed since
		return nil, err
	}
	if err := checkRegular(path, fi, limit); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit { // it grew while read
		return nil, fmt.Errorf("%s has more than the %d bytes allowed", path, limit)
	}
	return b, nil
}

func checkRegular(path string, fi os.FileInfo, limit int64) error {
	if m := fi.Mode(); !m.IsRegular() {
		what := "not a regular file"
		switch {
		case m.IsDir():
			what = "a folder, not a file"
		case m&os.ModeDevice != 0:
			what = "a device, not a regular file"
		case m&os.ModeNamedPipe != 0:
			what = "a named pipe, not a regular file"
		case m&os.ModeSocket != 0:
			what = "a socket, not a regular file"
		}
		return fmt.Errorf("%s is %s", path, what)
	}
	if fi.Size() > limit {
		return fmt.Errorf("%s has %d bytes, more than the %d allowed", path, fi.Size(), limit)
	}
	return nil
}

// writeAtomic writes data to a temporary file beside path, syncs it and
// renames it over path.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
