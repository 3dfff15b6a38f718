package kb

import (
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/whitespace"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// The fields of kb's bleve documents. Each text of an entry (its question
// and each similar question) is one document whose id is docID(entry, k).
const (
	fieldKind     = "k" // kindQuestion or kindSimilar
	fieldWords    = "w" // the analyser's word terms, space-separated
	fieldGrams    = "g" // character bigrams of the folded text, space-separated
	fieldCategory = "cat"
	fieldTags     = "tag"
	fieldFAQ      = "faq" // the entry as JSON, stored on the question's document only
	fieldSounds   = "p"   // the text's toneless pinyin bigrams (analysis.sounds), space-separated

	kindQuestion = "q"
	kindSimilar  = "s"

	// termsAnalyzer splits on white space and nothing else: kb analyses
	// text itself, so what bleve indexes is exactly what kb queries.
	termsAnalyzer = "duxin_kb_terms"
)

func indexMapping() mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	m.ScoringModel = index.BM25Scoring
	// AddCustomAnalyzer fails only for an unknown tokenizer type; whitespace
	// and custom are registered by their imports above.
	_ = m.AddCustomAnalyzer(termsAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": whitespace.Name,
	})
	dm := bleve.NewDocumentStaticMapping()
	for _, name := range docFieldNames {
		dm.AddFieldMappingsAt(name, fieldMapping(name))
	}
	m.DefaultMapping = dm
	m.DefaultAnalyzer = termsAnalyzer
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m
}

// docFieldNames lists the fields of kb's documents.
var docFieldNames = [...]string{fieldKind, fieldWords, fieldGrams, fieldCategory, fieldTags, fieldFAQ, fieldSounds}

// fieldMapping returns the mapping of one of docFieldNames.
func fieldMapping(name string) *mapping.FieldMapping {
	var f *mapping.FieldMapping
	switch name {
	case fieldWords, fieldGrams, fieldSounds:
		f = bleve.NewTextFieldMapping()
		f.Analyzer = termsAnalyzer
	case fieldFAQ:
		f = bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	default: // fieldKind, fieldCategory, fieldTags
		f = bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
	}
	f.Store = false
	f.IncludeTermVectors = false
	f.IncludeInAll = false
	f.DocValues = false
	return f
}
