//go:build cgo && linux

package jieba

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// memoryChild is the environment variable that makes TestLongTextMemory's
// child process cut a 10 MB text and report its peak memory.
const memoryChild = "DUXIN_JIEBA_MEMORY_CHILD"

// TestLongTextMemory cuts 10 MB texts — a Latin run without spaces through
// Cut, Han text without punctuation through Tokenize — each in a child
// process, and compares the child's peak resident memory with the memory
// it had once the dictionaries were loaded. In one gojieba call they took
// about 370 and 120 bytes per byte of input (a 10 MB Latin run: 4 GB, or
// std::bad_alloc and SIGABRT under a memory limit).
func TestLongTextMemory(t *testing.T) {
	if kind := os.Getenv(memoryChild); kind != "" {
		longTextChild(kind)
		return
	}
	if testing.Short() {
		t.Skip("cuts 20 MB of text in child processes")
	}
	if raceEnabled {
		t.Skip("the race detector multiplies the Go heap the bounds allow for")
	}
	for _, tc := range []struct {
		kind  string
		bound int64 // bytes of peak growth allowed
	}{
		// Cut returns a few hundred words of at most maxPiece bytes, sharing
		// the input's memory.
		{"latin", 64 << 20},
		// Tokenize returns about 6 million tokens (48 bytes each, their
		// text sharing the input's memory) and the folding's offsets.
		{"han", 640 << 20},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestLongTextMemory$", "-test.count=1")
			cmd.Env = append(os.Environ(), memoryChild+"="+tc.kind)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			var before, peak, words int64
			if _, err := fmt.Sscanf(lastLine(string(out)), "before=%d peak=%d words=%d", &before, &peak, &words); err != nil {
				t.Fatalf("child output %q: %v", out, err)
			}
			t.Logf("%s, 10 MB: %d words; peak RSS %d MB, %d MB over the %d MB with dictionaries loaded",
				tc.kind, words, peak>>20, (peak-before)>>20, before>>20)
			if peak-before > tc.bound {
				t.Errorf("cutting 10 MB of %s grew the peak RSS by %d MB, more than %d MB", tc.kind, (peak-before)>>20, tc.bound>>20)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "before=") {
			return lines[i]
		}
	}
	return ""
}

// longTextChild is the child of TestLongTextMemory: it loads the
// dictionaries, cuts a 10 MB text of the kind asked (another size in MB
// with DUXIN_JIEBA_MEMORY_CHILD_MB, to measure) and prints its peak
// resident memory before and after, in bytes.
func longTextChild(kind string) {
	tok, err := New()
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	before := maxRSS()
	size := 10 << 20
	if s := os.Getenv(memoryChild + "_MB"); s != "" {
		n, _ := strconv.Atoi(s)
		size = n << 20
	}
	var words int
	switch kind {
	case "latin":
		words = len(tok.Cut(strings.Repeat("a", size)))
	case "han":
		const run = "转账到银行卡为什么还没到账"
		words = len(tok.Tokenize(strings.Repeat(run, size/len(run))))
	}
	fmt.Printf("before=%d peak=%d words=%d\n", before, maxRSS(), words)
	os.Exit(0)
}

// maxRSS returns the process's peak resident memory in bytes (Linux
// reports kilobytes).
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) << 10
}
