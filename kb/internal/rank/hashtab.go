package rank

// Searches keep a few small per-query tables (association links, overlap
// terms, character masks) as open-addressing hash tables with linear
// probing: a power-of-two slice at most half full, keyed by a small integer
// whose Fibonacci hash picks the home slot. These two helpers size and
// index them.

// hashSlots returns s resized to a table for n keys (a power of two at
// least 2n and at least 16 long) and zeroed, reusing its storage when
// large enough, and the shift that maps a key's hash onto it (homeSlot).
func hashSlots[T any](s []T, n int) ([]T, uint8) {
	size, shift := 16, uint8(28)
	for size < 2*n {
		size, shift = 2*size, shift-1
	}
	if cap(s) >= size {
		s = s[:size]
		clear(s)
	} else {
		s = make([]T, size)
	}
	return s, shift
}

// homeSlot is the slot where probing for key starts in a table sized by
// hashSlots with shift; the next slot is (i + 1) & (len - 1).
func homeSlot(key uint32, shift uint8) uint32 { return key * 0x9e3779b1 >> shift }
