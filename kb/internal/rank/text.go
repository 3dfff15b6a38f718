package rank

import "strings"

// Analysis is one text as the index analysed it: its terms and characters.
// The index hands it over and never changes it afterwards.
type Analysis struct {
	// WordSet holds the distinct word terms (synonyms as their canonical
	// term), sorted.
	WordSet []string
	// WordFirst is, for each term of WordSet, the position among the
	// text's words of its first occurrence.
	WordFirst []int32
	// RawSet holds the distinct word terms before synonym mapping, sorted.
	RawSet []string
	// Runes is the folded, lowercased text reduced to letters, digits and
	// Han characters.
	Runes []rune
	// Norm is string(Runes), when the analyser has it at hand; empty, it
	// is computed when needed.
	Norm string
	// Grams holds the distinct character bigrams (and the single
	// character of a one-character run), sorted.
	Grams []string
	// Uni holds the distinct characters, sorted.
	Uni []string
}

// Text is an indexed text as the features read it: its analysis, what the
// features need of it beyond its terms, the counts of its terms in the
// index's Stats (set by Stats.Add) and its terms numbered in a model's
// association table and contrast model (set by NewText), so that comparing
// it with a query reads slices rather than maps.
type Text struct {
	a    *Analysis
	info textInfo
	// wordDF, uniDF and gramDF point to the counts of a's WordSet, Uni and
	// Grams in the Stats the text is counted in.
	wordDF, uniDF, gramDF []*termCount
	// aid numbers the terms in the association table of the model the
	// text was prepared for, when it has one.
	aid *termIDs
	// ctIDs numbers WordSet in the contrast model ctOf, when the model
	// has one.
	ctIDs []int32
	ctOf  *contrast
}

// NewText prepares a for scoring with m (nil: no model, or one not yet
// known; the features of a model's tables then look a's terms up).
func NewText(a *Analysis, m *Model) Text {
	t := Text{a: a, info: newTextInfo(a)}
	if m != nil && m.assoc != nil {
		t.aid = m.assoc.textIDs(a)
	}
	if m != nil && m.contrast != nil {
		c := m.contrast
		t.ctIDs, t.ctOf = c.wordIDs(make([]int32, 0, len(a.WordSet)), a.WordSet), c
	}
	return t
}

// textInfo is what the features need of a text beyond its terms, computed
// once per text.
type textInfo struct {
	norm  string
	neg   bool
	qtype int
	keys  uint64
}

func newTextInfo(a *Analysis) textInfo {
	norm := a.Norm
	if norm == "" {
		norm = string(a.Runes)
	}
	return textInfo{norm: norm, neg: negated(norm), qtype: questionType(norm), keys: keyTerms(norm)}
}

// notNegation holds question forms that contain a negation character
// without negating anything (是不是 asks, it does not deny).
var notNegation = strings.NewReplacer(
	"是不是", "", "能不能", "", "可不可以", "", "会不会", "", "有没有", "", "要不要", "",
	"行不行", "", "对不对", "", "好不好", "", "用不用", "", "还不还", "", "不用谢", "", "不好意思", "",
)

// negated reports whether folded text denies something: 不, 没, 未, 无法, 别,
// 失败, 拒绝 outside the question forms in notNegation.
func negated(norm string) bool {
	if !strings.ContainsAny(norm, "不没未无别失拒") {
		return false
	}
	s := notNegation.Replace(norm)
	return strings.ContainsAny(s, "不没未别") || strings.Contains(s, "无法") ||
		strings.Contains(s, "失败") || strings.Contains(s, "拒绝")
}

// questionKinds lists, in order of precedence, the markers of the kind of
// question asked; questionType returns 1 + the index of the first kind found.
var questionKinds = [][]string{
	{"为什么", "为啥", "为何", "怎么回事", "咋回事", "原因", "怎么会", "怎么不", "怎么没", "怎么还"},
	{"多久", "什么时候", "啥时候", "几天", "何时", "多长时间", "几号", "哪天", "几点"},
	{"多少", "几多", "利息是", "费用"},
	{"怎么", "如何", "怎样", "咋", "方法", "步骤"},
	{"能不能", "可不可以", "能否", "可以", "能用", "能"},
	{"是什么", "什么意思", "啥意思", "什么是"},
}

func questionType(norm string) int {
	for i, kind := range questionKinds {
		for _, m := range kind {
			if strings.Contains(norm, m) {
				return i + 1
			}
		}
	}
	return 0
}

// keyTermList holds domain terms whose presence on one side only usually
// means a different question: products, actions and conditions of an
// Alipay-like wallet. Written for this project; at most 64 terms.
var keyTermList = []string{
	"花呗", "借呗", "余额宝", "余额", "银行卡", "信用卡", "储蓄卡", "支付宝",
	"提前", "分期", "逾期", "额度", "提额", "临时", "降低", "提升", "开通", "关闭",
	"取消", "退款", "还款", "自动", "利息", "手续费", "冻结", "账单", "最低", "延期",
	"充值", "提现", "转账", "红包", "优惠", "积分", "实名", "认证", "芝麻", "收钱码",
	"商家", "淘宝", "天猫", "美团", "话费", "借款", "贷款", "利率", "注销", "解绑",
	"绑定", "密码", "扣款", "到账", "收款", "付款", "违约", "征信", "代还", "免息",
	"推荐", "邀请", "关联", "换绑",
}

func keyTerms(norm string) uint64 {
	var m uint64
	for i, k := range keyTermList {
		if strings.Contains(norm, k) {
			m |= 1 << uint(i)
		}
	}
	return m
}
