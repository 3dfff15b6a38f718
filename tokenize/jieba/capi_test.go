//go:build cgo

package jieba

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCAPIMatchesHeader checks that the declarations capi.go copies from
// gojieba's jieba.h still match the header of the gojieba in go.mod: C links
// by name only, so a changed signature would otherwise corrupt memory.
func TestCAPIMatchesHeader(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yanyiwu/gojieba").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Skipf("cannot locate gojieba's source: %v", err)
	}
	header, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "jieba.h"))
	if err != nil {
		t.Skipf("gojieba's jieba.h: %v", err)
	}
	src, err := os.ReadFile("capi.go")
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	h := norm(string(header))
	// Every typedef and prototype in the preamble up to the first helper.
	pre := string(src)
	pre = pre[strings.Index(pre, "typedef void* Jieba;"):strings.Index(pre, "typedef struct {\n  size_t n;")]
	decls := regexp.MustCompile(`(?s)(typedef [^;]*;|[A-Za-z]+\*? [A-Za-z]+\([^)]*\);)`).FindAllString(pre, -1)
	if len(decls) < 8 {
		t.Fatalf("found only %d declarations in capi.go's preamble", len(decls))
	}
	for _, d := range decls {
		if !strings.Contains(h, norm(d)) {
			t.Errorf("capi.go declares %q, which gojieba's jieba.h does not", norm(d))
		}
	}
}
