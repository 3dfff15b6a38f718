package simulate

// attrSpec lists an attribute's values; amount and amount_band are derived
// (see amountBand) and marked by special names.
type attrSpec struct {
	name   string
	values []string
}

const (
	attrAmount = "amount"      // decimal yuan, derived from the band
	attrBand   = "amount_band" // small | medium | large
)

// vocab is the event vocabulary of internal/sampledata/EVENTS.md: each type
// and the attributes it carries, in order.
var vocab = map[string][]attrSpec{
	"transfer.success":         {{"channel", []string{"bank_card", "alipay_account"}}, {attrAmount, nil}, {attrBand, nil}},
	"transfer.fail":            {{"channel", []string{"bank_card", "alipay_account"}}, {attrAmount, nil}, {"reason", []string{"insufficient_balance", "risk_control", "card_invalid", "limit_exceeded", "name_mismatch"}}},
	"transfer.pending":         {{"channel", []string{"bank_card", "alipay_account"}}, {attrAmount, nil}, {attrBand, nil}},
	"refund.apply":             {{"pay_method", []string{"balance", "bank_card", "huabei", "yuebao"}}, {attrAmount, nil}},
	"refund.success":           {{"pay_method", []string{"balance", "bank_card", "huabei", "yuebao"}}, {attrAmount, nil}},
	"refund.reject":            {{"pay_method", []string{"balance", "bank_card", "huabei", "yuebao"}}, {attrAmount, nil}},
	"bill.view":                {{"product", []string{"wallet", "huabei", "jiebei"}}},
	"bill.due":                 {{"product", []string{"huabei", "jiebei"}}, {"days_left", []string{"0", "1", "3", "7"}}},
	"huabei.repay":             {{"mode", []string{"manual", "auto"}}, {"type", []string{"full", "min", "early"}}},
	"huabei.repay.fail":        {{"mode", []string{"manual", "auto"}}, {"reason", []string{"insufficient_balance", "card_invalid", "limit_exceeded"}}},
	"huabei.overdue":           {{"days", []string{"1", "3", "7", "15"}}},
	"huabei.installment":       {{"scope", []string{"bill", "order"}}, {"periods", []string{"3", "6", "9", "12"}}},
	"huabei.quota.change":      {{"direction", []string{"up", "down"}}},
	"jiebei.borrow":            {{attrAmount, nil}, {attrBand, nil}},
	"jiebei.borrow.fail":       {{"reason", []string{"risk_control", "quota_insufficient", "card_invalid"}}},
	"jiebei.repay":             {{"type", []string{"scheduled", "early"}}},
	"yuebao.in":                {{"source", []string{"balance", "bank_card"}}, {attrAmount, nil}},
	"yuebao.out":               {{"dest", []string{"balance", "bank_card"}}, {"speed", []string{"fast", "normal"}}, {attrAmount, nil}},
	"withdraw.apply":           {{attrAmount, nil}, {attrBand, nil}},
	"withdraw.fail":            {{"reason", []string{"card_invalid", "risk_control", "limit_exceeded"}}},
	"recharge.success":         {{"source", []string{"bank_card"}}, {attrAmount, nil}},
	"recharge.fail":            {{"reason", []string{"card_invalid", "limit_exceeded", "risk_control"}}},
	"card.bind":                {{"card_type", []string{"debit", "credit"}}},
	"card.bind.fail":           {{"card_type", []string{"debit", "credit"}}, {"reason", []string{"phone_mismatch", "card_invalid", "sms_timeout"}}},
	"card.unbind":              {{"card_type", []string{"debit", "credit"}}},
	"account.login.new_device": {{"location", []string{"same_city", "other_city"}}},
	"account.frozen":           {{"reason", []string{"risk_control", "judicial", "self_service"}}},
	"account.password.fail":    {{"kind", []string{"login", "payment"}}},
	"realname.fail":            {{"reason", []string{"face_mismatch", "id_expired", "info_mismatch"}}},
	"redpacket.send":           {{"type", []string{"normal", "lucky"}}, {attrAmount, nil}},
	"redpacket.receive":        {{"type", []string{"normal", "lucky", "campaign"}}, {attrAmount, nil}},
	"utility.pay":              {{"kind", []string{"electricity", "water", "gas", "phone", "broadband"}}},
	"utility.pay.fail":         {{"kind", []string{"electricity", "water", "gas", "phone", "broadband"}}, {"reason", []string{"account_not_found", "arrears_mismatch", "system_busy"}}},
}

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
