// Package insight reads back what a help center's users did and tells its
// team what to act on: how much of the demand duxin served by itself and
// where it failed (the service journey), which questions the knowledge base
// lacks (KB gaps, 客户之声) and, when a user is handed to a person, what
// that person should know (the hand-off summary). The demand forecast and
// the report page are still to come.
//
// It reads the event log the engine learns from (recommend's JSON Lines,
// read as a stream), with the vocabulary of package recommend: visits
// ([recommend.TypeOpen]), asks ([recommend.TypeAsk]), searches
// ([recommend.TypeSearch]), services opened ([recommend.TypeRoute]),
// hand-offs ([recommend.TypeHandoff], with a reason) and the log form of
// feedback on suggestions ([recommend.TypeFeedback]). It reads models and
// the knowledge base; nothing of the library imports it (httpapi and the
// duxin command do).
//
// # Service journey
//
// [Journey] reads a log once and tells how its help-center visits ended. A
// visit runs from a helpcenter.open to the user's next 30 minutes of quiet
// (an ask or search without an open starts one of its own). It is handed
// off if it holds a hand-off, self-served if the user opened an answer or
// a routed service with no hand-off, and unmet otherwise. The self-service
// rate is self-served / (self-served + handed off), the share of demand
// served without a person; beside it is the unmet share of all visits.
// See [JourneyReport] for every figure.
//
// # KB gaps
//
// [Gaps] searches each distinct query once (or trusts a search event's
// "answered") and groups those whose best hit is under the index's answer
// threshold by the cosine of TF-IDF vectors over words and character
// bigrams. Each cluster of at least MinSize queries is a [Gap] with a
// suggested standard question, its typical phrasings and its count.
//
// # Hand-off summary
//
// [Handoff] is what an agent sees when a user is handed to them: the
// questions the engine would suggest, with their reasons; the user's
// latest events in the phrasebook's words; their searches, with what the
// knowledge base answers for them now; the suggestions they were shown
// and what they did with them; their last request's intent, service and
// slots; and the hand-off's reason. Every source is optional; one that is
// missing or failing leaves out its own part and is named in
// [HandoffSummary].Incomplete.
package insight
