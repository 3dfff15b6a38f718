package slots

import (
	"time"
	"unicode/utf8"
)

// hasDateHint reports whether any rune could start or end a date, so that
// inputs without one never call the clock.
func (s *slotScan) hasDateHint() bool {
	for _, c := range s.r {
		switch c {
		case '天', '日', '号', '月', '周', '期', '拜', '/', '-', '.', '年':
			return true
		}
	}
	return false
}

var relDays = []struct {
	word string
	days int
}{
	{"大前天", -3}, {"大后天", 3}, {"前天", -2}, {"昨天", -1}, {"昨日", -1},
	{"今天", 0}, {"今日", 0}, {"明天", 1}, {"明日", 1}, {"后天", 2},
}

// relPrefixes are the week and month offsets of 上上周, 上周, 这周, 本月, 下月.
var relPrefixes = []struct {
	word string
	off  int
}{{"上上", -2}, {"上", -1}, {"这", 0}, {"本", 0}, {"下", 1}}

var weekWords = []string{"星期", "礼拜", "周"}

func dayString(t time.Time) string { return t.Format(time.DateOnly) }

func spanString(a, b time.Time) string { return dayString(a) + "/" + dayString(b) }

func validDay(y int, m time.Month, d int, loc *time.Location) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc).Day() == d
}

func absDays(a, b time.Time) int {
	h := a.Sub(b).Hours()
	if h < 0 {
		h = -h
	}
	return int(h/24 + 0.5)
}

// nearestYear returns the date with month m and day d nearest to today
// (last year, this year or next; ties go to the earlier date).
func nearestYear(today time.Time, m time.Month, d int) (time.Time, bool) {
	var best time.Time
	found := false
	for y := today.Year() - 1; y <= today.Year()+1; y++ {
		if !validDay(y, m, d, today.Location()) {
			continue
		}
		t := time.Date(y, m, d, 0, 0, 0, 0, today.Location())
		if !found || absDays(t, today) < absDays(best, today) {
			best, found = t, true
		}
	}
	return best, found
}

// weekdayNumber reads a weekday after 周/星期/礼拜: Monday is 1, Sunday 7.
func weekdayNumber(c rune) int {
	switch c {
	case '一', '1':
		return 1
	case '二', '2':
		return 2
	case '三', '3':
		return 3
	case '四', '4':
		return 4
	case '五', '5':
		return 5
	case '六', '6':
		return 6
	case '日', '天', '7':
		return 7
	}
	return 0
}

// smallNumber reads a number below 10000 written in ASCII digits or
// Chinese numerals at k, returning the value and the end index (k when
// there is none).
func (s *slotScan) smallNumber(k int) (int, int) {
	if isCNNumeral(s.at(k - 1)) {
		return 0, k
	}
	if isDigit(s.at(k)) {
		if isDigit(s.at(k - 1)) {
			return 0, k
		}
		n := s.digitsAt(k)
		if n > 4 {
			return 0, k
		}
		v := 0
		for _, c := range s.r[k : k+n] {
			v = v*10 + int(c-'0')
		}
		return v, k + n
	}
	if k >= len(s.r) {
		return 0, k
	}
	v, n, _ := parseChineseNumber(s.r[k:])
	if n == 0 || v >= 10000 {
		return 0, k
	}
	return int(v), k + n
}

func (s *slotScan) dates(out []slotCand, today time.Time) []slotCand {
	wd := int(today.Weekday())
	if wd == 0 {
		wd = 7
	}
	monday := today.AddDate(0, 0, 1-wd)
	for k := 0; k < len(s.r); k++ {
		if c, ok := s.dateAt(k, today, monday); ok {
			out = append(out, c)
			k = c.j - 1
		}
	}
	return out
}

// dateAt tries every date pattern at k and keeps the longest match.
func (s *slotScan) dateAt(k int, today, monday time.Time) (slotCand, bool) {
	c := s.r[k]
	if !startsDate(c) || isDigit(c) && isDigit(s.at(k-1)) || isCNNumeral(c) && isCNNumeral(s.at(k-1)) {
		return slotCand{}, false // no date starts inside a number
	}
	var best slotCand
	try := func(j int, value string) {
		if j > k && j-k > best.j-best.i {
			best = slotCand{Date, k, j, value}
		}
	}
	loc := today.Location()
	y, m, _ := today.Date()

	// 昨天, 大前天, 明日.
	for _, w := range relDays {
		if s.has(k, w.word) {
			try(k+utf8.RuneCountInString(w.word), dayString(today.AddDate(0, 0, w.days)))
			break
		}
	}

	// 上周五, 这周, 本星期一, 下个礼拜; bare 周五, 星期天.
	weekAt := func(j int) int {
		for _, w := range weekWords {
			if s.has(j, w) {
				return j + utf8.RuneCountInString(w)
			}
		}
		return -1
	}
	for _, p := range relPrefixes {
		if !s.has(k, p.word) {
			continue
		}
		j := k + utf8.RuneCountInString(p.word)
		if s.at(j) == '个' {
			j++
		}
		if e := weekAt(j); e >= 0 {
			mon := monday.AddDate(0, 0, 7*p.off)
			if n := weekdayNumber(s.at(e)); n > 0 && !isDigit(s.at(e+1)) {
				try(e+1, dayString(mon.AddDate(0, 0, n-1)))
			} else if s.at(e) != '期' && s.at(e) != '末' {
				try(e, spanString(mon, mon.AddDate(0, 0, 6)))
			}
		}
		// 上个月, 本月, 下月; 上个月5号.
		if s.at(j) == '月' {
			first := time.Date(y, m+time.Month(p.off), 1, 0, 0, 0, 0, loc)
			if d, e := s.smallNumber(j + 1); e > j+1 && (s.at(e) == '日' || s.at(e) == '号') {
				if validDay(first.Year(), first.Month(), d, loc) {
					try(e+1, dayString(first.AddDate(0, 0, d-1)))
				}
			} else {
				try(j+1, spanString(first, first.AddDate(0, 1, -1)))
			}
		}
		break
	}
	if e := weekAt(k); e >= 0 {
		if n := weekdayNumber(s.at(e)); n > 0 && !isDigit(s.at(e+1)) && s.at(e+1) != '年' {
			t := monday.AddDate(0, 0, n-1)
			if t.After(today) {
				t = t.AddDate(0, 0, -7)
			}
			try(e+1, dayString(t))
		}
	}

	// 近7天, 最近三个月, 过去一周.
	for _, cue := range []string{"最近", "过去", "近"} {
		if !s.has(k, cue) {
			continue
		}
		j := k + utf8.RuneCountInString(cue)
		n, e := s.smallNumber(j)
		if e == j || n < 1 || n > 366 {
			break
		}
		var from time.Time
		switch {
		case s.at(e) == '天' || s.at(e) == '日':
			from, e = today.AddDate(0, 0, 1-n), e+1
		case s.at(e) == '周' || s.has(e, "个星期") || s.has(e, "个礼拜") || s.has(e, "星期"):
			if s.at(e) == '个' {
				e++
			}
			if s.at(e) == '周' {
				e++
			} else {
				e += 2
			}
			from = today.AddDate(0, 0, 1-7*n)
		case s.has(e, "个月"):
			from, e = today.AddDate(0, -n, 1), e+2
		case s.at(e) == '年':
			from, e = today.AddDate(-n, 0, 1), e+1
		default:
			e = j
		}
		if e > j {
			try(e, spanString(from, today))
		}
		break
	}

	// 2024年3月5日, 今年3月, 3月5号, 三月五日, 3月份.
	year, yearGiven := y, false
	j := k
	switch {
	case s.digitsAt(k) == 4 && s.at(k+4) == '年' && !isDigit(s.at(k-1)):
		year = 0
		for _, c := range s.r[k : k+4] {
			year = year*10 + int(c-'0')
		}
		j, yearGiven = k+5, true
	case s.has(k, "今年"):
		j, yearGiven = k+2, true
	case s.has(k, "去年"):
		year, j, yearGiven = y-1, k+2, true
	case s.has(k, "前年"):
		year, j, yearGiven = y-2, k+2, true
	case s.has(k, "明年"):
		year, j, yearGiven = y+1, k+2, true
	}
	if mo, e := s.smallNumber(j); e > j && mo >= 1 && mo <= 12 && s.at(e) == '月' {
		e++
		if d, f := s.smallNumber(e); f > e && (s.at(f) == '日' || s.at(f) == '号') {
			if yearGiven {
				if validDay(year, time.Month(mo), d, loc) {
					try(f+1, dayString(time.Date(year, time.Month(mo), d, 0, 0, 0, 0, loc)))
				}
			} else if t, ok := nearestYear(today, time.Month(mo), d); ok {
				try(f+1, dayString(t))
			}
		} else if !isDigit(s.at(e)) && !isCNNumeral(s.at(e)) {
			first := time.Date(year, time.Month(mo), 1, 0, 0, 0, 0, loc)
			if !yearGiven {
				first, _ = nearestYear(today, time.Month(mo), 1)
			}
			if s.at(e) == '份' {
				e++
			}
			try(e, spanString(first, first.AddDate(0, 1, -1)))
		}
	}

	// 2024-03-05, 2024/3/5, 2024.3.5, 3/5.
	if n := s.digitsAt(k); n > 0 && !isDigit(s.at(k-1)) && s.at(k-1) != '/' && s.at(k-1) != '-' && s.at(k-1) != '.' {
		if n == 4 && (s.at(k+4) == '-' || s.at(k+4) == '/' || s.at(k+4) == '.') {
			sep := s.at(k + 4)
			yv, _ := s.smallNumber(k)
			mo, e := s.smallNumber(k + 5)
			if e > k+5 && e-(k+5) <= 2 && s.at(e) == sep {
				if d, f := s.smallNumber(e + 1); f > e+1 && f-(e+1) <= 2 && !isDigit(s.at(f)) && s.at(f) != sep && validDay(yv, time.Month(mo), d, loc) {
					try(f, dayString(time.Date(yv, time.Month(mo), d, 0, 0, 0, 0, loc)))
				}
			}
		}
		if n <= 2 && s.at(k+n) == '/' {
			mo, _ := s.smallNumber(k)
			if d, f := s.smallNumber(k + n + 1); f > k+n+1 && f-(k+n+1) <= 2 && !isDigit(s.at(f)) && s.at(f) != '/' {
				if t, ok := nearestYear(today, time.Month(mo), d); ok && mo >= 1 && mo <= 12 {
					try(f, dayString(t))
				}
			}
		}
	}

	// 5号, 十五日: the nearest month that has that day.
	if d, e := s.smallNumber(k); e > k && (s.at(e) == '号' || s.at(e) == '日') && d >= 1 && d <= 31 &&
		s.at(k) != '两' && s.at(k-1) != '月' && !isDigit(s.at(k-1)) && !isTailNoun(s.at(e+1)) {
		var bestT time.Time
		found := false
		for off := -1; off <= 1; off++ {
			first := time.Date(y, m+time.Month(off), 1, 0, 0, 0, 0, loc)
			if !validDay(first.Year(), first.Month(), d, loc) {
				continue
			}
			t := first.AddDate(0, 0, d-1)
			if !found || absDays(t, today) < absDays(bestT, today) {
				bestT, found = t, true
			}
		}
		if found {
			try(e+1, dayString(bestT))
		}
	}
	return best, best.j > best.i
}

// isTailNoun reports whether c after N号 makes it a place or seat, not a
// day (3号线, 5号楼).
func isTailNoun(c rune) bool {
	switch c {
	case '线', '楼', '床', '门', '院', '机', '码', '位', '口', '窗', '店', '馆', '车', '台':
		return true
	}
	return false
}

// startsDate reports whether a date pattern can begin with c.
func startsDate(c rune) bool {
	switch c {
	case '大', '前', '昨', '今', '明', '后', '上', '这', '本', '下', '周', '星', '礼', '最', '过', '近', '去':
		return true
	}
	return isDigit(c) || isCNNumeral(c)
}
