package kb

import (
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
// tokens for every field it splits (on an index of short questions, most
// of what a build allocated), and the tokens themselves: a termsField
// counts its terms straight from its value. TestDocMakerMatchesMapping
// holds the two paths to the same fields, terms and counts. A docMaker is
// immutable.
type docMaker struct {
	opts    [len(docFieldNames)]index.FieldIndexingOptions
	keyword bleveanalysis.Analyzer
	terms   bleveanalysis.Analyzer // termsAnalyzer
	// excluded[m] lists, as the mapping does, _id and every field of a
	// document that the _all composite field does not include, for a
	// document with the optional fields m holds (optCategory …).
	excluded [1 << numOptional][]string
}

// The optional fields of a document, as bits.
const (
	optCategory = 1 << iota
	optTags
	optFAQ
	numOptional = iota
)

func newDocMaker() *docMaker {
	m := indexMapping()
	d := &docMaker{keyword: m.AnalyzerNamed(keyword.Name), terms: m.AnalyzerNamed(termsAnalyzer)}
	var inAll [len(docFieldNames)]bool
	for i, name := range docFieldNames {
		fm := fieldMapping(name)
		d.opts[i], inAll[i] = fm.Options(), fm.IncludeInAll
	}
	optional := [len(docFieldNames)]int{posCategory: optCategory, posTags: optTags, posFAQ: optFAQ}
	for m := range d.excluded {
		ex := []string{"_id"}
		for i, name := range docFieldNames {
			if !inAll[i] && (optional[i] == 0 || m&optional[i] != 0) {
				ex = append(ex, name)
			}
		}
		d.excluded[m] = ex
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
	posSounds
)

// document returns the document id of text a of entry f: its kind, its
// terms and f's category and tags; faqJSON, f as JSON, is stored on the
// question's document (k == 0) only.
func (d *docMaker) document(id string, f *FAQ, k int, a *analysis, faqJSON []byte) *document.Document {
	doc := document.NewDocument(id)
	// Room for every field and the _id field scorch adds.
	doc.Fields = make([]document.Field, 0, 6+len(f.Tags))
	add := func(pos int, arrayPositions []uint64, value []byte, an bleveanalysis.Analyzer) {
		doc.AddField(document.NewTextFieldCustom(docFieldNames[pos], arrayPositions, value, d.opts[pos], an))
	}
	addTerms := func(pos int, terms []string) {
		f := document.NewTextFieldCustom(docFieldNames[pos], nil, joinTermBytes(terms), d.opts[pos], d.terms)
		if d.opts[pos].IncludeTermVectors() { // not in indexMapping: termsField has no locations
			doc.AddField(f)
			return
		}
		doc.AddField(&termsField{TextField: f})
	}
	kind, opt := kindSimilar, 0
	if k == 0 {
		kind, opt = kindQuestion, optFAQ
	}
	add(posKind, nil, []byte(kind), d.keyword)
	addTerms(posWords, a.WordSet)
	addTerms(posGrams, a.Grams)
	addTerms(posSounds, a.sounds)
	if f.Category != "" {
		add(posCategory, nil, []byte(f.Category), d.keyword)
		opt |= optCategory
	}
	for i, t := range f.Tags {
		add(posTags, []uint64{uint64(i)}, []byte(t), d.keyword)
		opt |= optTags
	}
	if k == 0 {
		add(posFAQ, nil, faqJSON, d.terms)
	}
	doc.CompositeFields = make([]*document.CompositeField, 0, 1)
	doc.AddField(document.NewCompositeFieldWithIndexingOptions("_all", true, nil, d.excluded[opt], index.IndexField|index.IncludeTermVectors))
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

// termsField is a term field's TextField that analyses itself as
// termsAnalyzer followed by bleve's TokenFrequency would, to the same
// length and counts, straight from its value: no token is made. It has no
// term vectors (their locations).
type termsField struct {
	*document.TextField
	length int
	freqs  index.TokenFrequencies
}

func (f *termsField) Analyze() { f.length, f.freqs = termFrequencies(f.Value(), f.Options()) }

func (f *termsField) AnalyzedLength() int { return f.length }

func (f *termsField) AnalyzedTokenFrequencies() index.TokenFrequencies { return f.freqs }

// Size is the TextField's size, counting the frequencies it holds.
func (f *termsField) Size() int {
	n := f.TextField.Size()
	if f.freqs != nil {
		n += f.freqs.Size()
	}
	return n
}

// termFrequencies returns the number of terms in input and their counts,
// as bleve's whitespace tokenizer (which termsAnalyzer is) and
// TokenFrequency would without term vectors. The counts are allocated
// at once.
func termFrequencies(input []byte, options index.FieldIndexingOptions) (int, index.TokenFrequencies) {
	n := 0
	splitTerms(input, func(_, _ int) { n++ })
	tf := make(index.TokenFrequencies, n)
	counts := make([]index.TokenFreq, 0, n)
	splitTerms(input, func(start, end int) {
		term := input[start:end]
		c := tf[string(term)]
		if c == nil {
			counts = append(counts, index.TokenFreq{Term: term})
			c = &counts[len(counts)-1]
			tf[string(term)] = c
		}
		if !options.SkipFreqNorm() {
			c.SetFrequency(c.Frequency() + 1)
		}
	})
	return n, tf
}

// splitTerms calls f with the byte offsets of each token bleve's
// whitespace tokenizer finds in input, in order. As that tokenizer does,
// it stops at the first utf8.RuneError.
func splitTerms(input []byte, f func(start, end int)) {
	offset, start, end := 0, 0, 0
	for {
		r, size := utf8.DecodeRune(input[offset:])
		if r == utf8.RuneError {
			break
		}
		if !unicode.IsSpace(r) {
			end = offset + size
		} else {
			if end > start {
				f(start, end)
			}
			start = offset + size
			end = start
		}
		offset += size
	}
	if end > start {
		f(start, end)
	}
}
