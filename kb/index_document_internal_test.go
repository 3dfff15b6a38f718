package kb

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	bleveanalysis "github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duxin-ai/duxin/tokenize"
)

// TestTermFrequenciesMatchWhitespace holds termFrequencies to the
// analyser indexMapping names for the term fields (bleve's whitespace
// tokenizer) followed by bleve's TokenFrequency, on what kb writes there
// and on what it never does, with and without frequencies.
func TestTermFrequenciesMatchWhitespace(t *testing.T) {
	t.Parallel()
	an := indexMapping().AnalyzerNamed(termsAnalyzer)
	if an == nil {
		t.Fatal("no analyser named", termsAnalyzer)
	}
	opts := fieldMapping(fieldWords).Options()
	for _, in := range []string{
		"",
		" ",
		"花呗",
		"花呗 还款 怎么",
		"花呗 花呗 还款 花呗",
		"  leading and trailing  ",
		"tab\tnew\nline\r\vform\f",
		"ideographic\u3000space\u00a0nbsp\u0085nel\u2028ls",
		"ＡＢＣ 银行 500 元",
		"stops at \ufffd replacement",
		"stops at invalid \xff utf-8",
		"\xff",
		strings.Repeat("词 ", 2000),
	} {
		for _, o := range []index.FieldIndexingOptions{opts, opts | index.SkipFreqNorm} {
			t.Run(fmt.Sprintf("%.20q/%v", in, o), func(t *testing.T) {
				toks := an.Analyze([]byte(in))
				want := freqDesc(len(toks), bleveanalysis.TokenFrequency(toks, nil, o))
				if d := cmp.Diff(want, freqDesc(termFrequencies([]byte(in), o))); d != "" {
					t.Errorf("counts of %q (-whitespace +termFrequencies):\n%s", in, d)
				}
			})
		}
	}
}

// freqDesc describes a field's length and term counts.
func freqDesc(length int, tf index.TokenFrequencies) map[string]string {
	m := map[string]string{"": fmt.Sprint("length ", length)}
	for term, fr := range tf {
		m[term] = fmt.Sprint(string(fr.Term), " ", fr.Frequency(), " ", len(fr.Locations))
	}
	return m
}

// TestDocMakerMatchesMapping proves that the documents write makes
// (docMaker) are those the mapping made of the same data as a map before:
// the same fields with the same options, values, term counts and
// positions once analysed as scorch analyses them, the same composite
// field, the same sizes.
func TestDocMakerMatchesMapping(t *testing.T) {
	t.Parallel()
	faqs := []FAQ{
		{ID: "q", Question: "花呗怎么还款？"},
		{ID: "sim", Question: "借呗为什么不能提前还款了", Similar: []string{"借唄咋不能提前還", "", "！！！", "a"}},
		{ID: "cat", Question: "转账到银行卡多久到账", Category: "转账"},
		{ID: "tags", Question: "余额宝 转出 到 卡", Tags: []string{"余额宝", "转出", "余额宝"}},
		{ID: "all", Question: "ＡＢＣ银行 refunds 500元", Similar: []string{"refund 花呗 花呗"}, Answer: "答", Category: "c", Tags: []string{"t"}},
		{ID: "odd", Question: "stops at \ufffd here, 还 款"},
		{ID: "id with:colon", Question: "？"},
	}
	m := indexMapping()
	dm := newDocMaker()
	for name, tok := range map[string]tokenize.Tokenizer{"jieba": sharedJieba(t), "bigram": tokenize.Bigram()} {
		an := &analyzer{tok: tok}
		for _, f := range faqs {
			fj := []byte(fmt.Sprintf(`{"id":%q}`, f.ID))
			texts := append([]string{f.Question}, f.Similar...)
			for k, text := range texts {
				a := an.analyze(text)
				id := docID(f.ID, k)
				// What write handed Batch.Index before docMaker.
				data := map[string]any{
					fieldKind:   kindSimilar,
					fieldWords:  strings.Join(a.WordSet, " "),
					fieldGrams:  strings.Join(a.Grams, " "),
					fieldSounds: strings.Join(a.sounds, " "),
				}
				if f.Category != "" {
					data[fieldCategory] = f.Category
				}
				if len(f.Tags) > 0 {
					data[fieldTags] = f.Tags
				}
				if k == 0 {
					data[fieldKind], data[fieldFAQ] = kindQuestion, string(fj)
				}
				want := document.NewDocument(id)
				if err := m.MapDocument(want, data); err != nil {
					t.Fatal(err)
				}
				got := dm.document(id, &f, k, &a, fj)
				if d := cmp.Diff(describeDoc(want), describeDoc(got), cmpopts.EquateEmpty()); d != "" {
					t.Errorf("%s: document %q (-mapping +docMaker):\n%s", name, id, d)
				}
			}
		}
	}
}

// docDesc is what scorch reads of an analysed document.
type docDesc struct {
	ID         string
	Indexed    bool
	Size       int
	PlainBytes uint64
	Fields     []fieldDesc // by name, then array positions
	Composites []fieldDesc
}

type fieldDesc struct {
	Name           string
	ArrayPositions []uint64
	Options        index.FieldIndexingOptions
	Type           byte
	Value          string
	Length         int
	Terms          map[string]string // term → frequency and locations
}

// describeDoc analyses d as scorch does (its analyze) and describes it.
func describeDoc(d *document.Document) docDesc {
	desc := func(f index.Field, length int, tf index.TokenFrequencies) fieldDesc {
		fd := fieldDesc{Name: f.Name(), ArrayPositions: f.ArrayPositions(), Options: f.Options(),
			Type: f.EncodedFieldType(), Value: string(f.Value()), Length: length, Terms: map[string]string{}}
		for term, fr := range tf {
			s := fmt.Sprint(fr.Frequency())
			for _, l := range fr.Locations {
				s += fmt.Sprintf(" %v@%d-%d#%d", l.ArrayPositions, l.Start, l.End, l.Position)
			}
			fd.Terms[term] = s
		}
		return fd
	}
	out := docDesc{ID: d.ID()}
	d.VisitFields(func(f index.Field) {
		if f.Options().IsIndexed() {
			f.Analyze()
			d.VisitComposite(func(cf index.CompositeField) {
				cf.Compose(f.Name(), f.AnalyzedLength(), f.AnalyzedTokenFrequencies())
			})
		}
		var length int
		var tf index.TokenFrequencies
		if f.Options().IsIndexed() {
			length, tf = f.AnalyzedLength(), f.AnalyzedTokenFrequencies()
		}
		out.Fields = append(out.Fields, desc(f, length, tf))
	})
	d.VisitComposite(func(cf index.CompositeField) {
		out.Composites = append(out.Composites, desc(cf, cf.AnalyzedLength(), cf.AnalyzedTokenFrequencies()))
	})
	out.Indexed, out.Size, out.PlainBytes = d.Indexed(), d.Size(), d.NumPlainTextBytes()
	slices.SortFunc(out.Fields, func(a, b fieldDesc) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return slices.Compare(a.ArrayPositions, b.ArrayPositions)
	})
	return out
}
