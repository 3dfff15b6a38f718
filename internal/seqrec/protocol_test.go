package seqrec

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRankAndNDCG(t *testing.T) {
	tests := []struct {
		target float64
		negs   []float64
		want   int
	}{
		{1, []float64{0, 0.5}, 1},
		{1, []float64{1, 0}, 2}, // a tie counts against the target
		{0, []float64{0, 0, 0}, 4},
		{2, nil, 1},
	}
	for _, tc := range tests {
		if got := Rank(tc.target, tc.negs); got != tc.want {
			t.Errorf("Rank(%v, %v) = %d, want %d", tc.target, tc.negs, got, tc.want)
		}
	}
	if got := NDCG(1, 10); got != 1 {
		t.Errorf("NDCG(1) = %v, want 1", got)
	}
	if got := NDCG(11, 10); got != 0 {
		t.Errorf("NDCG(11) = %v, want 0", got)
	}
}

func TestReadLogAndSplit(t *testing.T) {
	log := `{"user":"u1","time":30,"type":"ask","question":"c"}
{"user":"u2","time":5,"type":"ask","question":"a"}
{"user":"u1","time":10,"type":"ask","question":"a"}
{"user":"u1","time":20,"type":"transfer.fail","question":""}
{"user":"u1","time":25,"type":"ask","question":"b"}
`
	seqs, err := ReadLog(strings.NewReader(log), "log")
	if err != nil {
		t.Fatal(err)
	}
	want := []Sequence{
		{"u1", []Step{{"ask:a", 10}, {"transfer.fail:", 20}, {"ask:b", 25}, {"ask:c", 30}}},
		{"u2", []Step{{"ask:a", 5}}},
	}
	if diff := cmp.Diff(want, seqs); diff != "" {
		t.Fatalf("ReadLog (-want +got):\n%s", diff)
	}
	train, cases := LeaveLastOut(seqs, IsAsk, 3)
	wantCases := []Case{{User: "u1", History: want[0].Steps[:3], Target: "ask:c", Time: 30}}
	if diff := cmp.Diff(wantCases, cases); diff != "" {
		t.Errorf("cases (-want +got):\n%s", diff)
	}
	// u2's only ask is its last: nothing before it to train on.
	if diff := cmp.Diff([][]Step{want[0].Steps[:3]}, train); diff != "" {
		t.Errorf("train (-want +got):\n%s", diff)
	}
	if _, err := ReadLog(strings.NewReader(`{"user":"u"}`+"\n"+`{"time":1}`), "bad.jsonl"); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1") {
		t.Errorf("bad log: error = %v, want one naming bad.jsonl:1", err)
	}
}

func TestSampleNegatives(t *testing.T) {
	universe := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	exclude := map[string]bool{"a": true, "b": true}
	n1 := SampleNegatives("u", 1, universe, exclude, 3)
	n2 := SampleNegatives("u", 1, universe, exclude, 3)
	if diff := cmp.Diff(n1, n2); diff != "" || len(n1) != 3 {
		t.Errorf("not deterministic or wrong size: %v vs %v", n1, n2)
	}
	seen := map[string]bool{}
	for _, x := range n1 {
		if exclude[x] || seen[x] {
			t.Errorf("negative %q excluded or repeated in %v", x, n1)
		}
		seen[x] = true
	}
	if got := SampleNegatives("u", 1, universe, exclude, 100); len(got) != 6 {
		t.Errorf("asking for more than eligible: got %d, want all 6", len(got))
	}
}

func TestEvaluateTiny(t *testing.T) {
	// Transition knows a→b, so the case (history a, target b) ranks first
	// among all items; popularity ranks b behind the more popular c.
	train := [][]Step{seq("ask:a", "ask:b"), seq("ask:c"), seq("ask:c"), seq("ask:c")}
	cases := []Case{{User: "u", History: seq("ask:a"), Target: "ask:b", Time: 5000}}
	universe := []string{"ask:a", "ask:b", "ask:c", "ask:d"}
	r, err := Evaluate(context.Background(), NewTransition(train, IsAsk), cases, universe, EvalOptions{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{Cases: 1, HR: 1, NDCG: 1, FullHR: 1, FullMRR: 1}, r); diff != "" {
		t.Errorf("transition (-want +got):\n%s", diff)
	}
	r, err = Evaluate(context.Background(), NewPopularity(train, IsAsk), cases, universe, EvalOptions{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Result{Cases: 1}, r); diff != "" {
		t.Errorf("popularity (-want +got):\n%s", diff)
	}
}
