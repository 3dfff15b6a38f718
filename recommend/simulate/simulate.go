// Package simulate generates behavior logs of wallet-app users with a known
// truth: users do things (transfer to a bank card, get a refund, see a bill
// due), and those events raise needs — questions of the bundled sample
// knowledge base — with delays and noise. Because the simulator draws every
// ask from a distribution it knows, a test can compare a recommender's hit
// rate with the best achievable one.
//
// The generative story, per user: a behavior profile (transfers, 花呗,
// shopping, saving, household bills, 借呗) sets how often each event type
// happens; sessions of 1–3 events are a day or two apart; after a session the
// user asks with probability 0.75 if one of its events matches a trigger of
// the knowledge base, else 0.2, a few minutes later. The question is drawn
// from a mixture of three parts: the triggers of the user's events still in
// their window, weighted by trigger weight and decaying with age (weight
// 0.75); follow-ups of the user's previous ask within two hours, a hidden
// relation the recommender must learn from logs (0.35); and a Zipf
// popularity prior over all questions (0.12). One ask in five is preceded by
// a search whose text is a paraphrase of the question about to be asked
// (which then is that question with probability 0.85). A session continues
// with another ask with probability 0.35.
//
// Generation is deterministic: the same [Config] gives the same log.
//
// [Personas] are scripted recent trajectories for demo users.
package simulate

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

// Config configures [Generate]. Zero fields take their defaults.
type Config struct {
	// Users is the number of users; default 1000.
	Users int
	// Seed seeds every random choice; the same seed gives the same log.
	Seed uint64
	// Start is the earliest event time; default 2025-01-01 00:00 UTC.
	// Users start within 20 days of it.
	Start time.Time
	// FAQs is the knowledge base whose triggers raise needs; default
	// [SampleFAQs].
	FAQs []kb.FAQ
}

// Truth records one ask and the distribution it was drawn from.
type Truth struct {
	User     string
	Time     time.Time
	Question string // the question asked
	// Probs is the probability of every question at that moment, aligned
	// with [Log.Questions]; it sums to 1.
	Probs []float64
}

// Log is a generated behavior log.
type Log struct {
	// Events are all users' events, sorted by time (ties by user, then
	// generation order).
	Events []recommend.Event
	// Asks holds the truth of every ask event, in the order of Events.
	Asks []Truth
	// Questions are the knowledge-base ids, in the order of Config.FAQs.
	Questions []string

	index map[string]int
}

// Prob returns the probability that the ask of t was question q.
func (l *Log) Prob(t Truth, q string) float64 {
	if i, ok := l.index[q]; ok {
		return t.Probs[i]
	}
	return 0
}

// Expected returns the probability that t's ask was one of ranked (distinct
// ids): the expected hit of a ranked list.
func (l *Log) Expected(t Truth, ranked []string) float64 {
	s := 0.0
	for _, q := range ranked {
		s += l.Prob(t, q)
	}
	return s
}

// Best returns the largest probability any list of k questions could have
// of containing t's ask: the best achievable hit rate at k.
func (l *Log) Best(t Truth, k int) float64 {
	p := slices.Clone(t.Probs)
	slices.SortFunc(p, func(a, b float64) int { return cmp.Compare(b, a) })
	s := 0.0
	for i := 0; i < k && i < len(p); i++ {
		s += p[i]
	}
	return s
}

type trigRef struct {
	faq  int
	trig kb.Trigger
}

type world struct {
	vocab    map[string][]attrSpec
	faqs     []kb.FAQ
	byType   map[string][]trigRef
	pop      []float64 // Zipf prior
	follow   [][]int   // question → follow-ups (weights followW)
	profiles []weighted
}

var followW = []float64{0.5, 0.3, 0.2}

type weighted struct {
	name  string
	types []string
	cum   []float64
}

func newWeighted(name string, m map[string]float64) weighted {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w := weighted{name: name, types: keys}
	s := 0.0
	for _, k := range keys {
		s += m[k]
		w.cum = append(w.cum, s)
	}
	return w
}

func (w *weighted) pick(r *rand.Rand) string {
	x := r.Float64() * w.cum[len(w.cum)-1]
	i, _ := slices.BinarySearch(w.cum, x)
	return w.types[min(i, len(w.types)-1)]
}

// Generate simulates cfg.Users users. It fails only on a bad Config (a
// knowledge base that cannot be loaded, negative Users).
func Generate(cfg Config) (*Log, error) {
	if cfg.Users < 0 {
		return nil, fmt.Errorf("simulate: Users = %d, want >= 0", cfg.Users)
	}
	if cfg.Users == 0 {
		cfg.Users = 1000
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if cfg.FAQs == nil {
		faqs, err := SampleFAQs()
		if err != nil {
			return nil, err
		}
		cfg.FAQs = faqs
	}
	if len(cfg.FAQs) < 4 {
		return nil, fmt.Errorf("simulate: %d knowledge-base entries, want at least 4", len(cfg.FAQs))
	}
	pb, err := SamplePhrasebook()
	if err != nil {
		return nil, err
	}
	w := newWorld(cfg)
	w.vocab = vocabulary(pb)
	log := &Log{index: map[string]int{}}
	for i, f := range cfg.FAQs {
		log.Questions = append(log.Questions, f.ID)
		log.index[f.ID] = i
	}
	for u := range cfg.Users {
		user := fmt.Sprintf("u%05d", u)
		w.user(cfg, user, log)
	}
	// Sort events by time; asks keep their relative order, so Asks follows.
	type keyed struct {
		e   recommend.Event
		seq int
		ask int
	}
	ks := make([]keyed, len(log.Events))
	ask := 0
	for i, e := range log.Events {
		ks[i] = keyed{e, i, -1}
		if e.Type == recommend.TypeAsk {
			ks[i].ask = ask
			ask++
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if c := a.e.Time.Compare(b.e.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.e.User, b.e.User)
	})
	asks := make([]Truth, 0, len(log.Asks))
	for i, k := range ks {
		log.Events[i] = k.e
		if k.ask >= 0 {
			asks = append(asks, log.Asks[k.ask])
		}
	}
	log.Asks = asks
	return log, nil
}

func newWorld(cfg Config) *world {
	w := &world{faqs: cfg.FAQs, byType: map[string][]trigRef{}}
	for i, f := range cfg.FAQs {
		for _, t := range f.Triggers {
			w.byType[t.Event] = append(w.byType[t.Event], trigRef{i, t})
		}
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	n := len(cfg.FAQs)
	perm := r.Perm(n)
	w.pop = make([]float64, n)
	s := 0.0
	for rank, i := range perm {
		w.pop[i] = 1 / float64(rank+1)
		s += w.pop[i]
	}
	for i := range w.pop {
		w.pop[i] /= s
	}
	// Follow-ups: the next two entries of the same category in a seeded
	// order, and one entry of any category.
	byCat := map[string][]int{}
	var cats []string
	for _, i := range perm {
		c := cfg.FAQs[i].Category
		if byCat[c] == nil {
			cats = append(cats, c)
		}
		byCat[c] = append(byCat[c], i)
	}
	w.follow = make([][]int, n)
	for _, c := range cats {
		members := byCat[c]
		for j, i := range members {
			var fs []int
			for k := 1; k <= 2 && k < len(members); k++ {
				fs = append(fs, members[(j+k)%len(members)])
			}
			for len(fs) < 3 {
				o := r.IntN(n)
				if o != i && !slices.Contains(fs, o) {
					fs = append(fs, o)
				}
			}
			w.follow[i] = fs
		}
	}
	for _, p := range profiles {
		m := map[string]float64{}
		tot := 0.0
		for _, v := range p.types {
			tot += v
		}
		for k, v := range p.types {
			m[k] += v
		}
		bt := 0.0
		for _, v := range background {
			bt += v
		}
		for k, v := range background {
			m[k] += v / bt * tot * 0.12
		}
		w.profiles = append(w.profiles, newWeighted(p.name, m))
	}
	return w
}

func userSeed(seed uint64, user string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(user))
	return h.Sum64() ^ seed*0x9e3779b97f4a7c15
}

// state is one user's generation state.
type state struct {
	events  []recommend.Event
	lastAsk int // question index, -1 if none
	askTime time.Time
}

func (w *world) user(cfg Config, user string, log *Log) {
	r := rand.New(rand.NewPCG(cfg.Seed, userSeed(cfg.Seed, user)))
	prof := &w.profiles[r.IntN(len(w.profiles))]
	t := cfg.Start.Add(time.Duration(r.Float64() * float64(20*24*time.Hour))).Truncate(time.Second)
	st := &state{lastAsk: -1}
	sessions := 2 + r.IntN(7)
	for range sessions {
		triggered := false
		for range 1 + r.IntN(3) {
			t = t.Add(time.Duration(30+r.IntN(15*60)) * time.Second)
			e := w.event(r, prof.pick(r), user, t)
			if w.matches(e) {
				triggered = true
			}
			st.events = append(st.events, e)
			log.Events = append(log.Events, e)
		}
		pAsk := 0.2
		if triggered {
			pAsk = 0.75
		}
		if r.Float64() < pAsk {
			t = t.Add(time.Duration(20+r.ExpFloat64()*6*60) * time.Second)
			for k := 0; k < 3; k++ {
				t = w.ask(r, user, t, st, log)
				if r.Float64() >= 0.35 {
					break
				}
				t = t.Add(time.Duration(60+r.IntN(9*60)) * time.Second)
			}
		}
		t = t.Add(time.Hour + time.Duration(r.ExpFloat64()*36*float64(time.Hour))).Truncate(time.Second)
	}
}

// ask emits one ask (maybe after a search) at about t and returns its time.
func (w *world) ask(r *rand.Rand, user string, t time.Time, st *state, log *Log) time.Time {
	p := w.probs(st, t)
	if r.Float64() < 0.2 {
		q := sample(r, p)
		f := w.faqs[q]
		texts := append([]string{f.Question}, f.Similar...)
		e := recommend.Event{User: user, Time: t, Type: recommend.TypeSearch, Text: texts[r.IntN(len(texts))]}
		st.events = append(st.events, e)
		log.Events = append(log.Events, e)
		for i := range p {
			p[i] *= 0.15
		}
		p[q] += 0.85
		t = t.Add(time.Duration(20+r.IntN(70)) * time.Second)
	}
	q := sample(r, p)
	e := recommend.Event{User: user, Time: t, Type: recommend.TypeAsk, Question: w.faqs[q].ID}
	st.events = append(st.events, e)
	st.lastAsk, st.askTime = q, t
	log.Events = append(log.Events, e)
	log.Asks = append(log.Asks, Truth{User: user, Time: t, Question: w.faqs[q].ID, Probs: p})
	return t
}

func sample(r *rand.Rand, p []float64) int {
	x := r.Float64()
	for i, v := range p {
		x -= v
		if x < 0 {
			return i
		}
	}
	return len(p) - 1
}

func (w *world) matches(e recommend.Event) bool {
	for _, tr := range w.byType[e.Type] {
		if attrsMatch(tr.trig.Attrs, e.Attrs) {
			return true
		}
	}
	return false
}

func attrsMatch(want, have map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// probs is the distribution of the next ask at time t.
func (w *world) probs(st *state, t time.Time) []float64 {
	n := len(w.faqs)
	trig := make([]float64, n)
	tsum := 0.0
	best := map[int]float64{}
	for _, e := range st.events {
		if e.Type == recommend.TypeAsk || e.Type == recommend.TypeSearch {
			continue
		}
		clear(best)
		age := t.Sub(e.Time)
		for _, tr := range w.byType[e.Type] {
			win := time.Duration(tr.trig.Window)
			if age < 0 || age > win || !attrsMatch(tr.trig.Attrs, e.Attrs) {
				continue
			}
			v := tr.trig.Weight * math.Exp(-2*float64(age)/float64(win))
			best[tr.faq] = max(best[tr.faq], v)
		}
		for q, v := range best {
			trig[q] += v
			tsum += v
		}
	}
	p := make([]float64, n)
	total := 0.0
	if tsum > 0 {
		for i := range p {
			p[i] += 0.75 * trig[i] / tsum
		}
		total += 0.75
	}
	if st.lastAsk >= 0 && t.Sub(st.askTime) <= 2*time.Hour {
		for k, q := range w.follow[st.lastAsk] {
			p[q] += 0.35 * followW[k]
		}
		total += 0.35
	}
	for i := range p {
		p[i] += 0.12 * w.pop[i]
	}
	total += 0.12
	for i := range p {
		p[i] /= total
	}
	return p
}

// event draws an event of type typ with attributes per the vocabulary.
func (w *world) event(r *rand.Rand, typ, user string, t time.Time) recommend.Event {
	e := recommend.Event{User: user, Time: t, Type: typ}
	specs := w.vocab[typ]
	if len(specs) == 0 {
		return e
	}
	e.Attrs = map[string]string{}
	band := [...]string{"small", "medium", "large"}[pickIndex(r, []float64{0.7, 0.25, 0.05})]
	for _, s := range specs {
		switch s.name {
		case attrAmount:
			e.Attrs[attrAmount] = amountIn(r, band)
		case attrBand:
			e.Attrs[attrBand] = band
		default:
			if s.integer {
				e.Attrs[s.name] = smallIntegers[r.IntN(len(smallIntegers))]
				continue
			}
			if len(s.values) == 0 {
				continue // free text: the simulator has none to give
			}
			e.Attrs[s.name] = s.values[r.IntN(len(s.values))]
		}
	}
	return e
}

func pickIndex(r *rand.Rand, w []float64) int {
	x := r.Float64()
	for i, v := range w {
		x -= v
		if x < 0 {
			return i
		}
	}
	return len(w) - 1
}

func amountIn(r *rand.Rand, band string) string {
	var lo, hi float64
	switch band {
	case "small":
		lo, hi = 5, 999.99
	case "medium":
		lo, hi = 1000, 49999.99
	default:
		lo, hi = 50000, 200000
	}
	cents := int64((lo + r.Float64()*(hi-lo)) * 100)
	return strconv.FormatFloat(float64(cents)/100, 'f', 2, 64)
}
