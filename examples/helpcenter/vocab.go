package main

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/recommend"
)

// This file holds the behavior event vocabulary of the sample data
// (internal/sampledata/EVENTS.md) as data the page and the API use: which
// event types exist, which attributes each takes with which values, and the
// Chinese phrase that explains it. TestVocabularyMatchesEventsMD checks it
// against EVENTS.md.

// attrSpec is one attribute of an event type.
type attrSpec struct {
	Name   string   `json:"name"`
	Label  string   `json:"label"`            // Chinese label for the form
	Values []string `json:"values,omitempty"` // allowed values; empty means free text checked by free
	free   func(string) error
}

// eventSpec is one event type.
type eventSpec struct {
	Type   string     `json:"type"`
	Title  string     `json:"title"`  // short Chinese name for the form
	Phrase string     `json:"phrase"` // explanation clause; {attr} marks a value phrase
	Attrs  []attrSpec `json:"attrs"`
	Manual bool       `json:"manual"` // offered in the "add an event" form
}

var (
	amountRE = regexp.MustCompile(`^[0-9]{1,9}\.[0-9]{2}$`)
	daysRE   = regexp.MustCompile(`^[0-9]{1,4}$`)
)

func checkAmount(s string) error {
	if !amountRE.MatchString(s) {
		return fmt.Errorf("want yuan with two decimals such as \"500.00\", got %q", s)
	}
	return nil
}

func checkDays(s string) error {
	if !daysRE.MatchString(s) {
		return fmt.Errorf("want whole days such as \"3\", got %q", s)
	}
	return nil
}

func checkQuery(s string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(s)); n == 0 || n > maxTextRunes {
		return fmt.Errorf("want 1 to %d characters", maxTextRunes)
	}
	return nil
}

func amount() attrSpec { return attrSpec{Name: "amount", Label: "金额（元）", free: checkAmount} }
func band() attrSpec {
	return attrSpec{Name: "amount_band", Label: "金额档", Values: []string{"small", "medium", "large"}}
}
func channel() attrSpec {
	return attrSpec{Name: "channel", Label: "渠道", Values: []string{"bank_card", "alipay_account"}}
}
func payMethod() attrSpec {
	return attrSpec{Name: "pay_method", Label: "原支付方式", Values: []string{"balance", "bank_card", "huabei", "yuebao"}}
}
func reason(values ...string) attrSpec {
	return attrSpec{Name: "reason", Label: "原因", Values: values}
}
func enum(name, label string, values ...string) attrSpec {
	return attrSpec{Name: name, Label: label, Values: values}
}

var utilityKinds = []string{"electricity", "water", "gas", "phone", "broadband"}

// newVocabulary returns the sample event vocabulary, in EVENTS.md order.
func newVocabulary() *vocabulary {
	specs := []eventSpec{
		{Type: "transfer.success", Title: "转账成功", Phrase: "发起了一笔转账到{channel}", Manual: true,
			Attrs: []attrSpec{channel(), amount(), band()}},
		{Type: "transfer.fail", Title: "转账失败", Phrase: "有一笔转账到{channel}失败了（{reason}）", Manual: true,
			Attrs: []attrSpec{channel(), amount(), reason("insufficient_balance", "risk_control", "card_invalid", "limit_exceeded", "name_mismatch")}},
		{Type: "transfer.pending", Title: "转账处理中", Phrase: "有一笔转账到{channel}还在处理中", Manual: true,
			Attrs: []attrSpec{channel(), amount(), band()}},
		{Type: "refund.apply", Title: "申请退款", Phrase: "申请了一笔退款", Manual: true,
			Attrs: []attrSpec{payMethod(), amount()}},
		{Type: "refund.success", Title: "退款成功", Phrase: "收到一笔退款（原路退回{pay_method}）", Manual: true,
			Attrs: []attrSpec{payMethod(), amount()}},
		{Type: "refund.reject", Title: "退款被拒", Phrase: "有一笔退款申请被商家拒绝", Manual: true,
			Attrs: []attrSpec{payMethod(), amount()}},
		{Type: "bill.view", Title: "查看账单", Phrase: "查看了{product}账单", Manual: true,
			Attrs: []attrSpec{enum("product", "产品", "wallet", "huabei", "jiebei")}},
		{Type: "bill.due", Title: "账单快到期", Phrase: "{product}账单快到还款日了", Manual: true,
			Attrs: []attrSpec{enum("product", "产品", "huabei", "jiebei"), enum("days_left", "剩余天数", "0", "1", "3", "7")}},
		{Type: "huabei.repay", Title: "花呗还款", Phrase: "还了一笔花呗", Manual: true,
			Attrs: []attrSpec{enum("mode", "方式", "manual", "auto"), enum("type", "类型", "full", "min", "early")}},
		{Type: "huabei.repay.fail", Title: "花呗还款失败", Phrase: "花呗还款没有成功（{reason}）", Manual: true,
			Attrs: []attrSpec{enum("mode", "方式", "manual", "auto"), reason("insufficient_balance", "card_invalid", "limit_exceeded")}},
		{Type: "huabei.overdue", Title: "花呗逾期", Phrase: "花呗账单已逾期", Manual: true,
			Attrs: []attrSpec{{Name: "days", Label: "逾期天数", free: checkDays}}},
		{Type: "huabei.installment", Title: "花呗分期", Phrase: "把花呗账单或订单办理了分期", Manual: true,
			Attrs: []attrSpec{enum("scope", "范围", "bill", "order"), enum("periods", "期数", "3", "6", "9", "12")}},
		{Type: "huabei.quota.change", Title: "花呗额度调整", Phrase: "花呗额度发生了调整", Manual: true,
			Attrs: []attrSpec{enum("direction", "方向", "up", "down")}},
		{Type: "jiebei.borrow", Title: "借呗借款", Phrase: "用借呗借了一笔钱", Manual: true,
			Attrs: []attrSpec{amount(), band()}},
		{Type: "jiebei.borrow.fail", Title: "借呗借款失败", Phrase: "借呗借款没有成功（{reason}）", Manual: true,
			Attrs: []attrSpec{reason("risk_control", "quota_insufficient", "card_invalid")}},
		{Type: "jiebei.repay", Title: "借呗还款", Phrase: "还了一笔借呗", Manual: true,
			Attrs: []attrSpec{enum("type", "类型", "scheduled", "early")}},
		{Type: "yuebao.in", Title: "余额宝转入", Phrase: "往余额宝转入了一笔钱", Manual: true,
			Attrs: []attrSpec{enum("source", "来源", "balance", "bank_card"), amount()}},
		{Type: "yuebao.out", Title: "余额宝转出", Phrase: "从余额宝转出了一笔钱到{dest}", Manual: true,
			Attrs: []attrSpec{enum("dest", "去向", "balance", "bank_card"), enum("speed", "速度", "fast", "normal"), amount()}},
		{Type: "withdraw.apply", Title: "申请提现", Phrase: "申请了余额提现到银行卡", Manual: true,
			Attrs: []attrSpec{amount(), band()}},
		{Type: "withdraw.fail", Title: "提现失败", Phrase: "有一笔提现没有成功（{reason}）", Manual: true,
			Attrs: []attrSpec{reason("card_invalid", "risk_control", "limit_exceeded")}},
		{Type: "recharge.success", Title: "充值成功", Phrase: "给账户余额充值了一笔钱", Manual: true,
			Attrs: []attrSpec{enum("source", "来源", "bank_card"), amount()}},
		{Type: "recharge.fail", Title: "充值失败", Phrase: "余额充值没有成功（{reason}）", Manual: true,
			Attrs: []attrSpec{reason("card_invalid", "limit_exceeded", "risk_control")}},
		{Type: "card.bind", Title: "绑定银行卡", Phrase: "绑定了一张银行卡", Manual: true,
			Attrs: []attrSpec{enum("card_type", "卡类型", "debit", "credit")}},
		{Type: "card.bind.fail", Title: "绑卡失败", Phrase: "绑定银行卡没有成功（{reason}）", Manual: true,
			Attrs: []attrSpec{enum("card_type", "卡类型", "debit", "credit"), reason("phone_mismatch", "card_invalid", "sms_timeout")}},
		{Type: "card.unbind", Title: "解绑银行卡", Phrase: "解绑了一张银行卡", Manual: true,
			Attrs: []attrSpec{enum("card_type", "卡类型", "debit", "credit")}},
		{Type: "account.login.new_device", Title: "新设备登录", Phrase: "在一台新设备上登录了账户", Manual: true,
			Attrs: []attrSpec{enum("location", "地点", "same_city", "other_city")}},
		{Type: "account.frozen", Title: "账户被冻结", Phrase: "账户被冻结或限制", Manual: true,
			Attrs: []attrSpec{reason("risk_control", "judicial", "self_service")}},
		{Type: "account.password.fail", Title: "密码输错", Phrase: "连续输错了密码", Manual: true,
			Attrs: []attrSpec{enum("kind", "密码类型", "login", "payment")}},
		{Type: "realname.fail", Title: "实名认证失败", Phrase: "实名认证没有通过（{reason}）", Manual: true,
			Attrs: []attrSpec{reason("face_mismatch", "id_expired", "info_mismatch")}},
		{Type: "redpacket.send", Title: "发红包", Phrase: "发了一个红包", Manual: true,
			Attrs: []attrSpec{enum("type", "类型", "normal", "lucky"), amount()}},
		{Type: "redpacket.receive", Title: "领红包", Phrase: "领取了一个红包", Manual: true,
			Attrs: []attrSpec{enum("type", "类型", "normal", "lucky", "campaign"), amount()}},
		{Type: "utility.pay", Title: "生活缴费", Phrase: "交了一笔{kind}费", Manual: true,
			Attrs: []attrSpec{enum("kind", "缴费类型", utilityKinds...)}},
		{Type: "utility.pay.fail", Title: "缴费失败", Phrase: "{kind}费缴纳没有成功", Manual: true,
			Attrs: []attrSpec{enum("kind", "缴费类型", utilityKinds...), reason("account_not_found", "arrears_mismatch", "system_busy")}},
		{Type: "search", Title: "搜索", Phrase: "搜索了\"{query}\"",
			Attrs: []attrSpec{{Name: "query", Label: "搜索词", free: checkQuery}}},
		{Type: "ask", Title: "提问", Phrase: "向客服提问\"{query}\"",
			Attrs: []attrSpec{{Name: "query", Label: "问题", free: checkQuery}}},
	}
	v := &vocabulary{specs: specs, byType: make(map[string]*eventSpec, len(specs))}
	for i := range specs {
		v.byType[specs[i].Type] = &specs[i]
	}
	return v
}

// formLabels name in Chinese the values that have no phrase in EVENTS.md,
// or whose phrase reads badly alone in a form (电 → 电费).
var formLabels = map[string]map[string]string{
	"amount_band": {"small": "小额（1千元以下）", "medium": "中额（1千至5万元）", "large": "大额（5万元以上）"},
	"days_left":   {"0": "今天到期", "1": "还剩1天", "3": "还剩3天", "7": "还剩7天"},
	"mode":        {"manual": "手动", "auto": "自动"},
	"type": {"full": "全额", "min": "最低还款", "early": "提前还款", "scheduled": "按期还款",
		"normal": "普通红包", "lucky": "拼手气红包", "campaign": "活动红包"},
	"scope":     {"bill": "账单分期", "order": "订单分期"},
	"periods":   {"3": "3期", "6": "6期", "9": "9期", "12": "12期"},
	"direction": {"up": "提额", "down": "降额"},
	"speed":     {"fast": "快速到账", "normal": "普通到账"},
	"card_type": {"debit": "储蓄卡", "credit": "信用卡"},
	"kind": {"login": "登录密码", "payment": "支付密码", "electricity": "电费", "water": "水费", "gas": "燃气费",
		"phone": "话费", "broadband": "宽带费"},
}

// vocabulary validates events added by hand and describes them for the
// form. It is read-only after construction.
type vocabulary struct {
	specs  []eventSpec
	byType map[string]*eventSpec
}

// manual returns the event types the "add an event" form offers, with value
// labels for the selects.
func (v *vocabulary) manual() []eventSpec {
	var out []eventSpec
	for _, s := range v.specs {
		if s.Manual {
			out = append(out, s)
		}
	}
	return out
}

// valueLabel is the label shown for an attribute value in the form.
func valueLabel(attr, value string) string {
	if p, ok := formLabels[attr][value]; ok {
		return p
	}
	if p, ok := recommend.ValuePhrase(attr, value); ok {
		return p
	}
	return value
}

// check validates an event's type and attributes and fills in derived
// attributes (amount_band from amount). The returned error is for the client.
func (v *vocabulary) check(typ string, attrs map[string]string) (map[string]string, error) {
	spec, ok := v.byType[typ]
	if !ok {
		return nil, fmt.Errorf("unknown event type %q (see GET /api/vocabulary)", typ)
	}
	if !spec.Manual {
		return nil, fmt.Errorf("event type %q cannot be added by hand", typ)
	}
	out := make(map[string]string, len(attrs)+1)
	for name, val := range attrs {
		a := spec.attr(name)
		if a == nil {
			return nil, fmt.Errorf("event type %q has no attribute %q", typ, name)
		}
		switch {
		case a.free != nil:
			if err := a.free(val); err != nil {
				return nil, fmt.Errorf("attribute %q: %v", name, err)
			}
		case !slices.Contains(a.Values, val):
			return nil, fmt.Errorf("attribute %q: want one of %s, got %q", name, strings.Join(a.Values, ", "), val)
		}
		out[name] = val
	}
	for _, name := range placeholders(spec.Phrase) {
		if _, ok := out[name]; !ok {
			return nil, fmt.Errorf("event type %q needs attribute %q", typ, name)
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

// amountBand maps "1234.50" to its EVENTS.md band.
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
	sort.Strings(out)
	return out
}
