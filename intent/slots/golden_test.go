package slots_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current extractor")

// sampleDir holds the bundled sample data (package sampledata).
const sampleDir = "../../sampledata"

// TestSampleSlotsGolden runs the extractor over every utterance of the
// sample intent data and compares the slots with a reviewed golden file,
// so a rule change that alters any of them shows up as a diff.
// Regenerate with: go test ./intent/slots -run TestSampleSlotsGolden -update
func TestSampleSlotsGolden(t *testing.T) {
	e := newTestExtractor(t)
	f, err := os.Open(filepath.Join(sampleDir, "intents.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "# Slots of sampledata/intents.jsonl, clock %s.\n", testNow.Format("2006-01-02 (Monday)"))
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ex struct{ Text, Intent string }
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			t.Fatal(err)
		}
		found := e.Extract(ex.Text)
		checkSlots(t, ex.Text, found)
		if len(found) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s\t%s", ex.Intent, ex.Text)
		for _, s := range found {
			fmt.Fprintf(&b, "\t%s:%q=%s", s.Kind, s.Text, s.Value)
		}
		b.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "intents.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(b.String(), "\n")); diff != "" {
		t.Errorf("slots differ from %s (-want +got):\n%s", golden, diff)
	}
}
