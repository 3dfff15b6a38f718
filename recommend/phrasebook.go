package recommend

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/duxin-ai/duxin/internal/record"
)

// Phrasebook is the vocabulary of a log in words a user reads: how each
// event type is told (a clause such as 发起了一笔转账到{channel}) and the
// phrase of each attribute value (bank_card → 银行卡), plus what a form or a
// simulator needs to know of each type (a title, its attributes and their
// allowed values). Reasons are worded from it: 你3分钟前发起了一笔转账到银行卡.
// The host writes it for its own event types (see [ReadPhrasebook]); an
// event type it lacks is told neutrally, never by its code.
//
// A Phrasebook is read-only once made; it is safe for concurrent use.
type Phrasebook struct {
	// Events maps an event type to how it is told.
	Events map[string]EventPhrase `yaml:"events"`
	// Values maps an attribute name to the phrase of each of its values.
	Values map[string]map[string]string `yaml:"values"`
	// Labels maps an attribute name to the label of each of its values in
	// a form, where it differs from the phrase (电 reads badly alone; 电费
	// does not). Reasons do not use it.
	Labels map[string]map[string]string `yaml:"labels"`
}

// EventPhrase tells one event type.
type EventPhrase struct {
	// Title names the type in a few characters (转账成功), for lists and
	// forms.
	Title string `yaml:"title"`
	// Text is what the user did, without subject or time: a clause in
	// which {attr} stands for the phrase of the event's value of attr (or
	// the value itself when it has no phrase). An attribute the event
	// lacks leaves nothing, and an empty pair of brackets （） around it
	// is dropped.
	Text string `yaml:"text"`
	// Attrs are the type's attributes, in the order a form shows them.
	Attrs []AttrSpec `yaml:"attrs"`
}

// AttrSpec describes one attribute of an event type.
type AttrSpec struct {
	Name  string `yaml:"name"`
	Label string `yaml:"label"`
	// Values are the allowed values; empty for a free attribute.
	Values []string `yaml:"values"`
	// Format says what a free attribute holds: "amount" (yuan with two
	// decimals, such as 500.00), "integer" or "text".
	Format string `yaml:"format"`
}

// ErrPhrasebook wraps every problem with a phrasebook file.
var ErrPhrasebook = errors.New("recommend: invalid phrasebook")

// ReadPhrasebook reads a phrasebook in YAML (or JSON, which YAML reads too):
//
//	values:
//	  channel: {bank_card: 银行卡, alipay_account: 他人账户}
//	events:
//	  transfer.success:
//	    title: 转账成功
//	    text: 发起了一笔转账到{channel}
//	    attrs:
//	      - {name: channel, label: 渠道, values: [bank_card, alipay_account]}
//	      - {name: amount, label: 金额（元）, format: amount}
//
// name labels errors. Unknown fields, a value of the wrong shape (a list
// where text belongs), an event without text, a placeholder that is not
// closed or names no attribute of its type (when the type lists its
// attributes), an unknown format and duplicate attributes are
// [*FieldError]s wrapping [ErrPhrasebook] that give the file, the line and
// the field (a dotted path such as events.transfer.success.text). A file
// may hold up to 16 MiB.
func ReadPhrasebook(r io.Reader, name string) (*Phrasebook, error) {
	bad := func(line int, path []string, msg string) error {
		return &FieldError{File: name, Line: line, Field: strings.Join(path, "."), Err: fmt.Errorf("%w: %s", ErrPhrasebook, msg)}
	}
	data, err := record.ReadAll(r)
	if errors.Is(err, record.ErrTooLarge) {
		return nil, bad(0, nil, err.Error())
	}
	if err != nil {
		return nil, record.Wrap("recommend", "read "+name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, bad(0, nil, err.Error())
	}
	if fe := checkShape(&root); fe != nil {
		return nil, bad(fe.line, fe.path, fe.msg)
	}
	var p Phrasebook
	if err := root.Decode(&p); err != nil && len(root.Content) > 0 {
		return nil, bad(0, nil, err.Error()) // such as excessive aliasing
	}
	if err := p.check(); err != nil {
		var fe *phraseError
		if errors.As(err, &fe) {
			return nil, bad(lineOf(&root, fe.path), fe.path, fe.msg)
		}
		return nil, err
	}
	return &p, nil
}

// LoadPhrasebook reads a phrasebook file; see [ReadPhrasebook].
func LoadPhrasebook(path string) (*Phrasebook, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recommend: %w", err)
	}
	defer f.Close()
	return ReadPhrasebook(f, path)
}

// phraseError is a problem at a path of the phrasebook.
type phraseError struct {
	path []string
	msg  string
}

func (e *phraseError) Error() string { return strings.Join(e.path, ".") + ": " + e.msg }

var (
	placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)
	attrNameRE    = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

var formats = []string{"amount", "integer", "text"}

func (p *Phrasebook) check() error {
	for _, typ := range slices.Sorted(maps.Keys(p.Events)) {
		ev := p.Events[typ]
		at := func(field string, more ...string) []string {
			return append([]string{"events", typ, field}, more...)
		}
		if strings.TrimSpace(ev.Text) == "" {
			return &phraseError{at("text"), "missing"}
		}
		if strings.Count(ev.Text, "{") != strings.Count(ev.Text, "}") {
			return &phraseError{at("text"), "unbalanced braces"}
		}
		names := map[string]bool{}
		for i, a := range ev.Attrs {
			idx := fmt.Sprint(i)
			switch {
			case !attrNameRE.MatchString(a.Name):
				return &phraseError{at("attrs", idx, "name"), fmt.Sprintf("%q is not an attribute name", a.Name)}
			case names[a.Name]:
				return &phraseError{at("attrs", idx, "name"), fmt.Sprintf("duplicate attribute %q", a.Name)}
			case a.Format != "" && !slices.Contains(formats, a.Format):
				return &phraseError{at("attrs", idx, "format"), fmt.Sprintf("%q, want one of %s", a.Format, strings.Join(formats, ", "))}
			case a.Format != "" && len(a.Values) > 0:
				return &phraseError{at("attrs", idx, "format"), "an attribute has allowed values or a format, not both"}
			}
			names[a.Name] = true
		}
		for _, m := range placeholderRE.FindAllStringSubmatch(ev.Text, -1) {
			n := m[1]
			if !attrNameRE.MatchString(n) {
				return &phraseError{at("text"), fmt.Sprintf("placeholder {%s} is not an attribute name", n)}
			}
			if len(ev.Attrs) > 0 && !names[n] {
				return &phraseError{at("text"), fmt.Sprintf("placeholder {%s} names no attribute of %s", n, typ)}
			}
		}
	}
	return nil
}

// lineOf returns the line of the deepest node at path in a YAML document
// that exists (for a mapping entry, the line of its key), 0 if none.
func lineOf(root *yaml.Node, path []string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, key := range path {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					next, line = n.Content[i+1], n.Content[i].Line
					break
				}
			}
		case yaml.SequenceNode:
			var i int
			if _, err := fmt.Sscan(key, &i); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line
}

// Describe returns the clause for what the user did in e, without subject
// or time, such as 发起了一笔转账到银行卡, and whether p knows e's type.
// Searches and asks are told by the engine itself (搜索了“电子回单”), and so
// are hand-offs and routes when p lacks their types (申请了人工客服（主动要求）,
// 打开了“转账”服务); a nil Phrasebook knows no other type.
func (p *Phrasebook) Describe(e Event) (string, bool) {
	switch e.Type {
	case TypeSearch:
		return "搜索了“" + e.Text + "”", true
	case TypeAsk:
		if e.Text != "" {
			return "向客服提问“" + e.Text + "”", true
		}
	}
	var ev EventPhrase
	ok := false
	if p != nil {
		ev, ok = p.Events[e.Type]
	}
	if !ok {
		return ownClause(e)
	}
	s := placeholderRE.ReplaceAllStringFunc(ev.Text, func(m string) string {
		attr := m[1 : len(m)-1]
		return p.Value(attr, e.Attrs[attr])
	})
	return strings.ReplaceAll(s, "（）", ""), true
}

// handoffReasons are the clauses of the hand-off reasons duxin gives.
var handoffReasons = map[string]string{
	ReasonRequested:  "（主动要求）",
	ReasonUnanswered: "（没有找到答案）",
	ReasonUnhelpful:  "（觉得回答没有帮助）",
}

// ownClause tells the engine's own hand-off and route events when the
// phrasebook does not: 申请了人工客服（主动要求）, 打开了“转账”服务. A
// reason of the host's own is told as it is.
func ownClause(e Event) (string, bool) {
	switch e.Type {
	case TypeHandoff:
		why, ok := handoffReasons[e.Attrs["reason"]]
		if !ok && e.Attrs["reason"] != "" {
			why = "（" + e.Attrs["reason"] + "）"
		}
		return "申请了人工客服" + why, true
	case TypeRoute:
		if s := e.Attrs["service"]; s != "" {
			return "打开了“" + s + "”服务", true
		}
		return "打开了一项服务", true
	}
	return "", false
}

// Value returns the phrase of an attribute's value, or the value itself
// when the phrasebook has none.
func (p *Phrasebook) Value(attr, value string) string {
	if p != nil {
		if ph, ok := p.Values[attr][value]; ok {
			return ph
		}
	}
	return value
}

// Label returns the form label of an attribute's value: its label, else its
// phrase, else the value.
func (p *Phrasebook) Label(attr, value string) string {
	if p != nil {
		if l, ok := p.Labels[attr][value]; ok {
			return l
		}
	}
	return p.Value(attr, value)
}

// Types returns the phrasebook's event types, sorted.
func (p *Phrasebook) Types() []string {
	if p == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(p.Events))
}

// Ago formats how long ago something happened, the way the help center
// shows it: 刚刚, 3分钟前, 2小时前, 5天前.
func Ago(d time.Duration) string {
	if d < time.Minute {
		return "刚刚"
	}
	var b [32]byte
	return string(appendAgo(b[:0], d))
}

// appendAgo appends [Ago] of d to dst.
func appendAgo(dst []byte, d time.Duration) []byte {
	switch {
	case d < time.Minute:
		return append(dst, "刚刚"...)
	case d < time.Hour:
		return append(strconv.AppendInt(dst, int64(d/time.Minute), 10), "分钟前"...)
	case d < 24*time.Hour:
		return append(strconv.AppendInt(dst, int64(d/time.Hour), 10), "小时前"...)
	}
	return append(strconv.AppendInt(dst, int64(d/(24*time.Hour)), 10), "天前"...)
}

// Sentence tells e as the engine's reasons do: 你 + [Ago] of ago + the
// clause [Phrasebook.Describe] gives (你3分钟前发起了一笔转账到银行卡), or,
// for an event p cannot tell, 你3分钟前有一次相关操作. A nil Phrasebook
// tells only searches and asks with text.
func (p *Phrasebook) Sentence(e Event, ago time.Duration) string { return p.sentence(e, ago) }

// sentence is 你 + when + what: 你3分钟前发起了一笔转账到银行卡, or, for an
// event the phrasebook cannot tell, 你3分钟前有一次相关操作.
func (p *Phrasebook) sentence(e Event, ago time.Duration) string {
	what, ok := p.Describe(e)
	if !ok {
		what = "有一次相关操作"
	}
	var b [128]byte
	return string(append(appendAgo(append(b[:0], "你"...), ago), what...))
}
