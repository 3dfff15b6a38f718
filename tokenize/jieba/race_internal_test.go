//go:build cgo && race

package jieba

// raceEnabled: the race detector multiplies the Go heap, so
// TestLongTextMemory's bounds do not hold under it.
const raceEnabled = true
