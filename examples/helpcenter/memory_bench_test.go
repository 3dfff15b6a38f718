package main

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkStartUp builds the demo's back end as main does (in memory, the
// bundled sample data) and reports what the process holds after it: its
// resident memory (rss-MB, jieba's dictionaries outside the Go heap
// included; Linux only) and the Go heap's live bytes (live-MB), with the
// peak resident memory of the whole run (peak-rss-MB, start-up's included).
//
//	go test -run '^$' -bench StartUp -benchtime 1x ./examples/helpcenter/
func BenchmarkStartUp(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	var backends []*backend
	for b.Loop() {
		be, err := build(context.Background(), buildConfig{Seed: 1, Users: 1000, Now: time.Now}, log)
		if err != nil {
			b.Fatal(err)
		}
		backends = append(backends[:0], be) // the last one stays live, as a server's would
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-MB")
	if rss, ok := procStatus("VmRSS"); ok {
		b.ReportMetric(rss/1024, "rss-MB")
	}
	if hwm, ok := procStatus("VmHWM"); ok {
		b.ReportMetric(hwm/1024, "peak-rss-MB")
	}
	runtime.KeepAlive(backends)
}

// procStatus returns a field of /proc/self/status in KiB.
func procStatus(field string) (float64, bool) {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(st))
	for sc.Scan() {
		name, value, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok || string(name) != field {
			continue
		}
		kb, err := strconv.ParseFloat(string(bytes.TrimSuffix(bytes.TrimSpace(value), []byte(" kB"))), 64)
		return kb, err == nil
	}
	return 0, false
}
