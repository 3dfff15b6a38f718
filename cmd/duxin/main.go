// Command duxin trains, tests and serves duxin models on your own files,
// without writing Go:
//
//	duxin train intent    -data nlu.yml -out intent.model
//	duxin train ranker    -kb faq.jsonl -queries queries.jsonl -out ranker.model
//	duxin train recommend -events log.jsonl -kb faq.jsonl -out recommend.model
//	duxin test intent     -model intent.model -data test.jsonl
//	duxin test kb         -kb faq.jsonl -queries test-queries.jsonl [-ranker ranker.model]
//	duxin test recommend  -events later-log.jsonl -kb faq.jsonl [-model recommend.model]
//	duxin serve           -kb faq.jsonl [-intent intent.model] [-recommend recommend.model]
//
// Install it with
//
//	go install github.com/duxin-ai/duxin/cmd/duxin@latest
//
// (cgo and a C++ compiler are needed: the default Chinese tokenizer wraps
// gojieba). The files are the ones the library reads and writes: training
// and knowledge-base files in the formats of intent.ReadFile, kb.LoadFile
// and recommend.ReadEvents; model files written by the models' WriteTo.
//
// Progress goes to standard error: a progress bar on a terminal, plain
// lines otherwise. The result goes to standard output as one JSON object:
// for train a summary (examples, classes, time, the model's identity: its
// own ID, or the SHA-256 of the file written), for test the quality figures
// benchmarks/eval prints. test intent also writes a per-intent report and
// confusion matrix, as intent_report.json and as a self-contained HTML page
// (intent_report.html), to the -out folder.
//
// What the input holds that the models cannot use (asks for questions -kb
// lacks, test labels the model never saw) is counted and reported in the
// JSON, and with -strict is an error naming the file, line and field.
// Figures that were not measured are left out of the JSON, a measured 0
// never is; what makes a figure unmeasured or unreliable (-unanswerable
// removing no entry, a catalog with fewer questions than -negatives) is
// said on standard error and in the JSON's "warnings".
//
// serve serves the HTTP API of package httpapi under /api/ (GET
// /api/openapi.json describes it) until SIGINT or SIGTERM, then shuts down
// gracefully.
//
// Every command takes -h. The exit code is 0 on success, 1 on failure (an
// unreadable or invalid file: the error names the file, line and field) and
// 2 for a usage error (an unknown command or flag, a missing required flag,
// a flag value out of range: these are checked before any work is done;
// -h gives each numeric flag's range).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // -zone names work on a machine without zone files

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{
		stdin:    os.Stdin,
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		terminal: term.IsTerminal(int(os.Stderr.Fd())),
	})
	stop()
	os.Exit(code)
}
