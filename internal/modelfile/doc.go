// Package modelfile is the envelope every duxin model file shares: one
// text header line that says what the file holds, then the model's own
// bytes (the payload), which the model's package encodes as it likes.
//
//	duxin-model <kind> <version> <length> <crc32c>\n
//	<payload: length bytes>
//
// kind names the model ("intent", "recommend", "kb-ranker"), version the
// payload's format version (decimal), length the payload's size in bytes
// (decimal), and crc32c the CRC-32C (Castagnoli) of the header up to and
// including the space before it, then of the payload (8 lowercase hex
// digits). Numbers have no sign and no leading zeros, so a model has
// exactly one file. The header is text, so `head -1 model.bin` tells what a
// file is, and a JSON payload stays readable below it.
//
// A package describes its file with a [Format] and calls [Format.Write] and
// [Format.Read]:
//
//	var fileFormat = modelfile.Format{Kind: "intent", Version: 3}
//
//	n, err := fileFormat.Write(w, payload)
//	version, payload, err := fileFormat.Read(r)
//
// A package that must still read files from before the envelope tells them
// apart by their first bytes with [Sniff] and keeps its old reader for them.
//
// # Errors
//
// Read refuses a file it cannot vouch for with an error wrapping
// [ErrInvalid] and one of [ErrNotModel], [ErrKind], [ErrVersion],
// [ErrTooLarge], [ErrTruncated] or [ErrChecksum]; its message says what is
// wrong ("this is a recommend model, not an intent model"). An error from
// the reader itself is wrapped as it is (test with errors.Is). Messages
// have no package prefix: the model's package adds its own, with [Wrap]
// when it also wraps a sentinel of its own.
//
// Read never panics. It allocates the payload as it arrives (64 KiB, then
// doubling), never beyond the header's length, which must be within the
// [Format]'s limit: a hostile length cannot exhaust memory.
//
// # Concurrency
//
// A [Format] is a value without state; its methods are safe for concurrent
// use.
package modelfile
