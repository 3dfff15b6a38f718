package slots

import (
	"strings"
)

// cnDigit returns the value of a Chinese digit character, everyday or
// financial (大写) form. Traditional forms are folded before this is called.
func cnDigit(c rune) (int, bool) {
	switch c {
	case '零', '〇':
		return 0, true
	case '一', '壹':
		return 1, true
	case '二', '两', '贰':
		return 2, true
	case '三', '叁':
		return 3, true
	case '四', '肆':
		return 4, true
	case '五', '伍':
		return 5, true
	case '六', '陆':
		return 6, true
	case '七', '柒':
		return 7, true
	case '八', '捌':
		return 8, true
	case '九', '玖':
		return 9, true
	}
	return 0, false
}

// cnUnit returns the multiplier of a Chinese magnitude character.
func cnUnit(c rune) (int64, bool) {
	switch c {
	case '十', '拾':
		return 10, true
	case '百', '佰':
		return 100, true
	case '千', '仟':
		return 1000, true
	case '万':
		return 10000, true
	case '亿':
		return 100000000, true
	}
	return 0, false
}

func isCNNumeral(c rune) bool {
	if _, ok := cnDigit(c); ok {
		return true
	}
	_, ok := cnUnit(c)
	return ok
}

// cnMax bounds the values parseChineseNumber accepts (one quadrillion).
const cnMax = 1_000_000_000_000_000

// parseChineseNumber reads a Chinese numeral from rs: 五百, 一千二百, 两万,
// 十五, 一千零二, 壹仟贰佰, 三亿五千万. Colloquial elision of the last
// unit is understood: 一千二 is 1200, 两万五 25000, 三百五 350. It returns the
// value, the number of runes read, and whether the numeral has a magnitude
// character (十, 百, ...). It reads nothing (n == 0) unless rs starts with
// a digit or 十, when digits follow each other without a unit (一二),
// when a unit repeats out of order (五百三百), or when the value exceeds
// one quadrillion.
func parseChineseNumber(rs []rune) (v int64, n int, hasUnit bool) {
	if len(rs) == 0 {
		return 0, 0, false
	}
	if _, ok := cnDigit(rs[0]); !ok && rs[0] != '十' && rs[0] != '拾' {
		return 0, 0, false
	}
	var total, section, num int64
	var lastUnit int64 // unit just before the pending digit, 0 after 零
	var minSection int64 = 1 << 62
	pendingDigit := false
	zero := false
	for n < len(rs) {
		c := rs[n]
		if d, ok := cnDigit(c); ok {
			if pendingDigit {
				return 0, 0, false // 一二: digits read one by one, not a number
			}
			if d == 0 {
				zero = true
				lastUnit = 0
				n++
				continue
			}
			num = int64(d)
			pendingDigit = true
			n++
			continue
		}
		u, ok := cnUnit(c)
		if !ok {
			break
		}
		switch {
		case u < 10000:
			if u >= minSection {
				return 0, 0, false
			}
			if !pendingDigit {
				if u != 10 {
					return 0, 0, false // 百, 千 need a digit before them
				}
				num = 1 // 十五, 一百零十
			}
			section += num * u
			minSection = u
		default:
			section += num
			if section == 0 {
				return 0, 0, false
			}
			if u == 100000000 {
				total = (total + section) * u
			} else {
				total += section * u
			}
			section = 0
			minSection = 1 << 62
		}
		if total > cnMax || section > cnMax {
			return 0, 0, false
		}
		num, pendingDigit, zero, hasUnit = 0, false, false, true
		lastUnit = u
		n++
	}
	if pendingDigit && lastUnit >= 100 && !zero {
		num *= lastUnit / 10 // 一千二 = 1200
	}
	v = total + section + num
	if v > cnMax {
		return 0, 0, false
	}
	return v, n, hasUnit
}

// decimal is an exact non-negative decimal: digits × 10^-scale.
type decimal struct {
	digits string // ASCII digits, no sign or point
	scale  int
}

// shift multiplies d by 10^k.
func (d decimal) shift(k int) decimal {
	d.scale -= k
	if d.scale < 0 {
		d.digits += strings.Repeat("0", -d.scale)
		d.scale = 0
	}
	return d
}

// add returns d + 10^-scale × v for a small v (0–99) at the given scale,
// used for 角 and 分.
func (d decimal) addFraction(v int, scale int) decimal {
	for d.scale < scale {
		d.digits += "0"
		d.scale++
	}
	// Add v at position scale from the end of digits.
	b := []byte(d.digits)
	pos := len(b) - 1 - (d.scale - scale)
	carry := v
	for pos >= 0 && carry > 0 {
		x := int(b[pos]-'0') + carry
		b[pos] = byte('0' + x%10)
		carry = x / 10
		pos--
	}
	s := string(b)
	for carry > 0 {
		s = string(rune('0'+carry%10)) + s
		carry /= 10
	}
	d.digits = s
	return d
}

// String formats d as a plain decimal without leading or trailing zeros:
// "500", "1200.5", "0.05".
func (d decimal) String() string {
	intPart, frac := d.digits, ""
	if d.scale > 0 {
		for len(intPart) <= d.scale {
			intPart = "0" + intPart
		}
		intPart, frac = intPart[:len(intPart)-d.scale], intPart[len(intPart)-d.scale:]
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		return intPart
	}
	return intPart + "." + frac
}

func decimalOf(v int64) decimal {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return decimal{digits: string(buf[i:])}
}

// arabicNumber reads 500, 1,200.50 or 3.5 at k. Commas group thousands only
// when every group has three digits. It returns the value, the end index and
// the count of integer digits.
func (s *slotScan) arabicNumber(k int) (d decimal, end, intDigits int) {
	n := s.digitsAt(k)
	if n == 0 {
		return decimal{}, k, 0
	}
	var b strings.Builder
	b.WriteString(string(s.r[k : k+n]))
	end = k + n
	intDigits = n
	if n <= 3 {
		for s.at(end) == ',' && s.digitsAt(end+1) == 3 {
			b.WriteString(string(s.r[end+1 : end+4]))
			end += 4
			intDigits += 3
		}
	}
	if s.at(end) == '.' {
		if m := s.digitsAt(end + 1); m > 0 {
			b.WriteString(string(s.r[end+1 : end+1+m]))
			d.scale = m
			end += 1 + m
		}
	}
	d.digits = b.String()
	return d, end, intDigits
}

var amountUnits = []string{"块钱", "元钱", "人民币", "块", "元", "圆", "rmb", "RMB"}

// countWords follow a number that counts something other than money.
func isCounter(c rune) bool {
	switch c {
	case '个', '月', '日', '号', '年', '期', '次', '天', '位', '点', '%', '笔', '张', '周', '岁',
		'分', '小', '秒', '倍', '折', '/', '-', ':', '楼', '层', '人', '件', '条', '台', '斤', '公', '米', '克', 'G', 'g', '+', '*', '=':
		return true
	}
	return false
}

func isMoneyVerb(c rune) bool {
	switch c {
	case '转', '还', '借', '充', '存', '取', '提', '扣', '付', '交', '缴', '汇', '打', '退', '发', '花', '赔', '收':
		return true
	}
	return false
}

// verbBefore reports whether a money verb stands within four Han
// characters before index k.
func (s *slotScan) verbBefore(k int) bool {
	for b := k - 1; b >= 0 && b >= k-4 && isHan(s.r[b]); b-- {
		if isMoneyVerb(s.r[b]) {
			return true
		}
	}
	return false
}

func (s *slotScan) amounts(out []slotCand) []slotCand {
	for k := 0; k < len(s.r); k++ {
		if c, ok := s.amountAt(k); ok {
			out = append(out, c)
			k = c.j - 1
		}
	}
	return out
}

func (s *slotScan) amountAt(start int) (slotCand, bool) {
	k := start
	sign := false
	if c := s.r[k]; c == '¥' || c == '￥' {
		sign = true
		k++
		for s.at(k) == ' ' {
			k++
		}
	}
	var val decimal
	var end int
	bigUnit := false // 万, 亿, k or w: money even without 元
	hasUnit := false // any magnitude at all (Chinese numerals)
	switch c := s.at(k); {
	case isDigit(c):
		if p := s.at(k - 1); isASCIIAlnum(p) || p == '.' || p == ',' || p == '*' {
			return slotCand{}, false
		}
		var intDigits int
		val, end, intDigits = s.arabicNumber(k)
		if intDigits > 12 {
			return slotCand{}, false
		}
		switch m := s.at(end); m {
		case '万', '亿', '千', '百':
			switch m {
			case '百':
				val = val.shift(2)
			case '千':
				val = val.shift(3)
			case '万':
				val = val.shift(4)
			default:
				val = val.shift(8)
			}
			end++
			bigUnit = m == '万' || m == '亿'
			hasUnit = true
		case 'k', 'K', 'w', 'W':
			if !isASCIIAlnum(s.at(end + 1)) {
				if m == 'k' || m == 'K' {
					val = val.shift(3)
				} else {
					val = val.shift(4)
				}
				end++
				bigUnit, hasUnit = true, true
			}
		}
		if !hasUnit && isASCIIAlnum(s.at(end)) {
			return slotCand{}, false
		}
	case isCNNumeral(c):
		if isCNNumeral(s.at(k - 1)) {
			return slotCand{}, false
		}
		v, n, mag := parseChineseNumber(s.r[k:])
		if n == 0 {
			return slotCand{}, false
		}
		val, end, hasUnit = decimalOf(v), k+n, mag
		for _, r := range s.r[k:end] {
			if r == '万' || r == '亿' {
				bigUnit = true
			}
		}
	default:
		return slotCand{}, false
	}
	unit := false
	if n := s.prefix(end, amountUnits); n > 0 && !(s.at(end) == '块' && s.at(end+1) == '儿') {
		// n == 1 for 块, 元 and 圆, after which a lone digit is 毛.
		unit = true
		end += n
		// 5块5毛, 3元2角5分, and 三块五 with 毛 elided.
		d, ok := digitValue(s.at(end))
		switch after := s.at(end + 1); {
		case !ok:
		case after == '毛' || after == '角':
			val = val.addFraction(d, 1)
			end += 2
			if d, ok := digitValue(s.at(end)); ok && s.at(end+1) == '分' {
				val = val.addFraction(d, 2)
				end += 2
			}
		case n == 1 && !isDigit(after) && !isCNNumeral(after) && !isCounter(after) && !isASCIIAlnum(after) && after != '.':
			val = val.addFraction(d, 1)
			end++
		}
	}
	switch {
	case sign || unit, bigUnit:
	case isCounter(s.at(end)):
		return slotCand{}, false
	case s.verbBefore(start) && (isDigit(s.r[start]) || hasUnit):
	default:
		return slotCand{}, false
	}
	return slotCand{Amount, start, end, val.String()}, true
}
