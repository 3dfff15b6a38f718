package slots_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/duxin-ai/duxin/intent/slots"
)

// testNow is a Wednesday.
var testNow = time.Date(2026, 3, 18, 15, 4, 5, 0, time.FixedZone("CST", 8*3600))

func newTestExtractor(t testing.TB) *slots.Extractor {
	t.Helper()
	e, err := slots.New(slots.WithClock(func() time.Time { return testNow }))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// want is an expected slot: its kind, matched text and value. Offsets are
// found by searching the input for text after the previous slot's end.
type want struct {
	kind  slots.Kind
	text  string
	value string
}

func expand(t *testing.T, input string, ws []want) []slots.Slot {
	t.Helper()
	var out []slots.Slot
	from := 0
	for _, w := range ws {
		i := strings.Index(input[from:], w.text)
		if i < 0 {
			t.Fatalf("bad test: %q not in %q after byte %d", w.text, input, from)
		}
		start := from + i
		out = append(out, slots.Slot{Kind: w.kind, Text: w.text, Start: start, End: start + len(w.text), Value: w.value})
		from = start + len(w.text)
	}
	return out
}

const (
	A = slots.Amount
	D = slots.Date
	C = slots.CardTail
	O = slots.OrderID
	P = slots.Phone
	Y = slots.Payee
)

var extractTests = []struct {
	in   string
	want []want
}{
	// Amounts.
	{"给妈妈转500", []want{{Y, "妈妈", "妈妈"}, {A, "500", "500"}}},
	{"转500元", []want{{A, "500元", "500"}}},
	{"转500块给我妈", []want{{A, "500块", "500"}, {Y, "我妈", "我妈"}}},
	{"发了500块钱红包", []want{{A, "500块钱", "500"}}},
	{"转给李四￥1,200.50", []want{{Y, "李四", "李四"}, {A, "￥1,200.50", "1200.5"}}},
	{"充值¥200", []want{{A, "¥200", "200"}}},
	{"充值¥ 200", []want{{A, "¥ 200", "200"}}},
	{"转５００元给妈妈", []want{{A, "５００元", "500"}, {Y, "妈妈", "妈妈"}}},
	{"提现１，２００元", []want{{A, "１，２００元", "1200"}}},
	{"五百块", []want{{A, "五百块", "500"}}},
	{"提现一千二百元", []want{{A, "一千二百元", "1200"}}},
	{"转账两万给我哥", []want{{A, "两万", "20000"}, {Y, "我哥", "我哥"}}},
	{"借呗借3.5万分12期", []want{{A, "3.5万", "35000"}}},
	{"余额宝存1.5万", []want{{A, "1.5万", "15000"}}},
	{"借呗借1k", []want{{A, "1k", "1000"}}},
	{"花呗提额到2w", []want{{A, "2w", "20000"}}},
	{"往尾号8812的卡里转五千", []want{{C, "尾号8812", "8812"}, {A, "五千", "5000"}}},
	{"帮我在借呗借一万", []want{{A, "一万", "10000"}}},
	{"还花呗500", []want{{A, "500", "500"}}},
	{"电费交300", []want{{A, "300", "300"}}},
	{"莫名其妙扣了500", []want{{A, "500", "500"}}},
	{"充个话费30", []want{{A, "30", "30"}}},
	{"一千二", nil},
	{"转一千二", []want{{A, "一千二", "1200"}}},
	{"两万五", []want{{A, "两万五", "25000"}}},
	{"壹仟贰佰元整", []want{{A, "壹仟贰佰元", "1200"}}},
	{"红包5块5毛", []want{{A, "5块5毛", "5.5"}}},
	{"五块五毛", []want{{A, "五块五毛", "5.5"}}},
	{"两块钱", []want{{A, "两块钱", "2"}}},
	{"三块五", []want{{A, "三块五", "3.5"}}},
	{"5块5", []want{{A, "5块5", "5.5"}}},
	{"转500块2次", []want{{A, "500块", "500"}}},
	{"发5块55个红包", []want{{A, "5块", "5"}}},
	{"退了三元二角五分", []want{{A, "三元二角五分", "3.25"}}},
	{"退了3元2角5分", []want{{A, "3元2角5分", "3.25"}}},
	{"退款0.01元", []want{{A, "0.01元", "0.01"}}},
	{"转500.00元", []want{{A, "500.00元", "500"}}},
	{"轉賬三百塊", []want{{A, "三百塊", "300"}}},
	{"一块儿去", nil},
	{"转一下", nil},
	{"还一部分花呗", nil},
	{"借呗能借12个月吗", nil},
	{"分12期", nil},
	{"1+1等于几", nil},
	{"花呗怎么只有500额度", nil},
	{"借呗额度为0", nil},
	{"零钱提现", nil},
	{"转1kg", nil},
	{"6位支付密码忘了", nil},
	{"我在借呗最多能借到五万吗", []want{{A, "五万", "50000"}}},

	// Dates.
	{"今天", []want{{D, "今天", "2026-03-18"}}},
	{"昨天那笔500元的转账", []want{{D, "昨天", "2026-03-17"}, {A, "500元", "500"}}},
	{"前天给我妈转的钱", []want{{D, "前天", "2026-03-16"}, {Y, "我妈", "我妈"}}},
	{"大前天", []want{{D, "大前天", "2026-03-15"}}},
	{"明天还花呗", []want{{D, "明天", "2026-03-19"}}},
	{"后天", []want{{D, "后天", "2026-03-20"}}},
	{"上周五转的1000块", []want{{D, "上周五", "2026-03-13"}, {A, "1000块", "1000"}}},
	{"这周一", []want{{D, "这周一", "2026-03-16"}}},
	{"本周日", []want{{D, "本周日", "2026-03-22"}}},
	{"下周三", []want{{D, "下周三", "2026-03-25"}}},
	{"上个星期天", []want{{D, "上个星期天", "2026-03-15"}}},
	{"上上周二", []want{{D, "上上周二", "2026-03-03"}}},
	{"上周的消费", []want{{D, "上周", "2026-03-09/2026-03-15"}}},
	{"周五", []want{{D, "周五", "2026-03-13"}}},
	{"礼拜三", []want{{D, "礼拜三", "2026-03-18"}}},
	{"周末", nil},
	{"看看上个月花了多少", []want{{D, "上个月", "2026-02-01/2026-02-28"}}},
	{"上月", []want{{D, "上月", "2026-02-01/2026-02-28"}}},
	{"这个月支出", []want{{D, "这个月", "2026-03-01/2026-03-31"}}},
	{"下个月", []want{{D, "下个月", "2026-04-01/2026-04-30"}}},
	{"上个月5号", []want{{D, "上个月5号", "2026-02-05"}}},
	{"3月5日", []want{{D, "3月5日", "2026-03-05"}}},
	{"3月5号转的两万到账了没", []want{{D, "3月5号", "2026-03-05"}, {A, "两万", "20000"}}},
	{"三月五号", []want{{D, "三月五号", "2026-03-05"}}},
	{"十二月一日", []want{{D, "十二月一日", "2025-12-01"}}},
	{"9月1号", []want{{D, "9月1号", "2026-09-01"}}},
	{"2024年3月5日", []want{{D, "2024年3月5日", "2024-03-05"}}},
	{"2024年2月30日", nil},
	{"去年12月", []want{{D, "去年12月", "2025-12-01/2025-12-31"}}},
	{"查下3月份的账单", []want{{D, "3月份", "2026-03-01/2026-03-31"}}},
	{"2026年1月的消费", []want{{D, "2026年1月", "2026-01-01/2026-01-31"}}},
	{"2024-03-05", []want{{D, "2024-03-05", "2024-03-05"}}},
	{"2024/3/5", []want{{D, "2024/3/5", "2024-03-05"}}},
	{"2024.3.5", []want{{D, "2024.3.5", "2024-03-05"}}},
	{"3/5那笔", []want{{D, "3/5", "2026-03-05"}}},
	{"13/5", nil},
	{"1/2/3", nil},
	{"5号", []want{{D, "5号", "2026-03-05"}}},
	{"25号", []want{{D, "25号", "2026-03-25"}}},
	{"3号线", nil},
	{"近7天", []want{{D, "近7天", "2026-03-12/2026-03-18"}}},
	{"近三个月花了多少钱", []want{{D, "近三个月", "2025-12-19/2026-03-18"}}},
	{"最近一周", []want{{D, "最近一周", "2026-03-12/2026-03-18"}}},
	{"最近的消费", nil},
	{"借呗能借12个月吗", nil},
	{"昨日", []want{{D, "昨日", "2026-03-17"}}},

	// Card tails.
	{"尾号1234", []want{{C, "尾号1234", "1234"}}},
	{"尾号是1234的卡", []want{{C, "尾号是1234", "1234"}}},
	{"卡号后四位6688那张卡解绑", []want{{C, "卡号后四位6688", "6688"}}},
	{"末四位0093", []want{{C, "末四位0093", "0093"}}},
	{"卡尾号：５５６６", []want{{C, "卡尾号：５５６６", "5566"}}},
	{"尾号幺二三四", []want{{C, "尾号幺二三四", "1234"}}},
	{"尾号12345", nil},
	{"尾号123", nil},

	// Order ids.
	{"订单号2024031512345678扣款有问题", []want{{O, "订单号2024031512345678", "2024031512345678"}}},
	{"交易号：20260315200040011100123456", []want{{O, "交易号：20260315200040011100123456", "20260315200040011100123456"}}},
	{"订单号123", nil},
	{"流水号是 1234567890", []want{{O, "流水号是 1234567890", "1234567890"}}},

	// Phones.
	{"给13812345678充话费", []want{{P, "13812345678", "138****5678"}}},
	{"把手机号改成139****1234", []want{{P, "139****1234", "139****1234"}}},
	{"手机号１３９１２３４５６７８", []want{{P, "１３９１２３４５６７８", "139****5678"}}},
	{"12812345678", nil},
	{"138123456789", nil},

	// Payees.
	{"转账给张三", []want{{Y, "张三", "张三"}}},
	{"我想给朋友转点钱", []want{{Y, "朋友", "朋友"}}},
	{"给我弟打500块钱过去", []want{{Y, "我弟", "我弟"}, {A, "500块钱", "500"}}},
	{"给我儿子发个红包", []want{{Y, "我儿子", "我儿子"}}},
	{"用app转钱给同事", []want{{Y, "同事", "同事"}}},
	{"轉賬給我爸", []want{{Y, "我爸", "我爸"}}},
	{"给我开个付款凭证", nil},
	{"轉賬給我爸三百", []want{{Y, "我爸", "我爸"}}},
	{"给我妈打电话", nil},
	{"给张三打钱", []want{{Y, "张三", "张三"}}},
	{"给手机充100话费", []want{{A, "100", "100"}}},
	{"怎么转钱给别人", nil},
	{"给支付宝充值", nil},

	// Several at once, junk, nothing.
	{"帮我转一千二百元到尾号6621的卡", []want{{A, "一千二百元", "1200"}, {C, "尾号6621", "6621"}}},
	{"3月5日那笔8000元转账开个回单", []want{{D, "3月5日", "2026-03-05"}, {A, "8000元", "8000"}}},
	{"订单号20260310884412345678的退款500元上周五还没到", []want{{O, "订单号20260310884412345678", "20260310884412345678"}, {A, "500元", "500"}, {D, "上周五", "2026-03-13"}}},
	{"我要转账", nil},
	{"", nil},
	{"asdfgh", nil},
	{"\xff\xfe500元", []want{{A, "500元", "500"}}},
}

func TestExtract(t *testing.T) {
	e := newTestExtractor(t)
	for _, tt := range extractTests {
		t.Run(tt.in, func(t *testing.T) {
			got := e.Extract(tt.in)
			if diff := cmp.Diff(expand(t, tt.in, tt.want), got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			checkSlots(t, tt.in, got)
		})
	}
}

// checkSlots checks the invariants every Extract result keeps.
func checkSlots(t *testing.T, in string, got []slots.Slot) {
	t.Helper()
	prevEnd := 0
	for _, s := range got {
		if s.Start < prevEnd || s.End <= s.Start || s.End > len(in) {
			t.Fatalf("Extract(%q): slot %+v out of range or overlapping (previous end %d)", in, s, prevEnd)
		}
		if in[s.Start:s.End] != s.Text {
			t.Fatalf("Extract(%q): text[%d:%d] = %q, slot text %q", in, s.Start, s.End, in[s.Start:s.End], s.Text)
		}
		if !utf8.ValidString(s.Text) || s.Value == "" || !s.Kind.Known() {
			t.Fatalf("Extract(%q): bad slot %+v", in, s)
		}
		prevEnd = s.End
	}
}

func TestNewNilClock(t *testing.T) {
	if _, err := slots.New(slots.WithClock(nil)); err == nil {
		t.Fatal("New(WithClock(nil)) succeeded")
	}
}

// TestExtractClockLocation checks that dates are computed in the clock's
// location: 2026-03-18 01:00 in Shanghai is still the 17th in UTC.
func TestExtractClockLocation(t *testing.T) {
	at := time.Date(2026, 3, 18, 1, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		now  time.Time
		want string
	}{{at, "2026-03-17"}, {at.UTC(), "2026-03-16"}} {
		e, err := slots.New(slots.WithClock(func() time.Time { return tc.now }))
		if err != nil {
			t.Fatal(err)
		}
		got := e.Extract("昨天")
		if len(got) != 1 || got[0].Value != tc.want {
			t.Errorf("now %v: Extract(昨天) = %+v, want value %s", tc.now, got, tc.want)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, tt := range extractTests {
		f.Add(tt.in)
	}
	e := newTestExtractor(f)
	f.Fuzz(func(t *testing.T, in string) {
		checkSlots(t, in, e.Extract(in))
	})
}

func BenchmarkExtract(b *testing.B) {
	e := newTestExtractor(b)
	var inputs []string
	size := 0
	for _, tt := range extractTests {
		inputs = append(inputs, tt.in)
		size += len(tt.in)
	}
	b.ReportAllocs()
	b.SetBytes(int64(size))
	found := 0
	for b.Loop() {
		for _, in := range inputs {
			found += len(e.Extract(in))
		}
	}
	b.ReportMetric(float64(found)/float64(b.N), "slots/op")
}

func ExampleExtractor_Extract() {
	// A fixed clock makes relative dates reproducible: 2026-03-18 is a Wednesday.
	now := time.Date(2026, 3, 18, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	ex, err := slots.New(slots.WithClock(func() time.Time { return now }))
	if err != nil {
		fmt.Println(err)
		return
	}
	text := "上周五转到尾号6621的卡里一千二百元，怎么还没到？"
	for _, s := range ex.Extract(text) {
		fmt.Printf("%s %q [%d:%d] → %s\n", s.Kind, s.Text, s.Start, s.End, s.Value)
	}
	// Output:
	// date "上周五" [0:9] → 2026-03-13
	// card_tail "尾号6621" [15:25] → 6621
	// amount "一千二百元" [34:49] → 1200
}
