package simulate

import (
	"maps"
	"time"

	"github.com/duxin-ai/duxin/recommend"
)

// Step is one scripted event of a [Persona], placed Ago before "now".
type Step struct {
	Ago      time.Duration
	Type     string
	Attrs    map[string]string
	Question string // for asks
	Text     string // for searches
}

// Persona is a scripted demo user: a name, a one-line Chinese description
// and the events of their recent past.
type Persona struct {
	Name  string
	Title string
	Steps []Step // oldest first
}

// Trajectory returns the persona's events for user, timed relative to now
// (whole seconds), oldest first. The events' Attrs are fresh copies.
func (p Persona) Trajectory(user string, now time.Time) []recommend.Event {
	now = now.Truncate(time.Second)
	out := make([]recommend.Event, 0, len(p.Steps))
	for _, s := range p.Steps {
		out = append(out, recommend.Event{User: user, Time: now.Add(-s.Ago), Type: s.Type,
			Attrs: maps.Clone(s.Attrs), Question: s.Question, Text: s.Text})
	}
	return out
}

// Personas returns the demo users, each a scene of the help center: a
// transfer to a bank card minutes ago, a transfer blocked by risk control, a
// refund on its way, a 花呗 bill due tomorrow, a failed electricity payment,
// a search for an electronic receipt, and a newcomer with no history. The
// slice is fresh on each call.
func Personas() []Persona {
	a := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	return []Persona{
		{Name: "bank-transfer", Title: "刚刚转账到银行卡的用户", Steps: []Step{
			{Ago: 50 * time.Hour, Type: "card.bind", Attrs: a("card_type", "debit")},
			{Ago: 3 * time.Minute, Type: "transfer.success", Attrs: a("channel", "bank_card", "amount", "500.00", "amount_band", "small")},
		}},
		{Name: "transfer-failed", Title: "转账被风控拦截的用户", Steps: []Step{
			{Ago: 25 * time.Minute, Type: "account.login.new_device", Attrs: a("location", "other_city")},
			{Ago: 5 * time.Minute, Type: "transfer.fail", Attrs: a("channel", "bank_card", "amount", "2000.00", "reason", "risk_control")},
		}},
		{Name: "refund", Title: "等待退款到账的用户", Steps: []Step{
			{Ago: 26 * time.Hour, Type: "refund.apply", Attrs: a("pay_method", "huabei", "amount", "199.00")},
			{Ago: 2 * time.Hour, Type: "refund.success", Attrs: a("pay_method", "huabei", "amount", "199.00")},
		}},
		{Name: "huabei-due", Title: "花呗明天到期的用户", Steps: []Step{
			{Ago: 40 * time.Minute, Type: "bill.due", Attrs: a("product", "huabei", "days_left", "1")},
			{Ago: 8 * time.Minute, Type: "bill.view", Attrs: a("product", "huabei")},
		}},
		{Name: "utility-fail", Title: "电费没交成功的用户", Steps: []Step{
			{Ago: 8 * time.Minute, Type: "utility.pay.fail", Attrs: a("kind", "electricity", "reason", "system_busy")},
		}},
		{Name: "receipt-search", Title: "在找电子回单的用户", Steps: []Step{
			{Ago: 6 * time.Minute, Type: "bill.view", Attrs: a("product", "wallet")},
			{Ago: 2 * time.Minute, Type: recommend.TypeSearch, Text: "电子回单怎么开"},
		}},
		{Name: "newcomer", Title: "没有近期行为的新用户"},
	}
}
