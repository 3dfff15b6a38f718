package kb

import "time"

// FAQ is one knowledge-base entry: a standard question, the paraphrases users
// actually type, its answer and the metadata recommend uses.
type FAQ struct {
	// ID identifies the entry; it is unique within a knowledge base and never empty.
	ID string `json:"id" yaml:"id"`
	// Question is the standard question shown to users.
	Question string `json:"question" yaml:"question"`
	// Similar holds paraphrases of Question, written the way users type them.
	Similar []string `json:"similar,omitempty" yaml:"similar,omitempty"`
	// Answer is the text shown when the entry is opened.
	Answer string `json:"answer,omitempty" yaml:"answer,omitempty"`
	// Category groups entries (转账, 退款, 花呗, ...); recommend diversifies across it.
	Category string `json:"category,omitempty" yaml:"category,omitempty"`
	// Tags are free labels; searches can filter on them.
	Tags []string `json:"tags,omitempty" yaml:"tags,omitempty"`
	// Triggers are cold-start rules: events after which a user is likely to ask this question.
	Triggers []Trigger `json:"triggers,omitempty" yaml:"triggers,omitempty"`
	// Priority orders otherwise equal entries; higher first. Zero is the default.
	Priority int `json:"priority,omitempty" yaml:"priority,omitempty"`
	// ValidFrom and ValidUntil bound the period in which the entry may be shown;
	// a zero value leaves that side open.
	ValidFrom  time.Time `json:"valid_from,omitzero" yaml:"valid_from,omitempty"`
	ValidUntil time.Time `json:"valid_until,omitzero" yaml:"valid_until,omitempty"`
}

// Trigger is a behavior rule written by operations staff: after an event of
// type Event whose attributes contain every pair in Attrs, a user is likely to
// ask the entry's question within Window.
type Trigger struct {
	// Event is the event type, such as "transfer.success" or "refund.apply".
	Event string `json:"event" yaml:"event"`
	// Attrs must all match the event's attributes (exact string equality); nil matches any.
	Attrs map[string]string `json:"attrs,omitempty" yaml:"attrs,omitempty"`
	// Window is how long after the event the rule applies, such as 30m or 7d.
	Window Duration `json:"window" yaml:"window"`
	// Weight in (0, 1] says how strongly the event suggests the question.
	Weight float64 `json:"weight" yaml:"weight"`
}

// Duration is a time.Duration that reads and writes the forms operations staff
// write: Go durations ("90s", "30m", "2h") plus days ("7d", "1d12h").
type Duration time.Duration

// ValidAt reports whether the entry may be shown at t.
func (f *FAQ) ValidAt(t time.Time) bool {
	if !f.ValidFrom.IsZero() && t.Before(f.ValidFrom) {
		return false
	}
	if !f.ValidUntil.IsZero() && !t.Before(f.ValidUntil) {
		return false
	}
	return true
}
