package depcheck

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/duxin-ai/duxin"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	CgoFiles   []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// allowed lists, for each package (and, by longest prefix, its
// subpackages), the module packages it may depend on: an entry ending in "/"
// allows a whole tree, any other entry that package alone. A package may
// always use its parents. Packages not covered (examples, benchmarks) may
// import anything.
var allowed = map[string][]string{
	"tokenize":                  {"internal/textnorm"},
	"tokenize/bleveanalysis":    {"tokenize", "internal/textnorm"},
	"tokenize/jieba":            {"tokenize", "internal/textnorm"},
	"tokenize/jieba/jiebableve": {"tokenize", "internal/textnorm", "tokenize/jieba", "tokenize/bleveanalysis"},
	"kb":                        {"tokenize", "internal/"},
	"intent":                    {"tokenize", "intent/slots", "internal/"},
	"intent/slots":              {"internal/textnorm"},
	"recommend":                 {"kb", "tokenize", "intent", "intent/slots", "internal/"},
	"recommend/simulate":        {"kb", "tokenize", "intent", "intent/slots", "internal/", "sampledata"},
	"sampledata":                {},
	"replica":                   {"kb", "tokenize", "intent", "intent/slots", "recommend", "internal/"},
	"prommetrics":               {"kb", "tokenize", "intent", "intent/slots", "recommend", "replica", "internal/"},
	"httpapi":                   {"kb", "tokenize", "intent", "intent/slots", "recommend", "insight", "internal/"},
	// insight reads logs and models; nothing of the library imports it.
	"insight": {"kb", "tokenize", "intent", "intent/slots", "recommend", "internal/"},
	// The evaluation procedures shared by benchmarks/eval and cmd/duxin
	// drive the public packages, so they may import them; nothing of the
	// library imports them.
	"internal/evaluate": {"kb", "tokenize", "intent", "intent/slots", "recommend", "recommend/simulate", "sampledata", "internal/"},
	"internal/":         {"internal/"},
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }

func ruleFor(p string) ([]string, bool) {
	best := ""
	for prefix := range allowed {
		if (p == prefix || strings.HasPrefix(p, strings.TrimSuffix(prefix, "/")+"/") || (strings.HasSuffix(prefix, "/") && strings.HasPrefix(p, prefix))) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return allowed[best], best != ""
}

func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		if name == "" {
			if len(p.Imports) > 0 {
				t.Errorf("root package must be documentation only; it imports %v", p.Imports)
			}
			continue
		}
		if strings.HasSuffix(name, "test") || strings.HasPrefix(name, "internal/depcheck") {
			continue // conformance suites and this test
		}
		rules, ok := ruleFor(name)
		if !ok {
			continue
		}
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, module+"/") {
				continue
			}
			dep := rel(d)
			if i := strings.Index(dep, "/internal/"); i >= 0 {
				// A package's internal tree is part of it (Go lets only
				// that tree's parent import it): depending on
				// kb/internal/rank is depending on kb.
				dep = dep[:i]
			}
			if name == dep || strings.HasPrefix(name, dep+"/") {
				continue // a package may use its parent (e.g. tokenize/jieba uses tokenize)
			}
			okDep := false
			for _, a := range rules {
				if dep == a || strings.HasSuffix(a, "/") && strings.HasPrefix(dep, a) {
					okDep = true
				}
			}
			if !okDep {
				t.Errorf("%s must not depend on %s", name, dep)
			}
		}
	}
}

func TestOnlyJiebaUsesCgo(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.CgoFiles) > 0 && rel(p.ImportPath) != "tokenize/jieba" {
			t.Errorf("%s has cgo files %v; only tokenize/jieba may", rel(p.ImportPath), p.CgoFiles)
		}
	}
}

func TestBleveStaysOutOfPublicPackages(t *testing.T) {
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		if name != "intent" && name != "tokenize" {
			continue
		}
		for _, d := range p.Deps {
			if strings.Contains(d, "blevesearch") || strings.Contains(d, "gojieba") {
				t.Errorf("%s depends on %s", name, d)
			}
		}
	}
}

// TestClientLibrariesStayInBackends: only the backend packages import
// go-redis and client_golang, so a user of the core never builds them.
func TestClientLibrariesStayInBackends(t *testing.T) {
	backend := func(name string) bool {
		return strings.HasSuffix(name, "/redisstore") || strings.HasSuffix(name, "/redisreplica") ||
			name == "prommetrics" || name == "internal/redistest" ||
			strings.HasPrefix(name, "examples/") || strings.HasPrefix(name, "benchmarks") || strings.HasPrefix(name, "cmd/")
	}
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		if backend(name) {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/redis/go-redis") || strings.HasPrefix(d, "github.com/prometheus/client_golang") {
				t.Errorf("%s depends on %s; only the backend packages may", name, d)
			}
		}
	}
}

// TestCommandLibrariesStayInCommands: terminal libraries (the progress bar)
// are for the commands under cmd/, never for the library a host imports.
func TestCommandLibrariesStayInCommands(t *testing.T) {
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		if strings.HasPrefix(name, "cmd/") {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/schollz/progressbar") {
				t.Errorf("%s depends on %s; only cmd/ may", name, d)
			}
		}
	}
}

// TestNothingImportsEvaluate: internal/evaluate, which may import the
// public packages, is used only by the commands and benchmarks.
func TestNothingImportsEvaluate(t *testing.T) {
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		if strings.HasPrefix(name, "cmd/") || strings.HasPrefix(name, "benchmarks") || strings.HasPrefix(name, "internal/evaluate") {
			continue
		}
		if slices.Contains(p.Deps, module+"/internal/evaluate") {
			t.Errorf("%s depends on internal/evaluate; only cmd/ and benchmarks/ may", name)
		}
	}
}
