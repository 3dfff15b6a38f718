//go:build cgo

package jieba

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/tokenize"
)

// Mode selects how Han text is cut.
type Mode int

const (
	// Search cuts like Precise and also emits the dictionary words inside long
	// words (电子回单 → 电子, 回单, 电子回单), which raises recall for search.
	// It is the default.
	Search Mode = iota
	// Precise cuts each sentence into the single most probable sequence of words.
	Precise
)

// String returns "search" or "precise".
func (m Mode) String() string {
	switch m {
	case Search:
		return "search"
	case Precise:
		return "precise"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ErrClosed is returned by methods of a closed Tokenizer.
var ErrClosed = errors.New("jieba: tokenizer closed")

// Tokenizer is the default duxin tokenizer: [tokenize.Mixed] with gojieba
// segmenting Han runs, then stop words and English stemming. It also
// implements [tokenize.Segmenter] and [tokenize.Identity].
//
// Tokenizers built with the same dictionaries share one gojieba instance
// (loading one costs about 0.4 s and 130 MB). Close releases this
// Tokenizer's share; the instance is freed when the last share is released.
// A Tokenizer is safe for concurrent use; Tokenize on a closed Tokenizer
// returns nil.
type Tokenizer struct {
	h        *handle
	how      cutMode // opts.mode and opts.hmm in gojieba's terms
	opts     options
	pipeline tokenize.Tokenizer
	closed   atomic.Bool
}

// New returns a Tokenizer. Without options it uses the embedded default
// dictionaries plus duxin's payments dictionary, Search mode, HMM for unknown
// words, [tokenize.DefaultStopWords] and English stemming. Errors name the
// dictionary file and line at fault; New never panics and never lets gojieba
// abort the process on a bad file.
func New(opts ...Option) (*Tokenizer, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	cfg, err := o.config()
	if err != nil {
		return nil, err
	}
	h, err := acquire(cfg)
	if err != nil {
		return nil, err
	}
	// The stop filter and Identity both read this copy: a caller changing
	// its set afterwards changes neither.
	o.stop = maps.Clone(o.stop)
	t := &Tokenizer{h: h, how: cutModeOf(o), opts: o}
	filters := []tokenize.Filter{}
	if len(o.stop) > 0 {
		filters = append(filters, tokenize.StopWords(o.stop))
	}
	if o.stem {
		filters = append(filters, tokenize.EnglishStem())
	}
	t.pipeline = tokenize.Chain(tokenize.Mixed(trusted{t}), filters...)
	return t, nil
}

// Tokenize implements [tokenize.Tokenizer].
func (t *Tokenizer) Tokenize(text string) []tokenize.Token {
	if t.closed.Load() {
		return nil
	}
	return t.pipeline.Tokenize(text)
}

// Segment implements [tokenize.Segmenter] with gojieba. text must already be
// free of NUL bytes and invalid UTF-8 ([tokenize.Mixed] guarantees it); other
// callers get no spans for such text. A text longer than 16 KB is cut in
// pieces (see Long texts in the package documentation), so its cost is
// bounded whatever its length.
func (t *Tokenizer) Segment(text string, dst []tokenize.Span) []tokenize.Span {
	if t.closed.Load() || strings.IndexByte(text, 0) >= 0 || !utf8.ValidString(text) {
		return dst
	}
	return t.segment(text, dst)
}

// trusted is the Segmenter the pipeline uses: Mixed has already removed NUL
// bytes and invalid UTF-8, so the checks of the public Segment are skipped.
type trusted struct{ t *Tokenizer }

func (s trusted) Segment(text string, dst []tokenize.Span) []tokenize.Span {
	return s.t.segment(text, dst)
}

func (t *Tokenizer) segment(text string, dst []tokenize.Span) []tokenize.Span {
	t.h.mu.RLock()
	defer t.h.mu.RUnlock()
	if t.h.j == nil {
		return dst
	}
	// gojieba's memory grows with the text it is given: hand it pieces of
	// at most maxPiece bytes (see pieceEnd), offsets moved back to text's.
	for start := 0; start < len(text); {
		end := pieceEnd(text, start, maxPiece)
		n := len(dst)
		dst = t.h.j.cut(text[start:end], t.how, dst)
		if start > 0 {
			for i := n; i < len(dst); i++ {
				dst[i].Start += start
				dst[i].End += start
			}
		}
		start = end
	}
	return dst
}

// Cut returns the words of text as gojieba cuts them in the Tokenizer's mode,
// without folding, stop words or stemming: useful to inspect dictionaries.
func (t *Tokenizer) Cut(text string) []string {
	spans := t.Segment(text, nil)
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = text[s.Start:s.End]
	}
	return out
}

// AddWord adds a word to the dictionary at run time with a frequency
// (a count on the scale of the default dictionary, where common words have
// thousands; 0 means gojieba's default user-word weight). It affects every
// Tokenizer sharing this dictionary configuration, and changes their
// Identity. gojieba's own AddWord is not safe during segmentation: this one
// waits for in-flight calls.
func (t *Tokenizer) AddWord(word string, freq int) error {
	return t.AddWords([]UserWord{{Word: word, Freq: freq}})
}

// UserWord is a dictionary entry added at run time.
type UserWord struct {
	Word string
	Freq int    // 0: gojieba's default user-word weight
	Tag  string // part-of-speech tag; "" means "nz"
}

// AddWords adds several words atomically: all are validated first, and none
// is added if any is bad.
func (t *Tokenizer) AddWords(words []UserWord) error {
	for i, w := range words {
		if err := checkUserWord(w); err != nil {
			return fmt.Errorf("jieba: add word %d %q: %w", i, w.Word, err)
		}
	}
	if t.closed.Load() {
		return ErrClosed
	}
	t.h.mu.Lock()
	defer t.h.mu.Unlock()
	if t.h.j == nil {
		return ErrClosed
	}
	for _, w := range words {
		tag := w.Tag
		if tag == "" {
			tag = "nz"
		}
		t.h.j.addWord(w.Word, w.Freq, tag)
		t.h.added = append(t.h.added, fmt.Sprintf("%s %d %s", w.Word, w.Freq, tag))
	}
	return nil
}

// ReadUserWords reads a user dictionary in gojieba's format — one entry a
// line: "word", "word tag" or "word freq tag" — for [Tokenizer.AddWords].
// name is used in errors, which give the line.
func ReadUserWords(r io.Reader, name string) ([]UserWord, error) {
	var out []UserWord
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		var w UserWord
		switch len(f) {
		case 1:
			w = UserWord{Word: f[0]}
		case 2:
			w = UserWord{Word: f[0], Tag: f[1]}
		case 3:
			n, err := strconv.Atoi(f[1])
			if err != nil || n <= 0 {
				return nil, &DictError{Path: name, Line: line, Err: fmt.Errorf("frequency %q is not a positive integer", f[1])}
			}
			w = UserWord{Word: f[0], Freq: n, Tag: f[2]}
		default:
			return nil, &DictError{Path: name, Line: line, Err: errors.New(`want "word", "word tag" or "word freq tag"`)}
		}
		if err := checkUserWord(w); err != nil {
			return nil, &DictError{Path: name, Line: line, Err: err}
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		return nil, &DictError{Path: name, Err: err}
	}
	return out, nil
}

func checkUserWord(w UserWord) error {
	switch {
	case w.Word == "":
		return errors.New("empty word")
	case !utf8.ValidString(w.Word) || !utf8.ValidString(w.Tag):
		return errors.New("not valid UTF-8")
	case strings.ContainsFunc(w.Word+w.Tag, func(r rune) bool { return r <= ' ' || r == 0x3000 }):
		return errors.New("word and tag must not contain spaces or control characters")
	case w.Freq < 0:
		return errors.New("negative frequency")
	}
	return nil
}

// Identity implements [tokenize.Identity]: it names the mode, the
// dictionaries (by content hash, including words added at run time), the stop
// words and stemming.
func (t *Tokenizer) Identity() string {
	t.h.mu.RLock()
	added := strings.Join(t.h.added, "\n")
	t.h.mu.RUnlock()
	sum := sha256.Sum256([]byte(added))
	return fmt.Sprintf("duxin/jieba/v1 mode=%s hmm=%t dict=%s added=%s stop=%s stem=%t",
		t.opts.mode, t.opts.hmm, t.h.cfg.digest, hex.EncodeToString(sum[:8]), stopDigest(t.opts.stop), t.opts.stem)
}

// Mode returns the Tokenizer's cut mode.
func (t *Tokenizer) Mode() Mode { return t.opts.mode }

// Close releases the Tokenizer's share of the gojieba instance. It is
// idempotent and waits for in-flight calls on the shared instance.
func (t *Tokenizer) Close() error {
	if t.closed.CompareAndSwap(false, true) {
		release(t.h)
	}
	return nil
}

// handle is one gojieba instance shared by every Tokenizer with the same
// dictionary configuration. mu guards the C++ state: segmentation holds it
// for reading, AddWord and Free for writing.
type handle struct {
	mu    sync.RWMutex
	j     *cjieba
	cfg   dictConfig
	refs  int // guarded by pool.mu
	added []string
}

// dictConfig is the set of files one gojieba instance loads.
type dictConfig struct {
	main, hmm, user, idf, stop string
	digest                     string // hash of every file's content
}

func (c dictConfig) key() string {
	return strings.Join([]string{c.main, c.hmm, c.user, c.idf, c.stop}, "\x00")
}

// pool holds the process's gojieba instances. It is package-level state on
// purpose: the point is one instance per dictionary configuration per process.
var pool = struct {
	mu      sync.Mutex
	handles map[string]*handle
}{handles: map[string]*handle{}}

func acquire(cfg dictConfig) (*handle, error) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if h, ok := pool.handles[cfg.key()]; ok && h.cfg.digest == cfg.digest {
		h.refs++
		return h, nil
	}
	// The files were checked by config(): gojieba aborts the process only on
	// conditions checked there. Check again that they are still there, to
	// keep the window for a file removed meanwhile as short as possible.
	for _, p := range []string{cfg.main, cfg.hmm, cfg.user, cfg.idf, cfg.stop} {
		if _, err := os.Stat(p); err != nil {
			return nil, &DictError{Path: p, Err: err}
		}
	}
	j := newCJieba(cfg)
	// When the files changed on disk since an instance with these paths was
	// loaded, that instance lives on for its holders; new Tokenizers get the
	// new content.
	h := &handle{j: j, cfg: cfg, refs: 1}
	pool.handles[cfg.key()] = h
	return h, nil
}

func release(h *handle) {
	pool.mu.Lock()
	h.refs--
	last := h.refs == 0
	if last && pool.handles[h.cfg.key()] == h {
		delete(pool.handles, h.cfg.key())
	}
	pool.mu.Unlock()
	if last {
		h.mu.Lock()
		if h.j != nil {
			h.j.free()
			h.j = nil
		}
		h.mu.Unlock()
	}
}

// config checks every dictionary file and returns the configuration to load.
func (o *options) config() (dictConfig, error) {
	var c dictConfig
	base := o.dictDir
	if base == "" {
		dir, err := materialize(o.cacheDir)
		if err != nil {
			return c, err
		}
		base = dir
	}
	c.main = filepath.Join(base, mainDictFile)
	c.hmm = filepath.Join(base, hmmFile)
	c.idf, c.stop = filepath.Join(base, idfFile), filepath.Join(base, stopFile)
	if o.dictDir != "" {
		// A user folder may leave out the keyword-extraction files; use ours.
		dir, err := materialize(o.cacheDir)
		if err != nil {
			return c, err
		}
		if _, err := checkDict(c.idf, kindIDF); err != nil {
			c.idf = filepath.Join(dir, idfFile)
		}
		if _, err := checkDict(c.stop, kindStop); err != nil {
			c.stop = filepath.Join(dir, stopFile)
		}
		if !o.noDomain {
			o.userDicts = append([]string{filepath.Join(dir, domainFile)}, o.userDicts...)
		}
	} else if !o.noDomain {
		o.userDicts = append([]string{filepath.Join(base, domainFile)}, o.userDicts...)
	}
	h := sha256.New()
	if o.dictDir == "" {
		h.Write([]byte(embeddedDigest()))
	} else {
		for _, f := range []struct {
			path string
			kind dictKind
		}{{c.main, kindMain}, {c.hmm, kindHMM}, {c.idf, kindIDF}, {c.stop, kindStop}} {
			sum, err := checkDict(f.path, f.kind)
			if err != nil {
				return c, err
			}
			h.Write([]byte(sum))
		}
	}
	for _, p := range o.userDicts {
		sum, err := checkDict(p, kindUser)
		if err != nil {
			return c, err
		}
		h.Write([]byte(sum))
	}
	c.digest = hex.EncodeToString(h.Sum(nil))[:16]
	user, err := mergeUserDicts(o.cacheDir, o.userDicts)
	if err != nil {
		return c, err
	}
	c.user = user
	return c, nil
}

// mergeUserDicts concatenates the user dictionaries into one file in the
// cache, named by its content, and returns its path (or the only path when
// there is one), so an instance always loads exactly one user file.
func mergeUserDicts(cacheDir string, paths []string) (string, error) {
	// gojieba replaces an empty user dictionary path with a default file
	// next to its C++ sources, which may not exist: with no user
	// dictionaries, an empty file in the cache stands in.
	if len(paths) == 1 {
		return paths[0], nil
	}
	var buf []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", &DictError{Path: p, Err: err}
		}
		buf = append(buf, b...)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			buf = append(buf, '\n')
		}
	}
	dir, err := materialize(cacheDir)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf)
	path := filepath.Join(dir, "user-"+hex.EncodeToString(sum[:8])+".utf8")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp, err := os.CreateTemp(dir, "user-tmp-")
	if err != nil {
		return "", fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf); err != nil {
		tmp.Close()
		return "", fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("jieba: dictionary cache: %w", err)
	}
	return path, nil
}

func stopDigest(s tokenize.StopSet) string {
	if len(s) == 0 {
		return "none"
	}
	words := make([]string, 0, len(s))
	for w := range s {
		words = append(words, w)
	}
	sortStrings(words)
	sum := sha256.Sum256([]byte(strings.Join(words, "\n")))
	return hex.EncodeToString(sum[:8])
}
