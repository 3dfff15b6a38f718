// Package recommend is duxin's 猜你关心 engine: from what a user just did —
// a transfer to a bank card three minutes ago, a refund applied for
// yesterday, a failed 花呗 repayment, a search for 电子回单, the questions they
// opened last week — it ranks the knowledge-base questions the user most
// likely came to ask, each with the reasons it was chosen.
//
// The host records behavior as [Event]s (type, attributes, and for an
// "ask" the question id) and calls [Engine.Recommend] when the help center
// opens:
//
//	store, _ := recommend.NewMemoryStore(recommend.MemoryConfig{})
//	eng, _ := recommend.NewEngine(myKB, store, store, recommend.WithModel(model))
//	eng.Record(ctx, recommend.Event{User: "u1", Time: time.Now(), Type: "transfer.success",
//		Attrs: map[string]string{"channel": "bank_card"}})
//	suggestions, _ := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 5})
//	// suggestions[0].Reasons[0].Text == "你刚刚发起了一笔转账到银行卡"
//
// # Pipeline
//
// Recommend gathers candidates from five sources — the knowledge base's
// trigger rules ([kb.Trigger], the cold-start path), a learned sequence model
// over the user's recent events and asks, popularity and trending, the
// user's own history with the knowledge base's related questions
// ([Relater]), and the user's recent searches through [kb.KnowledgeBase]
// Search. Each candidate gets a feature per source in [0, 1]; its score is
// their weighted sum ([Weights]), learned by [Train] from a log and
// kept up to date by [Engine.Record] (asks update the sequence model,
// popularity and trending online). Questions the user dismissed are
// excluded for good, resolved ones for a while. Once impressions are
// recorded, questions with few get an exploration bonus (a reason only
// where it moved a suggestion up). Then: pins first, blocked and
// out-of-validity questions removed, an MMR pass across categories
// ([Request.Diversity]), and a fill from popular and priority-ordered
// questions so the list is never short.
//
// Each suggestion's reasons are distinct sentences, strongest first. The
// knowledge base's Related and Search answers are cached per catalog (until
// [Engine.Reload]), so a request's cost does not depend on the search
// engine once a user's lookups have been seen.
//
// A [Model] is written with [Model.WriteTo] and read with [ReadModel]
// (versioned, checksummed), so a service starts without retraining. Logs
// are JSON Lines ([ReadEvents], [WriteEvents]).
//
// # Concurrency
//
// [Engine], [Model] and [MemoryStore] are safe for concurrent use:
// Recommend, Score, Record and Feedback may run at the same time. Store
// implementations must be safe for concurrent use; the conformance suites in
// recommend/storetest check it. Output is deterministic for a given state
// (ties break by priority, then id) unless [WithRand] randomizes exploration.
//
// # Errors
//
// Bad input wraps [ErrInvalidEvent], [ErrInvalidFeedback] or
// [ErrInvalidOption]; a log line's error is a [*FieldError] naming file, line
// and field. A model file that is not intact wraps [ErrModelFormat]. Errors
// from the stores and the knowledge base are wrapped with %w, so
// errors.Is(err, context.Canceled) holds when a request's context ends.
package recommend
