// Package kb is duxin's FAQ knowledge base: it stores the entries a help
// center can answer ([FAQ]), finds the ones that answer what a user typed,
// suggests related ones, and takes edits while it serves.
//
// An [Index] keeps its entries in a bleve v2 scorch index, on disk at a path
// ([Open]) or in a temporary folder removed on Close ([New]). kb analyses text
// itself with the [tokenize.Tokenizer] it is given (the jieba tokenizer is
// duxin's default) plus synonyms ([DefaultSynonyms]), and indexes each
// question and each similar question as its own document with three
// fields: the words and the character bigrams of the folded text, and its
// sounds (the toneless pinyin of each two neighbouring characters). User
// text never reaches bleve's query-string syntax. A search is two stages: a
// BM25 disjunction of term queries over the fields, grouped so that every
// entry appears once, then a [Ranker] that rescores each text of the best
// candidates (100 by default, see [WithCandidates]) and keeps the best text
// per entry.
//
// Folding makes traditional characters and full-width forms search as
// their simplified, half-width forms (轉帳 as 转账). A query typed as
// pinyin (huabeizenmehuankuan, every reading of a heteronym matching) or
// with characters that a pinyin input method or speech recogniser swapped
// for others of the same sound (花被 for 花呗, found where a character
// bigram no indexed text holds) also searches the sound field. Search
// spells typed pinyin as the candidates' texts do and searches again with
// that text, which the ranker reads and highlighting marks. A query
// without such doubt searches as it would without sounds.
//
//	tok, _ := jieba.New()
//	defer tok.Close()
//	ix, err := kb.Open("faq.idx", tok)
//	if err != nil { ... }
//	defer ix.Close()
//	faqs, _, err := kb.LoadFile("faq.jsonl")
//	if err != nil { ... }
//	if err := ix.Reload(ctx, faqs); err != nil { ... }
//	hits, err := ix.Search(ctx, kb.Query{Text: "花呗怎么提前还", Limit: 5})
//
// The index records the tokenizer's identity, the synonyms and kb's schema
// version; [Open] refuses an index built with different ones.
//
// # The ranker
//
// A [Ranker] scores a (query, text) pair from 48 features: the first-stage
// score and rank, IDF-weighted word, character and bigram overlap from both
// sides, edit distance, common substring (also IDF-weighted) and
// subsequence, the order of the shared words, length ratio,
// negation, domain key-term and question-kind matches and mismatches,
// eighteen features from learned association tables over words, characters
// and character bigrams (IBM Model 1 trained on paraphrase pairs, so that
// 提额 matches 提升 and 额度, 能用 matches 可以, and 逾期 the typo 预期), and
// three from a learned word-contrast model: a weight per word for being
// shared, missing from the text or missing from the query, learned from
// the first stage's hard negatives (which differences flip a question,
// 花呗 against 借呗 or a 提前 on one side only, and which hardly matter,
// 已经 or 现在). A text equal to the query after folding always ranks
// first.
// The model is a linear part plus gradient-boosted regression trees, fitted
// to a softmax loss that puts the expected entry first among the first
// stage's candidates; every text of a wrong candidate is a negative, as
// Search scores an entry by its best text.
//
// [DefaultRanker] ships with the package (rerank_default.ranker, whose note
// records the command that trained it): 400 depth-3 trees trained on the
// labeled queries of Ant Financial's AFQMC corpus, minus every text of the
// afqmc evaluation set, plus the similar questions of half the bundled
// sample wallet KB, so that it does not overfit AFQMC's 花呗/借呗 domain.
// To retrain it on your own labeled queries, call [TrainRanker] (or
// [Trainer] to combine several indexes) and pass the result to [WithRanker];
// [Ranker.WriteTo] and [ReadRanker] store it. The repository's
// benchmarks/eval command does the same from files:
//
//	go run ./benchmarks/eval retrieval-train -kb KB.jsonl -queries Q.jsonl \
//		-trees 400 -depth 3 -mix-kb sampledata/faq.jsonl -mix-weight 3 -out ranker.ranker
//
// WithRanker(nil) turns the second stage off (first-stage order only).
// The ranker's machinery (features, learned tables, model, training, file
// format) is in kb/internal/rank; kb hands it each text's analysis and the
// index's term statistics.
//
// # Confidence and no answer
//
// Each hit's Confidence is the probability that the entry answers the
// query, from a logistic calibration of where its ranker score stands
// among all the candidates' and of how the query stands to the knowledge
// base: the shares of its characters and words no entry holds and the hit
// does not cover, and whether it has no Han character (see Calibrator).
// These domain features are what make English (hello), keyboard mash,
// chit-chat (在吗) and other domains' questions (今天天气怎么样) fall under
// the threshold, however high their ranker score. Search drops hits under
// DefaultMinConfidence (Query.MinConfidence changes that), and when the
// best hit is under Index.AnswerThreshold the knowledge base has no
// answer: the host says so and hands over to a person. The default
// ranker's calibration was fitted in two steps. The score features, on
// AFQMC questions it was not trained on (two sevenths of
// retrieval/afqmc-full, in knowledge bases of the evaluation set's size,
// scored by a ranker trained the same way without them; a fifth of the
// entries treated as removed), plus the bundled sample KB's
// evaluation-half questions and 500 SMP2017 questions of other domains as
// unanswerable:
//
//	go run ./benchmarks/eval retrieval-calibrate -kb HELD.jsonl -queries HELDQ.jsonl \
//		-exclude-kb $DATA/retrieval/afqmc/kb.jsonl -exclude-queries $DATA/retrieval/afqmc/queries.jsonl \
//		-shards 2 -ranker FOLD.ranker -apply-to kb/rerank_default.ranker \
//		-mix-kb sampledata/faq.jsonl -mix-weight 3 -ood $DATA/intent/smp2017/train.jsonl -out kb/rerank_default.ranker
//
// where HELD is the entries of afqmc-full with FNV-32a("shard:"+id) % 7
// in {5, 6} and their queries, and FOLD the ranker trained by the
// retrieval-train command above with those entries also excluded. Then the
// domain features alone, the score weights and the answer threshold kept,
// on the sample KB's tuning-half questions and the generated tuning set
// of out-of-domain queries (internal/offdomain) with all of SMP2017 train
// as unanswerable; a domain feature can only lower a confidence:
//
//	go run ./benchmarks/eval retrieval-calibrate -domain-only -l2 1e-5 -apply-to kb/rerank_default.ranker \
//		-mix-kb sampledata/faq.jsonl -mix-weight 3 -mix-half tune \
//		-ood tune,$DATA/intent/smp2017/train.jsonl -ood-max 5000 -out kb/rerank_default.ranker
//
// The sample ranker (rerank_sample.ranker) took the same second step
// after the calibration its note records, with -ood tune alone (no
// SMP2017: it carries nothing but this project's data). A ranker file calibrated before
// the domain features existed still loads and computes the confidences it
// did (weight 0 for them); to teach it other domains, run the second step
// on it. TrainRanker's calibration fits both kinds of feature on its
// held-out queries; with a Calibrator, add questions of other domains (an
// empty ID) to teach it what "nothing relevant" looks like.
// Confidences depend on how many entries compete: calibrate a ranker for
// a knowledge base of another size or domain with a Calibrator on your
// own held-out queries.
//
// # Speed
//
// A search uses up to two cores. The first stage does not run bleve's
// searcher: it adds bleve's posting lists into a dense array per document
// (same BM25, same order), while another goroutine prepares the ranker's
// view of the query (its links in the learned tables, its term IDFs). The candidates' texts are then
// featurised and scored in two halves. Every text's terms are counted and
// numbered when it is indexed, so comparing it with the query is hash
// probes on small per-query tables rather than string comparisons, and
// edit distance and subsequence are bit-parallel for queries of up to 64
// characters. The work is deterministic: the same index and query give
// the same hits and scores whatever the segment layout, the goroutine
// split or the process. benchmarks/doc.go lists the benchmarks that
// measure it against plain bleve.
//
// # Concurrency
//
// An [Index] is safe for concurrent use. Searches run while [Index.Upsert]
// and [Index.Delete] change entries (each call is applied all or none) and
// while [Index.Reload] builds a whole new index aside; the swap is atomic
// and the old index is closed once the searches using it finish. Writers
// are serialised. [Index.SetRanker] swaps the ranker the same way (the
// entries are analysed for their ranker, so it rebuilds aside too).
// [Index.Revision] counts the changes, for readers that cache what they
// read. [Index.Close] waits for running calls and is idempotent. A [Ranker]
// is immutable; a [Trainer] is not safe for concurrent use. On many
// replicas, edits go through a change feed that each replica applies to its
// own index (package replica); [Check] tells a writer beforehand whether
// an index would refuse an edit.
//
// # Errors
//
// Methods return errors wrapping the sentinels: [ErrNotFound] for an unknown
// id, [ErrClosed] after Close, [ErrEmptyID] and [ErrEmptyQuestion] for an
// entry that cannot be stored, [ErrTooLong] for one over a limit
// ([MaxQuestionBytes] and the others: every entry point enforces them; a
// query longer than [MaxQueryBytes] is searched for its beginning, not
// refused), [ErrDuplicateID] for an id given twice in one
// call, [ErrIncompatible] when [Open] finds an index built with another
// configuration (the message says what differs). A cancelled context ends
// Search, Related, Reload and training with an error for which
// errors.Is(err, context.Canceled) holds. The loaders ([Load], [LoadFile])
// report bad records by file, line and field.
package kb
