//go:build cgo

package jieba

// This file talks to gojieba's C API (its jieba.h) directly instead of
// through gojieba's Go wrapper. The wrapper's Tokenize costs four cgo calls
// (malloc and copy of the text, the cut, two frees) and builds a []Word by
// repeated append, 40 bytes a word: on short queries that is a third of the
// time, and on long texts it allocates about 35 bytes per input byte. Here
// one cgo call cuts a NUL-terminated copy of the text held in Go memory and
// writes the word offsets straight into the caller's span buffer.
//
// The C++ code itself is still gojieba's: the blank import links it in. The
// prototypes below are copied from jieba.h of the gojieba version in go.mod;
// C does not check them at link time, so TestCAPIMatchesHeader compares them
// with the header in the module cache and fails when an upgrade changes them.

/*
#include <stdint.h>
#include <stdlib.h>

typedef void* Jieba;

typedef struct {
  size_t offset;
  size_t len;
} Word;

typedef enum {
  DefaultMode = 0,
  SearchMode = 1,
} TokenizeMode;

Jieba NewJieba(const char* dict_path,
      const char* hmm_path,
      const char* user_dict,
      const char* idf_path,
      const char* stop_words_path);
void FreeJieba(Jieba);
void AddWord(Jieba handle, const char* word);
void AddWordEx(Jieba handle, const char* word, int freq, const char* tag);
Word* Tokenize(Jieba x, const char* sentence, TokenizeMode mode, int is_hmm_used);

typedef struct {
  size_t n;
  Word* rest;
} duxin_cut_result;

// duxin_cut cuts sentence and stores the words' byte offsets as
// [start, end) pairs in out, which has room for cap pairs. It returns the
// number of words. When they do not fit, nothing is stored and rest is
// gojieba's array of the n words, which the caller frees.
static duxin_cut_result duxin_cut(Jieba j, const char* sentence, int mode, int hmm,
                                  intptr_t* out, size_t cap) {
  Word* w = Tokenize(j, sentence, (TokenizeMode)mode, hmm);
  size_t n = 0;
  while (w[n].len != 0) n++;
  duxin_cut_result r = {n, NULL};
  if (n > cap) {
    r.rest = w;
    return r;
  }
  for (size_t i = 0; i < n; i++) {
    out[2*i] = (intptr_t)w[i].offset;
    out[2*i+1] = (intptr_t)(w[i].offset + w[i].len);
  }
  free(w);
  return r;
}
*/
import "C"

import (
	"slices"
	"sync"
	"unsafe"

	"github.com/duxin-ai/duxin/tokenize"
	_ "github.com/yanyiwu/gojieba" // links gojieba's C++ segmenter
)

// cjieba is one gojieba C++ instance. Its methods are not synchronized:
// [handle] guards it.
type cjieba struct{ p C.Jieba }

func newCJieba(cfg dictConfig) *cjieba {
	cs := make([]*C.char, 5)
	for i, s := range []string{cfg.main, cfg.hmm, cfg.user, cfg.idf, cfg.stop} {
		cs[i] = C.CString(s)
	}
	defer func() {
		for _, c := range cs {
			C.free(unsafe.Pointer(c))
		}
	}()
	return &cjieba{p: C.NewJieba(cs[0], cs[1], cs[2], cs[3], cs[4])}
}

func (j *cjieba) free() { C.FreeJieba(j.p) }

func (j *cjieba) addWord(word string, freq int, tag string) {
	cw := C.CString(word)
	defer C.free(unsafe.Pointer(cw))
	if freq <= 0 {
		C.AddWord(j.p, cw)
		return
	}
	ct := C.CString(tag)
	defer C.free(unsafe.Pointer(ct))
	C.AddWordEx(j.p, cw, C.int(freq), ct)
}

// textPool recycles the NUL-terminated copies of texts handed to C.
var textPool = sync.Pool{New: func() any { return new([]byte) }}

// cutMode is how gojieba cuts: its TokenizeMode and whether its HMM
// recognises words missing from the dictionary, as the C values
// duxin_cut takes. A Tokenizer computes its cutMode once, with cutModeOf.
type cutMode struct {
	mode C.int // C.DefaultMode (Precise) or C.SearchMode (Search)
	hmm  C.int // 1 with HMM, 0 without
}

// cutModeOf returns the cutMode of a Tokenizer built with o.
func cutModeOf(o options) cutMode {
	c := cutMode{mode: C.DefaultMode}
	if o.mode == Search {
		c.mode = C.SearchMode
	}
	if o.hmm {
		c.hmm = 1
	}
	return c
}

// cut appends the spans of text's words, cut as how says, to dst. text
// must not contain NUL.
func (j *cjieba) cut(text string, how cutMode, dst []tokenize.Span) []tokenize.Span {
	if text == "" {
		return dst
	}
	bp := textPool.Get().(*[]byte)
	b := append(append((*bp)[:0], text...), 0)
	// Search mode emits a little more than one word per character on
	// ordinary text; a guess that is too small costs one copy, not a second cut.
	want := len(text)/2 + 8
	dst = slices.Grow(dst, want)
	free := dst[len(dst):cap(dst)]
	// tokenize.Span is two Go ints, which have intptr_t's size on every
	// platform Go supports: the layout duxin_cut writes. cgo allows passing
	// this pointer-free memory for the duration of the call.
	r := C.duxin_cut(j.p, (*C.char)(unsafe.Pointer(&b[0])), how.mode, how.hmm,
		(*C.intptr_t)(unsafe.Pointer(unsafe.SliceData(free))), C.size_t(len(free)))
	n, rest := int(r.n), r.rest
	if rest != nil {
		ws := unsafe.Slice(rest, n)
		dst = slices.Grow(dst, n)
		for _, w := range ws {
			dst = append(dst, tokenize.Span{Start: int(w.offset), End: int(w.offset + w.len)})
		}
		C.free(unsafe.Pointer(rest))
	} else {
		dst = dst[:len(dst)+n]
	}
	if cap(b) <= 1<<16 {
		*bp = b[:0]
		textPool.Put(bp)
	}
	return dst
}

// The cast in cut relies on tokenize.Span being exactly two ints.
var _ [unsafe.Sizeof(tokenize.Span{}) - 2*unsafe.Sizeof(int(0))]struct{}
var _ [2*unsafe.Sizeof(int(0)) - unsafe.Sizeof(tokenize.Span{})]struct{}
