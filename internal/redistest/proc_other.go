//go:build !linux

package redistest

import "syscall"

// sysProcAttr has nothing to add outside Linux: a server outlives a test
// process that dies without running its cleanups.
func sysProcAttr() *syscall.SysProcAttr { return nil }
