// Package depcheck holds the test that enforces duxin's import rules (see
// STYLE.md §2.1): which packages may import which, and that only the jieba
// adapter needs cgo. It has no code of its own.
package depcheck
