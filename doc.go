// Package duxin (读心, "reading the mind") lets a customer-service product
// answer before it is asked: from what a user just did in the app it guesses
// the questions they are about to ask (猜你关心), it routes an instruction such
// as 我要查账单 straight to a service, and it searches an FAQ knowledge base in
// colloquial Chinese. It is a library, embedded in an existing Go service:
// no server to run, no Python, no GPU.
//
// The root package holds only this documentation. The work is done by four
// packages, wired together through small interfaces:
//
//   - [github.com/duxin-ai/duxin/tokenize]: Chinese and English text analysis
//     (gojieba segmentation in tokenize/jieba, snowball stemming, width and
//     traditional-to-simplified folding, stop words, user dictionaries) and
//     bleve v2 analyzers built on it.
//   - [github.com/duxin-ai/duxin/kb]: the FAQ knowledge base — entries with
//     paraphrases, answers, categories and behavior triggers — indexed with
//     bleve v2, searched with a learned reranker, updated live.
//   - [github.com/duxin-ai/duxin/intent]: a trainable intent classifier with
//     out-of-scope detection, a routing table and slot extraction.
//   - [github.com/duxin-ai/duxin/recommend]: the 猜你关心 engine, which ranks
//     knowledge-base questions from a user's recent events and explains why.
//
// A service that runs as many replicas adds three more, each in its own
// package so that the core never imports a client library:
//
//   - [github.com/duxin-ai/duxin/recommend/redisstore]: users' events and
//     feedback on Redis, shared by every replica.
//   - [github.com/duxin-ai/duxin/replica]: models published once and swapped
//     into every replica; knowledge-base edits through a change feed that
//     each replica applies to its own index ([github.com/duxin-ai/duxin/replica/redisreplica]
//     keeps both on Redis).
//   - [github.com/duxin-ai/duxin/prommetrics]: the engine's metrics and the
//     versions a replica serves, for Prometheus.
//
// A service wires them like this (errors elided; examples/quickstart is the
// full program):
//
//	tok, _ := jieba.New() // one per process; Close at exit
//	faqs, _, _ := kb.LoadFile("faq.jsonl")
//	idx, _ := kb.New(tok) // kb.Open(dir, tok) keeps the index on disk
//	idx.Reload(ctx, faqs)
//	hits, _ := idx.Search(ctx, kb.Query{Text: "转账怎么没有回单"})
//
//	examples, _ := intent.ReadJSONL(file, "intents.jsonl")
//	model, _ := intent.Train(ctx, examples, tok)
//	res, _ := model.Classify(ctx, "我要查账单") // res.Intent, res.Outcome
//
//	learned, _ := recommend.Train(ctx, events, idx, recommend.TrainOptions{})
//	store, _ := recommend.NewMemoryStore(recommend.MemoryConfig{})
//	engine, _ := recommend.NewEngine(idx, store, store, recommend.WithModel(learned))
//	engine.Reload(ctx) // reads the catalog now, not on the first request
//	engine.Record(ctx, recommend.Event{User: "u1", Time: time.Now(),
//		Type: "transfer.success", Attrs: map[string]string{"channel": "bank_card"}})
//	suggestions, _ := engine.Recommend(ctx, recommend.Request{User: "u1", Limit: 5})
//
// Documentation and runnable examples of every package are on pkg.go.dev
// (https://pkg.go.dev/github.com/duxin-ai/duxin). duxin is at v0: the
// README's "Versions and stability" says what may change between versions;
// CHANGELOG.md says what did.
//
// Every package documents its concurrency contract (exported types are safe
// for concurrent use unless their documentation says otherwise) and its
// errors (sentinels to test with errors.Is, wrapped with context).
package duxin
