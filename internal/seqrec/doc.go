// Package seqrec is the learned sequence model behind recommend: it ranks
// the target items (asked questions) a user is likely to turn to next from
// the tokens of their recent history (events and earlier asks).
//
//	opts := seqrec.DefaultOptions()
//	opts.IsTarget = seqrec.IsAsk // events are context, asks are targets
//	m, err := seqrec.Train(histories, opts)
//	top := m.Top(history, now, 20, nil)        // best items with evidence
//	why := m.Explain(history, now, top[0].Item) // which steps raised it
//
// A caller that ranks its own candidates reads the sparse scores
// ([Model.AppendEvidence]: items with evidence; the rest score
// [Model.PriorOf]) instead of the dense [Model.Scores], and explains a whole
// list with one pass over the history ([Model.ExplainItems]).
//
// # Model
//
// Training pairs every target step with the Window steps before it, weighted
// 1/d^PairPower by step distance d (sequential rules), and, scaled by
// Backward, with the steps after it. Scoring sums, over the MaxHistory most
// recent steps (weighted 1/p^HistoryPower by position from the end, and by
// HalfLife if set), each step's pairs divided by the step token's pair
// mass^SourceNorm. The SecondFanout items with the most of that evidence then
// pass it one step further through their own pairs (scaled by SecondOrder and
// their mass^-SecondNorm), which reaches items the history never co-occurred
// with; a popularity prior (PopWeight) ranks the rest and breaks ties.
//
// # Quality
//
// On the games benchmark (shared data recommend/games; leave-last-out,
// target ranked against 100 sampled unasked items, ties against the target),
// DefaultOptions were chosen on the tune half of the users ([Holdout] false)
// and TestGamesQuality measures the other half: HR@10 0.677 / NDCG@10 0.496,
// against popularity 0.458 / 0.270 and a first-order transition model 0.476 /
// 0.307 (SASRec reports 0.741 on all users). Without the second-order step
// the model scores 0.580 on the tune half. Training takes about one to three
// seconds on one core.
//
// [Evaluate], [LeaveLastOut], [SampleNegatives], [Rank] and the baselines
// [Popularity] and [Transition] implement the protocol for other callers.
//
// # Concurrency
//
// [Model] is safe for concurrent use: scoring methods take a read lock,
// [Model.Observe] a write lock. [Popularity] and [Transition] are read-only.
//
// # Errors
//
// Invalid [Options] give errors wrapping [ErrOptions], one per field (joined);
// a truncated, corrupt or inconsistent serialized model gives an error
// wrapping [ErrFormat] from [UnmarshalBinary], never a panic or a partial
// model.
package seqrec
