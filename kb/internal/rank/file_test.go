package rank

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
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

// TestReadBytesMatchesRead holds ReadBytes to Read: the same model, or the
// same error, for the built-in rankers, both file formats and broken
// files of each.
func TestReadBytesMatchesRead(t *testing.T) {
	t.Parallel()
	var files [][]byte
	for _, path := range []string{"../../rerank_default.ranker", "../../rerank_sample.ranker"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	body := []byte(`{"note":"n","features":[],"mean":[],"scale":[],"weights":[]}` + "\n")
	legacy := seal(body)
	m, err := Read(bytes.NewReader(legacy))
	if err != nil {
		t.Fatal(err)
	}
	var envelope bytes.Buffer
	if _, err := m.WriteTo(&envelope); err != nil {
		t.Fatal(err)
	}
	files = append(files,
		legacy,
		envelope.Bytes(),
		legacy[:len(legacy)-3],            // truncated
		append(slices.Clone(legacy), 'x'), // data after
		bytes.Replace(legacy, []byte(`"n"`), []byte(`"m"`), 1), // checksum
		bytes.Replace(legacy, []byte(" 2 "), []byte(" 3 "), 1), // version
		seal([]byte(`{"unknown":1}`)),
		seal([]byte(`{"features":["x"],"mean":[0],"scale":[1],"weights":[1]}`)),
		[]byte(legacyMagic+" 2 5 abc"), // no newline
		[]byte(legacyMagic+" 2 -1 abc\n"),
		[]byte(legacyMagic+" x\n{}"),
		[]byte(legacyMagic+" 2 99999999999 0\n"),
		[]byte(legacyMagic),
		[]byte("duxin-kb"),
		nil,
		envelope.Bytes()[:envelope.Len()-2],
	)
	for i, f := range files {
		want, werr := Read(bytes.NewReader(f))
		got, gerr := ReadBytes(f)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Errorf("file %d: ReadBytes error %v, Read error %v", i, gerr, werr)
			continue
		}
		if werr == nil && modelJSON(t, want) != modelJSON(t, got) {
			t.Errorf("file %d: ReadBytes and Read read different models", i)
		}
	}
}
