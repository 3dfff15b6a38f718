package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestProgressFinish: a stage ended by an error says it failed, never
// that it is done; a command that succeeded says done; with no stage
// open, finish says nothing.
func TestProgressFinish(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		for _, tt := range []struct {
			err        error
			want, not  string
			stageTotal int
		}{
			{errors.New("boom"), "training: failed after", "done", 0},
			{errors.New("boom"), "training: failed after", "done", 10},
			{nil, "training: done in", "failed", 0},
			{nil, "training: 3 done in", "failed", 10},
		} {
			var b bytes.Buffer
			p := newProgress(env{stderr: &b, terminal: terminal})
			p.stage("training", tt.stageTotal)
			p.add(3)
			p.finish(tt.err)
			if out := b.String(); !strings.Contains(out, tt.want) || strings.Contains(out, tt.not) {
				t.Errorf("terminal %v, total %d, err %v: %q, want %q and no %q", terminal, tt.stageTotal, tt.err, out, tt.want, tt.not)
			}
			b.Reset()
			p.finish(errors.New("again"))
			if b.Len() != 0 {
				t.Errorf("finish with no stage open wrote %q", b.String())
			}
		}
	}
}
