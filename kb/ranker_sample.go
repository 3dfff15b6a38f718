//go:build duxin_sample_ranker

package kb

import _ "embed"

// defaultRankerFile is, in a build with -tags duxin_sample_ranker, the
// ranker learned from the bundled sample knowledge base alone, so that
// the binary carries no table derived from AFQMC (see DefaultRanker and
// docs/provenance.md).
//
//go:embed rerank_sample.ranker
var defaultRankerFile []byte
