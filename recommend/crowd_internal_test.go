package recommend

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCrowdBucketOf(t *testing.T) {
	tests := []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(599, 999_999_999), 0},
		{time.Unix(600, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-600, 0), -1},
		{time.Unix(-601, 0), -2},
		// The zone does not matter: buckets are Unix time.
		{time.Date(2025, 3, 1, 12, 9, 59, 0, time.FixedZone("CST", 8*3600)), time.Date(2025, 3, 1, 4, 0, 0, 0, time.UTC).Unix() / 600},
	}
	for _, tc := range tests {
		if got := crowdBucketOf(tc.t); got != tc.want {
			t.Errorf("crowdBucketOf(%v) = %d, want %d", tc.t, got, tc.want)
		}
		if s := crowdStart(tc.want); s.After(tc.t) || !s.Add(CrowdBucketWidth).After(tc.t) || s.Location() != time.UTC {
			t.Errorf("crowdStart(%d) = %v does not hold %v", tc.want, s, tc.t)
		}
	}
	for _, n := range []int64{-CrowdBuckets - 1, -1, 0, 1, CrowdBuckets, 1e7} {
		if i := crowdIndex(n); i < 0 || i >= CrowdBuckets || int64(i) != (n%CrowdBuckets+CrowdBuckets)%CrowdBuckets {
			t.Errorf("crowdIndex(%d) = %d", n, i)
		}
	}
}

// crowdBase is a bucket's start.
var crowdBase = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// crowdAt returns the time min minutes after crowdBase.
func crowdAt(min int) time.Time { return crowdBase.Add(time.Duration(min) * time.Minute) }

func ask(q string, min int) *Event {
	return &Event{User: "u", Time: crowdAt(min), Type: TypeAsk, Question: q}
}

// bucketsAt is a compact form of buckets: start minute → asks.
func bucketsAt(bs []CrowdBucket) map[int]map[string]int64 {
	if len(bs) == 0 {
		return nil
	}
	out := map[int]map[string]int64{}
	for i, b := range bs {
		if i > 0 && !bs[i-1].Start.Before(b.Start) {
			panic(fmt.Sprintf("buckets out of order: %v then %v", bs[i-1].Start, b.Start))
		}
		out[int(b.Start.Sub(crowdBase)/time.Minute)] = b.Asks
	}
	return out
}

func TestCrowdCounter(t *testing.T) {
	var c crowdCounter
	for _, e := range []*Event{
		ask("a", 0), ask("a", 9), ask("b", 9), // bucket 0
		ask("a", 10), // bucket 10
		{User: "u", Time: crowdAt(11), Type: TypeSearch, Text: "a"}, // not an ask
		{User: "u", Time: crowdAt(12), Type: "transfer.fail"},
		ask("c", 35), // bucket 30
	} {
		c.add(e)
	}
	all := map[int]map[string]int64{0: {"a": 2, "b": 1}, 10: {"a": 1}, 30: {"c": 1}}
	tests := []struct {
		name       string
		since, now time.Time
		want       map[int]map[string]int64
	}{
		{"all", time.Time{}, crowdAt(39), all},
		{"since before all", crowdAt(-1000), crowdAt(39), all},
		{"since inside a bucket includes it", crowdAt(15), crowdAt(39), map[int]map[string]int64{10: {"a": 1}, 30: {"c": 1}}},
		{"since at a bucket's start", crowdAt(30), crowdAt(39), map[int]map[string]int64{30: {"c": 1}}},
		{"since after now", crowdAt(60), crowdAt(39), nil},
		{"buckets after now's are not returned", time.Time{}, crowdAt(19), map[int]map[string]int64{0: {"a": 2, "b": 1}, 10: {"a": 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, bucketsAt(c.buckets(tc.since, tc.now, nil))); d != "" {
				t.Errorf("buckets (-want +got):\n%s", d)
			}
		})
	}
	dst := make([]CrowdBucket, 1, 8)
	if got := c.buckets(time.Time{}, crowdAt(39), dst); len(got) != 4 || &got[0] != &dst[0] {
		t.Errorf("buckets did not append to dst: %d buckets", len(got))
	}
}

func TestCrowdCounterWindow(t *testing.T) {
	window := CrowdBuckets * CrowdBucketWidth
	var c crowdCounter
	c.add(ask("old", 0))
	c.add(ask("new", int((window-CrowdBucketWidth)/time.Minute))) // the 36th bucket: bucket 0 still kept
	now := crowdBase.Add(window - time.Second)
	if got := bucketsAt(c.buckets(time.Time{}, now, nil)); len(got) != 2 {
		t.Errorf("36 buckets apart, at the newest's end: %v, want both", got)
	}
	// One bucket later the first has left the window: it is neither
	// returned nor kept.
	now = crowdBase.Add(window)
	if got := bucketsAt(c.buckets(time.Time{}, now, nil)); len(got) != 1 || got[350]["new"] != 1 {
		t.Errorf("a bucket later: %v, want only the newest", got)
	}
	if s := c.ring[crowdIndex(0)]; s.asks != nil || s.snap != nil {
		t.Errorf("bucket 0 not dropped: %+v", s)
	}
	// An event dated a whole window before the newest bucket is ignored,
	// one just inside counted.
	c.add(ask("too old", 350-CrowdBuckets*10))
	c.add(ask("oldest kept", 350-(CrowdBuckets-1)*10))
	got := bucketsAt(c.buckets(time.Time{}, crowdAt(359), nil))
	want := map[int]map[string]int64{350 - (CrowdBuckets-1)*10: {"oldest kept": 1}, 350: {"new": 1}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("after an event older than the window (-want +got):\n%s", d)
	}
	// After a jump of a whole window everything before is out.
	c.add(ask("later", 350+10*CrowdBuckets))
	got = bucketsAt(c.buckets(time.Time{}, crowdAt(350+10*CrowdBuckets), nil))
	if d := cmp.Diff(map[int]map[string]int64{350 + 10*CrowdBuckets: {"later": 1}}, got); d != "" {
		t.Errorf("after a jump (-want +got):\n%s", d)
	}
}

func TestCrowdCounterBounded(t *testing.T) {
	var c crowdCounter
	for i := range MaxCrowdQuestions + 10 {
		c.add(ask(fmt.Sprint("q", i), 1))
	}
	c.add(ask("q0", 2))                                // already counted: counted again
	c.add(ask("q-extra", 3))                           // a new one in a full bucket: not counted
	c.add(ask(fmt.Sprint("q", MaxCrowdQuestions), 11)) // another bucket has room
	bs := c.buckets(time.Time{}, crowdAt(15), nil)
	if len(bs) != 2 {
		t.Fatalf("%d buckets, want 2", len(bs))
	}
	first := bs[0].Asks
	if len(first) != MaxCrowdQuestions {
		t.Errorf("first bucket counted %d questions, want %d", len(first), MaxCrowdQuestions)
	}
	if first["q0"] != 2 || first[fmt.Sprint("q", MaxCrowdQuestions-1)] != 1 {
		t.Errorf("q0 = %d, q%d = %d; want 2 and 1", first["q0"], MaxCrowdQuestions-1, first[fmt.Sprint("q", MaxCrowdQuestions-1)])
	}
	if _, ok := first["q-extra"]; ok {
		t.Error("a question past the bound was counted")
	}
	if bs[1].Asks[fmt.Sprint("q", MaxCrowdQuestions)] != 1 {
		t.Errorf("second bucket = %v", bs[1].Asks)
	}
}

// The maps buckets hands out are copies, shared until the bucket changes:
// a later add does not change what a caller holds, and reading an
// unchanged counter again copies nothing.
func TestCrowdCounterSnapshots(t *testing.T) {
	var c crowdCounter
	c.add(ask("a", 1))
	c.add(ask("b", 11))
	held := c.buckets(time.Time{}, crowdAt(15), nil)
	c.add(ask("a", 2))
	if held[0].Asks["a"] != 1 {
		t.Errorf("a held map changed to %v after add", held[0].Asks)
	}
	again := c.buckets(time.Time{}, crowdAt(15), nil)
	if again[0].Asks["a"] != 2 {
		t.Errorf("after add: %v, want a: 2", again[0].Asks)
	}
	dst := make([]CrowdBucket, 0, CrowdBuckets)
	if n := testing.AllocsPerRun(100, func() { dst = c.buckets(time.Time{}, crowdAt(15), dst[:0]) }); n != 0 {
		t.Errorf("reading an unchanged counter: %v allocations, want 0", n)
	}
}

// Fed a log in time order, the counter answers as of each event: what a
// live store would have said then.
func TestCrowdCounterLogInOrder(t *testing.T) {
	var c crowdCounter
	var got []int64 // count of "x" in the window at each ask of "x"
	for min := 0; min < 8*60; min += 5 {
		e := ask("x", min)
		c.add(e)
		var n int64
		for _, b := range c.buckets(time.Time{}, e.Time, nil) {
			n += b.Asks["x"]
		}
		got = append(got, n)
	}
	// Two asks per bucket; the window holds 36 buckets: the count rises
	// by one per ask until the window is full, then stays between 71 and
	// 72.
	for i, n := range got {
		want := min(int64(i+1), 70+int64(i%2)+1)
		if n != want {
			t.Fatalf("at ask %d (minute %d): %d asks in the window, want %d", i, 5*i, n, want)
		}
	}
}
