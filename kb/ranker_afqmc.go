//go:build !duxin_sample_ranker

package kb

import _ "embed"

// defaultRankerFile is the AFQMC-trained ranker (see DefaultRanker and
// docs/provenance.md).
//
//go:embed rerank_default.ranker
var defaultRankerFile []byte
