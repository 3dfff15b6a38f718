package kb_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/duxin-ai/duxin/kb"
)

// FuzzReadRanker: any bytes are a ranker or an error, never a panic; a
// ranker read writes back to bytes that read again.
func FuzzReadRanker(f *testing.F) {
	body := []byte(`{"note":"fuzz seed","features":[],"mean":[],"scale":[],"weights":[]}` + "\n")
	seed := fmt.Appendf(nil, "duxin-kb-ranker 2 %d %x\n%s", len(body), sha256.Sum256(body), body)
	r, err := kb.ReadRanker(bytes.NewReader(seed))
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(buf.Bytes())
	f.Add([]byte("duxin-kb-ranker 2 2 x\n{}"))
	f.Add([]byte("duxin-kb-ranker 2 99999999999 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := kb.ReadRanker(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := r.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := kb.ReadRanker(&out); err != nil {
			t.Fatalf("a ranker read does not read back: %v", err)
		}
	})
}
