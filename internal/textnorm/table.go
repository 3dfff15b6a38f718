package textnorm

//go:generate go run ./internal/gen -dict /usr/share/opencc/TSCharacters.ocd2 -out t2s_table.go

// runePair is one entry of a generated mapping table.
type runePair struct{ from, to rune }

// runeTable maps runes through an O(1) two-level lookup for the BMP and a
// binary search over a short sorted slice above it. It is built once, at
// package initialisation, from generated data and is never written again.
type runeTable struct {
	// block[r>>8] is the number of the 256-slot block holding BMP rune r;
	// block 0 is all zeros and stands for every block without mappings.
	block [256]uint16
	// slot[block<<8|r&0xFF] is 1 + the index in to of r's target, or 0.
	slot []uint16
	to   []rune
	// astral holds the mappings of runes above the BMP, sorted by from.
	astral []runePair
}

func newRuneTable(pairs []runePair) runeTable {
	var t runeTable
	t.slot = make([]uint16, 256, 256*64)
	for _, p := range pairs {
		if p.from > 0xFFFF {
			t.astral = append(t.astral, p)
			continue
		}
		hi := p.from >> 8
		if t.block[hi] == 0 {
			t.block[hi] = uint16(len(t.slot) >> 8)
			t.slot = append(t.slot, make([]uint16, 256)...)
		}
		t.to = append(t.to, p.to)
		t.slot[int(t.block[hi])<<8|int(p.from&0xFF)] = uint16(len(t.to))
	}
	return t
}

// lookup returns r's target, or r when it has none.
func (t *runeTable) lookup(r rune) rune {
	if uint32(r) <= 0xFFFF {
		if i := t.slot[int(t.block[r>>8])<<8|int(r&0xFF)]; i != 0 {
			return t.to[i-1]
		}
		return r
	}
	lo, hi := 0, len(t.astral)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch p := t.astral[m]; {
		case p.from == r:
			return p.to
		case p.from < r:
			lo = m + 1
		default:
			hi = m
		}
	}
	return r
}

// variantPairs fold simplified variants that OpenCC keeps apart but that
// users of a wallet help center write for one another: 帐 for 账 (转帐,
// 帐单, 到帐), which OpenCC also makes of traditional 帳, while 賬 becomes
// 账. Without it 轉帳 and 转账 were different words.
var variantPairs = [...]runePair{
	{0x5E10, 0x8D26}, // 帐 → 账
}

// withVariants returns the traditional → simplified pairs with every
// target that is a variant's source resolved to the variant's target, and
// the variants added: chains stay resolved, so Simplify stays idempotent.
func withVariants(pairs []runePair, variants []runePair) []runePair {
	out := make([]runePair, 0, len(pairs)+len(variants))
	for _, p := range pairs {
		for _, v := range variants {
			if p.to == v.from {
				p.to = v.to
			}
		}
		out = append(out, p)
	}
	return append(out, variants...) // all in the BMP: newRuneTable needs no order there
}

// t2s is the traditional → simplified table, variants folded; read-only
// after init.
var t2s = newRuneTable(withVariants(t2sPairs[:], variantPairs[:]))
