package recommend_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
)

func TestPhrasebookDescribe(t *testing.T) {
	pb, err := simulate.SamplePhrasebook()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		e    recommend.Event
		want string
		ok   bool
	}{
		{recommend.Event{Type: "transfer.success", Attrs: map[string]string{"channel": "bank_card"}}, "发起了一笔转账到银行卡", true},
		{recommend.Event{Type: "transfer.fail", Attrs: map[string]string{"channel": "alipay_account", "reason": "risk_control"}}, "有一笔转账到他人账户失败了（触发了安全风控）", true},
		{recommend.Event{Type: "utility.pay.fail", Attrs: map[string]string{"kind": "electricity"}}, "电费缴纳没有成功", true},
		{recommend.Event{Type: "huabei.repay.fail"}, "花呗还款没有成功", true}, // a missing value drops its brackets
		{recommend.Event{Type: "search", Text: "电子回单"}, "搜索了“电子回单”", true},
		{recommend.Event{Type: "ask", Question: "k1", Text: "怎么还花呗"}, "向客服提问“怎么还花呗”", true},
		{recommend.Event{Type: "coupon.expire"}, "", false},
		{recommend.Event{Type: recommend.TypeHandoff, Attrs: map[string]string{"reason": recommend.ReasonRequested}}, "申请了人工客服（主动要求）", true},
		{recommend.Event{Type: recommend.TypeHandoff, Attrs: map[string]string{"reason": recommend.ReasonUnanswered}}, "申请了人工客服（没有找到答案）", true},
		{recommend.Event{Type: recommend.TypeHandoff, Attrs: map[string]string{"reason": "vip_line"}}, "申请了人工客服（vip_line）", true},
		{recommend.Event{Type: recommend.TypeRoute, Attrs: map[string]string{"intent": "transfer", "service": "转账"}}, "打开了“转账”服务", true},
		{recommend.Event{Type: recommend.TypeRoute}, "打开了一项服务", true},
	}
	for _, tc := range tests {
		got, ok := pb.Describe(tc.e)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Describe(%s) = %q, %v; want %q, %v", tc.e.Type, got, ok, tc.want, tc.ok)
		}
	}
	var none *recommend.Phrasebook
	if got, ok := none.Describe(recommend.Event{Type: "transfer.success"}); ok || got != "" {
		t.Errorf("nil phrasebook Describe = %q, %v", got, ok)
	}
	if got := pb.Label("kind", "electricity"); got != "电费" {
		t.Errorf("Label = %q, want the form label 电费", got)
	}
	if got := pb.Value("kind", "electricity"); got != "电" {
		t.Errorf("Value = %q, want the phrase 电", got)
	}
	if got := none.Label("x", "raw"); got != "raw" {
		t.Errorf("nil Label = %q", got)
	}
	sentences := []struct {
		pb   *recommend.Phrasebook
		e    recommend.Event
		ago  time.Duration
		want string
	}{
		{pb, recommend.Event{Type: "transfer.success", Attrs: map[string]string{"channel": "bank_card"}}, 3 * time.Minute, "你3分钟前发起了一笔转账到银行卡"},
		{pb, recommend.Event{Type: "coupon.expire"}, 2 * time.Hour, "你2小时前有一次相关操作"},
		{none, recommend.Event{Type: "search", Text: "电子回单"}, 10 * time.Second, "你刚刚搜索了“电子回单”"},
		{none, recommend.Event{Type: "transfer.success"}, time.Hour, "你1小时前有一次相关操作"},
		{none, recommend.Event{Type: recommend.TypeHandoff, Attrs: map[string]string{"reason": recommend.ReasonUnhelpful}}, time.Minute, "你1分钟前申请了人工客服（觉得回答没有帮助）"},
	}
	for _, tc := range sentences {
		if got := tc.pb.Sentence(tc.e, tc.ago); got != tc.want {
			t.Errorf("Sentence(%s, %v) = %q, want %q", tc.e.Type, tc.ago, got, tc.want)
		}
	}
	agos := map[time.Duration]string{10 * time.Second: "刚刚", 3 * time.Minute: "3分钟前", 5 * time.Hour: "5小时前", 50 * time.Hour: "2天前"}
	for d, want := range agos {
		if got := recommend.Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestReadPhrasebookErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"not yaml", "events: [", "book.yaml"},
		{"unknown field", "events:\n  a.b:\n    text: x\n    colour: red\n", `book.yaml:4: field "events.a.b.colour": invalid phrasebook: unknown field (want "title", "text" or "attrs")`},
		{"unknown top field", "event:\n  a.b:\n    text: x\n", `book.yaml:1: field "event": invalid phrasebook: unknown field (want "events", "values" or "labels")`},
		{"text a list", "events:\n  a.b:\n    text: [x]\n", `book.yaml:3: field "events.a.b.text": invalid phrasebook: want text, got a list`},
		{"values not a mapping", "values: 3\n", `book.yaml:1: field "values": invalid phrasebook: want a mapping, got text`},
		{"attr values not a list", "events:\n  a.b:\n    text: x\n    attrs:\n      - {name: x, values: a}\n", `book.yaml:5: field "events.a.b.attrs.0.values": invalid phrasebook: want a list, got text`},
		{"too large", "values: {a: {b: " + strings.Repeat("x", 16<<20) + "}}\n", "recommend: book.yaml: invalid phrasebook: file larger than 16 MiB"},
		{"no text", "values: {}\nevents:\n  a.b:\n    title: 标题\n", `book.yaml:3: field "events.a.b.text": invalid phrasebook: missing`},
		{"unbalanced", "events:\n  a.b:\n    text: 有{x\n", `book.yaml:3: field "events.a.b.text": invalid phrasebook: unbalanced braces`},
		{"placeholder not an attr", "events:\n  a.b:\n    text: 有{y}\n    attrs:\n      - {name: x}\n", `book.yaml:3: field "events.a.b.text": invalid phrasebook: placeholder {y} names no attribute of a.b`},
		{"bad format", "events:\n  a.b:\n    text: 有\n    attrs:\n      - {name: x}\n      - {name: y, format: money}\n", `book.yaml:6: field "events.a.b.attrs.1.format": invalid phrasebook: "money"`},
		{"duplicate attr", "events:\n  a.b:\n    text: 有\n    attrs:\n      - {name: x}\n      - {name: x}\n", `book.yaml:6: field "events.a.b.attrs.1.name": invalid phrasebook: duplicate attribute "x"`},
		{"values and format", "events:\n  a.b:\n    text: 有\n    attrs:\n      - {name: x, values: [a], format: text}\n", "events.a.b.attrs.0.format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recommend.ReadPhrasebook(strings.NewReader(tc.yaml), "book.yaml")
			if !errors.Is(err, recommend.ErrPhrasebook) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrPhrasebook containing %q", err, tc.want)
			}
		})
	}
	pb, err := recommend.ReadPhrasebook(strings.NewReader(`{"events": {"a.b": {"text": "做了{x}"}}, "values": {"x": {"1": "一件事"}}}`), "book.json")
	if err != nil {
		t.Fatalf("JSON phrasebook: %v", err)
	}
	if got, _ := pb.Describe(recommend.Event{Type: "a.b", Attrs: map[string]string{"x": "1"}}); got != "做了一件事" {
		t.Errorf("Describe = %q", got)
	}
	if _, err := recommend.LoadPhrasebook("no/such/file.yaml"); err == nil {
		t.Error("LoadPhrasebook of a missing file: no error")
	}
}

func FuzzReadPhrasebook(f *testing.F) {
	f.Add("events:\n  a.b:\n    text: 做了{x}\n    attrs:\n      - {name: x, values: [a]}\nvalues:\n  x: {a: 一件事}\n")
	f.Add(`{"events": {"a.b": {"text": "有{y"}}}`)
	f.Add("events: [")
	f.Fuzz(func(t *testing.T, doc string) {
		pb, err := recommend.ReadPhrasebook(strings.NewReader(doc), "fuzz.yaml")
		if err != nil {
			return
		}
		for _, typ := range pb.Types() {
			pb.Describe(recommend.Event{Type: typ, Attrs: map[string]string{"x": "a"}})
		}
	})
}

// TestReadPhrasebookAliases: aliases read as what they name, and many
// aliases of one large value are checked once, not once each.
func TestReadPhrasebookAliases(t *testing.T) {
	pb, err := recommend.ReadPhrasebook(strings.NewReader("values:\n  kind: &k {electricity: 电}\nlabels:\n  kind: *k\nevents:\n  a.b:\n    text: 交了{kind}\n"), "book.yaml")
	if err != nil || pb.Label("kind", "electricity") != "电" {
		t.Fatalf("aliases: %v", err)
	}
	var b strings.Builder
	b.WriteString("values:\n  big: &big\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "    v%d: x\n", i)
	}
	b.WriteString("labels:\n")
	for i := range 20000 { // 4e8 values if each alias were walked again
		fmt.Fprintf(&b, "  a%d: *big\n", i)
	}
	_, err = recommend.ReadPhrasebook(strings.NewReader(b.String()), "many.yaml")
	if !errors.Is(err, recommend.ErrPhrasebook) || !strings.Contains(err.Error(), "aliases expand to more than") {
		t.Errorf("many aliases: %v, want ErrPhrasebook for aliases that expand too far", err)
	}
}
