//go:build !linux

package benchmarks_test

import "time"

// threadCPU is not available here: benchmarks report wall-clock latency only.
func threadCPU() (time.Duration, bool) { return 0, false }
