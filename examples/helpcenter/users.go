package main

import "time"

// scripted is one event of a demo user's trajectory, Before the moment the
// user is (re)loaded.
type scripted struct {
	Before time.Duration
	Type   string
	Attrs  map[string]string
	Text   string // search text, for Type "search"
}

// demoUser is a user the page can pick, with the trajectory that explains
// their guesses.
type demoUser struct {
	ID      string
	Name    string
	Summary string
	Script  []scripted
}

// demoUsers returns the users of the demo, in the order the page shows them.
func demoUsers() []demoUser {
	return []demoUser{
		{
			ID: "xiaowang", Name: "小王", Summary: "3分钟前刚转了一笔钱到银行卡",
			Script: []scripted{
				{Before: 26 * time.Hour, Type: "bill.view", Attrs: map[string]string{"product": "wallet"}},
				{Before: 3 * time.Minute, Type: "transfer.success",
					Attrs: map[string]string{"channel": "bank_card", "amount": "5000.00", "amount_band": "medium"}},
			},
		},
		{
			ID: "lijie", Name: "李姐", Summary: "昨天申请了一笔退款",
			Script: []scripted{
				{Before: 30 * time.Hour, Type: "redpacket.receive", Attrs: map[string]string{"type": "campaign", "amount": "2.88"}},
				{Before: 22 * time.Hour, Type: "refund.apply", Attrs: map[string]string{"pay_method": "bank_card", "amount": "299.00"}},
			},
		},
		{
			ID: "azhang", Name: "阿张", Summary: "花呗账单3天后到期",
			Script: []scripted{
				{Before: 5 * time.Hour, Type: "bill.due", Attrs: map[string]string{"product": "huabei", "days_left": "3"}},
				{Before: 10 * time.Minute, Type: "bill.view", Attrs: map[string]string{"product": "huabei"}},
			},
		},
		{ID: "xinren", Name: "新用户", Summary: "刚注册，还没有任何记录"},
	}
}
