// Package replica runs duxin on many replicas of a service: models
// trained once, published and swapped into every replica; knowledge-base
// edits that reach every replica's index, in order; nothing in one
// process that the others must agree on.
//
// What each replica shares, and how:
//
//   - Users' events and feedback live in a shared store: recommend's
//     EventStore and FeedbackStore, implemented on Redis by
//     recommend/redisstore. The engine learns nothing online (Record only
//     stores), so two replicas reading one store give the same suggestions
//     to the same user with the same model and knowledge base.
//   - Models (the recommend model, the intent model, the kb ranker) are
//     trained centrally, on the log, and published to a [Registry] under
//     a name; a [Watcher] on each replica polls it and swaps a new version
//     in with a [Loader] ([RecommendModel], [KBRanker], [Intent.Loader]).
//     A version is the SHA-256 of the model file; one the Loader cannot
//     read is refused and the old model keeps serving. Data that does not
//     hash to its version is not loaded either, but fetched again at the
//     next check (a deploy tool may still be copying it).
//     Registries: [Dir] (a shared folder) and replica/redisreplica.
//   - The knowledge base is edited through a [Feed]: a [Writer] checks
//     each edit and appends it; a [Follower] on each replica applies the
//     changes in order to the replica's own [kb.Index], taking a snapshot
//     when it starts or has lost its place. The recommend engine re-reads
//     an index whose revision changed, so suggestions follow too. Each
//     replica can say which version it serves ([Follower.Version]). A
//     feed that went backwards (its store restarted without its data) is
//     never applied: the replicas keep serving and halt until an operator
//     re-seeds the feed from one of them ([Follower.Republish]) or has
//     them take what the feed holds ([Follower.Resnapshot]).
//     Feeds: [MemFeed] (one process) and replica/redisreplica.
//
// The train → publish → swap loop, on a trainer and on every replica:
//
//	// trainer, on a schedule
//	m, _ := recommend.Train(ctx, events, catalog, recommend.TrainOptions{})
//	v, err := replica.Publish(ctx, reg, replica.NameRecommend, m)
//
//	// each replica, at start
//	w, _ := replica.NewWatcher(reg, replica.NameRecommend, replica.RecommendModel(engine), replica.WatchConfig{})
//	_ = w.Sync(ctx) // serve the published model from the first request
//	go w.Run(ctx)
//
// The package imports no client library: the Redis implementations are in
// replica/redisreplica, the Prometheus metrics in prommetrics.
package replica
