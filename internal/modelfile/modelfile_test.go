package modelfile_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/internal/modelfile"
)

var testFormat = modelfile.Format{Kind: "intent", Version: 3, Oldest: 2, Limit: 1 << 20}

func write(t testing.TB, f modelfile.Format, payload []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := f.Write(&buf, payload)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Write = %d, %v; wrote %d bytes", n, err, buf.Len())
	}
	return buf.Bytes()
}

func TestWriteFormat(t *testing.T) {
	got := string(write(t, testFormat, []byte("hello")))
	// CRC-32C of "duxin-model intent 3 5 hello", computed apart from Go.
	want := "duxin-model intent 3 5 068e09d8\nhello"
	if got != want {
		t.Errorf("Write = %q, want %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, payload := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("模型\x00\xff"), 50000)} {
		b := write(t, testFormat, payload)
		for name, r := range map[string]io.Reader{
			"bytes.Reader":  bytes.NewReader(b),
			"one byte":      iotest.OneByteReader(bytes.NewReader(b)),
			"data with EOF": iotest.DataErrReader(bytes.NewReader(b)),
		} {
			v, got, err := testFormat.Read(r)
			if err != nil || v != 3 || !bytes.Equal(got, payload) {
				t.Errorf("%s, %d bytes: Read = %d, %d bytes, %v", name, len(payload), v, len(got), err)
			}
		}
	}
}

func TestReadLeavesTheRest(t *testing.T) {
	b := append(write(t, testFormat, []byte("one")), "next"...)
	r := bytes.NewReader(b)
	if _, p, err := testFormat.Read(r); err != nil || string(p) != "one" {
		t.Fatalf("Read = %q, %v", p, err)
	}
	if rest, _ := io.ReadAll(r); string(rest) != "next" {
		t.Errorf("left %q unread, want %q", rest, "next")
	}
}

func TestReadVersions(t *testing.T) {
	for _, tt := range []struct {
		version int
		err     error
		msg     string
	}{
		{1, modelfile.ErrVersion, "unsupported format version: intent model format 1 is older than this build reads (2 to 3): retrain the model"},
		{2, nil, ""},
		{3, nil, ""},
		{4, modelfile.ErrVersion, "unsupported format version: intent model format 4 is newer than this build reads (2 to 3): upgrade duxin"},
	} {
		w := testFormat
		w.Version, w.Oldest = tt.version, 0
		v, _, err := testFormat.Read(bytes.NewReader(write(t, w, []byte("p"))))
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("version %d: err = %v, want %v", tt.version, err, tt.err)
			continue
		}
		if err != nil && err.Error() != tt.msg {
			t.Errorf("version %d: err = %q\nwant %q", tt.version, err, tt.msg)
		}
		if err == nil && v != tt.version {
			t.Errorf("version %d: Read says %d", tt.version, v)
		}
	}
}

func TestReadErrors(t *testing.T) {
	good := write(t, testFormat, []byte("payload"))
	other := write(t, modelfile.Format{Kind: "recommend", Version: 2}, []byte("payload"))
	huge := "duxin-model intent 3 1048577 00000000\n"
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name  string
		input []byte
		want  error
		msg   string // the start of the message
	}{
		{"empty", nil, modelfile.ErrNotModel, "not a model file: empty input (intent model expected)"},
		{"zip", []byte("PK\x03\x04\x14\x00"), modelfile.ErrNotModel, `not a model file: input starts with "PK\x03\x04\x14\x00" (intent model expected)`},
		{"json", []byte(`{"weights": {}}`), modelfile.ErrNotModel, "not a model file: input starts with"},
		{"v0.1.0 intent file", []byte("DXINTENT\x03\x00\x00\x00"), modelfile.ErrNotModel, "not a model file"},
		{"magic only", []byte("duxin-model"), modelfile.ErrTruncated, "truncated: the input ends inside the header"},
		{"no newline", []byte("duxin-model intent 3 7 00000000"), modelfile.ErrTruncated, "truncated"},
		{"endless header", []byte("duxin-model " + strings.Repeat("x", 200)), modelfile.ErrNotModel, "not a model file: bad header line"},
		{"other kind", other, modelfile.ErrKind, "wrong model kind: this is a recommend model, not an intent model"},
		{"too large", []byte(huge), modelfile.ErrTooLarge, "model too large: intent model of 1048577 bytes, limit 1048576"},
		{"truncated payload", good[:len(good)-2], modelfile.ErrTruncated, "truncated: intent model has 5 of 7 payload bytes"},
		{"payload damaged", flip(len(good) - 1), modelfile.ErrChecksum, "checksum mismatch: intent model is damaged"},
		{"checksum damaged", flip(len(good) - 9), modelfile.ErrChecksum, "checksum mismatch"},
		{"length damaged", bytes.Replace(good, []byte(" 7 "), []byte(" 6 "), 1), modelfile.ErrChecksum, "checksum mismatch"},
		{"leading zero", bytes.Replace(good, []byte(" 7 "), []byte(" 07 "), 1), modelfile.ErrNotModel, "not a model file: bad header line"},
		{"upper-case hex", []byte(strings.ToUpper(string(good[:len(good)-8])) + "\npayload"), modelfile.ErrNotModel, "not a model file"},
		{"bad kind", bytes.Replace(good, []byte("intent"), []byte("Intent"), 1), modelfile.ErrNotModel, "not a model file: bad header line"},
		{"version 0", bytes.Replace(good, []byte(" 3 "), []byte(" 0 "), 1), modelfile.ErrNotModel, "not a model file: bad header line"},
		{"tab", bytes.Replace(good, []byte(" 3 "), []byte("\t3 "), 1), modelfile.ErrNotModel, "not a model file: bad header line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, p, err := testFormat.Read(bytes.NewReader(tt.input))
			if !errors.Is(err, tt.want) || !errors.Is(err, modelfile.ErrInvalid) || v != 0 || p != nil {
				t.Fatalf("Read = %d, %q, %v; want %v", v, p, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("err = %q\nwant it to start with %q", err, tt.msg)
			}
		})
	}
}

func TestReadPassesReaderErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	good := write(t, testFormat, []byte("payload"))
	for _, n := range []int{0, 5, len(good) - 2} {
		r := io.MultiReader(bytes.NewReader(good[:n]), iotest.ErrReader(boom))
		_, _, err := testFormat.Read(r)
		if !errors.Is(err, boom) || errors.Is(err, modelfile.ErrInvalid) {
			t.Errorf("error after %d bytes: Read err = %v, want %v alone", n, err, boom)
		}
	}
}

func TestBadFormat(t *testing.T) {
	for _, f := range []modelfile.Format{
		{Kind: "", Version: 1},
		{Kind: "Intent", Version: 1},
		{Kind: "in tent", Version: 1},
		{Kind: "1ntent", Version: 1},
		{Kind: strings.Repeat("a", 33), Version: 1},
		{Kind: "intent", Version: 0},
		{Kind: "intent", Version: 2, Oldest: 3},
		{Kind: "intent", Version: 2, Limit: -1},
	} {
		if _, err := f.Write(io.Discard, nil); err == nil || errors.Is(err, modelfile.ErrInvalid) {
			t.Errorf("%+v: Write err = %v, want a plain error", f, err)
		}
		if _, _, err := f.Read(strings.NewReader("")); err == nil || errors.Is(err, modelfile.ErrInvalid) {
			t.Errorf("%+v: Read err = %v, want a plain error", f, err)
		}
	}
	small := modelfile.Format{Kind: "intent", Version: 1, Limit: 3}
	if _, err := small.Write(io.Discard, []byte("four")); err == nil {
		t.Error("Write of a payload above the limit: no error")
	}
}

// TestHostileLength: a header claiming a huge payload allocates in step
// with the data that arrives, not with the claim.
func TestHostileLength(t *testing.T) {
	f := modelfile.Format{Kind: "intent", Version: 3, Limit: 1 << 50}
	input := []byte("duxin-model intent 3 1000000000000000 00000000\n" + strings.Repeat("x", 1000))
	alloc := allocated(func() {
		if _, _, err := f.Read(bytes.NewReader(input)); !errors.Is(err, modelfile.ErrTruncated) {
			t.Errorf("err = %v, want ErrTruncated", err)
		}
	})
	if alloc > 1<<20 {
		t.Errorf("Read allocated %d bytes for a 1 kB input", alloc)
	}
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestSniff(t *testing.T) {
	for _, in := range []string{"", "DX", "DXINTENT", "DXINTENT and more", "duxin-model intent"} {
		head, all, err := modelfile.Sniff(strings.NewReader(in), 8)
		if err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(all)
		if want := in[:min(8, len(in))]; string(head) != want || string(rest) != in {
			t.Errorf("Sniff(%q) = %q, then %q", in, head, rest)
		}
	}
	boom := errors.New("boom")
	if _, _, err := modelfile.Sniff(iotest.ErrReader(boom), 8); !errors.Is(err, boom) {
		t.Errorf("Sniff of a failing reader: err = %v", err)
	}
}

func TestSniffThenRead(t *testing.T) {
	b := write(t, testFormat, []byte("payload"))
	head, all, err := modelfile.Sniff(bytes.NewReader(b), 8)
	if err != nil || string(head) != modelfile.Magic[:8] {
		t.Fatalf("Sniff = %q, %v", head, err)
	}
	_, p, err := testFormat.Read(all)
	if d := cmp.Diff("payload", string(p)); d != "" || err != nil {
		t.Errorf("Read after Sniff: %v (-want +got):\n%s", err, d)
	}
}

func TestWrap(t *testing.T) {
	errMine := errors.New("intent: unsupported model format version")
	_, _, err := testFormat.Read(strings.NewReader("duxin-model intent 9 0 00000000\n"))
	w := modelfile.Wrap("intent: ", errMine, err)
	if !errors.Is(w, errMine) || !errors.Is(w, modelfile.ErrVersion) || !errors.Is(w, modelfile.ErrInvalid) {
		t.Errorf("Wrap = %v, which does not wrap both errors", w)
	}
	want := "intent: unsupported format version: intent model format 9 is newer than this build reads (2 to 3): upgrade duxin"
	if w.Error() != want {
		t.Errorf("Wrap = %q\nwant %q", w, want)
	}
	if w := modelfile.Wrap("kb: read ranker: ", nil, err); !errors.Is(w, modelfile.ErrVersion) || w.Error() != "kb: read ranker: "+err.Error() {
		t.Errorf("Wrap without a sentinel = %v", w)
	}
}
