package recommend

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/duxin-ai/duxin/internal/needs"
)

// The learned model's causes are keys built from events:
//
//	e:transfer.success                      the event type
//	e:transfer.success|channel=bank_card    one categorical attribute value
//	e:transfer.success|channel=bank_card&size=large   a pair of them
//	e:order.pay|amount#2                    a numeric attribute's bucket
//	a:k013                                  an earlier ask of question k013
//	s:profile.snapshot|level=vip            a state (profile) value
//
// Which attributes are categorical, numeric (and their cut points) or free
// (ignored) is learned from the training log and kept in the model.

// attrKind says how an attribute of an event type becomes causes.
type attrKind uint8

const (
	attrFree        attrKind = iota // too many distinct values: ignored
	attrCategorical                 // each value is a cause
	attrNumeric                     // bucketed by cut points
)

// Featurization limits.
const (
	maxCategorical = 32  // distinct values up to which an attribute is categorical
	numericBuckets = 4   // buckets of a numeric attribute
	trackValues    = 256 // distinct values tracked per attribute while learning the schema
)

// attrSchema is what training learned about one attribute of one event type.
type attrSchema struct {
	Kind attrKind  `json:"kind"`
	Cuts []float64 `json:"cuts,omitempty"` // numeric: ascending cut points
}

// schema maps "type|key" to its attribute schema.
type schema map[string]attrSchema

// schemaLearner collects attribute values to decide their kinds, and for
// numeric ones samples of their values with what followed (see cuts.go).
type schemaLearner struct {
	values    map[string]map[string]int // type|key → value → count (capped)
	samples   map[string]*reservoir     // type|key → values and outcomes (while numeric)
	nonNum    map[string]bool
	questions map[string]int32 // question → its outcome number (from 1)
	seed      uint64
}

// newSchemaLearner returns a learner whose samples are drawn with seed.
func newSchemaLearner(seed uint64) *schemaLearner {
	return &schemaLearner{values: map[string]map[string]int{}, samples: map[string]*reservoir{},
		nonNum: map[string]bool{}, questions: map[string]int32{}, seed: seed}
}

// addUser adds the events of one user, sorted by time: each event's
// outcome is the questions asked within cutWindow after it.
func (l *schemaLearner) addUser(u []Event) {
	var asks []int // u's asks
	for i := range u {
		if u[i].Type == TypeAsk {
			asks = append(asks, i)
		}
	}
	next := 0 // the first ask after i
	for i := range u {
		e := &u[i]
		for next < len(asks) && asks[next] <= i {
			next++
		}
		if e.Type == TypeAsk || len(e.Attrs) == 0 {
			continue
		}
		var out [cutAsks]int32
		n := 0
		for _, j := range asks[next:] {
			if n == cutAsks || u[j].Time.Unix()-e.Time.Unix() > cutWindow {
				break
			}
			if q := l.question(u[j].Question); !slices.Contains(out[:n], q) {
				out[n] = q
				n++
			}
		}
		l.add(e, out)
	}
}

// question returns q's outcome number.
func (l *schemaLearner) question(q string) int32 {
	n, ok := l.questions[q]
	if !ok {
		n = int32(len(l.questions) + 1)
		l.questions[q] = n
	}
	return n
}

// add adds a non-ask event and its outcome.
func (l *schemaLearner) add(e *Event, out [cutAsks]int32) {
	for k, v := range e.Attrs {
		key := e.Type + "|" + k
		vs := l.values[key]
		if vs == nil {
			vs = map[string]int{}
			l.values[key] = vs
		}
		if _, ok := vs[v]; ok || len(vs) < trackValues {
			vs[v]++
		}
		if !l.nonNum[key] {
			if x, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) {
				r := l.samples[key]
				if r == nil {
					r = newReservoir(l.seed, key)
					l.samples[key] = r
				}
				r.add(cutSample{x: x, qs: out})
			} else {
				l.nonNum[key] = true
				delete(l.samples, key)
			}
		}
	}
}

func (l *schemaLearner) schema() schema {
	s := schema{}
	for key, vs := range l.values {
		switch {
		case len(vs) <= maxCategorical:
			s[key] = attrSchema{Kind: attrCategorical}
		case !l.nonNum[key]:
			s[key] = attrSchema{Kind: attrNumeric, Cuts: chooseCuts(l.samples[key].s, numericBuckets-1)}
		default:
			s[key] = attrSchema{Kind: attrFree}
		}
	}
	return s
}

// appendAttrValue appends the cause fragment of an attribute to dst, and
// reports whether the schema uses it (dst is unchanged when not).
func (s schema) appendAttrValue(dst []byte, kr *keyer, typ, k, v string) ([]byte, bool) {
	kr.look = append(append(append(kr.look[:0], typ...), '|'), k...)
	a, ok := s[string(kr.look)]
	if !ok {
		return dst, false
	}
	switch a.Kind {
	case attrCategorical:
		return append(append(append(dst, k...), '='), v...), true
	case attrNumeric:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || len(a.Cuts) == 0 {
			return dst, false
		}
		b, _ := slices.BinarySearch(a.Cuts, x)
		if b < len(a.Cuts) && a.Cuts[b] == x {
			b++
		}
		return strconv.AppendInt(append(append(dst, k...), '#'), int64(b), 10), true
	}
	return dst, false
}

// keyer is scratch space for building cause and context keys without
// allocating: a sink looks keys up as []byte.
type keyer struct {
	key, look, frag []byte
	offs            [][2]int
	names           []string
}

// sortedNames returns the attribute names of attrs, sorted, in kr's scratch.
func (kr *keyer) sortedNames(attrs map[string]string) []string {
	kr.names = kr.names[:0]
	for n := range attrs {
		kr.names = append(kr.names, n)
	}
	slices.Sort(kr.names)
	return kr.names
}

// isState reports whether events of type typ are states of the user (a
// profile snapshot) rather than things that happened.
func isState(typ string) bool { return strings.HasPrefix(typ, "profile.") }

// eventCauses calls emit with each cause key of a non-ask, non-state event:
// its type, each attribute value the schema uses and each pair of them.
// The key is valid only during the call.
func (s schema) eventCauses(kr *keyer, e *Event, emit func(key []byte)) {
	kr.key = append(append(kr.key[:0], "e:"...), e.Type...)
	emit(kr.key)
	if e.Type == TypeSearch || len(e.Attrs) == 0 {
		return
	}
	kr.frag, kr.offs = kr.frag[:0], kr.offs[:0]
	for _, n := range kr.sortedNames(e.Attrs) {
		start := len(kr.frag)
		var ok bool
		if kr.frag, ok = s.appendAttrValue(kr.frag, kr, e.Type, n, e.Attrs[n]); ok {
			kr.offs = append(kr.offs, [2]int{start, len(kr.frag)})
		}
	}
	base := len("e:") + len(e.Type)
	for i, p := range kr.offs {
		kr.key = append(append(kr.key[:base], '|'), kr.frag[p[0]:p[1]]...)
		emit(kr.key)
		one := len(kr.key)
		for _, q := range kr.offs[i+1:] {
			kr.key = append(append(kr.key[:one], '&'), kr.frag[q[0]:q[1]]...)
			emit(kr.key)
		}
	}
}

// causeSink resolves cause keys to ids: a builder's (interning) or a
// model's (lookup only).
type causeSink interface {
	cause(key []byte) (int32, bool)
	target(q string) (int32, bool)
	context(key []byte) (int32, bool)
}

type builderSink struct{ b *needs.Builder }

func (s builderSink) cause(key []byte) (int32, bool)   { return s.b.CauseBytes(key), true }
func (s builderSink) target(q string) (int32, bool)    { return s.b.Target(q), true }
func (s builderSink) context(key []byte) (int32, bool) { return s.b.ContextBytes(key), true }

type modelSink struct{ m *needs.Model }

func (s modelSink) cause(key []byte) (int32, bool)   { return s.m.CauseBytes(key) }
func (s modelSink) target(q string) (int32, bool)    { return s.m.Target(q) }
func (s modelSink) context(key []byte) (int32, bool) { return s.m.ContextBytes(key) }

// openWindow is how long an open event describes the asks after it: the
// visit to the help center.
const openWindow = 30 * 60 // seconds

// moment is the learned model's input at one moment: evidence and the
// history event behind each piece (src; the pieces of one event are
// adjacent; crowdSrc for the crowd's, clockSrc and below for the clock's), context values and theirs (ctxSrc; -1 for the request's
// visit).
type moment struct {
	ev     []needs.Evidence
	src    []int
	ctx    []int32
	ctxSrc []int

	kr      keyer     // scratch for keys
	scratch eventRefs // scratch for resolving one event
}

// addCrowd adds the crowd's evidence (see crowdSignal).
func (mo *moment) addCrowd(ev []needs.Evidence) {
	for _, e := range ev {
		mo.ev = append(mo.ev, e)
		mo.src = append(mo.src, crowdSrc)
	}
}

func (mo *moment) reset() {
	mo.ev, mo.src, mo.ctx, mo.ctxSrc = mo.ev[:0], mo.src[:0], mo.ctx[:0], mo.ctxSrc[:0]
}

// causeRef is one cause of an event, resolved: its id and the question it
// is about (-1 for none).
type causeRef struct{ id, about int32 }

// ctxRef is one context value of an event, resolved: its id (-1 when the
// model does not know the value) and, for a state, its attribute
// ("profile.snapshot|level"), of which the latest value holds.
type ctxRef struct {
	id   int32
	attr string
}

// eventRefs is what one event gives the learned model: causes, or for a
// visit or a state, context values.
type eventRefs struct {
	causes []causeRef
	ctx    []ctxRef
}

// resolve fills r with what e gives the model through sink.
func (s schema) resolve(e *Event, sink causeSink, kr *keyer, r *eventRefs) {
	r.causes, r.ctx = r.causes[:0], r.ctx[:0]
	switch {
	case e.Type == TypeOpen || isState(e.Type):
		for _, k := range kr.sortedNames(e.Attrs) {
			ref := ctxRef{id: -1}
			if isState(e.Type) {
				ref.attr = e.Type + "|" + k
			}
			kr.key = append(append(kr.key[:0], e.Type...), '|')
			var ok bool
			if kr.key, ok = s.appendAttrValue(kr.key, kr, e.Type, k, e.Attrs[k]); ok {
				if id, ok := sink.context(kr.key); ok {
					ref.id = id
				}
			}
			if ref.id >= 0 || ref.attr != "" {
				r.ctx = append(r.ctx, ref)
			}
		}
		return
	}
	s.causesOf(kr, e, sink, func(id, about int32) { r.causes = append(r.causes, causeRef{id, about}) })
}

// build fills mo from hist (oldest first, all at or before now; refs, when
// not nil, what each event gives the model, else resolved through sink):
// every event within maxAge as causes, and the clock's causes at now (clk
// nil: none); as context the latest value of each profile attribute, and
// the attributes of visit (when not nil) or else of the latest open event
// within openWindow.
func (s schema) build(mo *moment, hist []Event, refs []eventRefs, now int64, maxAge float64, visit map[string]string, sink causeSink, clk *clock) {
	mo.reset()
	var seenState map[string]bool
	haveVisit := visit != nil
	if haveVisit {
		s.resolve(&Event{Type: TypeOpen, Attrs: visit}, sink, &mo.kr, &mo.scratch)
		for _, c := range mo.scratch.ctx {
			mo.ctx = append(mo.ctx, c.id)
			mo.ctxSrc = append(mo.ctxSrc, -1)
		}
	}
	r := &mo.scratch
	for i := len(hist) - 1; i >= 0; i-- {
		e := &hist[i]
		age := float64(now - e.Time.Unix())
		if refs != nil {
			r = &refs[i]
		} else {
			s.resolve(e, sink, &mo.kr, r)
		}
		switch {
		case e.Type == TypeOpen:
			if !haveVisit && age < openWindow {
				haveVisit = true
				for _, c := range r.ctx {
					mo.ctx = append(mo.ctx, c.id)
					mo.ctxSrc = append(mo.ctxSrc, i)
				}
			}
		case isState(e.Type):
			// The latest value of each attribute holds.
			for _, c := range r.ctx {
				if seenState[c.attr] {
					continue
				}
				if seenState == nil {
					seenState = map[string]bool{}
				}
				seenState[c.attr] = true
				if c.id >= 0 {
					mo.ctx = append(mo.ctx, c.id)
					mo.ctxSrc = append(mo.ctxSrc, i)
				}
			}
		case age < maxAge:
			for _, c := range r.causes {
				mo.ev = append(mo.ev, needs.Evidence{Cause: c.id, Age: age, Value: 1, About: c.about})
				mo.src = append(mo.src, i)
			}
		}
	}
	src := clockSrc
	clk.causes(&mo.kr, now, func(key []byte) {
		if id, ok := sink.cause(key); ok {
			mo.ev = append(mo.ev, needs.Evidence{Cause: id, Age: 0, Value: 1, About: -1})
			mo.src = append(mo.src, src)
		}
		src--
	})
}

// The src of evidence that is not a history event's: crowdSrc for the
// crowd's (every question's, one source), kindSrc for the kind of user's
// (the same), clockSrc for a moment's first
// clock cause, the others following at clockSrc-1, clockSrc-2, … (each its
// own, as each history event is). -1 is the request's visit.
const (
	crowdSrc = -2
	kindSrc  = -3
	clockSrc = -4
)

// causesOf calls fn with the id of each cause of e that sink knows and the
// question the cause is about (-1 for none): an ask raises what follows it
// ("a:q") and, through the re-ask kernel every question shares, itself
// ("e:ask", about q); any other event its type, attribute values and pairs
// of them. Visits and states are not causes.
func (s schema) causesOf(kr *keyer, e *Event, sink causeSink, fn func(id, about int32)) {
	switch {
	case e.Type == TypeOpen || isState(e.Type):
		return
	case e.Type == TypeAsk:
		about, ok := sink.target(e.Question)
		if !ok {
			about = -1
		}
		kr.key = append(append(kr.key[:0], "e:"...), TypeAsk...)
		if id, ok := sink.cause(kr.key); ok {
			fn(id, about)
		}
		kr.key = append(append(kr.key[:0], "a:"...), e.Question...)
		if id, ok := sink.cause(kr.key); ok {
			fn(id, -1)
		}
		return
	}
	s.eventCauses(kr, e, func(key []byte) {
		if id, ok := sink.cause(key); ok {
			fn(id, -1)
		}
	})
}
