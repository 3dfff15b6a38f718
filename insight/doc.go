// Package insight reads back what a help center's users did and tells its
// team what to act on: how much of the demand duxin served by itself and
// where it failed (the service journey), which questions the knowledge base
// lacks (KB gaps, 客户之声), how much demand is coming (the forecast, for
// staffing the call center) and, when a user is handed to a person, what
// that person should know (the hand-off summary).
//
// It reads the event log the engine learns from (recommend's JSON Lines,
// read as a stream), with the vocabulary of package recommend: visits
// ([recommend.TypeOpen]), asks ([recommend.TypeAsk]), searches
// ([recommend.TypeSearch]), services opened ([recommend.TypeRoute]),
// hand-offs ([recommend.TypeHandoff], with a reason) and the log form of
// feedback on suggestions ([recommend.TypeFeedback]). It reads models and
// the knowledge base; nothing of the library imports it (httpapi and the
// duxin command do).
package insight
