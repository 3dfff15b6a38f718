package rank

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/textnorm"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// The tests share one jieba tokenizer, the default model and the sample
// knowledge base's texts prepared for it, each built on first use.
var fix struct {
	modelOnce sync.Once
	model     *Model
	modelErr  error

	sampleOnce sync.Once
	tok        *jieba.Tokenizer
	sample     *sampleSet
	sampleErr  error
}

// sampleSet is the sample knowledge base's texts as an index holds them:
// analysed, prepared for the default model, counted in stats.
type sampleSet struct {
	texts  []*Text
	tokens [][]tokenize.Token // each text's tokens
	stats  Stats
	// entries holds each entry's texts, question first.
	entries [][]Text
}

// defaultModel returns the ranker kb ships (read from its file, whatever
// the build tags).
func defaultModel(t testing.TB) *Model {
	t.Helper()
	fix.modelOnce.Do(func() { fix.model, fix.modelErr = readModelFile("../../rerank_default.ranker") })
	if fix.modelErr != nil {
		t.Fatal(fix.modelErr)
	}
	return fix.model
}

// fixtures returns the shared tokenizer, default model and sample texts.
func fixtures(t testing.TB) (*jieba.Tokenizer, *Model, *sampleSet) {
	t.Helper()
	m := defaultModel(t)
	fix.sampleOnce.Do(func() {
		if fix.tok, fix.sampleErr = jieba.New(); fix.sampleErr != nil {
			return
		}
		fix.sample, fix.sampleErr = loadSample(fix.tok, m)
	})
	if fix.sampleErr != nil {
		t.Fatal(fix.sampleErr)
	}
	return fix.tok, m, fix.sample
}

// TestMain closes the shared tokenizer.
func TestMain(m *testing.M) {
	code := m.Run()
	if fix.tok != nil {
		fix.tok.Close()
	}
	os.Exit(code)
}

func readModelFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// loadSample analyses the sample knowledge base's questions and similar
// questions with tok, prepared for m, in file order.
func loadSample(tok tokenize.Tokenizer, m *Model) (*sampleSet, error) {
	s := &sampleSet{stats: NewStats()}
	sc := bufio.NewScanner(bytes.NewReader(sampledata.FAQJSONL()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var f struct {
			Question string   `json:"question"`
			Similar  []string `json:"similar"`
		}
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			return nil, err
		}
		var entry []Text
		for _, text := range append([]string{f.Question}, f.Similar...) {
			a, toks := analyze(tok, text)
			entry = append(entry, NewText(&a, m))
			s.tokens = append(s.tokens, toks)
		}
		for k := range entry {
			s.stats.Add(&entry[k], 1)
			s.texts = append(s.texts, &entry[k])
		}
		s.entries = append(s.entries, entry)
	}
	s.stats.Refresh()
	return s, sc.Err()
}

// analyze is kb's analysis without synonyms: the tokenizer's words (white
// space dropped) and the folded text's letters, digits, characters and
// bigrams.
func analyze(tok tokenize.Tokenizer, text string) (Analysis, []tokenize.Token) {
	var a Analysis
	var words []tokenize.Token
	for _, t := range tok.Tokenize(text) {
		if strings.TrimSpace(t.Text) != "" {
			words = append(words, t)
		}
	}
	for _, t := range words {
		a.WordSet = append(a.WordSet, t.Text)
	}
	a.WordSet = sortedSet(a.WordSet)
	a.RawSet = slices.Clone(a.WordSet)
	a.WordFirst = make([]int32, len(a.WordSet))
	for i := range a.WordFirst {
		a.WordFirst[i] = -1
	}
	for k, t := range words {
		if j, _ := slices.BinarySearch(a.WordSet, t.Text); a.WordFirst[j] < 0 {
			a.WordFirst[j] = int32(k)
		}
	}
	run := 0
	for _, r := range textnorm.FoldString(text) {
		if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if run == 1 {
				a.Grams = append(a.Grams, string(a.Runes[len(a.Runes)-1]))
			}
			run = 0
			continue
		}
		r = unicode.ToLower(r)
		a.Runes = append(a.Runes, r)
		a.Uni = append(a.Uni, string(r))
		if run > 0 {
			a.Grams = append(a.Grams, string(a.Runes[len(a.Runes)-2:]))
		}
		run++
	}
	if run == 1 {
		a.Grams = append(a.Grams, string(a.Runes[len(a.Runes)-1]))
	}
	a.Grams, a.Uni = sortedSet(a.Grams), sortedSet(a.Uni)
	return a, words
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// words returns an analysis with the given word set (all a contrast model
// reads of a text).
func words(ws ...string) *Analysis {
	return &Analysis{WordSet: sortedSet(slices.Clone(ws))}
}

// text returns a Text of the given words, prepared for no model.
func text(ws ...string) *Text {
	t := NewText(words(ws...), nil)
	return &t
}
