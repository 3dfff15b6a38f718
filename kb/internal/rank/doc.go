// Package rank is kb's second stage, the learned ranker: the features that
// compare a query with a candidate text, the learned tables behind some of
// them (an IBM Model 1 association table over words with character and
// bigram tables beside it, a word-contrast model), the model that turns
// features into a score (a linear or one-hidden-layer part plus
// gradient-boosted trees), its training, its confidence calibration and
// its file format. kb.Ranker is the public face of a [Model].
//
// The seam with the index is narrow. The index analyses texts (tokenizer,
// synonyms, folding) and hands over each text's terms as an [Analysis];
// it counts its texts' terms in [Stats], whose document frequencies its
// first stage reads too; and it keeps each indexed text as a [Text]
// prepared for its model by [NewText]. For a search it prepares the query
// once ([NewQuery]) and asks [Model.Score] for the score of every text of
// the first stage's candidates; [Calibration.Confidence] turns scores into
// confidences. Training goes the same way: [NewList] turns a labeled
// query's candidates into a training list, [NewPair] its paraphrase pair,
// and [Train] fits a model to them.
//
// Nothing here knows bleve or the tokenizer. A Model is immutable and safe
// for concurrent use; a Query serves one search at a time; Stats are
// guarded by the index's lock.
package rank
