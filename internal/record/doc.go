// Package record is what the file readers of kb, intent and recommend share:
// one formatter for the errors that name a bad record, the words for a JSON
// value of the wrong type, and the bounds on how much of a file one record
// (or a whole-document file) may take.
//
// Every record error reads the same way, whichever package reports it:
//
//	kb: faq.jsonl:12: field "triggers[0].window": bad duration "3x"
//	intent: nlu.yml:7: field "intnt": unknown field (want "intent", "synonym", "regex" or "lookup")
//	recommend: events.jsonl:3: field "time": invalid event: want an integer, got a string
//
// that is the package, where (file and line, what of them is known, or
// the item's position in a slice), the quoted field, and the cause with the
// package's own prefix removed so that it is never said twice.
package record
