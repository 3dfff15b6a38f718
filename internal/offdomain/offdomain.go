// Package offdomain generates queries a wallet help center has no answer
// for — English phrases, keyboard mash, emoji, chit-chat and Chinese
// questions of other domains — to calibrate and measure refusal. Two sets
// exist: [Tune], to fit calibrations and choose settings on, and
// [HeldOut], to report on. They are the same kinds of query from
// different word lists, templates and seeds, so a figure on HeldOut says
// how refusal does on queries nobody tuned it for. Generation is
// deterministic: the same call returns the same queries, in order.
package offdomain

import (
	"math/rand/v2"
	"strings"
)

// Query is one generated query and the kind of generator that made it
// ("english", "mash", "emoji", "chat" or "other-domain").
type Query struct {
	Text, Kind string
}

// Kinds lists the kinds of query, in the order Tune and HeldOut return
// them.
var Kinds = []string{"english", "mash", "emoji", "chat", "other-domain"}

// Tune returns the tuning set: about 40 queries of each kind.
func Tune() []Query { return generate(&tune, 1) }

// HeldOut returns the held-out set: about 40 queries of each kind, from
// word lists and templates Tune does not use.
func HeldOut() []Query { return generate(&heldOut, 2) }

// lists are one set's word lists and templates. In a template, {k}
// stands for a random word of words[k].
type lists struct {
	english   []string
	words     map[string][]string
	mashKeys  string
	emoji     []string
	chat      []string
	templates []string
}

const perKind = 40

func generate(l *lists, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, 0x6f6f64))
	var out []Query
	seen := map[string]bool{}
	add := func(kind, text string) bool {
		if text == "" || seen[text] {
			return false
		}
		seen[text] = true
		out = append(out, Query{Text: text, Kind: kind})
		return true
	}
	// Each kind tries a bounded number of times, so a small word list
	// gives fewer queries rather than a loop without end.
	fill := func(kind string, gen func() string) {
		for n, try := 0, 0; n < perKind && try < 20*perKind; try++ {
			if add(kind, gen()) {
				n++
			}
		}
	}
	fill("english", func() string { return l.fillTemplate(rng, l.english[rng.IntN(len(l.english))]) })
	fill("mash", func() string {
		n := 3 + rng.IntN(8)
		b := make([]byte, n)
		for i := range b {
			b[i] = l.mashKeys[rng.IntN(len(l.mashKeys))]
		}
		return string(b)
	})
	fill("emoji", func() string {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(l.emoji[rng.IntN(len(l.emoji))])
		}
		if rng.IntN(2) == 0 {
			return l.chat[rng.IntN(len(l.chat))] + b.String()
		}
		return b.String()
	})
	fill("chat", func() string {
		s := l.chat[rng.IntN(len(l.chat))]
		switch rng.IntN(4) {
		case 0:
			s += l.chat[rng.IntN(len(l.chat))]
		case 1:
			s += "！"
		case 2:
			s += "~"
		}
		return s
	})
	fill("other-domain", func() string { return l.fillTemplate(rng, l.templates[rng.IntN(len(l.templates))]) })
	return out
}

// fillTemplate replaces each {k} of t by a random word of l.words[k].
func (l *lists) fillTemplate(rng *rand.Rand, t string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		ws := l.words[t[i+1:i+j]]
		if len(ws) > 0 {
			b.WriteString(ws[rng.IntN(len(ws))])
		}
		t = t[i+j+1:]
	}
}
