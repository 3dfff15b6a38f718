// Command kbresearch runs the experiments that kb's ranker and search
// pipeline were designed with, on kb's public API. It was kb's test harness
// (TestRankerExperiment, TestSearchDepthExperiment and TestSampleLOO, driven
// by DUXIN_KB_* environment variables; the default ranker's note still
// names them):
//
//	go run ./benchmarks/kbresearch ranker -configs lin-gbdt400d3-mix3,lin-assoc [-fold 0..4] [-final] [-dump 60] [-save NAME -out FILE]
//	go run ./benchmarks/kbresearch search-depth [-ranker FILE] [-depths 100,70,50,40,30]
//	go run ./benchmarks/kbresearch sample-loo [-ranker FILE]
//
// ranker and search-depth need the evaluation data (-data, default
// $DUXIN_DATA; see ../shared/data/README.md): they take afqmc-full minus
// every entry and query sharing a text with afqmc, the evaluation set, which
// is never looked at here; split the remaining queries into training and
// validation by FNV-32a(query) % 5 (the fold is validation); and deal the
// entries into 7 knowledge bases at random (seeded), as the default ranker
// was trained. sample-loo needs only the bundled sample KB. Figures go to
// stdout, progress to stderr. Run a command with -h for its flags.
//
// What needed kb's internals is gone: leaving feature groups out
// (-no<group>), subsampling the AFQMC lists (-subN) and the search
// experiment's document-frequency cut-off sweep. The ranker experiment
// measures validation queries through Index.Search (the ranker as it
// serves), where the test scored the training-style candidate lists; the
// two differ only where the expected entry's other texts or ties decide.
package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{
	"ranker":       {"train ranker configurations, print validation and sample-KB figures", runRanker},
	"search-depth": {"what fewer first-stage candidates cost in quality", runSearchDepth},
	"sample-loo":   {"leave-one-out figures on the bundled sample KB", runSampleLOO},
}

func main() {
	if len(os.Args) < 2 || commands[os.Args[1]].run == nil {
		fmt.Fprintln(os.Stderr, "usage: kbresearch <command> [flags]\n\ncommands:")
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %-13s %s\n", n, commands[n].summary)
		}
		os.Exit(2)
	}
	if err := commands[os.Args[1]].run(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "kbresearch:", err)
		os.Exit(1)
	}
}

// logf prints progress to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
