package recommend

import "errors"

// Sentinel errors; test with errors.Is.
var (
	// ErrInvalidEvent wraps every problem with an event or a log line.
	ErrInvalidEvent = errors.New("recommend: invalid event")
	// ErrInvalidFeedback wraps every problem with a Feedback value.
	ErrInvalidFeedback = errors.New("recommend: invalid feedback")
	// ErrModelFormat wraps every failure to read a model: bad magic, unknown
	// version, checksum mismatch, truncated or malformed data.
	ErrModelFormat = errors.New("recommend: invalid model data")
	// ErrNoEvents is returned by Train when the log has no ask event to learn from.
	ErrNoEvents = errors.New("recommend: no ask events to train on")
	// ErrInvalidOption wraps every invalid option or configuration value.
	ErrInvalidOption = errors.New("recommend: invalid option")
	// ErrDegraded is wrapped, with the store's error, by the error of a
	// [Engine.Recommend] that could not read the stores and answered from
	// what the engine holds alone (see there): its suggestions are valid
	// but know nothing of the user's history or feedback.
	ErrDegraded = errors.New("recommend: degraded: answered without the stores")
)
