package rank

// runeMasks is a query's characters prepared for the bit-parallel edit
// distance and longest common subsequence (Myers 1999; Hyyrö 2004): for
// each distinct character, the mask of its positions in the query. It
// covers queries of up to 64 characters; ok is false for longer ones,
// which the dynamic programs in features.go handle.
type runeMasks struct {
	ok    bool
	n     int      // query length
	keys  []rune   // open addressing; 0 marks an empty slot
	masks []uint64 // mask of keys[i]
	shift uint8    // 32 - log2(len(keys))
}

// prepare prepares q's masks; it allocates only when q's distinct
// characters outgrow the tables.
func (m *runeMasks) prepare(q []rune) {
	m.ok, m.n = len(q) <= 64, len(q)
	if !m.ok {
		return
	}
	m.keys, m.shift = hashSlots(m.keys, len(q))
	m.masks, _ = hashSlots(m.masks, len(q))
	mask := uint32(len(m.keys) - 1)
	for i, r := range q {
		h := homeSlot(uint32(r), m.shift)
		for m.keys[h] != 0 && m.keys[h] != r {
			h = (h + 1) & mask
		}
		m.keys[h] = r
		m.masks[h] |= 1 << i
	}
}

// eq is the mask of r's positions in the query, 0 when it has none.
func (m *runeMasks) eq(r rune) uint64 {
	mask := uint32(len(m.keys) - 1)
	for h := homeSlot(uint32(r), m.shift); ; h = (h + 1) & mask {
		switch m.keys[h] {
		case r:
			return m.masks[h]
		case 0:
			return 0
		}
	}
}

// levenshtein is the edit distance between the query and t, computed a
// column of the dynamic program at a time in the bits of two words
// (vertical deltas +1 in pv, -1 in mv), as Myers' algorithm for the
// global distance. Requires m.ok.
func (m *runeMasks) levenshtein(t []rune) int {
	if m.n == 0 {
		return len(t)
	}
	top := uint64(1) << (m.n - 1)
	pv, mv := ^uint64(0), uint64(0)
	d := m.n
	for _, r := range t {
		eq := m.eq(r)
		xv := eq | mv
		xh := (((eq & pv) + pv) ^ pv) | eq
		ph := mv | ^(xh | pv)
		mh := pv & xh
		if ph&top != 0 {
			d++
		} else if mh&top != 0 {
			d--
		}
		// Row 0 of the program grows by one per column: a +1 enters.
		ph = ph<<1 | 1
		mh <<= 1
		pv = mh | ^(xv | ph)
		mv = ph & xv
	}
	return d
}

// lcsSeq is the length of the longest common subsequence of the query
// and t: a zero bit of v marks a query position where the subsequence
// grew (Hyyrö's formulation of Allison and Dix). Requires m.ok.
func (m *runeMasks) lcsSeq(t []rune) int {
	v := ^uint64(0)
	for _, r := range t {
		u := v & m.eq(r)
		v = (v + u) | (v - u)
	}
	low := ^uint64(0)
	if m.n < 64 {
		low = 1<<m.n - 1
	}
	return m.n - popcount(v&low)
}
