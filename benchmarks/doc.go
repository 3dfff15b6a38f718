// Package benchmarks holds duxin's cross-package benchmarks and, in
// [github.com/duxin-ai/duxin/benchmarks/eval], the quality evaluator. It has
// no API: everything here runs under go test -bench or go run.
//
// Speed, each beside an in-run baseline (the machines are shared: compare
// within one run, quote medians of -count 5):
//
//	go test ./tokenize/jieba -run '^$' -bench 'JiebaRaw|Pipeline' -benchmem -count 5  # raw gojieba vs the full pipeline
//	go test ./kb -run '^$' -bench 'Index|Search' -count 3                              # plain bleve vs kb
//	go test ./intent -run '^$' -bench . -count 3                                        # training, classify, sample accuracy
//	go test ./benchmarks -run '^$' -bench Recommend -count 3                            # recommend vs popularity and transition baselines
//
// Scale, in [github.com/duxin-ai/duxin/benchmarks/scale]: training time,
// CPU, peak resident memory and quality by log size, one JSON line each
// (go run ./benchmarks/scale -sizes 1000000,10000000 -memory 1GiB).
//
// Quality, on the evaluation data in ../shared/data (never committed; see
// the README): go run ./benchmarks/eval with the subcommand intent,
// retrieval, retrieval-train, recommend or simulate. Each prints progress to
// stderr and one JSON object as the last line of stdout.
//
// Research, in [github.com/duxin-ai/duxin/benchmarks/kbresearch]: the
// experiments kb's ranker and search depth were chosen with (go run
// ./benchmarks/kbresearch ranker, search-depth or sample-loo).
package benchmarks
