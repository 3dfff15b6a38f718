// Package needs is the learned model behind recommend's 猜你关心: from a
// log it learns which causes (an event type, an attribute value, a pair of
// them, an earlier ask) raise which targets (questions), how strongly, and
// how that need moves with the time since the cause — at once or after a
// delay, for minutes or for days — and how the context of a moment (where
// the help center was opened from, the user's profile) shifts the odds.
//
//	b, _ := needs.NewBuilder(needs.DefaultOptions())
//	c := b.Cause("e:transfer.success|channel=bank_card")
//	q := b.Target("k013")
//	b.AddCase(q, []needs.Evidence{{Cause: c, Age: 3 * 3600, Value: 1, About: -1}}, nil)
//	b.AddOccurrence(c, 5*86400, -1) // for the Process objective
//	b.AddTime(5 * 86400)
//	m, _ := b.Train(ctx)
//	total := m.Rates(evidence, rates) // rates[t]/total: P(target t)
//	total = m.ApplyContext(ctxValues, rates)
//
// # Model
//
// A target t's rate at a moment is
//
//	λ_t = base_t + Σ_{evidence e} Σ_j w_{cause(e),t,j}·h_j(age(e)) + [re-ask kernel if e is an ask of t]
//
// where h_j are hat functions, linear in log(1 + age/LagScale), centred on
// [Options.Lags] (0, 1m, 5m, 15m, 45m, 2h, 6h, 18h, 2d, 5d, 12d, 30d, 60d,
// 90d): the
// kernel of each (cause, target) pair is free in shape, piecewise linear in
// log-time and zero after 90 days. Context values multiply the rates by
// P(v | t)/P(v), counted over the training cases and smoothed toward 1
// (naive Bayes): the entry page is evidence about the question the user
// came with, not a cause of it, so it reweights what the events say
// instead of adding to it. The probability of t is its share of the rates.
//
// # Fit
//
// Expectation–maximisation splits the credit for each case's target among
// its base rate and every piece of evidence active then, in proportion to
// what each contributes; each weight becomes the credit it earned over its
// exposure. Two objectives ([Objective]) differ in the exposure: AtAsks
// counts it at the moments asks happen (the likelihood of which target,
// given that one is chosen then), Process over all the time a user was
// observed, every occurrence of a cause counted whether an ask followed or
// not (a point process). recommend.Train fits both on its leave-last-out
// prefixes and keeps the one with the better held-out likelihood: on the
// simulated help-center log AtAsks wins by far; on a log whose asks are
// driven by the events themselves, Process learns what AtAsks cannot see
// (an attribute that never led to an ask).
//
// Regularisation, each weight at a time: Sparsity removes credit a pair
// earned by chance (half a case by default: pairs that co-occur no more
// often than that get no weight at all), Shrink adds pseudo-exposure so
// rare causes stay small and their evidence falls back to the coarser
// causes of the same event, Smooth passes a share of each kernel weight to
// its neighbouring lags after every step (EM with smoothing, EMS), and a
// Gamma prior keeps every base rate above a fraction of its frequency. The
// defaults were chosen on the tune halves of the users of the simulated
// help-center logs (shared data recommend/helpcenter and helpcenter-live;
// Sparsity 0.5 rather than 1: +0.002 HR@10 on the live log, +0.02 on
// simulated logs of 300 users, −0.0008 on helpcenter).
//
// # Concurrency
//
// A [Builder] is for one goroutine; [Builder.Train] itself runs
// [Options.Workers] goroutines over the cases and sums their parts in a
// fixed order, so the model is the same on any machine. A [Model] is
// immutable and safe for concurrent use.
//
// # Errors
//
// Invalid options wrap [ErrOptions]; Train without cases returns
// [ErrNoCases] and a cancelled context's error; [UnmarshalBinary] returns
// an error wrapping [ErrFormat] for any input it did not write, never a
// panic or a partial model.
package needs
