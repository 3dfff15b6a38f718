package recommend

import (
	"reflect"
	"testing"
)

var lineSeeds = []string{
	`{"user":"u1","time":1700000000,"type":"ask","question":"q1"}`,
	`{"id":"e1","user":"u1","time":1700000000,"type":"transfer.fail","object":"t42","attrs":{"channel":"bank_card","amount":"5.00"}}`,
	`{"user":"u1","time":1700000200,"type":"search","text":"电子回单"}`,
	` { "user" : "u1" , "time" : -0 , "type" : "x" , "attrs" : { } } `,
	`{"user":"u1","time":1,"type":"x","attrs":{"k":"a","k":"b"}}`,
	`{"user":"u1","time":01,"type":"x"}`,
	`{"user":"u1","time":1.5,"type":"x"}`,
	`{"user":"u1","time":1e3,"type":"x"}`,
	`{"user":"u1","time":99999999999999999999,"type":"x"}`,
	`{"User":"u1","time":1,"type":"x"}`,
	`{"user":"u1","user":"u2","time":1,"type":"x"}`,
	`{"user":"u\u00e91","time":1,"type":"x"}`,
	`{"user":null,"time":1,"type":"x"}`,
	`{"user":"u1","time":1,"type":"x"} trailing`,
	`{"user":"u1","type":"x"}`,
	`{}`,
	"{\"user\":\"\xff\",\"time\":1,\"type\":\"x\"}",
	`{"user":"u1","time":1,"type":"x","attrs":{"k":1}}`,
	`{"user":"u1","time":1,"type":"ask"}`,
	`[1,2]`,
}

// TestFastLineIsSlow: where the fast parser accepts a line, it gives what
// encoding/json gives.
func TestFastLineIsSlow(t *testing.T) {
	accepted := 0
	for _, s := range lineSeeds {
		if checkFastLine(t, []byte(s)) {
			accepted++
		}
	}
	if accepted < 5 {
		t.Errorf("the fast path took %d of the seeds", accepted)
	}
}

func FuzzFastLine(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkFastLine(t, b) })
}

func checkFastLine(t *testing.T, b []byte) bool {
	t.Helper()
	l, ok := fastLine(b)
	if !ok {
		return false
	}
	fe, ferr := validLine(lineEvent(&l))
	se, serr := slowLine(b)
	if !reflect.DeepEqual(fe, se) || (ferr == nil) != (serr == nil) || ferr != nil && ferr.Error() != serr.Error() {
		t.Errorf("%q: fast %+v, %v; slow %+v, %v", b, fe, ferr, se, serr)
	}
	return true
}

// BenchmarkParseLine: a log line through the fast parser, and through
// encoding/json (the baseline: what every line took before).
func BenchmarkParseLine(b *testing.B) {
	lines := [][]byte{[]byte(lineSeeds[0]), []byte(lineSeeds[1]), []byte(lineSeeds[2])}
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	for _, c := range []struct {
		name  string
		parse func([]byte) (Event, *FieldError)
	}{{"fast", parseLine}, {"encoding-json", slowLine}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				for _, l := range lines {
					if _, err := c.parse(l); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
