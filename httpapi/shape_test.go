package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/duxin-ai/duxin/kb"
)

// FuzzCheckShape: on any JSON body checkShape does not panic, and what it
// accepts the decoder accepts too, so that every refusal comes from
// checkShape with a path.
func FuzzCheckShape(f *testing.F) {
	for _, s := range []string{
		`{"id":"x","question":"q","triggers":[{"event":"e","window":"2h","weight":0.5,"attrs":{"a":"b"}}],"priority":2}`,
		`{"id":"x","question":"q","triggers":[null,{"window":5}],"valid_from":"2026-01-02T03:04:05Z"}`,
		`{"events":[{"user":"u","type":"search","text":"转账","time":"2026-01-02T03:04:05Z","attrs":{"k":"v"}}]}`,
		`{"ID":1,"id":"y","id":"z","similar":[1,[2],{"3":4}],"tags":"t"}`, `{"events":[[]]}`, `{}`, `{"priority":1e400}`,
	} {
		f.Add([]byte(s))
	}
	types := []reflect.Type{reflect.TypeFor[*kb.FAQ](), reflect.TypeFor[*Events](), reflect.TypeFor[*Feedback]()}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return
		}
		for _, typ := range types {
			if checkShape(body, typ) != nil {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(reflect.New(typ.Elem()).Interface()); err != nil {
				t.Errorf("%v: checkShape accepts %s, the decoder refuses it: %v", typ, body, err)
			}
		}
	})
}

// TestJSONFields: names as encoding/json gives them, "-" skipped,
// embedded fields promoted unless shadowed.
func TestJSONFields(t *testing.T) {
	type inner struct {
		A string `json:"a"`
		B int
	}
	type outer struct {
		inner
		B       string `json:"B"`
		C       int    `json:"c,string"`
		D       int    `json:"-"`
		private int
	}
	_ = outer{private: 1} // unexported: not a JSON field
	got := jsonFields(reflect.TypeFor[outer]())
	want := map[string]field{
		"a": {typ: reflect.TypeFor[string]()},
		"B": {typ: reflect.TypeFor[string]()},
		"c": {typ: reflect.TypeFor[int](), quoted: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonFields = %v, want %v", got, want)
	}
}
