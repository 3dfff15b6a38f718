package kb_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/duxin-ai/duxin/kb"
)

// fuzzFormats are the formats FuzzLoadFormats picks from (JSON Lines has
// FuzzLoad).
var fuzzFormats = []kb.Format{kb.FormatJSON, kb.FormatCSV, kb.FormatYAML}

// FuzzLoadFormats loads any bytes as JSON, CSV or YAML: never a panic; the
// fail and skip modes agree on good input; and what loads writes back (as
// a JSON array and as YAML) and loads again unchanged.
func FuzzLoadFormats(f *testing.F) {
	for i, name := range []string{"fixture.json", "fixture.csv", "fixture.yaml"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "load", name)); err == nil {
			f.Add(uint8(i), data)
		}
	}
	f.Add(uint8(2), []byte("- &a {id: x, question: q}\n- *a\n"))
	f.Add(uint8(1), []byte("id,question\nx,\"q\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		format := fuzzFormats[int(which)%len(fuzzFormats)]
		strict, _, strictErr := kb.Load(bytes.NewReader(data), format)
		got, rep, err := kb.Load(bytes.NewReader(data), format, kb.SkipInvalid())
		if err != nil {
			if strictErr == nil {
				t.Fatalf("%s: skip mode failed where fail mode did not: %v", format, err)
			}
			return // a syntax error of the whole file
		}
		if rep.Records != len(got)+len(rep.Skipped) {
			t.Fatalf("%s: report counts %d records, returned %d + skipped %d", format, rep.Records, len(got), len(rep.Skipped))
		}
		if strictErr == nil {
			if diff := cmp.Diff(strict, got); diff != "" {
				t.Fatalf("%s: fail and skip modes disagree (-fail +skip):\n%s", format, diff)
			}
		}
		if len(got) == 0 {
			return
		}
		js, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if again, _, err := kb.Load(bytes.NewReader(js), kb.FormatJSON); err != nil || !cmp.Equal(got, again) {
			t.Fatalf("%s: JSON round trip: %v\n%s", format, err, cmp.Diff(got, again))
		}
		ys, err := yaml.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if again, _, err := kb.Load(bytes.NewReader(ys), kb.FormatYAML); err != nil || !cmp.Equal(got, again) {
			t.Fatalf("%s: YAML round trip: %v\n%s", format, err, cmp.Diff(got, again))
		}
	})
}

// FuzzParseDuration: any text parses or fails without a panic; a duration
// that parses prints back to text that parses to the same duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30m", "7d", "1d12h", "90s", "2h45m", "0s", "-1d", "1e9d", "9223372036854775807s", "d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := kb.ParseDuration(s)
		if err != nil {
			return
		}
		back, err := kb.ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("%q → %v → %q → %v, %v", s, int64(d), d.String(), int64(back), err)
		}
	})
}
