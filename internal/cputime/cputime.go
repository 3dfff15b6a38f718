// Package cputime reports the CPU time a benchmark's process burns per
// operation beside its wall-clock figures: on a shared machine, waiting for
// a core inflates ns/op and the latency percentiles but not the CPU the code
// under test uses, so the CPU figure is the one to compare across runs.
package cputime

import "testing"

// Meter measures the process's CPU time from Start to Report.
type Meter struct{ start float64 }

// Start starts a Meter; call it after the benchmark's setup.
func Start() Meter { return Meter{Process()} }

// Report reports the CPU time per op since m started as "cpu-ns/op": all of
// the process's threads, user and system (GC workers included). It
// reports nothing where the platform cannot tell.
func (m Meter) Report(b *testing.B) {
	if end := Process(); m.start >= 0 && end >= 0 && b.N > 0 {
		b.ReportMetric((end-m.start)/float64(b.N), "cpu-ns/op")
	}
}
