package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// openAPIDocument describes every route the handler can serve.
//
//go:embed openapi.json
var openAPIDocument []byte

// restrictDocument returns the OpenAPI document with the operations of the
// routes served and no others. A route the document does not describe is an
// error.
func restrictDocument(routes []route) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		return nil, fmt.Errorf("httpapi: embedded OpenAPI document: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	served := map[string]bool{}
	for _, rt := range routes {
		item, _ := paths[rt.path].(map[string]any)
		if _, ok := item[strings.ToLower(rt.method)]; !ok {
			return nil, fmt.Errorf("httpapi: embedded OpenAPI document lacks %s %s", rt.method, rt.path)
		}
		served[rt.method+" "+rt.path] = true
	}
	for path, v := range paths {
		item, _ := v.(map[string]any)
		ops := 0
		for key := range item {
			if !isMethod(key) {
				continue // parameters, summary
			}
			if served[strings.ToUpper(key)+" "+path] {
				ops++
			} else {
				delete(item, key)
			}
		}
		if ops == 0 {
			delete(paths, path)
		}
	}
	return json.Marshal(doc)
}

// isMethod reports whether key of an OpenAPI path item is an operation.
func isMethod(key string) bool {
	switch key {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

// OpenAPI returns the OpenAPI 3 document of the routes h serves, with paths
// relative to where it is mounted. GET /openapi.json serves the same with a
// server URL of the mount point.
func (h *Handler) OpenAPI() []byte { return append([]byte(nil), h.doc...) }

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request) error {
	var doc map[string]any
	if err := json.Unmarshal(h.doc, &doc); err != nil {
		return err
	}
	// Where the host mounted the handler: the path asked for, less this
	// route's own.
	if base, ok := strings.CutSuffix(requestPath(r), "/openapi.json"); ok && base != "" {
		doc["servers"] = []map[string]string{{"url": base}}
	}
	writeJSON(w, http.StatusOK, doc)
	return nil
}
