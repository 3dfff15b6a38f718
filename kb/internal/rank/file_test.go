package rank

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
)

// modelJSON returns m as WriteTo writes it.
func modelJSON(t testing.TB, m *Model) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// fileBody returns the JSON of a ranker file.
func fileBody(t testing.TB, file []byte) []byte {
	t.Helper()
	_, body, ok := bytes.Cut(file, []byte("\n"))
	if !ok {
		t.Fatal("no header line")
	}
	return body
}

// seal returns body with a ranker file header that matches it.
func seal(body []byte) []byte {
	sum := sha256.Sum256(body)
	return append(fmt.Appendf(nil, "%s %d %d %x\n", legacyMagic, legacyVersion, len(body), sum), body...)
}
