// Package recommend is duxin's 猜你关心 engine: from what a user just did —
// a transfer to a bank card three hours ago, a refund applied for
// yesterday, a failed 花呗 repayment, the page they opened the help center
// from, the questions they asked last week — it ranks the knowledge-base
// questions the user most likely came to ask, each with the reasons it was
// chosen.
//
// The host records behavior as [Event]s (type, attributes, and for an
// "ask" the question id), trains a [Model] from its log, and calls
// [Engine.Recommend] when the help center opens:
//
//	model, _ := recommend.Train(ctx, log, myKB, recommend.TrainOptions{})
//	store, _ := recommend.NewMemoryStore(recommend.MemoryConfig{})
//	eng, _ := recommend.NewEngine(myKB, store, store, recommend.WithModel(model),
//		recommend.WithPhrasebook(words))
//	eng.Reload(ctx) // reads the catalog now, not on the first request
//	eng.Record(ctx, recommend.Event{User: "u1", Time: time.Now(), Type: "transfer.success",
//		Attrs: map[string]string{"channel": "bank_card"}})
//	suggestions, _ := eng.Recommend(ctx, recommend.Request{User: "u1", Limit: 5,
//		Context: map[string]string{"from": "transfer"}})
//	// suggestions[0].Reasons[0].Text == "你刚刚发起了一笔转账到银行卡"
//
// # What the model learns
//
// From a log alone, [Train] learns a need model: for every event type,
// attribute value, pair of attribute values (numeric values in learned
// buckets) and earlier ask, how strongly it raises each question as a
// function of the time since it — at once or hours later, for minutes or
// for days, no shape assumed — with the credit for each ask split among the
// events that could have caused it; a re-ask kernel (a question asked
// minutes ago is likely asked again); and base rates. The clock is a cause
// too: the hour, the weekday, the day of the month and the periods the host
// declares ([Calendar]: a festival, bill days), so 还款 questions rise on
// the repayment day and security questions at night (reason: 今天是双十一,
// 夜深了，这时候常有人问). Two kernels every question shares complete it:
// the crowd — a question everyone is asking more than usual right now, read
// live from the event store ([CrowdReader]), so an incident reaches every
// replica within minutes without a retrain (这会儿问这个问题的人突然变多了) —
// and the kind of user, a mixture model whose posterior from the user's
// earlier asks and events raises what people like them ask (和你情况相似的人常问).
// Where the help center was opened from ([TypeOpen] events in the log,
// [Request.Context] at request time) and the user's profile (the latest
// profile.* event) shift the odds of each question. See internal/needs for
// the model and its fit.
//
// Beside it the engine keeps the knowledge base's trigger rules
// ([kb.Trigger], written by operations staff: the cold start), a sequence
// model over the order of events and asks, popularity and trending, the
// user's own history with the knowledge base's related questions, and the
// user's recent searches. Each source gives a question a feature in [0, 1];
// its score is their weighted sum ([Weights]), fitted by Train on each
// user's last ask against models trained without it. With no log, triggers
// and searches carry the ranking; where the log has evidence, the learned
// model does (on the simulated help-center logs the fit gives it all the
// weight). The trigger weight never falls below the strongest other one:
// a rule is the operators' word about a cause the log may not have seen,
// and keeps working after every retrain.
//
// # Recommend
//
// [Engine.Recommend] runs named steps: gather the candidates (every
// question with evidence, the best of the learned and sequence models, the
// popular and trending), exclude what feedback and the request rule out
// (dismissed for good, resolved for a while, blocked, outside validity),
// score, add the exploration bonus (see [WithExploration]), diversify (pins
// first, then MMR across categories among near ties, [Request.Diversity]), fill from popular
// and priority-ordered questions so the list is never short, and explain.
// Each suggestion's reasons are distinct sentences, strongest first, worded
// from the host's [Phrasebook]: 你3小时前发起了一笔转账到银行卡; an event
// type the phrasebook lacks is told neutrally (你3小时前有一次相关操作).
//
// # Models change by retraining, not online
//
// A [Model] is immutable, with an identity ([ModelInfo]: content hash,
// training time, what it was trained on). [Engine.Record] stores events —
// the history every request reads, so a user's new event changes their
// suggestions at once — but teaches the model nothing: every replica with
// the same model and store answers alike. A host retrains on a schedule
// (hourly or nightly; about 4 s on the 270k-event help-center log) and
// swaps the model in while serving:
//
//	events, _ := recommend.ReadEvents(logFile, "events.jsonl")
//	m, err := recommend.Train(ctx, events, myKB, recommend.TrainOptions{Seed: 1})
//	if err == nil {
//		eng.SetModel(m) // requests in flight finish with the old one
//	}
//
// A log too large to hold streams through [TrainStream], read once
// ([ScanEvents] over a file, gzip.NewReader for a compressed one): the
// counts cover every event, and the models learn from a uniform sample of
// users (by a hash of the id) as large as TrainOptions.MemoryBudget allows
// (1 GiB by default); [ModelInfo] says how many users and events it used.
// A log that fits gives the model Train gives.
//
//	m, err := recommend.TrainStream(ctx, recommend.ScanEvents(f, "events.jsonl"), myKB,
//		recommend.TrainOptions{Seed: 1, MemoryBudget: 2 << 30})
//
// [Model.WriteTo] and [ReadModel] (versioned, checksummed) let one trainer
// publish a model that services load without retraining; package replica
// publishes it to every replica (a shared folder or Redis) and swaps it in.
// Logs are JSON Lines ([ReadEvents], [DecodeEvents], [WriteEvents]).
//
// # Many replicas
//
// Nothing an engine learns lives in its process: the users' events and
// feedback are in the stores, the model is trained centrally. Replicas
// sharing a networked store (recommend/redisstore, on Redis) and a
// published model give the same suggestions to the same user, whichever
// replica recorded the events. A store that keeps both events and feedback
// can serve a request's reads in one round trip ([UserReader]); the
// question totals exploration reads are cached for a few seconds
// ([WithStatsCache]). A store may also count every user's asks of the
// last 6 hours by question, in 10-minute buckets ([CrowdReader]; the
// MemoryStore and the Redis store do): what everyone is asking now, the
// same on every replica sharing the store, so a question surging for
// everyone can be noticed between retrains: an engine reads it at most
// once every 5 seconds, and only when its model learned a weight for it. An [Event.ID] makes a retried
// Record count once, in the history and in that count. A
// [Catalog] that reports a [Revisioner] revision (*kb.Index does) is read
// again after it changes, so knowledge-base edits reach suggestions
// without [Engine.Reload].
//
// When a store fails, Record and Feedback return the error. Recommend
// answers from what the engine holds alone (the request's context, the
// model's popular and trending questions, the priority fill) and returns
// those suggestions with an error wrapping [ErrDegraded] and the store's
// error; [WithStoreTimeout] bounds how long it waits for a slow store. An
// [Observer] ([WithObserver]) sees every call: its stages and their times,
// the sources of the suggestions, store errors and degraded answers;
// package prommetrics exports them to Prometheus.
//
// # Concurrency
//
// [Engine], [Model], [Phrasebook] and [MemoryStore] are safe for
// concurrent use: Recommend, Score, Record, Feedback and SetModel may run at
// the same time. Store and [Catalog] implementations must be safe for
// concurrent use; the suites in recommend/storetest and recommend/catalogtest
// check them. Output is deterministic for a given model, history and
// feedback (ties break by priority, then id) unless [WithRand] randomizes
// exploration; Train gives the same model for the same log, catalog and
// options.
//
// # Errors
//
// Bad input wraps [ErrInvalidEvent], [ErrInvalidFeedback] or
// [ErrInvalidOption]; a log line's error is a [*FieldError] naming file, line
// and field; a phrasebook's wraps [ErrPhrasebook] and names file, line and
// field. A model file that is not intact wraps [ErrModelFormat]. Errors from
// the stores and the catalog are wrapped with %w, so
// errors.Is(err, context.Canceled) holds when a request's context ends. A
// Recommend that answered without its stores returns suggestions and an
// error wrapping [ErrDegraded]: a host that shows them checks for it.
package recommend
