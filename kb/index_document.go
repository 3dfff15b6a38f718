package kb

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	bleveanalysis "github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
)

// docMaker makes the bleve document of one text of an entry, field for
// field what indexMapping makes of the same data as a map (Batch.Index),
// so that write can hand bleve the document itself (Batch.IndexAdvanced).
// That skips the mapping's reflection over the map and, for the term
// fields, bleve's whitespace tokenizer, which allocates room for 1024
// tokens for every field it splits: on an index of short questions, most
// of what a build allocated. TestDocMakerMatchesMapping holds the two
// paths to the same fields, terms and counts. A docMaker is immutable.
type docMaker struct {
	opts    [len(docFieldNames)]index.FieldIndexingOptions
	inAll   [len(docFieldNames)]bool // whether _all includes the field
	keyword bleveanalysis.Analyzer
}

func newDocMaker() *docMaker {
	d := &docMaker{keyword: indexMapping().AnalyzerNamed(keyword.Name)}
	for i, name := range docFieldNames {
		fm := fieldMapping(name)
		d.opts[i], d.inAll[i] = fm.Options(), fm.IncludeInAll
	}
	return d
}

// The positions of the fields in docFieldNames.
const (
	posKind = iota
	posWords
	posGrams
	posCategory
	posTags
	posFAQ
)

// document returns the document id of text a of entry f: its kind, its
// terms and f's category and tags; faqJSON, f as JSON, is stored on the
// question's document (k == 0) only.
func (d *docMaker) document(id string, f *FAQ, k int, a *analysis, faqJSON []byte) *document.Document {
	doc := document.NewDocument(id)
	// excluded lists, as the mapping does, _id and every field added that
	// the _all composite field does not include.
	excluded := make([]string, 1, 8)
	excluded[0] = "_id"
	add := func(pos int, arrayPositions []uint64, value []byte, an bleveanalysis.Analyzer) {
		name := docFieldNames[pos]
		doc.AddField(document.NewTextFieldCustom(name, arrayPositions, value, d.opts[pos], an))
		if !d.inAll[pos] {
			excluded = append(excluded, name)
		}
	}
	kind := kindSimilar
	if k == 0 {
		kind = kindQuestion
	}
	add(posKind, nil, []byte(kind), d.keyword)
	add(posWords, nil, joinTermBytes(a.WordSet), termSplitter{})
	add(posGrams, nil, joinTermBytes(a.Grams), termSplitter{})
	if f.Category != "" {
		add(posCategory, nil, []byte(f.Category), d.keyword)
	}
	for i, t := range f.Tags {
		add(posTags, []uint64{uint64(i)}, []byte(t), d.keyword)
	}
	if k == 0 {
		add(posFAQ, nil, faqJSON, termSplitter{})
	}
	doc.AddField(document.NewCompositeFieldWithIndexingOptions("_all", true, nil, excluded, index.IndexField|index.IncludeTermVectors))
	doc.SetIndexed()
	return doc
}

// joinTermBytes joins terms with single spaces, in one allocation.
func joinTermBytes(terms []string) []byte {
	if len(terms) == 0 {
		return []byte{}
	}
	n := len(terms) - 1
	for _, t := range terms {
		n += len(t)
	}
	b := make([]byte, 0, n)
	for i, t := range terms {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, t...)
	}
	return b
}

// termSplitter analyses the term fields as termsAnalyzer does — bleve's
// whitespace tokenizer and nothing else — token for token: the same
// terms, byte offsets, positions and type, and, as that tokenizer does, it
// stops at the first utf8.RuneError. It allocates the tokens at once
// instead of one by one.
type termSplitter struct{}

func (termSplitter) Analyze(input []byte) bleveanalysis.TokenStream {
	toks := make([]bleveanalysis.Token, 0, bytes.Count(input, []byte{' '})+1)
	offset, start, end := 0, 0, 0
	add := func() {
		toks = append(toks, bleveanalysis.Token{
			Term:     input[start:end],
			Start:    start,
			End:      end,
			Position: len(toks) + 1,
			Type:     bleveanalysis.AlphaNumeric,
		})
	}
	for {
		r, size := utf8.DecodeRune(input[offset:])
		if r == utf8.RuneError {
			break
		}
		if !unicode.IsSpace(r) {
			end = offset + size
		} else {
			if end > start {
				add()
			}
			start = offset + size
			end = start
		}
		offset += size
	}
	if end > start {
		add()
	}
	out := make(bleveanalysis.TokenStream, len(toks))
	for i := range toks {
		out[i] = &toks[i]
	}
	return out
}
