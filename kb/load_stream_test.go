package kb_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/internal/record/recordtest"
	"github.com/duxin-ai/duxin/kb"
)

// TestLoadStopsAtBadRecord: a loader that reads past a bad record at the
// start fails with recordtest.ErrReadOn (after a MiB) instead of the
// record's error.
func TestLoadStopsAtBadRecord(t *testing.T) {
	t.Parallel()
	rec := func(i int) string { return fmt.Sprintf(`{"id":"x%d","question":"问题%d"}`, i, i) }
	tests := []struct {
		format kb.Format
		head   string
		tail   func(int) string
	}{
		{kb.FormatJSONL, good + "\n" + `{"id":"b","question":""}` + "\n", func(i int) string { return rec(i) + "\n" }},
		{kb.FormatJSON, "[" + good + ",\n" + `{"id":"b","question":""}`, func(i int) string { return ",\n" + rec(i) }},
		{kb.FormatCSV, "id,question\nb,\n", func(i int) string { return fmt.Sprintf("x%d,问题%d\n", i, i) }},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			_, _, err := kb.Load(&recordtest.Endless{Head: tt.head, Next: tt.tail, Limit: 1 << 20}, tt.format, kb.WithFileName("big"))
			var re *kb.RecordError
			if !errors.As(err, &re) || !errors.Is(err, kb.ErrEmptyQuestion) || re.Line != 2 {
				t.Fatalf("error %v, want the empty question on line 2", err)
			}
		})
	}
}

// huge is a reader of head, n bytes of 'a', then tail.
func huge(head string, n int, tail string) io.Reader {
	return io.MultiReader(strings.NewReader(head), io.LimitReader(as{}, int64(n)), strings.NewReader(tail))
}

type as struct{}

func (as) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestLoadRecordTooLarge(t *testing.T) {
	t.Parallel()
	const n = 16<<20 + 1
	tests := []struct {
		format kb.Format
		in     io.Reader
		line   int
		msg    string
	}{
		{kb.FormatJSONL, huge(good+"\n"+`{"id":"b","question":"`, n, "\"}\n"), 2, "kb: big:2: line longer than 16 MiB"},
		{kb.FormatJSON, huge("[\n"+good+",\n"+`{"id":"b","question":"`, n, "\"}]"), 3, "kb: big:3: entry longer than 16 MiB"},
		{kb.FormatCSV, huge("id,question\na,q\nb,", n, "\n"), 3, "kb: big:3: record longer than 16 MiB"},
		{kb.FormatYAML, huge("- id: a\n  question: ", n, "\n"), 0, "kb: big: file larger than 16 MiB"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			_, _, err := kb.Load(tt.in, tt.format, kb.WithFileName("big"), kb.SkipInvalid())
			var re *kb.RecordError
			if !errors.As(err, &re) || !errors.Is(err, kb.ErrTooLarge) {
				t.Fatalf("error %v, want a *kb.RecordError matching kb.ErrTooLarge", err)
			}
			if re.Line != tt.line || err.Error() != tt.msg {
				t.Errorf("error %q on line %d, want %q on line %d", err, re.Line, tt.msg, tt.line)
			}
		})
	}
}

// failing fails every read after its data.
type failing struct{ r io.Reader }

var errDisk = errors.New("disk on fire")

func (f failing) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errDisk
	}
	return n, err
}

// TestLoadReadError: a failing reader is reported as such, once prefixed,
// for every format.
func TestLoadReadError(t *testing.T) {
	t.Parallel()
	for _, f := range []kb.Format{kb.FormatJSONL, kb.FormatJSON, kb.FormatCSV, kb.FormatYAML} {
		in := map[kb.Format]string{kb.FormatJSONL: good + "\n", kb.FormatJSON: "[" + good, kb.FormatCSV: "id,question\na,q\n", kb.FormatYAML: "- id: a\n"}[f]
		for _, name := range []string{"faq", ""} {
			_, _, err := kb.Load(failing{strings.NewReader(in)}, f, kb.WithFileName(name))
			want := strings.TrimSpace("kb: load "+name) + ": disk on fire"
			if !errors.Is(err, errDisk) || err.Error() != want {
				t.Errorf("%s, file %q: error %v, want %q", f, name, err, want)
			}
		}
	}
}
