// Package redisstore keeps users' events and feedback in Redis: a
// [recommend.EventStore], [recommend.FeedbackStore] and
// [recommend.CrowdReader] that every replica of a service shares, so that
// what one replica records shapes the suggestions of all, and every
// replica sees the same crowd of recent asks. It passes the conformance
// suites of recommend/storetest against a real redis-server.
//
//	client, err := redisstore.Connect("redis://redis.internal:6379/0")
//	…
//	defer client.Close()
//	store, err := redisstore.New(client, redisstore.Config{Prefix: "wallet-help"})
//	…
//	eng, err := recommend.NewEngine(catalog, store, store) // one value: one read per request
//
// It needs Redis 6.2 or later (ZRANGE … BYSCORE) and its Lua scripting;
// it is tested on Redis 7.0. Redis's own clock is never read: the TTL and
// feedback times follow [Config.Clock].
//
// # Keys
//
// With the default Prefix "duxin", user u's data lives in five keys that
// share the hash tag {u:<u>}, so that in a Redis Cluster they are in one
// slot and one script can update them all. In the tag, every byte of the
// user id other than an ASCII letter, digit, '-', '_' or '.' is written
// %XX, so any id is safe and different ids never share keys:
//
//	duxin:{u:<u>}:ev   sorted set: the events, scored by time in Unix microseconds
//	duxin:{u:<u>}:seq  counter: the user's event sequence number
//	duxin:{u:<u>}:id   hash: the IDs of the events kept (see Event identity)
//	duxin:{u:<u>}:fb   hash: question → "impressions clicks dismissed resolved updated"
//	duxin:{u:<u>}:fbt  sorted set: question by last update, for eviction and expiry
//	duxin:q            hash: the question totals, fields i:<question> and c:<question>
//	duxin:{crowd}:<n>  hash: question → asks in crowd bucket n (Unix seconds / 600)
//	duxin:{crowd}:ids  sorted set: "<len(user)>:<user><ID>" of the asks counted, by bucket
//
// The crowd's keys ([Store.Crowd]) share the hash tag {crowd}, so they
// are in one slot and one script counts an Append's asks.
//
// An event's member in the :ev set is the nanoseconds within its
// microsecond (3 digits), its sequence number (16 hex digits), its ID
// (length-prefixed) and a length-prefixed text encoding of the other
// fields, readable in redis-cli. Members of equal score sort by those
// nanoseconds, then by sequence number, so events come back in time order
// with ties in arrival order, and with their full time (in UTC).
//
// # Round trips
//
// [Store.Append] and [Store.AddFeedback] are one round trip for any batch:
// one Lua script per user in the batch (events: skip known IDs, number,
// add, trim, expire; feedback: update the user's records, evict, expire),
// for events with asks one more script counting them in the crowd, and,
// for feedback, an HINCRBY per question total, all in one pipeline.
// [Store.Recent] and [Store.AppendRecent] are one ZRANGE, [Store.ReadUser]
// one pipeline of a ZRANGE and an HGETALL, [Store.UserFeedback] one
// HGETALL, [Store.QuestionStats] one HMGET, [Store.Crowd] one pipeline of
// an HGETALL per bucket (up to 36). The scripts are sent by
// EVALSHA; after a server restart (or SCRIPT FLUSH) the first write to
// find its script gone sends it again with EVAL: one more round trip.
// BenchmarkStore counts them. In a Cluster, go-redis sends a pipeline's
// commands to each node concurrently: one round trip per node involved.
//
// # Caps and TTL
//
// A user keeps at most [Config.PerUser] events (the oldest go first) and
// feedback on at most [Config.PerUserFeedback] questions (the least
// recently updated goes first). Append refuses an event over the limits
// of [recommend.Event.Validate] — [recommend.MaxAttrs] attributes,
// [recommend.MaxAttrsBytes] of attribute names and values in all,
// [recommend.MaxTextBytes] of text, [recommend.MaxFieldBytes] for each
// other field — so an event's member is at most a few kilobytes. With a TTL (default 90 days), events
// dated and feedback last updated before clock − TTL are neither returned
// nor kept past the user's next write, and all of a user's keys expire
// TTL after their last write, so an inactive user costs nothing. The
// question totals are one hash that never expires: it holds two fields
// per question ever given feedback, so feedback should name only
// questions of the knowledge base.
//
// The crowd keeps its own window of 36 buckets of 10 minutes, whatever the
// TTL (an ask Append drops for the TTL is not counted). A bucket's hash
// counts at most [recommend.MaxCrowdQuestions] questions and expires a
// bucket after it leaves the window, by the Config.Clock of the last
// write; the identities of the asks counted are dropped a bucket after
// theirs leaves (and, past 2^20 of them, oldest first). So the crowd holds
// about 37 hashes and the identities of 6 hours of asks, less than those
// asks' events take in the users' keys.
//
// # Event identity
//
// An event with an [recommend.Event.ID] is stored once per user while the
// store keeps it: a write retried after a timeout is not counted twice. An
// ID is forgotten with its event (pushed out by PerUser or expired), so a
// very late retry may store the event again. Events without an ID are
// stored at every write. Feedback has no identity: a retried AddFeedback
// counts impressions and clicks again.
//
// The crowd cannot ask the user's script whether an ask is new: in a
// Cluster the user's keys and the crowd's are in different slots, so no
// script may touch both, and a pipeline cannot make one command depend on
// another's answer; counting after the user's script answered would cost
// Append a second round trip. So the crowd remembers identities of its
// own, per (user, ID), while the ask's bucket is kept: an ask
// with an ID is counted once however often it is sent, even when the
// user's events have lost the ID (pushed out by PerUser), and a retry
// dated otherwise than the first write is still the same ask. The two
// scripts of one Append run independently: after an error the ask may be
// counted and not stored, or stored and not counted, and a retry
// completes both, once each.
//
// # Cluster and Sentinel
//
// [New] takes any go-redis UniversalClient: a single server, a Cluster or
// a Sentinel-managed master; [Connect] builds one from a URL (see there
// for the accepted forms). A user's keys are in one slot, so each script
// runs on one node; the question totals are one key, on one node; the
// crowd's keys are in the slot of {crowd}, on one node, so [Store.Crowd]
// is one round trip to it and, like the question totals' node, it takes
// one script from every Append that has asks. Reads go to masters: a
// replica could miss a write just made.
//
// # Errors
//
// Invalid events wrap [recommend.ErrInvalidEvent], invalid feedback
// [recommend.ErrInvalidFeedback], a bad Config or URL
// [recommend.ErrInvalidOption]; in each case nothing is stored. Every
// Redis error (a dead server, a timeout, a key of the wrong type, data the
// store cannot decode) is returned, wrapped as "redisstore: <op>: …" with
// %w, never swallowed, and a call that returns one may have stored part
// of its batch (one user's script ran, another's did not). A canceled
// context gives an error wrapping [context.Canceled]. The store never
// retries beyond what the go-redis client is configured to do and never
// answers from elsewhere: deciding what to do without the store is the
// caller's job — [recommend.Engine.Recommend] answers degraded
// ([recommend.ErrDegraded]).
//
// # Concurrency
//
// A [Store] is safe for concurrent use, and any number of Stores, in any
// number of processes, may share a server and Prefix: each write is
// atomic per user (one script).
package redisstore
