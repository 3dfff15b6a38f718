//go:build !unix

package cputime

// Process returns -1: the CPU time is unknown on this platform.
func Process() float64 { return -1 }
