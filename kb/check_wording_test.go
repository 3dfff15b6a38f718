package kb_test

import (
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/kb"
)

// TestCheckWording: Check names the entry and the quoted field once, with
// the package's prefix said once (it read `kb: entry "x": answer: kb:
// invalid utf-8`).
func TestCheckWording(t *testing.T) {
	err := kb.Check(kb.FAQ{ID: "x", Question: "q", Answer: "坏\xff"})
	if err == nil {
		t.Fatal("Check accepted invalid UTF-8")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, `kb: entry "x": field "answer": `) || strings.Count(msg, "kb: ") != 1 {
		t.Errorf("Check = %q, want it to start `kb: entry \"x\": field \"answer\": ` and say \"kb: \" once", msg)
	}
}
