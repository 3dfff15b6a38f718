//go:build cgo

package jieba

import (
	"strings"
	"unicode/utf8"
)

// maxPiece is the most bytes of text handed to gojieba in one call.
// cppjieba holds a record of about 24 bytes per character of the whole
// text and a DAG node of a few hundred bytes per character of each
// sentence (a stretch between its separators): about 370 bytes per byte
// on a run of Latin letters, 120 per byte on Han text. A 10 MB text cut in
// one call took 4 GB, and a failed allocation there aborts the process
// (std::bad_alloc cannot be recovered from Go). Cut in pieces of at most
// maxPiece bytes, a text of any length costs gojieba a few megabytes.
const maxPiece = 16 << 10

// pieceEnd returns where the piece of text starting at start ends: at the
// end of text when at most limit bytes remain; otherwise after the last of
// cppjieba's own separators (space, tab, newline, '，', '。') in the next
// limit bytes, where it splits a text itself, so the words are the same as
// from one call; failing that, after the last ASCII punctuation mark of
// splitAfter there, which neither its HMM nor a word of the default
// dictionaries crosses, so the words are the same unless a word added
// with that mark in it spans the cut; failing that (a run of limit bytes of
// letters or Han characters), at the last character boundary, where a
// word may be cut in two. text is valid UTF-8 and start < len(text).
func pieceEnd(text string, start, limit int) int {
	if len(text)-start <= limit {
		return len(text)
	}
	w := text[start : start+limit]
	end := strings.LastIndexAny(w, " \t\n") + 1
	for _, sep := range [...]string{"，", "。"} {
		if i := strings.LastIndex(w, sep); i >= 0 {
			end = max(end, i+len(sep))
		}
	}
	if end == 0 {
		end = strings.LastIndexAny(w, splitAfter) + 1
	}
	if end == 0 {
		end = limit
		for end > 1 && !utf8.RuneStart(text[start+end]) {
			end--
		}
	}
	return start + end
}

// splitAfter are the ASCII marks a piece may end after when it has no
// separator of cppjieba's own: sentence and clause punctuation and
// brackets. Marks that join words (the dot of 3.5, hyphen, apostrophe,
// underscore, at sign, and the & of AT&T, # of C#, + of C++) are left out.
const splitAfter = ",;:!?\"()[]{}<>|"
