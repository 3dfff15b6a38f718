package intent

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/duxin-ai/duxin/internal/record"
)

// entityMark matches Rasa's inline entity annotations, [500元](amount) and
// [500元]{"entity": "amount"}; the example keeps the bracketed text.
var entityMark = regexp.MustCompile(`\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})`)

// ReadYAML reads examples from YAML in the shape of Rasa's nlu.yml:
//
//	nlu:
//	- intent: 花呗还款
//	  examples: |
//	    - 花呗怎么还
//	    - 我想还[500元](amount)花呗
//
// Each "- " item of an intent's examples block is one example; Rasa's entity
// annotations are stripped to their text. Other top-level keys (version,
// rules, stories, responses, ...) are ignored, as Rasa's schema allows
// them; nlu items other than intents (synonym, regex, lookup) are skipped.
// As in Rasa's schema validation, an nlu item's keys are checked: an item
// with none of intent, synonym, regex and lookup, or a key its kind does
// not have (a typo such as exmples), is an [ErrUnknownField] naming the
// key. Errors name the file, the line of the offending example or key and
// its field. The file is read whole and may not exceed 16 MiB
// ([ErrTooLarge]).
func ReadYAML(r io.Reader, name string) ([]Example, error) {
	data, err := record.ReadAll(r)
	if errors.Is(err, record.ErrTooLarge) {
		return nil, &ExampleError{File: name, Index: -1, Err: fmt.Errorf("%w: %v", ErrTooLarge, err)}
	}
	if err != nil {
		return nil, record.Wrap("intent", "read "+name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &ExampleError{File: name, Line: yamlErrLine(err), Index: -1, Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &ExampleError{File: name, Line: root.Line, Index: -1, Err: fmt.Errorf("%w: want a mapping with an nlu key", ErrSyntax)}
	}
	nlu := mapValue(root, "nlu")
	if nlu == nil {
		return nil, &ExampleError{File: name, Line: root.Line, Index: -1, Field: "nlu", Err: fmt.Errorf("%w: no nlu key", ErrSyntax)}
	}
	if nlu.Kind != yaml.SequenceNode {
		return nil, &ExampleError{File: name, Line: nlu.Line, Index: -1, Field: "nlu", Err: fmt.Errorf("%w: want a list", ErrSyntax)}
	}
	var out []Example
	var errs errorList
	for _, item := range nlu.Content {
		if item.Kind != yaml.MappingNode {
			errs.add(&ExampleError{File: name, Line: item.Line, Index: -1, Err: fmt.Errorf("%w: nlu item is not a mapping", ErrSyntax)})
			continue
		}
		if !checkKeys(item, name, &errs) {
			continue
		}
		in := mapValue(item, "intent")
		if in == nil {
			continue // synonym, regex, lookup
		}
		label := ""
		if in.Kind == yaml.ScalarNode {
			label = strings.TrimSpace(in.Value)
		}
		if label == "" {
			errs.add(&ExampleError{File: name, Line: in.Line, Index: -1, Field: "intent", Err: ErrEmptyIntent})
			continue
		}
		exs := mapValue(item, "examples")
		if exs == nil || exs.Kind != yaml.ScalarNode {
			line := item.Line
			if exs != nil {
				line = exs.Line
			}
			errs.add(&ExampleError{File: name, Line: line, Index: -1, Field: "examples", Err: fmt.Errorf("%w: want a block of \"- example\" lines", ErrSyntax)})
			continue
		}
		// A literal or folded block starts on the line after its indicator.
		first := exs.Line
		if exs.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			first++
		}
		for i, l := range strings.Split(exs.Value, "\n") {
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			ex := Example{Intent: label, Source: Source{File: name, Line: first + i}}
			if !strings.HasPrefix(t, "-") {
				errs.add(&ExampleError{File: name, Line: ex.Source.Line, Index: -1, Field: "examples", Err: fmt.Errorf("%w: example does not start with \"- \"", ErrSyntax)})
				continue
			}
			ex.Text = strings.TrimSpace(entityMark.ReplaceAllString(strings.TrimPrefix(t, "-"), "$1"))
			if errs.check(ex, -1) {
				continue
			}
			out = append(out, ex)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// nluKinds are the kinds of Rasa nlu item, each with the keys it may have.
var nluKinds = []struct {
	kind string
	keys []string
}{
	{"intent", []string{"intent", "examples", "metadata"}},
	{"synonym", []string{"synonym", "examples"}},
	{"regex", []string{"regex", "examples"}},
	{"lookup", []string{"lookup", "examples"}},
}

// checkKeys checks an nlu item's keys as Rasa's schema does, recording the
// first unknown one; it reports whether the item is good.
func checkKeys(item *yaml.Node, name string, errs *errorList) bool {
	unknown := func(k *yaml.Node, want []string) bool {
		quoted := make([]string, len(want))
		for i, w := range want {
			quoted[i] = strconv.Quote(w)
		}
		list := strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
		errs.add(&ExampleError{File: name, Line: k.Line, Index: -1, Field: k.Value, Err: fmt.Errorf("%w (want %s)", ErrUnknownField, list)})
		return false
	}
	for _, nk := range nluKinds {
		if mapValue(item, nk.kind) == nil {
			continue
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			if k := item.Content[i]; !slices.Contains(nk.keys, k.Value) {
				return unknown(k, nk.keys)
			}
		}
		return true
	}
	kinds := make([]string, len(nluKinds))
	for i, nk := range nluKinds {
		kinds[i] = nk.kind
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		if k := item.Content[i]; k.Value != "examples" {
			return unknown(k, kinds)
		}
	}
	errs.add(&ExampleError{File: name, Line: item.Line, Index: -1, Err: fmt.Errorf("%w: nlu item has none of \"intent\", \"synonym\", \"regex\" and \"lookup\"", ErrSyntax)})
	return false
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// yamlErrLine digs the line out of a yaml.v3 error ("yaml: line 3: ...").
func yamlErrLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return 0
	}
	var line int
	if _, e := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); e == nil {
		return line
	}
	return 0
}
