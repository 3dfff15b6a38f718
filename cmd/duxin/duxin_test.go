package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/internal/evaluate"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestMain keeps one jieba instance of each configuration open for the
// whole run: every command opens and closes its tokenizer, and without
// this each would load the dictionaries again.
func TestMain(m *testing.M) {
	flag.Parse()
	var keep []*jieba.Tokenizer
	for _, opts := range [][]jieba.Option{nil, {jieba.WithStopWords(nil)}} {
		tok, err := jieba.New(opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "jieba:", err)
			os.Exit(1)
		}
		keep = append(keep, tok)
	}
	code := m.Run()
	for _, tok := range keep {
		tok.Close()
	}
	if sample.dir != "" {
		os.RemoveAll(sample.dir)
	}
	os.Exit(code)
}

// cli runs the command line in-process and returns its exit code, stdout
// and stderr.
func cli(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, env{stdout: &stdout, stderr: &stderr})
	return code, stdout.String(), stderr.String()
}

// mustCLI runs a command that must succeed and decodes its JSON output.
func mustCLI(t testing.TB, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := cli(t, args...)
	if code != exitOK {
		t.Fatalf("duxin %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("duxin %s: output is not one JSON object: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// volatile are output fields that change from run to run (times,
// latencies) or with the model file's envelope (sizes, hashes), and the
// tokenizer's identity: left out of the golden files.
var volatile = []string{"seconds", "train_seconds", "index_seconds", "p50_us", "p99_us", "p50_ms", "p99_ms",
	"bytes", "model_bytes", "sha256", "ranker_sha256", "id", "trained_at", "tokenizer"}

// golden compares a command's output, without its volatile fields and
// with paths cut to their base names, to testdata/golden/name.json
// (rewritten with -update).
func golden(t *testing.T, name string, got map[string]any) {
	t.Helper()
	g := map[string]any{}
	for k, v := range got {
		g[k] = v
	}
	for _, k := range volatile {
		delete(g, k)
	}
	for k, v := range g {
		if s, ok := v.(string); ok && strings.Contains(s, string(filepath.Separator)) {
			g[k] = filepath.Base(s)
		}
	}
	if g["model"] != nil && len(fmt.Sprint(g["model"])) == 64 { // a recommend model's ID
		delete(g, "model")
	}
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	var w, gg any
	json.Unmarshal(want, &w)
	json.Unmarshal(b, &gg)
	if d := cmp.Diff(w, gg); d != "" {
		t.Errorf("%s differs from %s (-want +got):\n%s", name, path, d)
	}
}

// sampleFiles writes the bundled sample data to a folder once per test
// binary: faq.jsonl, intents.jsonl, routes.jsonl, phrasebook.yaml; the
// retrieval split (kb.jsonl keeps the even similar questions, the others
// become queries: train-queries.jsonl those at 1 mod 4, test-queries.jsonl
// at 3 mod 4); and two simulated behavior logs of other users
// (events-train.jsonl, seed 1; events-test.jsonl, seed 2).
var sample struct {
	once sync.Once
	dir  string
	err  error
}

func sampleDir(t testing.TB) string {
	t.Helper()
	sample.once.Do(func() {
		dir, err := os.MkdirTemp("", "duxin-cmd-test-")
		if err != nil {
			sample.err = err
			return
		}
		sample.dir = dir
		sample.err = writeSample(dir)
	})
	if sample.err != nil {
		t.Fatal(sample.err)
	}
	return sample.dir
}

func writeSample(dir string) error {
	files := map[string][]byte{
		"faq.jsonl": sampledata.FAQJSONL(), "intents.jsonl": sampledata.IntentsJSONL(),
		"routes.jsonl": sampledata.RoutesJSONL(), "phrasebook.yaml": sampledata.PhrasebookYAML(),
	}
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL)
	if err != nil {
		return err
	}
	var kbl, train, test bytes.Buffer
	for _, f := range faqs {
		similar := f.Similar
		f.Similar = nil
		for i, s := range similar {
			q, _ := json.Marshal(kb.Labeled{Query: s, ID: f.ID})
			switch i % 4 {
			case 0, 2:
				f.Similar = append(f.Similar, s)
			case 1:
				train.Write(append(q, '\n'))
			case 3:
				test.Write(append(q, '\n'))
			}
		}
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		kbl.Write(append(b, '\n'))
	}
	files["kb.jsonl"], files["train-queries.jsonl"], files["test-queries.jsonl"] = kbl.Bytes(), train.Bytes(), test.Bytes()
	for name, seed := range map[string]uint64{"events-train.jsonl": 1, "events-test.jsonl": 2} {
		log, err := simulate.Generate(simulate.Config{Users: 300, Seed: seed})
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := recommend.WriteEvents(&b, log.Events...); err != nil {
			return err
		}
		files[name] = b.Bytes()
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// intentModel trains the sample intent model once per test binary, on
// the sample utterances less a held-out fifth.
var intentOnce struct {
	once  sync.Once
	model string
	out   map[string]any
}

func sampleIntentModel(t *testing.T) (string, map[string]any) {
	t.Helper()
	dir := sampleDir(t)
	intentOnce.once.Do(func() {
		path := filepath.Join(dir, "intent.model")
		intentOnce.out = mustCLI(t, "train", "intent", "-data", filepath.Join(dir, "intents.jsonl"), "-split", "0.2", "-out", path)
		intentOnce.model = path
	})
	if intentOnce.model == "" {
		t.Fatal("training the sample intent model failed")
	}
	return intentOnce.model, intentOnce.out
}

func TestTrainTestIntent(t *testing.T) {
	dir := sampleDir(t)
	model, trained := sampleIntentModel(t)
	golden(t, "train-intent", trained)
	raw, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := intentTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	m, err := intent.ReadModel(bytes.NewReader(raw), tok)
	if err != nil {
		t.Fatalf("the library cannot read the model written: %v", err)
	}
	if got := len(m.Labels()); float64(got) != trained["classes"] {
		t.Errorf("model has %d labels, summary says %v", got, trained["classes"])
	}
	if _, sum, _ := readModelFile(model); sum != trained["sha256"] {
		t.Errorf("summary sha256 %v, file's %s", trained["sha256"], sum)
	}

	out := filepath.Join(t.TempDir(), "results")
	res := mustCLI(t, "test", "intent", "-model", model, "-data", filepath.Join(dir, "intents.jsonl"), "-split", "0.2", "-out", out)
	golden(t, "test-intent", res)
	if res["sha256"] != trained["sha256"] || res["n"] != trained["held_out"] {
		t.Errorf("tested %v examples of model %v; trained %v, held out %v", res["n"], res["sha256"], trained["sha256"], trained["held_out"])
	}
	var rep intentReportFile
	b, err := os.ReadFile(filepath.Join(out, "intent_report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	support := 0
	for i, c := range rep.Intents {
		support += c.Support
		if c.Intent != rep.Labels[i] || len(rep.Confusion[i]) != len(rep.Labels) {
			t.Errorf("report row %d: %+v", i, c)
		}
	}
	if float64(support) != res["n"] || rep.Accuracy != res["accuracy"] || len(rep.Pairs) == 0 || len(rep.Pairs[0].Examples) == 0 {
		t.Errorf("report: support %d, accuracy %v, pairs %+v; figures %v", support, rep.Accuracy, rep.Pairs, res)
	}
	if _, err := os.Stat(filepath.Join(out, "intent_report.html")); err != nil {
		t.Error(err)
	}
}

func TestTrainTestRanker(t *testing.T) {
	dir := sampleDir(t)
	kbPath, ranker := filepath.Join(dir, "kb.jsonl"), filepath.Join(t.TempDir(), "ranker.model")
	trained := mustCLI(t, "train", "ranker", "-kb", kbPath, "-queries", filepath.Join(dir, "train-queries.jsonl"), "-out", ranker)
	golden(t, "train-ranker", trained)
	if trained["calibrated"] != true {
		t.Errorf("ranker not calibrated: %v", trained)
	}
	test := filepath.Join(dir, "test-queries.jsonl")
	golden(t, "test-kb-default", mustCLI(t, "test", "kb", "-kb", kbPath, "-queries", test))
	golden(t, "test-kb-trained", mustCLI(t, "test", "kb", "-kb", kbPath, "-queries", test, "-ranker", ranker))
	golden(t, "test-kb-unanswerable", mustCLI(t, "test", "kb", "-kb", kbPath, "-queries", test, "-unanswerable", "0.2"))
}

func TestTrainTestRecommend(t *testing.T) {
	dir := sampleDir(t)
	faq, model := filepath.Join(dir, "faq.jsonl"), filepath.Join(t.TempDir(), "recommend.model")
	trained := mustCLI(t, "train", "recommend", "-events", filepath.Join(dir, "events-train.jsonl"), "-kb", faq, "-out", model)
	golden(t, "train-recommend", trained)
	f, err := os.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	m, err := recommend.ReadModel(f)
	f.Close()
	if err != nil || m.Info().ID != trained["id"] {
		t.Fatalf("the library reads the model as %v, %v; summary id %v", m, err, trained["id"])
	}
	later := filepath.Join(dir, "events-test.jsonl")
	res := mustCLI(t, "test", "recommend", "-events", later, "-kb", faq, "-model", model)
	golden(t, "test-recommend-model", res)
	if res["model"] != trained["id"] {
		t.Errorf("tested model %v, trained %v", res["model"], trained["id"])
	}
	golden(t, "test-recommend-trained", mustCLI(t, "test", "recommend", "-events", later, "-kb", faq))
}

// TestMaxCandidatesIsKBs: -candidates is checked against kb's own limit.
func TestMaxCandidatesIsKBs(t *testing.T) {
	for n, ok := range map[int]bool{maxCandidates: true, maxCandidates + 1: false} {
		ix, err := kb.New(tokenize.Bigram(), kb.WithCandidates(n))
		if (err == nil) != ok {
			t.Errorf("kb.New with %d candidates: %v", n, err)
		}
		if ix != nil {
			ix.Close()
		}
	}
}

// TestUsageAndExitCodes: -h everywhere (exit 0), usage errors (exit 2),
// failures (exit 1) whose message names the file, line and field.
func TestUsageAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badIntents := write("bad.jsonl", `{"text":"我要转账","intent":"transfer"}`+"\n"+`{"text":"查账单","intent":"query_bill"}`+"\n"+`{"text":"花呗怎么还"}`+"\n")
	badKB := write("badkb.jsonl", `{"id":"a","question":"转账多久到账"}`+"\n"+`{"id":"b","question":"x","triggers":[{"event":"a.b","window":"3x"}]}`+"\n")
	goodKB := write("kb.jsonl", `{"id":"a","question":"转账多久到账"}`+"\n")
	badQueries := write("q.jsonl", `{"query":"转账","id":"a"}`+"\n"+`{"query":"到账","id":"zz"}`+"\n")
	badEvents := write("events.jsonl", `{"user":"u","time":1700000000,"type":"ask","question":"a"}`+"\n"+`{"user":"u","time":"noon","type":"x.y"}`+"\n")
	notAModel := write("not.model", "this is not a model")
	empty := write("empty.jsonl", "")
	noAsks := write("noasks.jsonl", `{"user":"u","time":1700000000,"type":"x.y"}`+"\n")

	tests := []struct {
		name string
		args []string
		code int
		want []string // substrings of stderr (or stdout for -h)
	}{
		{"no arguments", nil, exitUsage, []string{"usage: duxin <command>"}},
		{"help", []string{"-h"}, exitOK, []string{"train intent", "test kb", "serve"}},
		{"unknown command", []string{"fly"}, exitUsage, []string{`unknown command "fly"`}},
		{"unknown kind", []string{"train", "dragon"}, exitUsage, []string{`unknown command "train dragon"`, "train ranker"}},
		{"group alone", []string{"test"}, exitUsage, []string{"test intent"}},
		{"group help", []string{"test", "-h"}, exitOK, []string{"test recommend"}},
		{"help group", []string{"help", "train"}, exitOK, []string{"usage: duxin train <kind>", "train recommend"}},
		{"help command", []string{"help", "test", "kb"}, exitOK, []string{"usage: duxin test kb", "-candidates"}},
		{"help unknown", []string{"help", "fly"}, exitUsage, []string{`unknown command "fly"`}},
		{"unknown flag", []string{"train", "intent", "-bogus"}, exitUsage, []string{"flag provided but not defined: -bogus"}},
		{"missing flags", []string{"train", "ranker"}, exitUsage, []string{"missing -kb, -out, -queries"}},
		{"extra argument", []string{"test", "intent", "-model", "m", "-data", "d", "extra"}, exitUsage, []string{`unexpected argument "extra"`}},
		{"bad split", []string{"train", "intent", "-data", badIntents, "-out", "x", "-split", "0.9"}, exitUsage, []string{`invalid value "0.9" for flag -split: want a number in [0, 0.5)`}},
		{"routes without intent", []string{"serve", "-kb", goodKB, "-routes", "r.jsonl"}, exitUsage, []string{"-routes needs -intent"}},
		// Bad flag values are refused before any work: the files named do
		// not exist, so a check made after reading them would exit 1.
		{"negative pairs", []string{"test", "intent", "-model", "none.model", "-data", "none.jsonl", "-pairs", "-1"}, exitUsage, []string{"flag -pairs: want a whole number in [0, 1000]"}},
		{"negative candidates", []string{"test", "kb", "-kb", "none.jsonl", "-queries", "none.jsonl", "-candidates", "-1"}, exitUsage, []string{"flag -candidates: want a whole number in [1, 10000]"}},
		{"too many candidates", []string{"test", "kb", "-kb", "none.jsonl", "-queries", "none.jsonl", "-candidates", "10001"}, exitUsage, []string{`invalid value "10001" for flag -candidates`}},
		{"bad unanswerable", []string{"test", "kb", "-kb", "none.jsonl", "-queries", "none.jsonl", "-unanswerable", "1"}, exitUsage, []string{`invalid value "1" for flag -unanswerable: want a number in [0, 1)`}},
		{"negative trees", []string{"train", "ranker", "-kb", "none.jsonl", "-queries", "none.jsonl", "-out", "x", "-trees", "-3"}, exitUsage, []string{`invalid value "-3" for flag -trees: want a whole number in [0, 1000]`}},
		{"no negatives", []string{"test", "recommend", "-events", "none.jsonl", "-negatives", "0"}, exitUsage, []string{`invalid value "0" for flag -negatives`}},
		{"a billion negatives", []string{"test", "recommend", "-events", "none.jsonl", "-negatives", "1000000000"}, exitUsage, []string{"flag -negatives: want a whole number in [1, 10000]"}},
		{"a billion trees", []string{"train", "ranker", "-kb", "none.jsonl", "-queries", "none.jsonl", "-out", "x", "-trees", "1000000000"}, exitUsage, []string{"flag -trees: want a whole number in [0, 1000]"}},
		{"too little memory", []string{"train", "recommend", "-events", "none.jsonl", "-out", "x", "-memory", "10MB"}, exitUsage, []string{`invalid value "10MB" for flag -memory: want a size such as 512MB or 2GB in [64MiB, 1TiB]`}},
		{"bad users", []string{"test", "recommend", "-events", "none.jsonl", "-users", "some"}, exitUsage, []string{`-users "some"`}},
		{"bad test split", []string{"test", "intent", "-model", "none.model", "-data", "none.jsonl", "-split", "NaN"}, exitUsage, []string{`invalid value "NaN" for flag -split`}},
		{"negative seed", []string{"train", "recommend", "-events", "none.jsonl", "-out", "x", "-seed", "-1"}, exitUsage, []string{"-seed"}},
		{"negative grace", []string{"serve", "-kb", "none.jsonl", "-grace", "-1s"}, exitUsage, []string{`invalid value "-1s" for flag -grace: want a duration such as 5s in [0s, 1h]`}},
		{"out in no folder", []string{"train", "intent", "-data", "none.jsonl", "-out", filepath.Join(dir, "none", "o.model")}, exitFailure, []string{"write " + filepath.Join(dir, "none", "o.model") + ": no such file"}},
		{"out a folder", []string{"train", "ranker", "-kb", "none.jsonl", "-queries", "none.jsonl", "-out", dir}, exitFailure, []string{"write " + dir + ": is a folder"}},
		{"recommend out a folder", []string{"train", "recommend", "-events", "none.jsonl", "-out", dir}, exitFailure, []string{"write " + dir + ": is a folder"}},
		{"report out a file", []string{"test", "intent", "-model", "none.model", "-data", "none.jsonl", "-out", goodKB}, exitFailure, []string{"-out " + goodKB + ": not a folder"}},
		{"no intent examples", []string{"train", "intent", "-data", empty, "-out", filepath.Join(dir, "m")}, exitFailure, []string{"empty.jsonl: no examples to train on"}},
		{"no asks", []string{"train", "recommend", "-events", noAsks, "-out", filepath.Join(dir, "m")}, exitFailure, []string{"training: failed after", "noasks.jsonl: recommend: "}},
		{"bad addr", []string{"serve", "-kb", "none.jsonl", "-addr", "nowhere"}, exitUsage, []string{`-addr "nowhere"`, "missing port"}},
		{"bad intents file", []string{"train", "intent", "-data", badIntents, "-out", filepath.Join(dir, "m")}, exitFailure, []string{"bad.jsonl:3", "intent"}},
		{"missing file", []string{"train", "intent", "-data", filepath.Join(dir, "none.jsonl"), "-out", filepath.Join(dir, "m")}, exitFailure, []string{"none.jsonl"}},
		{"bad kb file", []string{"test", "kb", "-kb", badKB, "-queries", badQueries}, exitFailure, []string{"badkb.jsonl:2", "triggers[0].window"}},
		{"unknown query id", []string{"train", "ranker", "-kb", goodKB, "-queries", badQueries, "-out", filepath.Join(dir, "r")}, exitFailure, []string{`q.jsonl:2: field "id": no entry "zz"`}},
		{"bad events file", []string{"train", "recommend", "-events", badEvents, "-out", filepath.Join(dir, "r")}, exitFailure, []string{"events.jsonl:2", "time"}},
		{"not a model", []string{"test", "intent", "-model", notAModel, "-data", badIntents}, exitFailure, []string{"bad.jsonl:3"}},
		{"not an intent model", []string{"test", "intent", "-model", notAModel, "-data", goodKB}, exitFailure, []string{"kb.jsonl:1", "intent"}},
	}
	for _, c := range commands {
		tests = append(tests, struct {
			name string
			args []string
			code int
			want []string
		}{c.name + " -h", append(strings.Fields(c.name), "-h"), exitOK, []string{"usage: duxin " + c.name, "flags:"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tt.code, out, errOut)
			}
			text := errOut
			if tt.code == exitOK {
				text = out
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(errOut, "done in") && code != exitOK {
				t.Errorf("a failed command says a stage is done:\n%s", errOut)
			}
		})
	}
	// A model file that is not one names the file.
	tmp := write("data.jsonl", `{"text":"我要转账","intent":"transfer"}`+"\n")
	code, _, errOut := cli(t, "test", "intent", "-model", notAModel, "-data", tmp)
	if code != exitFailure || !strings.Contains(errOut, "not.model") {
		t.Errorf("corrupt model: exit %d, %s", code, errOut)
	}
}

// TestREADMESample: the sample output in the README's "The duxin command"
// is what the commands print, but for times, latencies and the tokenizer's
// identity; paths are compared by base name, a hash cut with … by its
// prefix (on amd64 only: elsewhere fused multiply-adds may change the
// model's bytes).
func TestREADMESample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	dir := sampleDir(t)
	model, trained := sampleIntentModel(t)
	tested := mustCLI(t, "test", "intent", "-model", model, "-data", filepath.Join(dir, "intents.jsonl"), "-split", "0.2",
		"-out", filepath.Join(t.TempDir(), "results"))
	outputs := map[string]map[string]any{"train intent": trained, "test intent": tested}
	lines := strings.Split(string(readme), "\n")
	seen := 0
	for i := 0; i < len(lines); i++ {
		cmdline, ok := strings.CutPrefix(lines[i], "$ duxin ")
		if !ok {
			continue
		}
		var block strings.Builder
		for i++; i < len(lines); i++ {
			block.WriteString(lines[i] + "\n")
			if lines[i] == "}" {
				break
			}
		}
		var shown map[string]any
		if err := json.Unmarshal([]byte(block.String()), &shown); err != nil {
			t.Errorf("README: the output of duxin %s is not JSON: %v", cmdline, err)
			continue
		}
		words := strings.Fields(cmdline)
		got := outputs[strings.Join(words[:2], " ")]
		if got == nil {
			t.Errorf("README shows duxin %s, which this test does not run", cmdline)
			continue
		}
		seen++
		for k, v := range got {
			switch k {
			case "seconds", "p50_us", "p99_us", "tokenizer":
				continue
			}
			w, ok := shown[k]
			switch s, isString := v.(string); {
			case !ok:
				t.Errorf("README: duxin %s lacks %q (%v)", cmdline, k, v)
			case isString && strings.HasSuffix(fmt.Sprint(w), "…"):
				if runtime.GOARCH == "amd64" && !strings.HasPrefix(s, strings.TrimSuffix(fmt.Sprint(w), "…")) {
					t.Errorf("README: duxin %s shows %s %v, the command prints %s", cmdline, k, w, s)
				}
			case isString:
				if filepath.Base(s) != filepath.Base(fmt.Sprint(w)) {
					t.Errorf("README: duxin %s shows %s %v, the command prints %s", cmdline, k, w, s)
				}
			case !cmp.Equal(v, w):
				t.Errorf("README: duxin %s shows %s %v, the command prints %v", cmdline, k, w, v)
			}
		}
		for k := range shown {
			if _, ok := got[k]; !ok {
				t.Errorf("README: duxin %s shows %q, which the command does not print", cmdline, k)
			}
		}
	}
	if seen != len(outputs) {
		t.Errorf("README shows the output of %d commands, want %d", seen, len(outputs))
	}
}

// TestTestKBAnswerFigures: test kb reports the refusal figures whenever
// they were measured, a 0 included, and says so (on stderr and in the
// JSON) when -unanswerable removed no entry, rather than print figures as
// if refusal had been measured.
func TestTestKBAnswerFigures(t *testing.T) {
	dir := t.TempDir()
	// Two queried entries, worded alike: gone is the one -unanswerable 0.5
	// removes, kept the one it keeps, so gone's query finds kept's entry,
	// confidently: answered, not refused.
	var gone, kept string
	for i := 0; gone == "" || kept == ""; i++ {
		id := fmt.Sprintf("e%d", i)
		switch {
		case gone == "" && evaluate.UnanswerableEntry(id, 0.5):
			gone = id
		case kept == "" && !evaluate.UnanswerableEntry(id, 0.5):
			kept = id
		}
	}
	kbPath, queries := filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "q.jsonl")
	writeLines(t, kbPath,
		fmt.Sprintf(`{"id":%q,"question":"信用卡怎么还款","answer":"在还款页面选择信用卡"}`, gone),
		fmt.Sprintf(`{"id":%q,"question":"信用卡如何还款","answer":"在还款页面选择信用卡"}`, kept),
		`{"id":"x1","question":"转账多久到账","answer":"两小时内"}`,
		`{"id":"x2","question":"怎么修改登录密码","answer":"在设置里修改"}`,
		`{"id":"x3","question":"花呗额度怎么提升","answer":"按时还款"}`)
	writeLines(t, queries,
		fmt.Sprintf(`{"query":"信用卡怎么还款","id":%q}`, gone),
		fmt.Sprintf(`{"query":"信用卡如何还款","id":%q}`, kept))

	code, out, errOut := cli(t, "test", "kb", "-kb", kbPath, "-queries", queries, "-unanswerable", "0.5")
	var res map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if res["unanswerable"] != 1.0 || res["refuse_recall"] != 0.0 || res["answer_coverage"] == nil || res["answer_precision"] == nil || res["warnings"] != nil {
		t.Errorf("one unanswerable query, answered: want unanswerable 1, refuse_recall 0, the other answer figures and no warning; got %v", res)
	}

	// A share that removes neither entry.
	share := 0.0001
	for _, id := range []string{gone, kept} {
		if evaluate.UnanswerableEntry(id, share) {
			t.Fatalf("-unanswerable %v removes %s", share, id)
		}
	}
	code, out, errOut = cli(t, "test", "kb", "-kb", kbPath, "-queries", queries, "-unanswerable", fmt.Sprint(share))
	res = nil
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	warn := "-unanswerable 0.0001 removed no entry"
	ws, _ := res["warnings"].([]any)
	if res["unanswerable"] != 0.0 || len(ws) != 1 || !strings.Contains(fmt.Sprint(ws[0]), warn) || !strings.Contains(errOut, "warning: "+warn) {
		t.Errorf("-unanswerable removing nothing: want unanswerable 0 and a warning %q in the JSON and on stderr; got %v\n%s", warn, res, errOut)
	}
	for _, k := range []string{"refuse_recall", "answer_coverage", "answer_precision"} {
		if _, ok := res[k]; ok {
			t.Errorf("%s reported, but no query was unanswerable: %v", k, res)
		}
	}

	// Without -unanswerable, none of it.
	res = mustCLI(t, "test", "kb", "-kb", kbPath, "-queries", queries)
	for _, k := range []string{"unanswerable", "refuse_recall", "answer_coverage", "answer_precision", "warnings"} {
		if _, ok := res[k]; ok {
			t.Errorf("%s reported without -unanswerable: %v", k, res)
		}
	}
}

// writeLines writes lines to path, one a line.
func writeLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// smallLog writes a knowledge base of n questions and a log of 12 users
// who ask 4 of them each, to dir; it returns their paths.
func smallLog(t *testing.T, dir string, n int) (kbPath, events string) {
	t.Helper()
	var faqs, evs []string
	for i := range n {
		faqs = append(faqs, fmt.Sprintf(`{"id":"q%d","question":"问题%d怎么办","answer":"这样办"}`, i, i))
	}
	at := 1700000000
	for u := range 12 {
		for j := range 4 {
			evs = append(evs, fmt.Sprintf(`{"user":"u%d","time":%d,"type":"ask","question":"q%d"}`, u, at, (u+j*(1+u%2))%n))
			at += 60
		}
	}
	kbPath, events = filepath.Join(dir, fmt.Sprintf("kb%d.jsonl", n)), filepath.Join(dir, fmt.Sprintf("events%d.jsonl", n))
	writeLines(t, kbPath, faqs...)
	writeLines(t, events, evs...)
	return kbPath, events
}

// TestTestRecommendWarnings: test recommend says (on stderr and in the
// JSON) when a catalog too small for -negatives flatters hr@10 and
// ndcg@10, and when it is so small that full_hr@10 is 1 whatever the
// model; and says nothing when the figures are what they claim.
func TestTestRecommendWarnings(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		questions int
		negatives string
		short     bool     // short_negatives and fewest_negatives reported
		warnings  []string // prefixes, in order
	}{
		{"tiny catalog", 5, "100", true, []string{"hr@10 and ndcg@10 are unreliable: 12 of 12 targets", "full_hr@10 is 1 whatever the model: the catalog has 5 questions"}},
		{"tiny catalog, few negatives", 5, "1", false, []string{"full_hr@10 is 1 whatever the model"}},
		{"small catalog", 30, "100", true, []string{"hr@10 and ndcg@10 are unreliable: 12 of 12 targets were ranked among fewer than the 100"}},
		{"small catalog, few negatives", 30, "20", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kbPath, events := smallLog(t, dir, tt.questions)
			code, out, errOut := cli(t, "test", "recommend", "-events", events, "-kb", kbPath, "-negatives", tt.negatives)
			var res map[string]any
			if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			_, short := res["short_negatives"]
			_, fewest := res["fewest_negatives"]
			if short != tt.short || fewest != tt.short || (tt.short && res["short_negatives"] != 12.0) {
				t.Errorf("short_negatives %v, fewest_negatives %v; want them reported: %v", res["short_negatives"], res["fewest_negatives"], tt.short)
			}
			ws, _ := res["warnings"].([]any)
			if len(ws) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d", ws, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.HasPrefix(fmt.Sprint(ws[i]), w) || !strings.Contains(errOut, "warning: "+fmt.Sprint(ws[i])) {
					t.Errorf("warning %d: %q, want it to start with %q and be on stderr:\n%s", i, ws[i], w, errOut)
				}
			}
		})
	}
}

// TestUnknownQuestions: an ask for a question the knowledge base lacks is
// counted and reported by train recommend and test recommend (in the JSON
// and on stderr), and with -strict is an error naming the file, line and
// field.
func TestUnknownQuestions(t *testing.T) {
	dir := t.TempDir()
	kbPath, events := smallLog(t, dir, 5)
	raw, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	// Line 3 asks for zz, after a blank line; two more unknown asks at the end.
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	lines = append([]string{lines[0], "", `{"user":"u0","time":1700000030,"type":"ask","question":"zz"}`}, lines[1:]...)
	lines = append(lines, `{"user":"u1","time":1800000000,"type":"ask","question":"yy"}`, `{"user":"u2","time":1800000000,"type":"ask","question":"zz"}`)
	writeLines(t, events, lines...)
	data := []byte(strings.Join(lines, "\n") + "\n")
	model := filepath.Join(dir, "recommend.model")

	for _, args := range [][]string{
		{"train", "recommend", "-events", events, "-kb", kbPath, "-out", model},
		{"test", "recommend", "-events", events, "-kb", kbPath},
	} {
		name := strings.Join(args[:2], " ")
		code, out, errOut := cli(t, args...)
		var res map[string]any
		if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, out, errOut)
		}
		ws, _ := res["warnings"].([]any)
		warn := `3 asks name 2 questions that ` + kbPath + ` lacks, such as "yy", "zz"`
		if res["unknown_questions"] != 2.0 || res["unknown_question_asks"] != 3.0 || fmt.Sprint(res["unknown_question_ids"]) != "[yy zz]" ||
			len(ws) == 0 || !strings.HasPrefix(fmt.Sprint(ws[0]), warn) || !strings.Contains(errOut, "warning: "+warn) {
			t.Errorf("%s: want 2 unknown questions in 3 asks, yy and zz, and a warning %q in the JSON and on stderr; got %v\n%s", name, warn, res, errOut)
		}
		code, _, errOut = cli(t, append(args, "-strict")...)
		want := events + `:3: field "question": no entry "zz" in ` + kbPath + " (-strict)"
		if code != exitFailure || !strings.Contains(errOut, want) || strings.Contains(errOut, events+": "+events) {
			t.Errorf("%s -strict: exit %d, want %d and %q:\n%s", name, code, exitFailure, want, errOut)
		}
		// Standard input cannot be read again for the line: the event's
		// number says where.
		var stdout, stderr bytes.Buffer
		code = run(context.Background(), append(slices.Clone(args), "-strict", "-events", "-"), env{stdin: bytes.NewReader(data), stdout: &stdout, stderr: &stderr})
		want = `standard input: event 2: field "question": no entry "zz"`
		if code != exitFailure || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s -strict from standard input: exit %d, want %d and %q:\n%s", name, code, exitFailure, want, stderr.String())
		}
	}

	// Without -kb, the knowledge base is the questions asked: none unknown.
	res := mustCLI(t, "test", "recommend", "-events", events, "-strict")
	if _, ok := res["unknown_questions"]; ok {
		t.Errorf("unknown questions without -kb: %v", res)
	}
}

// TestEventLine: eventLine finds an event's line past blank lines, lines
// longer than a read buffer and gzip.
func TestEventLine(t *testing.T) {
	dir := t.TempDir()
	long := `{"user":"u","time":1,"type":"page.view","text":"` + strings.Repeat("长", 10000) + `"}`
	content := "\n" + long + "\n  \n\t\n" + `{"a":1}` + "\r\n" + long + "\n\n" + `{"b":2}`
	plain := filepath.Join(dir, "log.jsonl")
	writeLines(t, plain, content)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(content))
	zw.Close()
	zipped := filepath.Join(dir, "log.jsonl.gz")
	if err := os.WriteFile(zipped, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{plain, zipped} {
		for n, want := range map[int]int{0: 2, 1: 5, 2: 6, 3: 8, 4: 0} {
			if got := eventLine(path, n); got != want {
				t.Errorf("eventLine(%s, %d) = %d, want %d", filepath.Base(path), n, got, want)
			}
		}
	}
	if got := eventLine("-", 0); got != 0 {
		t.Errorf("eventLine of standard input = %d", got)
	}
}

// TestUnseenLabels: test intent counts and reports the test labels the
// model never saw (in the JSON and on stderr), and with -strict refuses
// them, naming the file, line and field.
func TestUnseenLabels(t *testing.T) {
	model, _ := sampleIntentModel(t)
	data := filepath.Join(t.TempDir(), "test.jsonl")
	writeLines(t, data, `{"text":"我要转账","intent":"transfer"}`, `{"text":"查一下账单","intent":"query_bill"}`,
		`{"text":"帮我订一张机票","intent":"book_flight"}`, `{"text":"订酒店","intent":"book_hotel"}`, `{"text":"订机票去上海","intent":"book_flight"}`)
	code, out, errOut := cli(t, "test", "intent", "-model", model, "-data", data, "-out", "")
	var res map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	ws, _ := res["warnings"].([]any)
	warn := `3 test utterances carry 2 labels the model never saw, such as "book_flight", "book_hotel"`
	if res["unseen_labels"] != 2.0 || res["unseen_label_utterances"] != 3.0 || fmt.Sprint(res["unseen_label_names"]) != "[book_flight book_hotel]" ||
		len(ws) != 1 || !strings.HasPrefix(fmt.Sprint(ws[0]), warn) || !strings.Contains(errOut, "warning: "+warn) {
		t.Errorf("want 2 unseen labels on 3 utterances and a warning %q in the JSON and on stderr; got %v\n%s", warn, res, errOut)
	}
	code, _, errOut = cli(t, "test", "intent", "-model", model, "-data", data, "-out", "", "-strict")
	want := data + `:3: field "intent": "book_flight" is a label the model never saw (-strict)`
	if code != exitFailure || !strings.Contains(errOut, want) {
		t.Errorf("-strict: exit %d, want %d and %q:\n%s", code, exitFailure, want, errOut)
	}
}
