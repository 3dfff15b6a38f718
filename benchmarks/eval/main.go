// Command eval measures duxin's quality on real data sets. Each subcommand
// prints progress to stderr and, as the last line of stdout, one JSON object
// with its figures:
//
//	go run ./benchmarks/eval intent -train TRAIN.jsonl -test TEST.jsonl
//	go run ./benchmarks/eval retrieval -kb KB.jsonl -queries QUERIES.jsonl
//	go run ./benchmarks/eval recommend -events EVENTS.jsonl [-kb KB.jsonl] [-users tune|report|all]
//	go run ./benchmarks/eval recommend -events EVENTS.jsonl -replay-from RFC3339 [-retrain 24h] [-users tune|report|all]
//
// Run a subcommand with -h for its flags. Data sets are not part of the
// repository; see ../shared/data/README.md.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	_ "time/tzdata" // -zone names work on a machine without zone files

	"github.com/duxin-ai/duxin/internal/evaluate"
)

// command is one subcommand: it parses args, logs progress to stderr and
// returns the figures to print as JSON.
type command struct {
	summary string
	run     func(args []string) (any, error)
}

// commands is filled by the init functions of the subcommand files.
var commands = map[string]command{}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]].run == nil {
		fmt.Fprintln(os.Stderr, "usage: eval <command> [flags]\n\ncommands:")
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
		}
		os.Exit(2)
	}
	out, err := commands[os.Args[1]].run(os.Args[2:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
	b, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
	fmt.Println(string(b))
}

// percentile is evaluate.Percentile.
func percentile[T cmp.Ordered](sorted []T, q float64) T { return evaluate.Percentile(sorted, q) }

// round is evaluate.Round.
func round(v float64, digits int) float64 { return evaluate.Round(v, digits) }

// dumper writes one line per evaluated item (-dump), with every score in
// full precision, so that two builds can be compared byte for byte: a
// refactoring that keeps behaviour leaves the dump unchanged. A nil dumper
// writes nothing.
type dumper struct {
	f *os.File
	w *bufio.Writer
}

// openDump creates path for a dump; an empty path dumps nothing.
func openDump(path string) (*dumper, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &dumper{f: f, w: bufio.NewWriter(f)}, nil
}

// line writes one tab-separated line; float64 values are written with %.17g.
func (d *dumper) line(fields ...any) {
	if d == nil {
		return
	}
	for i, v := range fields {
		if i > 0 {
			d.w.WriteByte('\t')
		}
		if x, ok := v.(float64); ok {
			fmt.Fprintf(d.w, "%.17g", x)
		} else {
			fmt.Fprint(d.w, v)
		}
	}
	d.w.WriteByte('\n')
}

// close flushes and closes the dump; closing again does nothing.
func (d *dumper) close() error {
	if d == nil || d.f == nil {
		return nil
	}
	err := d.w.Flush()
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	d.f = nil
	return err
}

// startCPUProfile writes a CPU profile to path until stop is called; an
// empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
