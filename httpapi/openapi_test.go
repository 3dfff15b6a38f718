package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/httpapi"
)

// document is the part of an OpenAPI document the tests read.
type document struct {
	OpenAPI string                                `json:"openapi"`
	Servers []struct{ URL string }                `json:"servers"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

func operations(t *testing.T, raw []byte) (document, []string) {
	t.Helper()
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	var ops []string
	for path, item := range doc.Paths {
		for key := range item {
			switch key {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				ops = append(ops, strings.ToUpper(key)+" "+path)
			}
		}
	}
	slices.Sort(ops)
	return doc, ops
}

// TestOpenAPIDescribesTheRoutes: every route documented exists and every
// route served is documented — for a handler with every service and for
// one with the knowledge base alone — and each answers as documented: not
// 404 for want of a route, not 405.
func TestOpenAPIDescribesTheRoutes(t *testing.T) {
	kbOnly, err := httpapi.New(sampleIndex(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]*httpapi.Handler{"full": newFull(t), "kb only": kbOnly} {
		t.Run(name, func(t *testing.T) {
			var served []byte
			call(t, h, "GET", "/openapi.json", "", 200, nil)
			_, _, served = do(t, h, "GET", "/openapi.json", "")
			doc, ops := operations(t, served)
			if !strings.HasPrefix(doc.OpenAPI, "3.") {
				t.Errorf("openapi %q, want 3.x", doc.OpenAPI)
			}
			if !slices.Equal(ops, h.Routes()) {
				t.Errorf("documented %v\nserved     %v", ops, h.Routes())
			}
			if _, fromMethod := operations(t, h.OpenAPI()); !slices.Equal(fromMethod, ops) {
				t.Errorf("OpenAPI() documents %v, GET /openapi.json %v", fromMethod, ops)
			}
			for _, op := range ops {
				method, path, _ := strings.Cut(op, " ")
				target := strings.ReplaceAll(path, "{id}", "transfer-bank-arrival-time")
				if method == "DELETE" {
					target = strings.ReplaceAll(path, "{id}", "no-such-entry")
				}
				code, _, body := do(t, h, method, target, "{}")
				if code == 405 || (code == 404 && strings.Contains(string(body), "no such endpoint")) {
					t.Errorf("%s (documented): %d %s", op, code, body)
				}
				for _, other := range []string{"GET", "POST", "PUT", "DELETE", "PATCH"} {
					if slices.Contains(ops, other+" "+path) {
						continue
					}
					if code, hdr, _ := do(t, h, other, target, ""); code != 405 || hdr.Get("Allow") == "" {
						t.Errorf("%s %s (not documented): %d, want 405 with Allow", other, path, code)
					}
				}
			}
		})
	}
	if code, _, _ := do(t, kbOnly, "POST", "/classify", `{"text":"x"}`); code != 404 {
		t.Errorf("classify without a classifier: %d, want 404", code)
	}
}

// TestOpenAPIRefsResolve: every $ref of the full document names a
// component that exists.
func TestOpenAPIRefsResolve(t *testing.T) {
	raw := newFull(t).OpenAPI()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	refs := 0
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if k != "$ref" {
					walk(y)
					continue
				}
				refs++
				var at any = doc
				for _, part := range strings.Split(strings.TrimPrefix(y.(string), "#/"), "/") {
					m, _ := at.(map[string]any)
					at = m[part]
				}
				if at == nil {
					t.Errorf("$ref %v resolves to nothing", y)
				}
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(doc)
	if refs < 10 {
		t.Errorf("only %d $refs: the walk is broken", refs)
	}
}

// TestOpenAPIServerIsTheMountPoint: mounted under /api/, the document
// says so, and the routes answer there.
func TestOpenAPIServerIsTheMountPoint(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", newFull(t)))
	var doc document
	call(t, mux, "GET", "/api/openapi.json", "", 200, &doc)
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api" {
		t.Errorf("servers %+v, want /api", doc.Servers)
	}
	call(t, mux, "GET", "/api/health", "", 200, nil)
	code, _, body := do(t, mux, "GET", "/api/nope", "")
	if code != 404 || !strings.Contains(string(body), "no such endpoint: /api/nope") {
		t.Errorf("GET /api/nope: %d %s", code, body)
	}
}
