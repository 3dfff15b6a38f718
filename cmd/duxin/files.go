package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// checkOut checks, before any work, that a model can be written to path:
// path is not a folder or a special file, and its folder exists and takes
// new files (a probe file is created and removed). Errors name path.
func checkOut(path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("write %s: is a folder", path)
		}
		return fmt.Errorf("write %s: not a regular file", path)
	}
	f, err := createTemp(path, 0o600)
	if err != nil {
		return outError(path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// writeModel writes m to path through a temporary file renamed into place,
// so that a reader never sees half a model, and returns the file's size
// and hex SHA-256 (the identity of a model that has no ID of its own). A
// new file gets mode 0666 less the umask, as os.Create gives; a file
// replaced keeps its mode. Errors name path, not the temporary file.
func writeModel(path string, m io.WriterTo) (size int64, sum string, err error) {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return 0, "", err
	}
	if err := checkOut(path); err != nil {
		return 0, "", err
	}
	perm, keep := os.FileMode(0o666), false
	if fi, err := os.Stat(path); err == nil {
		perm, keep = fi.Mode().Perm(), true
	}
	tmp, err := createTemp(path, perm)
	if err != nil {
		return 0, "", outError(path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing is left to remove
	_, err = tmp.Write(buf.Bytes())
	if err == nil && keep {
		err = tmp.Chmod(perm) // the umask may have cleared some of perm's bits
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, "", outError(path, err)
	}
	h := sha256.Sum256(buf.Bytes())
	return int64(buf.Len()), hex.EncodeToString(h[:]), nil
}

// createTemp creates a new file next to path, named after it, with mode
// perm less the umask (os.CreateTemp's are always 0600).
func createTemp(path string, perm os.FileMode) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 1000 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("no free temporary name next to %s", path)
}

// outError is err of writing the model file path, without the name of the
// temporary file it may carry.
func outError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("write %s: %w", path, err)
}

// inFile names the file whose contents err is about (no examples in it,
// nothing to learn from it), unless err is the context's.
func inFile(ctx context.Context, path string, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// readModelFile reads a model file and its hex SHA-256.
func readModelFile(path string) ([]byte, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	h := sha256.Sum256(data)
	return data, hex.EncodeToString(h[:]), nil
}

// readRanker reads the kb ranker at path and returns it with the file's
// SHA-256; an error names the file.
func readRanker(path string) (*kb.Ranker, string, error) {
	raw, sum, err := readModelFile(path)
	if err != nil {
		return nil, "", err
	}
	r, err := kb.ReadRanker(bytes.NewReader(raw))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return r, sum, nil
}

// intentModelFile is an intent model read from its file, with the
// tokenizer it runs on (close it once done with the model) and the file's
// size and SHA-256.
type intentModelFile struct {
	model *intent.Model
	tok   *jieba.Tokenizer
	size  int
	sum   string
}

// readIntentModel reads the intent model at path with intentTokenizer; an
// error names the file.
func readIntentModel(path string) (intentModelFile, error) {
	raw, sum, err := readModelFile(path)
	if err != nil {
		return intentModelFile{}, err
	}
	tok, err := intentTokenizer()
	if err != nil {
		return intentModelFile{}, err
	}
	m, err := intent.ReadModel(bytes.NewReader(raw), tok)
	if err != nil {
		tok.Close()
		return intentModelFile{}, fmt.Errorf("%s: %w", path, err)
	}
	return intentModelFile{model: m, tok: tok, size: len(raw), sum: sum}, nil
}

// The tokenizers: the ones benchmarks/eval measures with. Intents keep stop
// words (你好, 不 and how carry intent, see package intent); the knowledge
// base uses jieba's defaults. A model file records its tokenizer's identity,
// and loading it with another is refused.

func intentTokenizer() (*jieba.Tokenizer, error) {
	tok, err := jieba.New(jieba.WithStopWords(nil))
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return tok, nil
}

func kbTokenizer() (*jieba.Tokenizer, error) {
	tok, err := jieba.New()
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return tok, nil
}

// openEvents opens a behavior log for streaming: a file, gzip-compressed
// or not (told by its first bytes), or "-" for standard input.
func openEvents(path string, stdin io.Reader) (io.ReadCloser, error) {
	var r io.Reader
	var f *os.File
	if path == "-" {
		r = stdin
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		r = f
	}
	br := bufio.NewReaderSize(r, 64<<10)
	closeAll := func() error {
		if f != nil {
			return f.Close()
		}
		return nil
	}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return readCloser{zr, func() error { return errors.Join(zr.Close(), closeAll()) }}, nil
	}
	return readCloser{br, closeAll}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// parseBytes reads a size such as 512MB, 1GB or 1.5GiB (decimal and binary
// units, B optional; a bare number is bytes).
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || !(x > 0) || x*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("want a size such as 512MB or 2GB, got %q", s)
	}
	return int64(x * mult), nil
}
