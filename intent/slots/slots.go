package slots

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/textnorm"
)

// Kind names what a [Slot] holds. The values are the lowercase names
// used in routing tables (see intent.Route).
type Kind string

// Slot kinds recognised by [Extractor].
const (
	// Amount is a sum of money. Value is a decimal number of yuan without
	// trailing zeros or grouping: "500", "1200.5", "35000".
	Amount Kind = "amount"
	// Date is a day or a span of days. Value is either one day, "2026-03-13",
	// or an inclusive span written as an ISO 8601 interval,
	// "2026-02-01/2026-02-28" (for 上个月, 这周, 3月份, 近7天 and the like).
	Date Kind = "date"
	// CardTail is the last four digits of a bank card, cued by 尾号, 后四位,
	// 末四位 or 尾数. Value is the four ASCII digits.
	CardTail Kind = "card_tail"
	// OrderID is an order or transaction number of 10–32 digits cued by
	// 订单号, 交易号, 流水号 and the like. Value is the ASCII digits.
	OrderID Kind = "order_id"
	// Phone is a mainland mobile number, whole or with the middle four
	// digits masked (138****5678). Value is always masked the same way, so
	// a full number never travels further than the input text: use
	// Text if the host really needs it.
	Phone Kind = "phone"
	// Payee is who money is sent to, in 给妈妈转, 转账给张三 or
	// 给我儿子发个红包 patterns. Value is the name folded to simplified
	// Chinese, e.g. "妈妈", "张三".
	Payee Kind = "payee"
)

// kinds lists the known kinds in the order overlapping matches are
// preferred: when two candidate slots overlap, the earlier kind wins.
var kinds = [...]Kind{OrderID, Phone, CardTail, Date, Amount, Payee}

// Known reports whether k is one of the kinds [Extractor] produces.
func (k Kind) Known() bool { return rank(k) >= 0 }

func rank(k Kind) int {
	for i, kk := range kinds {
		if kk == k {
			return i
		}
	}
	return -1
}

// Slot is one value found in an utterance.
type Slot struct {
	// Kind says what the slot holds.
	Kind Kind
	// Text is the matched input, cue words included ("尾号1234",
	// "￥1,200.50", "上周五"): Text == input[Start:End].
	Text string
	// Start and End are byte offsets into the input.
	Start, End int
	// Value is the normalized value; its format depends on Kind.
	Value string
}

// Option configures an [Extractor].
type Option func(*options)

type options struct {
	clock func() time.Time
}

// WithClock sets the function that tells an [Extractor] what "today" is
// when it resolves relative dates (昨天, 上周五, 3月5号). Dates are computed in
// the location of the time it returns. The default is [time.Now].
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.clock = now }
}

// ErrBadOption is returned by [New] for an invalid option.
var ErrBadOption = errors.New("slots: bad option")

// Extractor finds amounts, dates, card tails, order numbers, phone numbers
// and payees in Chinese customer-service utterances with hand-written rules.
// It is safe for concurrent use.
//
// Matching sees the input through [textnorm.Fold]: full-width digits and
// signs (５００元, ￥) and traditional characters (轉賬, 昨天) are read as
// their narrow, simplified forms, while offsets and Text refer to the
// original input. Numbers may be written with Arabic digits (500, 1,200.50,
// 3.5万, 1k, 2w) or Chinese numerals (五百, 一千二百, 两万五, 壹仟贰佰).
//
// A number is an [Amount] when it carries a currency sign (¥500), a unit
// (500元, 500块钱, 5块5毛, 三元二角五分), a magnitude of 万 or 亿, or the
// shorthand k (thousand) or w (万) (两万, 3.5万, 1k, 2w), or when a money
// verb (转, 还, 借, 充, 存, 取, 提, 扣, 付, 交, 缴, 汇, 打, 退, 发, 花, 赔,
// 收) stands at most four Han characters before it (给妈妈转500,
// 还花呗500); without a unit, a Chinese numeral needs a magnitude (转五千,
// not 转一下). A number followed by a counter (12个月, 分3期, 3次) is not
// an amount unless it has a unit. A lone digit after 块 or 元 is 毛:
// 三块五 is 3.5.
//
// Years are optional. A day without a year (3月5日, 3/5) resolves to the
// occurrence nearest to today, a day of month alone (5号) to the nearest
// month that has it, and a bare weekday (周五) to the latest such day on or
// before today, because help-center questions are mostly about the past.
// Weeks start on Monday.
type Extractor struct {
	now func() time.Time
}

// New returns an Extractor. It fails only on an invalid option (a nil
// clock), with an error wrapping [ErrBadOption].
func New(opts ...Option) (*Extractor, error) {
	o := options{clock: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.clock == nil {
		return nil, fmt.Errorf("%w: WithClock(nil)", ErrBadOption)
	}
	return &Extractor{now: o.clock}, nil
}

// Extract returns the slots found in text, ordered by Start; slots never
// overlap. It returns nil when there is none. Invalid UTF-8 is skipped.
func (e *Extractor) Extract(text string) []Slot {
	if text == "" {
		return nil
	}
	s := newSlotScan(text)
	var cands []slotCand
	cands = s.orderIDs(cands)
	cands = s.phones(cands)
	cands = s.cardTails(cands)
	if s.hasDateHint() {
		now := e.now()
		cands = s.dates(cands, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()))
	}
	cands = s.amounts(cands)
	cands = s.payees(cands)
	if len(cands) == 0 {
		return nil
	}
	// Prefer the higher-ranked kind, then the longer match, then the
	// earlier one; keep what does not overlap an accepted slot.
	slices.SortFunc(cands, func(a, b slotCand) int {
		if c := cmp.Compare(rank(a.kind), rank(b.kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.j-b.i, a.j-a.i); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	out := make([]Slot, 0, len(cands))
	taken := make([]bool, len(s.r)) // runes covered by accepted slots
	for _, c := range cands {
		overlaps := false
		for x := c.i; x < c.j && !overlaps; x++ {
			overlaps = taken[x]
		}
		if !overlaps {
			for x := c.i; x < c.j; x++ {
				taken[x] = true
			}
			// Start/End hold rune indices until the final conversion.
			out = append(out, Slot{Kind: c.kind, Start: c.i, End: c.j, Value: c.value})
		}
	}
	slices.SortFunc(out, func(a, b Slot) int { return cmp.Compare(a.Start, b.Start) })
	for i := range out {
		out[i].Start, out[i].End = s.off[out[i].Start], s.off[out[i].End]
		out[i].Text = text[out[i].Start:out[i].End]
	}
	return out
}

// slotCand is a candidate slot over rune indices [i, j) of a slotScan.
type slotCand struct {
	kind  Kind
	i, j  int
	value string
}

// slotScan is the folded view of one input: r[k] is the k-th rune after
// textnorm.Fold, off[k] its byte offset in the input, off[len(r)] the input
// length. Invalid bytes become utf8.RuneError, which matches no rule.
type slotScan struct {
	r   []rune
	off []int
}

func newSlotScan(text string) *slotScan {
	n := utf8.RuneCountInString(text)
	s := &slotScan{r: make([]rune, 0, n), off: make([]int, 0, n+1)}
	for i, c := range text {
		s.r = append(s.r, textnorm.Fold(c))
		s.off = append(s.off, i)
	}
	s.off = append(s.off, len(text))
	return s
}

// at returns the rune at k, or 0 outside the input.
func (s *slotScan) at(k int) rune {
	if k < 0 || k >= len(s.r) {
		return 0
	}
	return s.r[k]
}

// has reports whether the runes from k on spell w.
func (s *slotScan) has(k int, w string) bool {
	if k < 0 || k >= len(s.r) {
		return false
	}
	// Most calls fail on the first rune: compare its encoding with w's
	// first bytes rather than decode w.
	var buf [utf8.UTFMax]byte
	size := utf8.EncodeRune(buf[:], s.r[k])
	if len(w) < size {
		return false
	}
	for i := range size {
		if buf[i] != w[i] {
			return false
		}
	}
	k++
	for _, c := range w[size:] {
		if k >= len(s.r) || s.r[k] != c {
			return false
		}
		k++
	}
	return true
}

// prefix returns the length in runes of the first of words found at k, or 0.
func (s *slotScan) prefix(k int, words []string) int {
	for _, w := range words {
		if s.has(k, w) {
			return utf8.RuneCountInString(w)
		}
	}
	return 0
}

// digitsAt counts the ASCII digits from k on.
func (s *slotScan) digitsAt(k int) int {
	n := 0
	for k+n < len(s.r) && isDigit(s.r[k+n]) {
		n++
	}
	return n
}

// skipFiller skips 是, 为, colons and spaces between a cue and its value.
func (s *slotScan) skipFiller(k int) int {
	for k < len(s.r) {
		switch s.r[k] {
		case '是', '为', ':', ' ', '\t', '#':
			k++
		default:
			return k
		}
	}
	return k
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

func isASCIIAlnum(c rune) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isHan(c rune) bool { return c >= 0x3400 && unicode.Is(unicode.Han, c) }

// orderCues are listed longest first so the longest cue wins.
var orderCues = []string{"商户订单号", "交易订单号", "订单编号", "交易单号", "商户单号", "订单号", "交易号", "流水号", "单号", "订单"}

func (s *slotScan) orderIDs(out []slotCand) []slotCand {
	for k := 0; k < len(s.r); k++ {
		switch s.r[k] {
		case '商', '交', '订', '流', '单':
		default:
			continue
		}
		n := s.prefix(k, orderCues)
		if n == 0 {
			continue
		}
		d := s.skipFiller(k + n)
		m := s.digitsAt(d)
		if m >= 10 && m <= 32 {
			out = append(out, slotCand{OrderID, k, d + m, string(s.r[d : d+m])})
			k = d + m - 1
		}
	}
	return out
}

func (s *slotScan) phones(out []slotCand) []slotCand {
	for k := 0; k+11 <= len(s.r); k++ {
		if s.r[k] != '1' || s.r[k+1] < '3' || s.r[k+1] > '9' || isASCIIAlnum(s.at(k-1)) || isASCIIAlnum(s.at(k+11)) {
			continue
		}
		ok := isDigit(s.r[k+2])
		for x := k + 3; x < k+7 && ok; x++ {
			ok = isDigit(s.r[x]) || s.r[x] == '*'
		}
		for x := k + 7; x < k+11 && ok; x++ {
			ok = isDigit(s.r[x])
		}
		if ok {
			out = append(out, slotCand{Phone, k, k + 11, string(s.r[k:k+3]) + "****" + string(s.r[k+7:k+11])})
			k += 10
		}
	}
	return out
}

var tailCues = []string{"尾号", "尾数", "后四位", "末四位", "后4位", "末4位"}

func (s *slotScan) cardTails(out []slotCand) []slotCand {
	for k := 0; k < len(s.r); k++ {
		switch s.r[k] {
		case '尾', '后', '末':
		default:
			continue
		}
		n := s.prefix(k, tailCues)
		if n == 0 {
			continue
		}
		start := k
		if s.has(k-2, "卡号") {
			start = k - 2
		} else if s.at(k-1) == '卡' {
			start = k - 1
		}
		d := s.skipFiller(k + n)
		var val [4]byte
		m := 0
		for ; m < 4 && d+m < len(s.r); m++ {
			v, ok := digitValue(s.r[d+m])
			if !ok {
				break
			}
			val[m] = byte('0' + v)
		}
		if _, more := digitValue(s.at(d + m)); m == 4 && !more {
			out = append(out, slotCand{CardTail, start, d + 4, string(val[:])})
			k = d + 3
		}
	}
	return out
}

// digitValue reads one digit written as an ASCII digit or a Chinese digit
// character (including 幺 and 洞, as read aloud).
func digitValue(c rune) (int, bool) {
	if isDigit(c) {
		return int(c - '0'), true
	}
	switch c {
	case '零', '〇', '洞':
		return 0, true
	case '幺':
		return 1, true
	}
	if v, ok := cnDigit(c); ok && c != '两' {
		return v, true
	}
	return 0, false
}

// payeeStops end a payee name.
func isPayeeStop(c rune) bool {
	switch c {
	case '的', '了', '吧', '呢', '吗', '啊', '呀', '钱', '转', '打', '汇', '发', '元', '块',
		'过', '去', '一', '两', '几', '些', '点', '个', '笔', '和', '跟', '在', '到', '用', '说':
		return true
	}
	return !isHan(c)
}

// notPayees are words after 给 that name nobody in particular.
var notPayees = map[string]bool{"我": true, "你": true, "他": true, "她": true, "它": true, "自己": true, "别人": true, "对方": true, "他人": true, "人": true, "我们": true, "你们": true}

func (s *slotScan) payees(out []slotCand) []slotCand {
	for k := 0; k < len(s.r); k++ {
		if s.r[k] != '给' {
			continue
		}
		j := k + 1
		for j < len(s.r) && j-k-1 < 6 && !isPayeeStop(s.r[j]) {
			if _, n, mag := parseChineseNumber(s.r[j:]); n > 0 && mag {
				break // 给我爸三百: the name ends where an amount starts
			}
			j++
		}
		name := string(s.r[k+1 : j])
		if j == k+1 || j-k-1 > 4 || notPayees[name] {
			continue
		}
		// 给X转/打/汇/发…, or 转…给X within the same clause.
		next := s.at(j)
		ok := next == '转' || next == '汇' || next == '发' || next == '打' && isMoneyAfterDa(s.at(j+1))
		for b := k - 1; !ok && b >= 0 && inClause(s.r[b]); b-- {
			ok = s.r[b] == '转' || s.r[b] == '汇'
		}
		if ok {
			out = append(out, slotCand{Payee, k + 1, j, name})
			k = j - 1
		}
	}
	return out
}

// inClause reports whether c can sit inside one clause: clauses end at
// punctuation and spaces, but not at the signs of an amount.
func inClause(c rune) bool {
	return isHan(c) || isASCIIAlnum(c) || c == '.' || c == '¥' || c == '￥'
}

// isMoneyAfterDa reports whether c after 打 makes it "send money" (打钱,
// 打500) rather than 打电话 or 打车.
func isMoneyAfterDa(c rune) bool {
	return c == '钱' || c == '款' || c == '过' || c == '¥' || c == '￥' || isDigit(c) || isCNNumeral(c)
}
