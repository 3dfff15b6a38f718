package jieba

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The dictionaries gojieba ships (MIT, see dict/LICENSE.cppjieba) are embedded
// gzip-compressed, with duxin's payments and customer-service dictionary and
// the minimal keyword-extraction files gojieba insists on loading. They are
// written once to a cache folder and handed to gojieba as explicit paths, so
// the defaults work under -trimpath, with vendoring and with a moved module
// cache, where gojieba's own baked-in paths do not.
//
//go:embed dict/jieba.dict.utf8.gz dict/hmm_model.utf8.gz dict/duxin.dict.utf8 dict/idf.utf8 dict/stop_words.utf8
var embedded embed.FS

// File names inside a dictionary folder.
const (
	mainDictFile = "jieba.dict.utf8"
	hmmFile      = "hmm_model.utf8"
	idfFile      = "idf.utf8"
	stopFile     = "stop_words.utf8"
	domainFile   = "duxin.dict.utf8"
)

// embeddedFiles lists the file written to the cache for each embedded entry.
var embeddedFiles = []struct{ src, dst string }{
	{"dict/jieba.dict.utf8.gz", mainDictFile},
	{"dict/hmm_model.utf8.gz", hmmFile},
	{"dict/idf.utf8", idfFile},
	{"dict/stop_words.utf8", stopFile},
	{"dict/duxin.dict.utf8", domainFile},
}

// embeddedDigest is a hash of the embedded dictionaries; it names the cache
// folder and the dictionary in tokenizer identities.
var embeddedDigest = sync.OnceValue(func() string {
	h := sha256.New()
	for _, f := range embeddedFiles {
		b, _ := embedded.ReadFile(f.src) // embedded at build time: cannot fail
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
})

// materialize writes the embedded dictionaries into a folder below cacheDir
// (os.UserCacheDir, else os.TempDir, when empty) unless a complete copy is
// already there, and returns the folder. Concurrent processes are safe: each
// writes a private temporary folder and renames it into place.
func materialize(cacheDir string) (string, error) {
	if cacheDir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(d, "duxin")
		} else {
			cacheDir = filepath.Join(os.TempDir(), "duxin")
		}
	}
	dir := filepath.Join(cacheDir, "jieba-"+embeddedDigest())
	stamp := filepath.Join(dir, "COMPLETE")
	if b, err := os.ReadFile(stamp); err == nil && string(b) == embeddedDigest() {
		return dir, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, "jieba-tmp-")
	if err != nil {
		return "", fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	for _, f := range embeddedFiles {
		if err := writeEmbedded(f.src, filepath.Join(tmp, f.dst)); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "COMPLETE"), []byte(embeddedDigest()), 0o644); err != nil {
		return "", fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have won the race, or an incomplete folder is in the way.
		if b, err2 := os.ReadFile(stamp); err2 == nil && string(b) == embeddedDigest() {
			return dir, nil
		}
		if err := os.RemoveAll(dir); err != nil {
			return "", fmt.Errorf("jieba: dictionary cache: %w", err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			return "", fmt.Errorf("jieba: dictionary cache: %w", err)
		}
	}
	return dir, nil
}

func writeEmbedded(src, dst string) error {
	b, err := embedded.ReadFile(src)
	if err != nil {
		return fmt.Errorf("jieba: embedded %s: %w", src, err)
	}
	if strings.HasSuffix(src, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("jieba: embedded %s: %w", src, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("jieba: embedded %s: %w", src, err)
		}
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	return nil
}

// ErrBadDictionary is wrapped by errors about a dictionary file that is
// missing, unreadable, empty or malformed.
var ErrBadDictionary = errors.New("jieba: bad dictionary")

// DictError describes a problem with a dictionary file; Line is 0 when the
// problem concerns the whole file.
type DictError struct {
	Path string
	Line int
	Err  error
}

func (e *DictError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("jieba: dictionary %s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("jieba: dictionary %s: %v", e.Path, e.Err)
}

// Unwrap returns the cause; errors.Is(err, ErrBadDictionary) holds for every DictError.
func (e *DictError) Unwrap() []error { return []error{ErrBadDictionary, e.Err} }

// dictKind says which of gojieba's line formats a file must follow.
type dictKind int

const (
	kindMain dictKind = iota // "word freq tag" on every line
	kindUser                 // "word", "word tag" or "word freq tag"
	kindHMM                  // gojieba's HMM model: checked for size and shape only
	kindIDF                  // "word idf"
	kindStop                 // one word per line
)

// checkDict reads path and returns an error naming it (and the line) when
// gojieba would abort the process or silently misread it: missing,
// unreadable, empty, not UTF-8, or lines of the wrong shape. It returns the
// file's SHA-256 for identities.
func checkDict(path string, kind dictKind) (string, error) {
	if strings.ContainsAny(path, "|;") {
		return "", &DictError{Path: path, Err: errors.New(`path must not contain "|" or ";" (gojieba splits on them)`)}
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", &DictError{Path: path, Err: errors.New("no such file")}
		}
		return "", &DictError{Path: path, Err: err}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return "", &DictError{Path: path, Err: err}
	} else if st.IsDir() {
		return "", &DictError{Path: path, Err: errors.New("is a directory")}
	}
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(f, h))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line, entries := 0, 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if !utf8.ValidString(text) {
			return "", &DictError{Path: path, Line: line, Err: errors.New("not valid UTF-8")}
		}
		if strings.TrimSpace(text) == "" || kind == kindHMM {
			if kind == kindHMM && text != "" && !strings.HasPrefix(text, "#") {
				entries++
			}
			continue
		}
		fields := strings.Split(text, " ")
		var bad string
		switch kind {
		case kindMain:
			if len(fields) != 3 {
				bad = `want "word freq tag"`
			} else if _, err := strconv.Atoi(fields[1]); err != nil {
				bad = fmt.Sprintf("frequency %q is not an integer", fields[1])
			}
		case kindUser:
			if len(fields) > 3 || fields[0] == "" {
				bad = `want "word", "word tag" or "word freq tag" separated by single spaces`
			} else if len(fields) == 3 {
				if n, err := strconv.Atoi(fields[1]); err != nil || n <= 0 {
					bad = fmt.Sprintf("frequency %q is not a positive integer", fields[1])
				}
			}
		case kindIDF:
			if len(fields) != 2 {
				bad = `want "word idf"`
			} else if _, err := strconv.ParseFloat(fields[1], 64); err != nil {
				bad = fmt.Sprintf("idf %q is not a number", fields[1])
			}
		}
		if bad != "" {
			return "", &DictError{Path: path, Line: line, Err: errors.New(bad)}
		}
		entries++
	}
	if err := sc.Err(); err != nil {
		return "", &DictError{Path: path, Err: err}
	}
	if entries == 0 {
		return "", &DictError{Path: path, Err: errors.New("empty")}
	}
	if kind == kindHMM && entries < 9 {
		return "", &DictError{Path: path, Err: errors.New("too short to be an HMM model")}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
