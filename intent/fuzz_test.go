package intent_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/sampledata"
)

// FuzzReadExamples reads any bytes as JSON Lines, CSV or Rasa YAML: never a
// panic; every example read has a text and an intent and says where it
// came from; and examples read write back as JSON Lines that read the same.
func FuzzReadExamples(f *testing.F) {
	for i, name := range []string{"wallet.jsonl", "wallet.csv", "wallet.yml"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(uint8(i), data)
		}
	}
	f.Add(uint8(2), []byte("nlu:\n- intent: a\n  examples: |\n    - [花呗](product)怎么还\n"))
	f.Add(uint8(1), []byte("text,intent\n\"x,y\",a\n"))
	readers := []func(r *bytes.Reader, name string) ([]intent.Example, error){
		func(r *bytes.Reader, n string) ([]intent.Example, error) { return intent.ReadJSONL(r, n) },
		func(r *bytes.Reader, n string) ([]intent.Example, error) { return intent.ReadCSV(r, n) },
		func(r *bytes.Reader, n string) ([]intent.Example, error) { return intent.ReadYAML(r, n) },
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		exs, err := readers[int(which)%len(readers)](bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var buf bytes.Buffer
		for _, ex := range exs {
			if strings.TrimSpace(ex.Text) == "" || strings.TrimSpace(ex.Intent) == "" || ex.Source.File != "fuzz" || ex.Source.Line < 1 {
				t.Fatalf("example %+v: empty text or intent, or no source", ex)
			}
			line, err := json.Marshal(ex)
			if err != nil {
				t.Fatal(err)
			}
			buf.Write(append(line, '\n'))
		}
		again, err := intent.ReadJSONL(&buf, "again")
		if err != nil || len(again) != len(exs) {
			t.Fatalf("JSON Lines round trip: %d of %d, %v", len(again), len(exs), err)
		}
		for i := range exs {
			if again[i].Text != exs[i].Text || again[i].Intent != exs[i].Intent {
				t.Fatalf("example %d: %q/%q read back as %q/%q", i, exs[i].Text, exs[i].Intent, again[i].Text, again[i].Intent)
			}
		}
	})
}

// FuzzLoadRoutes: any bytes are a routing table or an error, never a
// panic; a table loaded answers lookups.
func FuzzLoadRoutes(f *testing.F) {
	f.Add(sampledata.RoutesJSONL())
	f.Add([]byte(`{"intent":"a","service":"","slots":["x"],"required":["y"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := intent.LoadRoutes(bytes.NewReader(data))
		if err != nil {
			return
		}
		intents := rs.Intents()
		if len(intents) != rs.Len() {
			t.Fatalf("%d intents listed, Len %d", len(intents), rs.Len())
		}
		for _, in := range intents {
			r, ok := rs.Get(in)
			if !ok || r.Intent != in {
				t.Fatalf("Get(%q) = %+v, %v", in, r, ok)
			}
			res, err := rs.Resolve(in, nil)
			if err != nil || !slices.Equal(res.Missing, r.Required) {
				t.Fatalf("Resolve(%q) without slots: missing %v, %v; want every required slot %v", in, res.Missing, err, r.Required)
			}
		}
	})
}
