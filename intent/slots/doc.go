// Package slots finds the values a customer-service request carries — sums
// of money, dates, card tail numbers, order numbers, phone numbers and payees
// — in Chinese utterances such as 帮我查一下昨天那笔500元的转账, with
// hand-written rules.
//
// It is the slot half of intent handling: package intent classifies an
// utterance and routes the intent to a service (intent.Routes), and
// intent.Routes.Resolve matches the [Slot]s found here against what that
// service needs.
//
//	ex, err := slots.New(slots.WithClock(time.Now))
//	if err != nil { ... }
//	for _, s := range ex.Extract("上周五转到尾号6621的卡里一千二百元") {
//		fmt.Println(s.Kind, s.Text, s.Value) // date 上周五 2026-03-13, …
//	}
//
// Each [Kind] says what a slot holds and how its Value is normalized (a
// decimal number of yuan, an ISO 8601 day or span, four digits, …);
// [Extractor] describes what the rules accept. Relative dates (昨天, 上周五,
// 3月5号) are resolved against the clock given by [WithClock].
//
// # Concurrency
//
// An [*Extractor] is immutable and safe for concurrent use.
//
// # Errors
//
// Only [New] returns errors, wrapping [ErrBadOption] for an invalid option.
// Extract never fails: invalid UTF-8 is skipped and text without slots
// yields none.
package slots
