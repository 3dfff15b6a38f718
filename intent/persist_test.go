package intent_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/tokenize"
)

// small is a model small enough to truncate at every length.
func small(t testing.TB) *intent.Model {
	t.Helper()
	exs := []intent.Example{
		{Text: "花呗怎么还", Intent: "repay"},
		{Text: "还花呗", Intent: "repay"},
		{Text: "我要转账", Intent: "transfer"},
		{Text: "给妈妈转钱", Intent: "transfer"},
		{Text: "今天天气", Intent: "oos"},
	}
	m, err := intent.Train(context.Background(), exs, tokenize.Bigram(), features(func(f *intent.Features) { f.CharNGrams = intent.NGrams{} }), learning(func(l *intent.Learning) { l.Holdout = 0 }))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	models := map[string]*intent.Model{
		"wallet":     train(t, wallet(t)),
		"small":      small(t),
		"cross-word": train(t, wallet(t), features(func(f *intent.Features) { f.CrossWord, f.WordPairs = true, false })),
	}
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			b := modelBytes(t, m)
			got, err := intent.ReadModel(bytes.NewReader(b), tokenize.Bigram())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, modelBytes(t, got)) {
				t.Error("a loaded model writes different bytes")
			}
			for _, h := range append(heldOut, struct{ text, want string }{"今天天气好", ""}) {
				want, _ := m.Classify(ctx, h.text)
				r, err := got.Classify(ctx, h.text)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, r); d != "" {
					t.Errorf("Classify(%q) after loading (-want +got):\n%s", h.text, d)
				}
			}
			if d := cmp.Diff(m.Labels(), got.Labels()); d != "" {
				t.Errorf("labels (-want +got):\n%s", d)
			}
		})
	}
}

// otherTok is the bigram tokenizer under another identity.
type otherTok struct{ tokenize.Tokenizer }

func (otherTok) Identity() string { return "something else" }

func TestReadModelRefusesOtherTokenizer(t *testing.T) {
	b := modelBytes(t, small(t))
	_, err := intent.ReadModel(bytes.NewReader(b), otherTok{tokenize.Bigram()})
	if !errors.Is(err, intent.ErrIncompatible) {
		t.Fatalf("err = %v, want ErrIncompatible", err)
	}
	want := `intent: incompatible tokenizer: model trained with tokenizer "duxin/bigram/v1 stop=default stem=snowball-english", loaded with "something else"`
	if err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	if _, err := intent.ReadModel(bytes.NewReader(b), nil); !errors.Is(err, intent.ErrBadOption) {
		t.Errorf("nil tokenizer: err = %v, want ErrBadOption", err)
	}
}

func TestReadModelTruncated(t *testing.T) {
	b := modelBytes(t, small(t))
	for n := 0; n < len(b); n++ {
		m, err := intent.ReadModel(bytes.NewReader(b[:n]), tokenize.Bigram())
		if !errors.Is(err, intent.ErrCorrupt) || m != nil {
			t.Fatalf("truncated at %d of %d bytes: model %v, err %v; want ErrCorrupt", n, len(b), m != nil, err)
		}
	}
}

func TestReadModelFlippedBytes(t *testing.T) {
	b := modelBytes(t, small(t))
	for i := range b {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(b)
			c[i] ^= mask
			m, err := intent.ReadModel(bytes.NewReader(c), tokenize.Bigram())
			if err == nil || m != nil {
				t.Fatalf("byte %d ^ %#x: no error", i, mask)
			}
			if !errors.Is(err, intent.ErrCorrupt) && !errors.Is(err, intent.ErrVersion) {
				t.Fatalf("byte %d ^ %#x: err %v, want ErrCorrupt or ErrVersion", i, mask, err)
			}
		}
	}
}

func TestReadModelErrors(t *testing.T) {
	b := modelBytes(t, small(t))
	version := bytes.Clone(b)
	version[8] = 9
	old := bytes.Clone(b)
	old[8] = 1 // version 1 lacked the cross-word flag
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, intent.ErrCorrupt},
		{"not a model", []byte("{\"text\": \"花呗\", \"intent\": \"repay\"}\n"), intent.ErrCorrupt},
		{"future version", version, intent.ErrVersion},
		{"old version", old, intent.ErrVersion},
		{"trailing garbage is left unread", append(bytes.Clone(b), 'x'), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := intent.ReadModel(bytes.NewReader(tt.input), tokenize.Bigram())
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestWriteFuzzSeeds keeps testdata/fuzz/FuzzReadModel in step with the
// format: run it with DUXIN_UPDATE_FUZZ=1 after changing the format.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("DUXIN_UPDATE_FUZZ") == "" {
		t.Skip("set DUXIN_UPDATE_FUZZ=1 to rewrite the FuzzReadModel seeds")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzReadModel")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := modelBytes(t, small(t))
	for name, data := range map[string][]byte{"valid": b, "half": b[:len(b)/2]} {
		content := "go test fuzz v1\n[]byte(" + quoteBytes(data) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func quoteBytes(b []byte) string {
	var buf bytes.Buffer
	buf.WriteByte('"')
	for _, c := range b {
		buf.WriteString("\\x")
		buf.WriteByte("0123456789abcdef"[c>>4])
		buf.WriteByte("0123456789abcdef"[c&15])
	}
	buf.WriteByte('"')
	return buf.String()
}

// FuzzReadModel: any input gives a model or an error, never a panic, and a
// model that loads classifies without panicking.
func FuzzReadModel(f *testing.F) {
	b := modelBytes(f, small(f))
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte("DXINTENT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := intent.ReadModel(bytes.NewReader(data), tokenize.Bigram())
		if err != nil {
			if m != nil {
				t.Fatal("model with an error")
			}
			return
		}
		if _, err := m.Classify(context.Background(), "花呗怎么还款"); err != nil {
			t.Fatal(err)
		}
	})
}
