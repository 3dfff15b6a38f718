//go:build linux

// Command scale measures how `duxin train recommend` grows with the log:
// for each size it writes a simulated help-center log of about that many
// events (gzip-compressed, users of many simulator runs), trains on it in
// a child process with -memory, and scores the model on the last asks of
// users it has never seen. It prints one JSON line per size:
//
//	{"events":1000000,"sampled_users":0,"sampled_events":0,"wall_s":9.1,"cpu_s":12.3,"peak_rss_mb":780,"full_hr@10":0.81,"full_mrr@10":0.45}
//
// wall_s, cpu_s and peak_rss_mb are the training process's (peak_rss_mb
// from the kernel's maximum resident set size). Usage, from the module's
// root:
//
//	go run ./benchmarks/scale -sizes 250000,1000000,10000000 -memory 1GiB
//
// The logs go to -dir (default a temporary folder, removed after).
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

// chunkUsers is how many users one simulator run makes; runs differ by
// seed and their users by a prefix.
const chunkUsers = 5000

func main() {
	sizes := flag.String("sizes", "250000,1000000", "log sizes in events, comma-separated")
	memory := flag.String("memory", "1GiB", "duxin train recommend -memory")
	dir := flag.String("dir", "", "where to write the logs and models (default: a temporary folder, removed after)")
	kbPath := flag.String("kb", "sampledata/faq.jsonl", "the knowledge base the simulator's questions come from")
	flag.Parse()
	log.SetFlags(0)
	if *dir == "" {
		d, err := os.MkdirTemp("", "duxin-scale-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	bin := filepath.Join(*dir, "duxin")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/duxin").CombinedOutput(); err != nil {
		log.Fatalf("build duxin: %v\n%s", err, out)
	}
	test := filepath.Join(*dir, "test.jsonl")
	if _, err := writeLog(test, chunkUsers, false, 1_000_000); err != nil {
		log.Fatal(err)
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || n < 1 {
			log.Fatalf("-sizes: %q is not a number of events", s)
		}
		path := filepath.Join(*dir, fmt.Sprintf("events-%d.jsonl.gz", int(n)))
		events, err := writeLog(path, int(n), true, 0)
		if err != nil {
			log.Fatal(err)
		}
		row, err := measure(bin, path, test, *kbPath, *memory, *dir)
		if err != nil {
			log.Fatal(err)
		}
		row["log_events"] = events
		b, _ := json.Marshal(row)
		fmt.Println(string(b))
		os.Remove(path)
	}
}

// writeLog writes simulator runs of chunkUsers users until the log holds
// at least n events (or, with n < chunkUsers, one run of n users), seeds
// from seed0+1, and returns how many it wrote.
func writeLog(path string, n int, gz bool, seed0 uint64) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := bw
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(bw)
		w = bufio.NewWriterSize(zw, 1<<20)
	}
	total := 0
	for run := uint64(1); total < n; run++ {
		lg, err := simulate.Generate(simulate.Config{Users: chunkUsers, Seed: seed0 + run})
		if err != nil {
			return 0, err
		}
		prefix := fmt.Sprintf("r%d-", seed0+run)
		for i := range lg.Events {
			lg.Events[i].User = prefix + lg.Events[i].User
		}
		if err := recommend.WriteEvents(w, lg.Events...); err != nil {
			return 0, err
		}
		total += len(lg.Events)
		if seed0 != 0 {
			break // one run: the held-out users
		}
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return 0, err
		}
		if err := bw.Flush(); err != nil {
			return 0, err
		}
	}
	return total, f.Close()
}

// measure trains on path in a child process and tests the model on test.
func measure(bin, path, test, kbPath, memory, dir string) (map[string]any, error) {
	model := filepath.Join(dir, "model")
	cmd := exec.Command(bin, "train", "recommend", "-events", path, "-kb", kbPath, "-out", model, "-memory", memory)
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	wall := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var summary struct {
		Events        int `json:"events"`
		SampledUsers  int `json:"sampled_users"`
		SampledEvents int `json:"sampled_events"`
	}
	if err := json.Unmarshal(out, &summary); err != nil {
		return nil, fmt.Errorf("train summary: %w", err)
	}
	res, err := exec.Command(bin, "test", "recommend", "-events", test, "-kb", kbPath, "-model", model).Output()
	if err != nil {
		return nil, fmt.Errorf("test: %w", err)
	}
	var figs map[string]any
	if err := json.Unmarshal(res, &figs); err != nil {
		return nil, fmt.Errorf("test result: %w", err)
	}
	row := map[string]any{"events": summary.Events, "sampled_users": summary.SampledUsers, "sampled_events": summary.SampledEvents,
		"wall_s": round(wall.Seconds()), "full_hr@10": figs["full_hr@10"], "full_mrr@10": figs["full_mrr@10"], "memory": memory}
	if ru != nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		row["cpu_s"] = round(cpu.Seconds())
		row["peak_rss_mb"] = round(float64(ru.Maxrss) / 1024) // KiB on Linux
	}
	return row, nil
}

func round(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
