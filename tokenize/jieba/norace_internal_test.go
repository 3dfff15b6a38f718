//go:build cgo && !race

package jieba

const raceEnabled = false
