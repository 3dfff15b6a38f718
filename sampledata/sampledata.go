// Package sampledata embeds the sample data bundled with duxin, written for
// the project: an Alipay-like wallet help center's knowledge base
// (faq.jsonl), the behavior event vocabulary its triggers use and its words
// (phrasebook.yaml, explained in EVENTS.md),
// and, for intent, training utterances and a routing table. Examples, tests
// and benchmarks use it so they run on a fresh checkout with no other files;
// it is a public package, imports nothing, so an example copied into another
// module still compiles and runs.
package sampledata

import _ "embed"

var (
	//go:embed faq.jsonl
	faq []byte
	//go:embed intents.jsonl
	intents []byte
	//go:embed routes.jsonl
	routes []byte
	//go:embed phrasebook.yaml
	phrasebook []byte
)

// FAQJSONL returns the sample knowledge base in the kb package's JSON Lines
// format. The caller may modify the returned slice.
func FAQJSONL() []byte { return clone(faq) }

// IntentsJSONL returns the sample intent training set, JSON Lines of
// {"text", "intent"}, out-of-scope examples labelled "oos".
func IntentsJSONL() []byte { return clone(intents) }

// RoutesJSONL returns the routing table for the sample intents: the service,
// deep link and slots of each.
func RoutesJSONL() []byte { return clone(routes) }

// PhrasebookYAML returns the wallet phrasebook: the behavior event
// vocabulary (types, attributes and their values) and the Chinese words
// that tell each event, in the format recommend.ReadPhrasebook reads.
func PhrasebookYAML() []byte { return clone(phrasebook) }

func clone(b []byte) []byte { return append([]byte(nil), b...) }
