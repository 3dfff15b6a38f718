package intent

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
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
// responses, ...) and other nlu items (synonym, regex, lookup) are ignored.
// Errors name the file, the line of the offending example and its field.
func ReadYAML(r io.Reader, name string) ([]Example, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("intent: read %s: %w", name, err)
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
	return out, errs.err()
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
