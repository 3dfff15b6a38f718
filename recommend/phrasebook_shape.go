package recommend

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// shape is what a phrasebook node must be: a scalar (any YAML scalar reads
// as text), a list of elem, a mapping of any keys to elem, or a mapping of
// the given fields.
type shape struct {
	kind   yaml.Kind
	elem   *shape
	fields map[string]*shape
	order  []string // the fields, for messages
}

var (
	textShape  = &shape{kind: yaml.ScalarNode}
	wordsShape = &shape{kind: yaml.MappingNode, elem: &shape{kind: yaml.MappingNode, elem: textShape}}
	attrShape  = fieldsShape([]string{"name", "label", "values", "format"},
		textShape, textShape, &shape{kind: yaml.SequenceNode, elem: textShape}, textShape)
	eventShape = fieldsShape([]string{"title", "text", "attrs"},
		textShape, textShape, &shape{kind: yaml.SequenceNode, elem: attrShape})
	bookShape = fieldsShape([]string{"events", "values", "labels"},
		&shape{kind: yaml.MappingNode, elem: eventShape}, wordsShape, wordsShape)
)

// shapeError is a node of the wrong shape, at a path and a line.
type shapeError struct {
	path []string
	line int
	msg  string
}

func fieldsShape(names []string, shapes ...*shape) *shape {
	s := &shape{kind: yaml.MappingNode, fields: map[string]*shape{}, order: names}
	for i, n := range names {
		s.fields[n] = shapes[i]
	}
	return s
}

// checkShape checks a phrasebook document against bookShape before it is
// decoded, so that a typo or a wrong value is told by its path and line in
// the file's own words, not by yaml.v3's Go type names.
func checkShape(doc *yaml.Node) *shapeError {
	if doc.Kind == 0 {
		return nil // empty input
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		doc = doc.Content[0]
	}
	memo := map[*yaml.Node]int{}
	if n := expanded(doc, memo); n > nodes(doc)+maxAliased {
		return &shapeError{line: doc.Line, msg: "YAML aliases expand to more than " + strconv.Itoa(maxAliased) + " values: write the values out"}
	}
	c := &shapeCheck{seen: map[aliasUse]bool{}}
	return c.check(bookShape, doc, nil)
}

// maxAliased bounds how many values a document's aliases may add: decoding
// costs what the document expands to, however small the file.
const maxAliased = 1 << 20

// nodes counts n's nodes, aliases as one each.
func nodes(n *yaml.Node) int {
	size := 1
	for _, c := range n.Content {
		size += nodes(c)
	}
	return size
}

// expanded counts n's nodes with every alias replaced by what it names,
// stopping early past maxAliased beyond any real size.
func expanded(n *yaml.Node, memo map[*yaml.Node]int) int {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if size, ok := memo[n]; ok {
		return size
	}
	memo[n] = 1 // an alias of an enclosing node counts as one
	size := 1
	for _, c := range n.Content {
		size = min(size+expanded(c, memo), 1<<40)
	}
	memo[n] = size
	return size
}

// shapeCheck walks a document once; an alias's target is checked once for
// each shape it is used as, so aliases of aliases cannot make the walk
// exponential.
type shapeCheck struct{ seen map[aliasUse]bool }

type aliasUse struct {
	n *yaml.Node
	s *shape
}

func (c *shapeCheck) check(s *shape, n *yaml.Node, path []string) *shapeError {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias // what an alias names is checked where it is used
		if c.seen[aliasUse{n, s}] {
			return nil
		}
		c.seen[aliasUse{n, s}] = true
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty value reads as the zero value
	}
	if n.Kind != s.kind {
		return &shapeError{path: path, line: n.Line, msg: "want " + kindWords(s.kind) + ", got " + kindWords(n.Kind)}
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, e := range n.Content {
			if fe := c.check(s.elem, e, append(path[:len(path):len(path)], strconv.Itoa(i))); fe != nil {
				return fe
			}
		}
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			at := append(path[:len(path):len(path)], k.Value)
			if k.Kind != yaml.ScalarNode {
				return &shapeError{path: path, line: k.Line, msg: "want a name as key, got " + kindWords(k.Kind)}
			}
			if seen[k.Value] {
				return &shapeError{path: at, line: k.Line, msg: "given twice"}
			}
			seen[k.Value] = true
			elem := s.elem
			if s.fields != nil {
				if elem = s.fields[k.Value]; elem == nil {
					q := make([]string, len(s.order))
					for i, f := range s.order {
						q[i] = strconv.Quote(f)
					}
					return &shapeError{path: at, line: k.Line, msg: "unknown field (want " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1] + ")"}
				}
			}
			if fe := c.check(elem, v, at); fe != nil {
				return fe
			}
		}
	}
	return nil
}

func kindWords(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "text"
	}
	return "an alias"
}
