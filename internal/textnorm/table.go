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

// t2s is the traditional → simplified table; read-only after init.
var t2s = newRuneTable(t2sPairs[:])
