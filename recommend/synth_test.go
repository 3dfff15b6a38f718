package recommend_test

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/duxin-ai/duxin/recommend"
)

// synthNeed is one rule of a synthetic world: after an event of type typ
// whose attributes include attrs, the user asks q with probability p, at a
// time drawn uniformly from [from, to] after it. With minAmount, only
// when its amount attribute is at least that.
type synthNeed struct {
	typ       string
	attrs     map[string]string
	minAmount float64
	q         string
	p         float64
	from, to  time.Duration
}

// synthWorld generates logs from rules, so a test knows what the learned
// model should find.
type synthWorld struct {
	needs []synthNeed
	// events are the event types users do (with their attribute values
	// drawn uniformly); a need fires when its rule matches.
	events map[string]map[string][]string
	// amounts gives event types an attribute "amount", drawn log-uniform
	// from [lo, hi) with two decimals.
	amounts map[string][2]float64
	// base questions are asked now and then for no logged reason.
	base []string
	// profile: users with profile.snapshot{level=vip} ask vipQ instead of
	// a base question half the time.
	vipQ string
	// open: every ask is preceded by helpcenter.open{from=...}: openFrom
	// maps a question to the page its asks are opened from (others: home).
	openFrom map[string]string
	// reaskP is the probability that an ask is asked again 2 to 15
	// minutes later (the answer did not help).
	reaskP float64
}

// log returns the events of n users, ordered by user then time, starting at
// start; each user has a few episodes a day or more apart.
func (w *synthWorld) log(n int, seed uint64, start time.Time) []recommend.Event {
	r := rand.New(rand.NewPCG(seed, 7))
	types := make([]string, 0, len(w.events))
	for t := range w.events {
		types = append(types, t)
	}
	slices.Sort(types)
	var out []recommend.Event
	for u := range n {
		user := fmt.Sprintf("s%04d", u)
		t := start.Add(time.Duration(r.IntN(48)) * time.Hour)
		vip := w.vipQ != "" && r.IntN(2) == 0
		level := "regular"
		if vip {
			level = "vip"
		}
		out = append(out, recommend.Event{User: user, Time: t, Type: "profile.snapshot", Attrs: map[string]string{"level": level}})
		var evs []recommend.Event
		ask := func(at time.Time, q string) {
			if w.openFrom != nil {
				from := w.openFrom[q]
				if from == "" {
					from = "home"
				}
				evs = append(evs, recommend.Event{User: user, Time: at.Add(-time.Second), Type: recommend.TypeOpen, Attrs: map[string]string{"from": from}})
			}
			evs = append(evs, recommend.Event{User: user, Time: at, Type: recommend.TypeAsk, Question: q})
			if r.Float64() < w.reaskP {
				evs = append(evs, recommend.Event{User: user, Time: at.Add(time.Duration(2+r.IntN(14)) * time.Minute), Type: recommend.TypeAsk, Question: q})
			}
		}
		for range 3 + r.IntN(3) {
			t = t.Add(time.Duration(24+r.IntN(48)) * time.Hour)
			typ := types[r.IntN(len(types))]
			attrs := map[string]string{}
			for _, k := range slices.Sorted(maps.Keys(w.events[typ])) {
				vs := w.events[typ][k]
				attrs[k] = vs[r.IntN(len(vs))]
			}
			amount := 0.0
			if span, ok := w.amounts[typ]; ok {
				amount = math.Round(span[0]*math.Pow(span[1]/span[0], r.Float64())*100) / 100
				attrs["amount"] = strconv.FormatFloat(amount, 'f', 2, 64)
			}
			evs = append(evs, recommend.Event{User: user, Time: t, Type: typ, Attrs: attrs})
			for _, nd := range w.needs {
				if nd.typ != typ || !matches(nd.attrs, attrs) || amount < nd.minAmount || r.Float64() >= nd.p {
					continue
				}
				ask(t.Add(nd.from+time.Duration(r.Int64N(int64(nd.to-nd.from)+1))), nd.q)
			}
			if r.Float64() < 0.3 {
				q := w.base[r.IntN(len(w.base))]
				if vip && r.IntN(2) == 0 {
					q = w.vipQ
				}
				ask(t.Add(time.Duration(3+r.IntN(20))*time.Hour), q)
			}
		}
		slices.SortStableFunc(evs, func(a, b recommend.Event) int { return a.Time.Compare(b.Time) })
		out = append(out, evs...)
	}
	return out
}

func matches(want, have map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
