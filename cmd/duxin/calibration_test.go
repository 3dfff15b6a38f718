package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUncalibratedRankerSaysSo: train ranker on too few queries to
// calibrate says so (in its summary, with how many were held out and how
// many are needed, and on standard error), and test kb with that ranker
// reports "calibrated": false with null confidence figures and a
// warning, never an ECE of 1 and a threshold of 0 as if measured.
func TestUncalibratedRankerSaysSo(t *testing.T) {
	dir := sampleDir(t)
	kbPath := filepath.Join(dir, "kb.jsonl")
	few := filepath.Join(t.TempDir(), "few.jsonl")
	f, err := os.Open(filepath.Join(dir, "train-queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(lines) < 41 {
		lines = append(lines, sc.Text())
	}
	f.Close()
	if err := os.WriteFile(few, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ranker := filepath.Join(t.TempDir(), "few.ranker")
	code, out, errOut := cli(t, "train", "ranker", "-kb", kbPath, "-queries", few, "-out", ranker)
	if code != exitOK {
		t.Fatalf("train ranker: exit %d\n%s", code, errOut)
	}
	trained := decodeJSON(t, out)
	if trained["calibrated"] != false || trained["calibration_needed"] != 20.0 || trained["uncalibrated"] == nil ||
		trained["calibration_queries"] == nil || trained["calibration_queries"].(float64) >= 20 {
		t.Errorf("train ranker on 41 queries: %v; want calibrated false, calibration_queries under calibration_needed 20, and why", trained)
	}
	if !strings.Contains(errOut, "warning: the ranker is not calibrated") || !strings.Contains(errOut, "20 needed") {
		t.Errorf("train ranker's standard error does not warn with the number needed:\n%s", errOut)
	}
	test := filepath.Join(dir, "test-queries.jsonl")
	for _, args := range [][]string{
		{"test", "kb", "-kb", kbPath, "-queries", test, "-ranker", ranker},
		{"test", "kb", "-kb", kbPath, "-queries", test, "-ranker", ranker, "-unanswerable", "0.2"},
	} {
		code, out, errOut := cli(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s", args, code, errOut)
		}
		res := decodeJSON(t, out)
		for _, k := range []string{"ece", "answer_threshold"} {
			if v, ok := res[k]; !ok || v != nil {
				t.Errorf("%v: %s = %v, want null", args, k, v)
			}
		}
		for _, k := range []string{"refuse_recall", "answer_coverage", "answer_precision"} {
			if v, ok := res[k]; ok {
				t.Errorf("%v: %s = %v from an uncalibrated ranker", args, k, v)
			}
		}
		if res["calibrated"] != false || res["recall@1"] == nil {
			t.Errorf("%v: %v; want calibrated false and the ranking figures", args, res)
		}
		if !strings.Contains(errOut, "warning: the ranker is not calibrated") {
			t.Errorf("%v: no warning on standard error:\n%s", args, errOut)
		}
	}
}

func decodeJSON(t *testing.T, out string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	return v
}
