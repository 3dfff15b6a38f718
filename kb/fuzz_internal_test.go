package kb

import (
	"bytes"
	"testing"
)

// FuzzReadRanker: any bytes are a ranker or an error, never a panic; a
// ranker read writes back to the same bytes.
func FuzzReadRanker(f *testing.F) {
	r := &Ranker{note: "fuzz seed"}
	for i := range r.scale {
		r.scale[i] = 1
	}
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("duxin-kb-ranker 2 2 x\n{}"))
	f.Add([]byte("duxin-kb-ranker 2 99999999999 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadRanker(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := r.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRanker(&out); err != nil {
			t.Fatalf("a ranker read does not read back: %v", err)
		}
	})
}
