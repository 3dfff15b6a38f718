package recommend

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestUserSample: the sample is every user whose hash falls below the
// final cut, whatever the order of the events, within its budget.
func TestUserSample(t *testing.T) {
	var events []Event
	at := time.Unix(1.7e9, 0)
	for u := range 2000 {
		for i := range 1 + u%7 {
			events = append(events, Event{User: fmt.Sprintf("u%05d", u), Time: at.Add(time.Duration(i) * time.Minute),
				Type: "pay", Attrs: map[string]string{"method": "card"}})
		}
	}
	sample := func(evs []Event) *userSample {
		s := newUserSample(2<<20, true)
		for _, e := range evs {
			s.add(e)
		}
		return s
	}
	a := sample(events)
	if !a.sampled() || len(a.byUser) == 0 || a.bytes > a.budget {
		t.Fatalf("sampled %v, %d users, %d of %d bytes", a.sampled(), len(a.byUser), a.bytes, a.budget)
	}
	kept := map[string]int{}
	for _, u := range a.byUser {
		kept[u.events[0].User] = len(u.events)
	}
	for u := range 2000 {
		id := fmt.Sprintf("u%05d", u)
		if n, in := kept[id]; in != (userHash(id) < a.cut) || in && n != 1+u%7 {
			t.Errorf("user %s: kept %v with %d events; hash below the cut: %v", id, in, n, userHash(id) < a.cut)
		}
	}
	// A uniform sample: its share of the users is near the fraction.
	if got, want := float64(len(kept))/2000, a.fraction(); got < want*0.7 || got > want*1.3 {
		t.Errorf("kept %.3f of the users, the cut %.3f", got, want)
	}
	shuffled := slices.Clone(events)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b := sample(shuffled)
	if b.cut != a.cut || len(b.byUser) != len(a.byUser) {
		t.Errorf("shuffled: cut %x and %d users, want %x and %d", b.cut, len(b.byUser), a.cut, len(a.byUser))
	}
	ua, ub := a.users(), b.users()
	for i := range ua {
		if !slices.EqualFunc(ua[i], ub[i], func(x, y Event) bool { return x.User == y.User && x.Time.Equal(y.Time) }) {
			t.Fatalf("shuffled: user %d differs", i)
		}
	}
}

// TestUserSampleTrim: a user's events past MaxUserEvents are trimmed to
// the latest.
func TestUserSampleTrim(t *testing.T) {
	s := newUserSample(1<<40, false)
	at := time.Unix(1.7e9, 0)
	n := 2*MaxUserEvents + 10
	for i := range n {
		// Newest first: trimming must sort.
		s.add(Event{User: "bot", Time: at.Add(time.Duration(n-i) * time.Second), Type: "pay"})
	}
	u := s.users()[0]
	if len(u) > 2*MaxUserEvents || len(u) < MaxUserEvents {
		t.Fatalf("kept %d events", len(u))
	}
	if last := u[len(u)-1].Time; !last.Equal(at.Add(time.Duration(n) * time.Second)) {
		t.Errorf("the latest event kept is at %v", last)
	}
	var sum int64
	for i := range u {
		sum += eventBytes(&u[i])
	}
	if sum != s.bytes {
		t.Errorf("accounted %d bytes, holds %d", s.bytes, sum)
	}
}
