package simulate

// profile is a kind of user for generation: how often each event type
// happens in their sessions.
type profile struct {
	name  string
	types map[string]float64
}

// profiles are the behavior mixes users are drawn from (uniformly). Every
// profile also does a little of everything (see background).
var profiles = []profile{
	{"transfer", map[string]float64{"transfer.success": 6, "transfer.fail": 2, "transfer.pending": 1.5, "card.bind": 1, "card.bind.fail": 0.5, "withdraw.apply": 1, "withdraw.fail": 0.3, "bill.view": 1}},
	{"huabei", map[string]float64{"bill.view": 3, "bill.due": 3, "huabei.repay": 3, "huabei.repay.fail": 1, "huabei.overdue": 0.6, "huabei.installment": 1.2, "huabei.quota.change": 0.8}},
	{"shopper", map[string]float64{"refund.apply": 4, "refund.success": 3, "refund.reject": 1, "redpacket.receive": 1.5, "redpacket.send": 1, "huabei.installment": 0.8, "bill.view": 1}},
	{"saver", map[string]float64{"yuebao.in": 4, "yuebao.out": 3, "recharge.success": 1.5, "recharge.fail": 0.5, "withdraw.apply": 1.5, "withdraw.fail": 0.5}},
	{"household", map[string]float64{"utility.pay": 5, "utility.pay.fail": 1.5, "bill.view": 2, "redpacket.send": 0.5}},
	{"borrower", map[string]float64{"jiebei.borrow": 3, "jiebei.borrow.fail": 1, "jiebei.repay": 2, "bill.due": 1.5, "bill.view": 1}},
}

// background is mixed into every profile at this total weight: account and
// security events anyone may have.
var background = map[string]float64{
	"account.login.new_device": 0.4, "account.password.fail": 0.3, "account.frozen": 0.1,
	"realname.fail": 0.15, "card.unbind": 0.2, "transfer.success": 0.5, "bill.view": 0.4,
}
