//go:build !unix

package jieba

func processCPU() float64 { return -1 }
