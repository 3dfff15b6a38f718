package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser to run, or skips — except under
// CI=true, where the report must be checked in a browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found on PATH (CI=true, so the report page must be checked in a browser)")
	}
	t.Skip("chromium not found on PATH")
	return ""
}

// TestReportPageInChromium opens the intent report of the sample model in
// headless Chromium: the page renders (the browser's DOM has the figures,
// the matrix and the tables), the matrix has one row per label of the
// report, and the page asks for nothing from the network.
func TestReportPageInChromium(t *testing.T) {
	browser := chromium(t)
	dir := sampleDir(t)
	model, _ := sampleIntentModel(t)
	out := filepath.Join(t.TempDir(), "results")
	mustCLI(t, "test", "intent", "-model", model, "-data", filepath.Join(dir, "intents.jsonl"), "-split", "0.2", "-out", out)
	page := filepath.Join(out, "intent_report.html")
	src, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//`).Match(src) || strings.Contains(string(src), "@import") {
		t.Error("the report loads something from the network; it must be self-contained")
	}
	var rep intentReportFile
	b, err := os.ReadFile(filepath.Join(out, "intent_report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home := t.TempDir() // chromium writes its profile and crash reports here
	cmd := exec.CommandContext(ctx, browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
		"--user-data-dir="+filepath.Join(home, "profile"), "--dump-dom", "file://"+page)
	cmd.Env = append(os.Environ(), "HOME="+home)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	d := string(dom)
	rows := regexp.MustCompile(`<g class="row" data-intent="([^"]*)"`).FindAllStringSubmatch(d, -1)
	if len(rows) != len(rep.Labels) || len(rep.Labels) < 31 {
		t.Fatalf("the matrix has %d rows, the report %d labels (the sample has 31 intents)", len(rows), len(rep.Labels))
	}
	for i, r := range rows {
		if r[1] != rep.Labels[i] {
			t.Errorf("matrix row %d is %q, want %q", i, r[1], rep.Labels[i])
		}
	}
	cells := strings.Count(d, `<rect class="cell"`)
	nonzero := 0
	for _, row := range rep.Confusion {
		for _, n := range row {
			if n > 0 {
				nonzero++
			}
		}
	}
	if cells != nonzero {
		t.Errorf("%d cells drawn, %d non-zero in the matrix", cells, nonzero)
	}
	for _, want := range []string{`id="figures"`, `id="matrix"`, `id="pairs"`, `id="intents"`, rep.Pairs[0].Examples[0]} {
		if !strings.Contains(d, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	if n := strings.Count(d, "<tr"); n != len(rep.Intents)+1+len(rep.Pairs)+1 {
		t.Errorf("%d table rows, want %d intents + %d pairs + 2 headers", n, len(rep.Intents), len(rep.Pairs))
	}
}
