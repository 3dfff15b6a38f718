package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/kb"
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

// checkDocumented fails t unless h's OpenAPI document lists status among
// the responses of the operation serving method and target (for 405, of
// every operation on the path). A target no documented path matches is
// skipped: the 404 of an unknown endpoint.
func checkDocumented(t *testing.T, h *httpapi.Handler, method, target string, status int) {
	t.Helper()
	type op struct {
		Responses map[string]json.RawMessage `json:"responses"`
	}
	doc, _ := operations(t, h.OpenAPI())
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	for path, raw := range doc.Paths {
		item := map[string]op{}
		for key, v := range raw {
			var o op
			if err := json.Unmarshal(v, &o); err == nil && o.Responses != nil {
				item[key] = o
			}
		}
		segs := strings.Split(path, "/")
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") {
				segs[i] = "[^/]+"
			} else {
				segs[i] = regexp.QuoteMeta(seg)
			}
		}
		if !regexp.MustCompile("^" + strings.Join(segs, "/") + "$").MatchString(u.Path) {
			continue
		}
		code := strconv.Itoa(status)
		o, ok := item[strings.ToLower(method)]
		if !ok {
			if status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, but the document has no %s operation on %s", method, target, status, method, path)
			}
			for m, other := range item {
				if _, ok := other.Responses[code]; !ok {
					t.Errorf("%s %s: %d, not among the responses of %s %s", method, target, status, strings.ToUpper(m), path)
				}
			}
			return
		}
		if _, ok := o.Responses[code]; !ok {
			t.Errorf("%s %s: %d, not among the documented responses of %s %s", method, target, status, method, path)
		}
		return
	}
}

// TestOpenAPIHitFields: the document's Hit.field enum has every field a
// hit can match in.
func TestOpenAPIHitFields(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				Hit struct {
					Properties struct {
						Field struct {
							Enum []string `json:"enum"`
						} `json:"field"`
					} `json:"properties"`
				} `json:"Hit"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(newFull(t).OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	enum := doc.Components.Schemas.Hit.Properties.Field.Enum
	for _, f := range []kb.Field{kb.FieldQuestion, kb.FieldSimilar, kb.FieldAnswer} {
		if !slices.Contains(enum, string(f)) {
			t.Errorf("Hit.field enum %v lacks %q", enum, f)
		}
	}
}

// brokenKB fails every call, as a knowledge base whose store is down.
type brokenKB struct{}

func (brokenKB) Search(context.Context, kb.Query) ([]kb.Hit, error) {
	return nil, errors.New("store down")
}
func (brokenKB) Get(context.Context, string) (kb.FAQ, error) {
	return kb.FAQ{}, errors.New("store down")
}

// TestOpenAPIServerErrors: a failing knowledge base is a 500 that tells the
// client nothing of the cause, as documented.
func TestOpenAPIServerErrors(t *testing.T) {
	h, err := httpapi.New(brokenKB{})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/search?q=x", "/kb/x"} {
		code, _, body := do(t, h, "GET", target, "")
		if code != 500 || strings.Contains(string(body), "store down") {
			t.Errorf("GET %s: %d %s, want 500 without the cause", target, code, body)
		}
		checkDocumented(t, h, "GET", target, code)
	}
}
