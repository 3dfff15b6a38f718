//go:build unix

package cputime

import "syscall"

// Process returns the CPU time the process has used, in nanoseconds, user
// and system together, or -1 when unknown.
func Process() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return float64(ru.Utime.Nano() + ru.Stime.Nano())
}
