// Command eval measures duxin's quality on real data sets. Each subcommand
// prints progress to stderr and, as the last line of stdout, one JSON object
// with its figures:
//
//	go run ./benchmarks/eval intent -train TRAIN.jsonl -test TEST.jsonl
//	go run ./benchmarks/eval retrieval -kb KB.jsonl -queries QUERIES.jsonl
//	go run ./benchmarks/eval recommend -events EVENTS.jsonl [-kb KB.jsonl]
//
// Run a subcommand with -h for its flags. Data sets are not part of the
// repository; see ../shared/data/README.md.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
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
