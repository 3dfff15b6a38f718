package main

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/recommend"
)

// This file is the demo's view of the wallet phrasebook
// (sampledata/phrasebook.yaml), the one copy of the sample event
// vocabulary: which event types the "add an event" form offers, which
// attributes each takes with which values, how a free value is checked, and
// the labels the form shows.

// attrSpec is one attribute of an event type.
type attrSpec struct {
	Name   string
	Label  string   // Chinese label for the form
	Values []string // allowed values; empty means free text checked by free
	free   *freeCheck
}

// eventSpec is one event type.
type eventSpec struct {
	Type   string
	Title  string // short Chinese name for the form
	Phrase string // explanation clause; {attr} marks a value phrase
	Attrs  []attrSpec
}

var (
	amountRE  = regexp.MustCompile(`^[0-9]{1,9}\.[0-9]{2}$`)
	integerRE = regexp.MustCompile(`^[0-9]{1,4}$`)
)

// freeCheck validates a free attribute: what it wants, for the client's
// developer (English) and for the user (Chinese, after the attribute's
// label).
type freeCheck struct {
	ok     func(string) bool
	want   string
	prompt string
}

// freeChecks validate free attributes by their phrasebook format.
var freeChecks = map[string]*freeCheck{
	"amount": {ok: amountRE.MatchString, want: `want yuan with two decimals such as "500.00"`,
		prompt: "请填写带两位小数的金额，例如 500.00"},
	"integer": {ok: integerRE.MatchString, want: `want a whole number such as "3"`, prompt: "请填写整数，例如 3"},
	"text": {ok: func(s string) bool {
		n := utf8.RuneCountInString(strings.TrimSpace(s))
		return n > 0 && n <= maxTextRunes
	}, want: fmt.Sprintf("want 1 to %d characters", maxTextRunes), prompt: fmt.Sprintf("请填写 1 到 %d 个字", maxTextRunes)},
}

// refuse is the error check returns: 400, with en for the client's
// developer and zh, the sentence the page shows its user.
func refuse(zh, en string, args ...any) error {
	return &httpapi.Error{Status: http.StatusBadRequest, Message: fmt.Sprintf(en, args...), Text: zh}
}

// vocabulary validates events added by hand and describes them for the
// form. It is read-only after construction.
type vocabulary struct {
	pb     *recommend.Phrasebook
	specs  []eventSpec // by type
	byType map[string]*eventSpec
}

// newVocabulary returns the form's vocabulary: every event type of the
// phrasebook, sorted by type.
func newVocabulary(pb *recommend.Phrasebook) *vocabulary {
	v := &vocabulary{pb: pb, byType: map[string]*eventSpec{}}
	for _, typ := range pb.Types() {
		ev := pb.Events[typ]
		spec := eventSpec{Type: typ, Title: ev.Title, Phrase: ev.Text}
		for _, a := range ev.Attrs {
			as := attrSpec{Name: a.Name, Label: a.Label, Values: a.Values}
			if len(a.Values) == 0 {
				as.free = freeChecks[cmpOr(a.Format, "text")]
			}
			spec.Attrs = append(spec.Attrs, as)
		}
		v.specs = append(v.specs, spec)
	}
	for i := range v.specs {
		v.byType[v.specs[i].Type] = &v.specs[i]
	}
	return v
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// manual returns the event types the "add an event" form offers.
func (v *vocabulary) manual() []eventSpec { return v.specs }

// valueLabel is the label shown for an attribute value in the form.
func (v *vocabulary) valueLabel(attr, value string) string { return v.pb.Label(attr, value) }

// check validates an event's type and attributes and fills in derived
// attributes (amount_band from amount). The returned error is for the
// client: an *httpapi.Error of 400 whose Text, for the user, is Chinese,
// in the words of the phrasebook's titles and labels.
func (v *vocabulary) check(typ string, attrs map[string]string) (map[string]string, error) {
	if typ == "" {
		return nil, refuse("请选择一种动态", "type: missing")
	}
	spec, ok := v.byType[typ]
	if typ == recommend.TypeAsk || typ == recommend.TypeSearch {
		title := typ
		if ok {
			title = spec.Title
		}
		return nil, refuse(fmt.Sprintf("“%s”不能手动添加", title), "event type %q cannot be added by hand", typ)
	}
	if !ok {
		return nil, refuse("没有这种动态，请从列表中选择", "unknown event type %q (see GET /api/vocabulary)", typ)
	}
	out := make(map[string]string, len(attrs)+1)
	for name, val := range attrs {
		a := spec.attr(name)
		if a == nil {
			return nil, refuse(fmt.Sprintf("“%s”没有这一项：%s", spec.Title, name), "event type %q has no attribute %q", typ, name)
		}
		switch {
		case a.free != nil:
			if !a.free.ok(val) {
				return nil, refuse(a.Label+"："+a.free.prompt, "attribute %q: %s, got %q", name, a.free.want, val)
			}
		case !slices.Contains(a.Values, val):
			labels := make([]string, len(a.Values))
			for i, x := range a.Values {
				labels[i] = v.valueLabel(name, x)
			}
			return nil, refuse(a.Label+"：请从“"+strings.Join(labels, "”“")+"”中选择",
				"attribute %q: want one of %s, got %q", name, strings.Join(a.Values, ", "), val)
		}
		out[name] = val
	}
	for _, name := range placeholders(spec.Phrase) {
		if _, ok := out[name]; !ok {
			label := name
			if a := spec.attr(name); a != nil {
				label = a.Label
			}
			return nil, refuse(fmt.Sprintf("“%s”需要填写%s", spec.Title, label), "event type %q needs attribute %q", typ, name)
		}
	}
	if a, ok := out["amount"]; ok && spec.attr("amount_band") != nil && out["amount_band"] == "" {
		out["amount_band"] = amountBand(a)
	}
	return out, nil
}

func (s *eventSpec) attr(name string) *attrSpec {
	for i := range s.Attrs {
		if s.Attrs[i].Name == name {
			return &s.Attrs[i]
		}
	}
	return nil
}

// amountBand maps "1234.50" to its band (see sampledata/EVENTS.md).
func amountBand(amount string) string {
	f, err := strconv.ParseFloat(amount, 64)
	switch {
	case err != nil || f < 1000:
		return "small"
	case f < 50000:
		return "medium"
	}
	return "large"
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

func placeholders(phrase string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(phrase, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}
