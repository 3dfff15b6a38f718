package kb_test

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize"
)

// maxUnreadWrites bounds how many writes the child may finish between the
// parent's last read of its output and the kill.
const maxUnreadWrites = 50

// crashEnv names the folder a child of TestCrashConsistency writes to.
const crashEnv = "DUXIN_KB_CRASH_DIR"

// crashOp is the i-th write of the crash test, decided by i and the state
// before it, so that the parent can replay what the child did: a reload
// dropping the oldest batch, a delete of a batch, or an upsert of a batch
// of five entries.
type crashOp struct {
	kind  string // "reload", "delete", "upsert"
	batch int
}

func crashOpAt(i int) crashOp {
	switch {
	case i%7 == 6:
		return crashOp{"reload", i}
	case i%5 == 3:
		return crashOp{"delete", i - 2}
	}
	return crashOp{"upsert", i}
}

func crashBatch(b int) []kb.FAQ {
	out := make([]kb.FAQ, 5)
	for k := range out {
		id := fmt.Sprintf("b%04d-%d", b, k)
		out[k] = kb.FAQ{ID: id, Question: "第" + strconv.Itoa(b) + "批的问题" + id, Answer: "答案"}
	}
	return out
}

// apply returns the state (id → batch) after op.
func (op crashOp) apply(state map[string]int) map[string]int {
	next := maps.Clone(state)
	switch op.kind {
	case "upsert":
		for _, f := range crashBatch(op.batch) {
			next[f.ID] = op.batch
		}
	case "delete":
		for _, f := range crashBatch(op.batch) {
			delete(next, f.ID)
		}
	case "reload":
		if len(next) > 0 {
			oldest := slices.Min(slices.Collect(maps.Values(next)))
			maps.DeleteFunc(next, func(_ string, b int) bool { return b == oldest })
		}
	}
	return next
}

// stateOf reads the index's entries as id → batch.
func stateOf(t *testing.T, ix *kb.Index) map[string]int {
	t.Helper()
	all, err := ix.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, f := range all {
		b, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(f.ID, "-", 2)[0], "b"))
		out[f.ID] = b
	}
	return out
}

// TestCrashWriterChild is the child of TestCrashConsistency: it opens the
// folder, then writes forever, printing "ack N" after write N returned.
func TestCrashWriterChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("run by TestCrashConsistency")
	}
	ctx := context.Background()
	ix, err := kb.Open(dir, tokenize.Bigram(), kb.WithRanker(nil))
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	state := stateOf(t, ix)
	start, _ := strconv.Atoi(os.Getenv(crashEnv + "_START"))
	for i := start; ; i++ {
		op := crashOpAt(i)
		next := op.apply(state)
		switch op.kind {
		case "upsert":
			err = ix.Upsert(ctx, crashBatch(op.batch)...)
		case "delete":
			var ids []string
			for _, f := range crashBatch(op.batch) {
				ids = append(ids, f.ID)
			}
			err = ix.Delete(ctx, ids...)
		case "reload":
			var faqs []kb.FAQ
			for _, id := range slices.Sorted(maps.Keys(next)) {
				b := next[id]
				faqs = append(faqs, crashBatch(b)[id[len(id)-1]-'0'])
			}
			err = ix.Reload(ctx, faqs)
		}
		if err != nil {
			fmt.Println("write:", err)
			os.Exit(4)
		}
		state = next
		fmt.Printf("ack %d\n", i)
	}
}

// TestCrashConsistency kills a process writing to an on-disk index at
// random moments (SIGKILL: no cleanup runs) and reopens the folder each
// time: every acknowledged write is there, those after it are there
// whole or not at all, in order, and no generation is left behind. It does not run
// in parallel with other tests: the kill must land during the write after
// the acknowledged one, and a loaded machine delays it.
func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	dir := filepath.Join(t.TempDir(), "kb")
	r := rand.New(rand.NewPCG(1, 2))
	state := map[string]int{}
	next := 0 // the first write of the next child
	for round := range 12 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriterChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, crashEnv+"_START="+strconv.Itoa(next))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := next - 1
		want := 1 + r.IntN(12)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "ack "); ok {
				acked, _ = strconv.Atoi(n)
				if acked-next+1 >= want {
					// Kill during the next write: it has just started.
					time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
					break
				}
				continue
			}
			t.Fatalf("round %d: child says %q", round, line)
		}
		cmd.Process.Kill()
		cmd.Wait()
		// Replay: the acknowledged writes, and maybe the ones after them.
		// The child keeps writing between the last "ack" read and the
		// kill (on a loaded machine a write can take less than the
		// sleep), so the index may hold any number of whole writes past
		// the acknowledged one; what it must never hold is a part of one,
		// or miss an acknowledged one.
		for i := next; i <= acked; i++ {
			state = crashOpAt(i).apply(state)
		}
		ix, err := kb.Open(dir, tokenize.Bigram(), kb.WithRanker(nil))
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		got := stateOf(t, ix)
		done, after := -1, state
		for k := 0; k <= maxUnreadWrites; k++ {
			if maps.Equal(got, after) {
				done = k
				break
			}
			after = crashOpAt(acked + 1 + k).apply(after)
		}
		switch done {
		case -1:
			t.Fatalf("round %d: after write %d the index holds %d entries, the state after none of the next %d writes (%d acknowledged)",
				round, acked, len(got), maxUnreadWrites, len(state))
		case 0:
			t.Logf("round %d: killed after write %d during %v, which did not happen; %d entries", round, acked, crashOpAt(acked+1), len(got))
		default:
			t.Logf("round %d: killed after write %d; %d more whole writes happened; %d entries", round, acked, done, len(got))
		}
		state, next = after, acked+1+done
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		if g := generations(t, dir); len(g) != 1 {
			t.Errorf("round %d: generations left: %v", round, g)
		}
	}
}
