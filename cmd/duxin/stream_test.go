package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainRecommendStreams: train recommend reads the log gzip-compressed
// or from standard input and trains the model it trains on the plain file;
// -memory is checked.
func TestTrainRecommendStreams(t *testing.T) {
	dir := sampleDir(t)
	tmp := t.TempDir()
	plain := filepath.Join(dir, "events-train.jsonl")
	data, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gzPath := filepath.Join(tmp, "events.jsonl.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The summary but for what names the run: the file, its time.
	same := func(a, b map[string]any) bool {
		for _, k := range []string{"out", "bytes", "sha256", "id", "trained_at", "seconds"} {
			delete(a, k)
			delete(b, k)
		}
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return bytes.Equal(x, y)
	}
	want := mustCLI(t, "train", "recommend", "-events", plain, "-out", filepath.Join(tmp, "a"))
	if got := mustCLI(t, "train", "recommend", "-events", gzPath, "-out", filepath.Join(tmp, "b")); !same(got, want) {
		t.Errorf("from gzip: %v, want %v", got, want)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"train", "recommend", "-events", "-", "-out", filepath.Join(tmp, "c")},
		env{stdin: bytes.NewReader(data), stdout: &stdout, stderr: &stderr})
	var got map[string]any
	if code != exitOK || json.Unmarshal(stdout.Bytes(), &got) != nil || !same(got, want) {
		t.Errorf("from standard input: exit %d, %v, want %v\n%s", code, got, want, stderr.String())
	}
	if _, ok := want["sampled_users"]; ok {
		t.Errorf("a log within -memory reports a sample: %v", want)
	}
	for _, m := range []string{"10MB", "lots", "-1GB"} {
		code, _, errOut := cli(t, "train", "recommend", "-events", plain, "-out", filepath.Join(tmp, "d"), "-memory", m)
		if code == exitOK || !strings.Contains(errOut, "-memory") {
			t.Errorf("-memory %s: exit %d, %q", m, code, errOut)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "512MB": 512e6, "2g": 2e9, "1.5GiB": 3 << 29, "100000000": 1e8, "64 MiB": 64 << 20} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "-3MB", "1e400", "NaN"} {
		if _, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q): no error", in)
		}
	}
}
