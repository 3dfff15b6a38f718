package modelfile_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/duxin-ai/duxin/internal/modelfile"
)

// FuzzRead: any input is a file or an error wrapping ErrInvalid, never a
// panic; a file Read accepts is exactly what Write writes for its payload;
// and Read allocates in step with the input, whatever its header claims.
func FuzzRead(f *testing.F) {
	fuzzFormat := modelfile.Format{Kind: "intent", Version: 3, Oldest: 2, Limit: 1 << 16}
	good := write(f, fuzzFormat, []byte("payload"))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("duxin-model intent 3 65536 00000000\nxyz"))
	f.Add([]byte("duxin-model recommend 2 0 00000000\n"))
	f.Add([]byte("DXINTENT\x03\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		var (
			v   int
			p   []byte
			err error
		)
		alloc := allocated(func() { v, p, err = fuzzFormat.Read(r) })
		// The header line, the first payload chunk and growth by doubling
		// up to the input's size.
		if limit := uint64(4*len(data) + 80<<10); alloc > limit {
			t.Errorf("Read of %d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			if !errors.Is(err, modelfile.ErrInvalid) || p != nil || v != 0 {
				t.Fatalf("Read = %d, %q, %v", v, p, err)
			}
			return
		}
		w := fuzzFormat
		w.Version = v
		consumed := data[:len(data)-r.Len()]
		if again := write(t, w, p); !bytes.Equal(again, consumed) {
			t.Errorf("Read accepted %q, which Write gives as %q", consumed, again)
		}
	})
}
