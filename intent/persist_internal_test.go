package intent

import (
	"bytes"
	"context"
	"testing"

	"github.com/duxin-ai/duxin/tokenize"
)

// TestDecodeMutatedPayload damages every byte of a model's payload and
// rewrites the checksum, so the decoder itself must catch the damage (or
// load a model that still works): no panic, no huge allocation.
func TestDecodeMutatedPayload(t *testing.T) {
	exs := []Example{
		{Text: "花呗怎么还", Intent: "repay"},
		{Text: "我要转账", Intent: "transfer"},
		{Text: "今天天气", Intent: "oos"},
	}
	f, l := DefaultFeatures(), DefaultLearning()
	f.CharNGrams, l.Holdout = NGrams{1, 1}, 0
	m, err := Train(context.Background(), exs, tokenize.Bigram(), WithFeatures(f), WithLearning(l))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	_, payload, err := fileFormat.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for i := range payload {
		for _, mask := range []byte{0x01, 0x40, 0xff} {
			p := bytes.Clone(payload)
			p[i] ^= mask
			var c bytes.Buffer
			if _, err := fileFormat.Write(&c, p); err != nil {
				t.Fatal(err)
			}
			got, err := ReadModel(&c, tokenize.Bigram())
			if err != nil {
				continue
			}
			loaded++
			if _, err := got.Classify(context.Background(), "花呗怎么还款"); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d of %d damaged payloads still decode (weights changed)", loaded, 3*len(payload))
}
