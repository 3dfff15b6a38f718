package recommend

import (
	"fmt"
	"strings"
	"time"
)

// eventPhrases are the Chinese clauses that explain an event ("因为你刚刚…"),
// from the sample vocabulary (internal/sampledata/EVENTS.md). {attr} is
// replaced by the attribute value's phrase (valuePhrases), or by the raw
// value when it has none.
var eventPhrases = map[string]string{
	"transfer.success":         "发起了一笔转账到{channel}",
	"transfer.fail":            "有一笔转账到{channel}失败了（{reason}）",
	"transfer.pending":         "有一笔转账到{channel}还在处理中",
	"refund.apply":             "申请了一笔退款",
	"refund.success":           "收到一笔退款（原路退回{pay_method}）",
	"refund.reject":            "有一笔退款申请被商家拒绝",
	"bill.view":                "查看了{product}账单",
	"bill.due":                 "{product}账单快到还款日了",
	"huabei.repay":             "还了一笔花呗",
	"huabei.repay.fail":        "花呗还款没有成功（{reason}）",
	"huabei.overdue":           "花呗账单已逾期",
	"huabei.installment":       "把花呗账单或订单办理了分期",
	"huabei.quota.change":      "花呗额度发生了调整",
	"jiebei.borrow":            "用借呗借了一笔钱",
	"jiebei.borrow.fail":       "借呗借款没有成功（{reason}）",
	"jiebei.repay":             "还了一笔借呗",
	"yuebao.in":                "往余额宝转入了一笔钱",
	"yuebao.out":               "从余额宝转出了一笔钱到{dest}",
	"withdraw.apply":           "申请了余额提现到银行卡",
	"withdraw.fail":            "有一笔提现没有成功（{reason}）",
	"recharge.success":         "给账户余额充值了一笔钱",
	"recharge.fail":            "余额充值没有成功（{reason}）",
	"card.bind":                "绑定了一张银行卡",
	"card.bind.fail":           "绑定银行卡没有成功（{reason}）",
	"card.unbind":              "解绑了一张银行卡",
	"account.login.new_device": "在一台新设备上登录了账户",
	"account.frozen":           "账户被冻结或限制",
	"account.password.fail":    "连续输错了密码",
	"realname.fail":            "实名认证没有通过（{reason}）",
	"redpacket.send":           "发了一个红包",
	"redpacket.receive":        "领取了一个红包",
	"utility.pay":              "交了一笔{kind}费",
	"utility.pay.fail":         "{kind}费缴纳没有成功",
}

// valuePhrases are the phrases of attribute values, by attribute then value.
var valuePhrases = map[string]map[string]string{
	"channel":    {"bank_card": "银行卡", "alipay_account": "他人账户"},
	"pay_method": {"balance": "账户余额", "bank_card": "银行卡", "huabei": "花呗", "yuebao": "余额宝"},
	"product":    {"wallet": "收支", "huabei": "花呗", "jiebei": "借呗"},
	"dest":       {"balance": "账户余额", "bank_card": "银行卡"},
	"source":     {"balance": "账户余额", "bank_card": "银行卡"},
	"reason": {
		"insufficient_balance": "余额不足", "risk_control": "触发了安全风控", "card_invalid": "银行卡状态异常",
		"limit_exceeded": "超出限额", "name_mismatch": "收款户名不一致", "quota_insufficient": "可用额度不足",
		"phone_mismatch": "银行预留手机号不一致", "sms_timeout": "验证码超时", "judicial": "司法冻结",
		"self_service": "本人申请冻结", "face_mismatch": "人脸比对未通过", "id_expired": "身份证已过期",
		"info_mismatch": "身份信息不一致", "account_not_found": "户号不存在", "arrears_mismatch": "欠费金额不符",
		"system_busy": "缴费系统繁忙",
	},
	"kind":     {"electricity": "电", "water": "水", "gas": "燃气", "phone": "话", "broadband": "宽带"},
	"location": {"same_city": "常用城市", "other_city": "异地"},
}

// ValuePhrase returns the Chinese phrase of an event attribute's value
// (channel=bank_card → 银行卡), as explanations use it; ok is false for
// values without one (amounts, ids).
func ValuePhrase(attr, value string) (phrase string, ok bool) {
	phrase, ok = valuePhrases[attr][value]
	return phrase, ok
}

// Describe returns the Chinese clause for what the user did in e, without
// subject or time, such as 发起了一笔转账到银行卡. Searches and asks quote
// their text (or, for an ask without text, the question id); an unknown
// event type gets a generic clause naming the type.
func Describe(e Event) string {
	switch e.Type {
	case TypeSearch:
		return fmt.Sprintf("搜索了“%s”", e.Text)
	case TypeAsk:
		if e.Text != "" {
			return fmt.Sprintf("向客服提问“%s”", e.Text)
		}
		return fmt.Sprintf("查看了问题“%s”", e.Question)
	}
	tmpl, ok := eventPhrases[e.Type]
	if !ok {
		return fmt.Sprintf("有一条“%s”记录", e.Type)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		j := strings.IndexByte(tmpl, '}')
		if i < 0 || j < i {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		attr := tmpl[i+1 : j]
		v := e.Attrs[attr]
		if p, ok := valuePhrases[attr][v]; ok {
			v = p
		}
		b.WriteString(v)
		tmpl = tmpl[j+1:]
	}
	s := b.String()
	// A missing attribute leaves an empty pair of parentheses or a
	// dangling preposition; drop the former.
	return strings.ReplaceAll(s, "（）", "")
}

// Ago formats how long ago something happened, the way the help center
// shows it: 刚刚, 3分钟前, 2小时前, 5天前.
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "刚刚"
	case d < time.Hour:
		return fmt.Sprintf("%d分钟前", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d小时前", int(d/time.Hour))
	}
	return fmt.Sprintf("%d天前", int(d/(24*time.Hour)))
}

// eventSentence is 你 + when + what: 你3分钟前发起了一笔转账到银行卡.
func eventSentence(e Event, ago time.Duration) string {
	return "你" + Ago(ago) + Describe(e)
}
