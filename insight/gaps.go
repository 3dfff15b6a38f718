package insight

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duxin-ai/duxin/internal/textnorm"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/tokenize"
)

// Defaults of [GapOptions].
const (
	// DefaultGapMinSize is the fewest queries (counting repeats) a
	// cluster needs to be a gap.
	DefaultGapMinSize = 3
	// DefaultGapSimilarity is the cosine similarity a query needs with a
	// cluster's centroid to join it. It was tuned with benchmarks/eval gaps
	// on SMP2017 knowledge bases with the left-out seeds 1–5. On seeds
	// 6–15, not tuned on (go run ./benchmarks/eval gaps -seeds 6-15), 0.70
	// of the left-out domains come out as a gap of their own with purity
	// ≥ 0.8, mean purity 0.886, and 0.600 of their unanswered queries are
	// clustered.
	DefaultGapSimilarity = 0.14
	// DefaultGapMaxQueries is how many distinct unanswered texts a
	// GapFinder holds and clusters (and, separately, how many answered
	// texts it remembers so as not to search them again).
	DefaultGapMaxQueries = 20_000
	// DefaultGapPhrasings is how many typical phrasings a gap lists.
	DefaultGapPhrasings = 5
	// MaxQueryCount bounds Query.Count.
	MaxQueryCount = 1_000_000_000
)

// Errors of [NewGapFinder] and [GapFinder.Add]; test with errors.Is.
var (
	// ErrEmptyQuery reports a query whose text is empty or only white space.
	ErrEmptyQuery = errors.New("insight: empty query")
	// ErrQueryCount reports a Query.Count that is negative or over
	// [MaxQueryCount].
	ErrQueryCount = errors.New("insight: bad query count")
	// ErrGapOptions reports a GapOptions field out of its range.
	ErrGapOptions = errors.New("insight: bad gap options")
)

// Query is what users typed into a search, for [Gaps].
type Query struct {
	// Text is what was typed. Only its first [kb.MaxQueryBytes] bytes are
	// read, as kb.Index.Search does.
	Text string
	// Count is how many times it was typed; 0 means 1.
	Count int
	// Outcome says whether the host answered it, when known (a search
	// event's "answered" attribute). The zero value, OutcomeUnknown, has
	// the knowledge base searched.
	Outcome Outcome
}

// Outcome says whether a query was answered.
type Outcome int8

// The outcomes of a query.
const (
	// OutcomeUnknown: search the knowledge base to tell.
	OutcomeUnknown Outcome = iota
	// OutcomeAnswered: the host answered it; it is counted, not searched.
	OutcomeAnswered
	// OutcomeUnanswered: the host had no answer; it is clustered without
	// being searched.
	OutcomeUnanswered
)

// GapOptions sets the parameters of [NewGapFinder]; zero values take the
// defaults.
type GapOptions struct {
	// Threshold is the confidence below which a query's best hit is no
	// answer; 0 means the index's [kb.Index.AnswerThreshold]. With an
	// uncalibrated ranker that is 0 too, and only a query without any hit
	// is unanswered.
	Threshold float64
	// Similarity, in (0, 1], is the cosine a query needs with a cluster's
	// centroid to join it (default [DefaultGapSimilarity]). Higher gives
	// smaller, purer clusters and leaves more queries unclustered.
	Similarity float64
	// MinSize is the fewest queries, counting repeats, that make a cluster
	// a gap (default [DefaultGapMinSize]); smaller clusters are
	// unclustered.
	MinSize int
	// MaxGaps caps the gaps reported, largest first (0: all).
	MaxGaps int
	// MaxQueries caps the distinct unanswered texts held and clustered
	// (default [DefaultGapMaxQueries]); further new texts are counted as
	// unanswered and overflow, not clustered.
	MaxQueries int
	// Phrasings is how many typical phrasings each gap lists (default
	// [DefaultGapPhrasings]).
	Phrasings int
}

func (o GapOptions) withDefaults() (GapOptions, error) {
	var errs []error
	bad := func(field, want string) {
		errs = append(errs, fmt.Errorf("%w: %s: want %s", ErrGapOptions, field, want))
	}
	if o.Threshold < 0 || o.Threshold > 1 || math.IsNaN(o.Threshold) {
		bad("Threshold", "a confidence in [0, 1]")
	}
	if o.Similarity < 0 || o.Similarity > 1 || math.IsNaN(o.Similarity) {
		bad("Similarity", "a cosine in (0, 1]")
	}
	if o.MinSize < 0 {
		bad("MinSize", "0 or more")
	}
	if o.MaxGaps < 0 {
		bad("MaxGaps", "0 or more")
	}
	if o.MaxQueries < 0 {
		bad("MaxQueries", "0 or more")
	}
	if o.Phrasings < 0 {
		bad("Phrasings", "0 or more")
	}
	if len(errs) > 0 {
		return o, errors.Join(errs...)
	}
	o.Similarity = cmp.Or(o.Similarity, DefaultGapSimilarity)
	o.MinSize = cmp.Or(o.MinSize, DefaultGapMinSize)
	o.MaxQueries = cmp.Or(o.MaxQueries, DefaultGapMaxQueries)
	o.Phrasings = cmp.Or(o.Phrasings, DefaultGapPhrasings)
	return o, nil
}

// Gap is one topic users ask about that the knowledge base does not
// answer: a cluster of unanswered queries.
type Gap struct {
	// Question is the suggested standard question: the cluster's most
	// central query (the highest cosine with its centroid; ties go to the
	// more often typed, then the shorter, then the first in byte order),
	// with leading and trailing white space, punctuation and sentence-final
	// particles (吗, 呢, 啊, 呀, 吧, 啦, 嘛, 哦, 么) removed.
	Question string
	// Queries are its most typical phrasings as typed, at most
	// GapOptions.Phrasings, best first by centrality times 1+ln(count).
	Queries []string
	// All is every distinct text of the gap in the same order; Queries is
	// its beginning.
	All []string
	// Count is how many times its queries were typed, repeats included.
	Count int64
	// Phrasings is how many distinct texts it holds.
	Phrasings int
}

// GapReport is what [GapFinder.Report] finds.
type GapReport struct {
	// Gaps are the clusters of at least GapOptions.MinSize queries,
	// largest Count first (ties: more phrasings, then Question in byte
	// order), at most GapOptions.MaxGaps of them.
	Gaps []Gap
	// Answered and Unanswered count the queries added, repeats included:
	// answered when the best hit is at least Threshold confident (or the
	// query said OutcomeAnswered).
	Answered, Unanswered int64
	// Unclustered counts the unanswered queries in no gap: in clusters
	// under MinSize, or beyond the MaxQueries distinct texts held
	// (Overflow). Clustered, Unanswered − Unclustered, includes the gaps
	// left out by MaxGaps (Omitted).
	Unclustered int64
	// Overflow counts the unanswered queries whose text came after
	// MaxQueries distinct ones were held.
	Overflow int64
	// Omitted is how many gaps MaxGaps left out.
	Omitted int
	// Threshold is the answer threshold applied.
	Threshold float64
}

// GapFinder collects queries and finds the knowledge-base gaps among them.
// It holds at most GapOptions.MaxQueries distinct unanswered texts (each
// at most [kb.MaxQueryBytes]) and as many answered ones, whatever the number
// of queries added. A GapFinder is not safe for concurrent use.
type GapFinder struct {
	ix        *kb.Index
	tok       tokenize.Tokenizer
	opt       GapOptions
	threshold float64
	texts     map[string]int64 // unanswered text → count
	order     []string         // texts in the order first seen
	answered  map[string]bool  // answered texts remembered
	rep       GapReport
}

// NewGapFinder returns a GapFinder that searches ix and compares queries by
// the words of tok (give it the index's tokenizer) and their character
// bigrams. ix may be nil when every query added says its Outcome.
func NewGapFinder(ix *kb.Index, tok tokenize.Tokenizer, opt GapOptions) (*GapFinder, error) {
	if tok == nil {
		return nil, fmt.Errorf("%w: no tokenizer", ErrGapOptions)
	}
	o, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	f := &GapFinder{ix: ix, tok: tok, opt: o, threshold: o.Threshold,
		texts: map[string]int64{}, answered: map[string]bool{}}
	if f.threshold == 0 && ix != nil {
		f.threshold = ix.AnswerThreshold()
	}
	return f, nil
}

// Add adds a query: it searches the knowledge base for it (once per
// distinct text remembered) unless q.Outcome says the answer. Duplicate
// texts (after trimming white space) merge, their counts adding up. It
// fails on an empty text (ErrEmptyQuery), a bad count (ErrQueryCount), a
// query to search without an index, and a failed search (the context's
// error included).
func (f *GapFinder) Add(ctx context.Context, q Query) error {
	text := strings.TrimSpace(truncate(q.Text, kb.MaxQueryBytes))
	if text == "" {
		return ErrEmptyQuery
	}
	if q.Count < 0 || q.Count > MaxQueryCount {
		return fmt.Errorf("%w: %d (want 0 to %d)", ErrQueryCount, q.Count, MaxQueryCount)
	}
	n := int64(max(q.Count, 1))
	outcome := q.Outcome
	if _, ok := f.texts[text]; ok && outcome == OutcomeUnknown {
		outcome = OutcomeUnanswered
	} else if f.answered[text] && outcome == OutcomeUnknown {
		outcome = OutcomeAnswered
	}
	if outcome == OutcomeUnknown {
		if f.ix == nil {
			return errors.New("insight: a query to search but no knowledge base")
		}
		hits, err := f.ix.Search(ctx, kb.Query{Text: text, Limit: 1, MinConfidence: -1})
		if err != nil {
			return fmt.Errorf("insight: search %q: %w", text, err)
		}
		outcome = OutcomeUnanswered
		if len(hits) > 0 && hits[0].Confidence >= f.threshold {
			outcome = OutcomeAnswered
		}
		if outcome == OutcomeAnswered && len(f.answered) < f.opt.MaxQueries {
			f.answered[text] = true
		}
	}
	if outcome == OutcomeAnswered {
		f.rep.Answered += n
		return nil
	}
	f.rep.Unanswered += n
	if _, ok := f.texts[text]; !ok {
		if len(f.texts) >= f.opt.MaxQueries {
			f.rep.Overflow += n
			return nil
		}
		f.order = append(f.order, text)
	}
	f.texts[text] += n
	return nil
}

// Counts returns how many of the queries added so far were answered and
// how many not, repeats included (GapReport.Answered and Unanswered).
func (f *GapFinder) Counts() (answered, unanswered int64) {
	return f.rep.Answered, f.rep.Unanswered
}

// truncate cuts s to at most n bytes, at the end of a whole character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Gaps finds the gaps among queries in ix: NewGapFinder, Add for each
// query and Report in one call. See [GapFinder.Report] for how.
func Gaps(ctx context.Context, ix *kb.Index, tok tokenize.Tokenizer, queries []Query, opt GapOptions) (GapReport, error) {
	f, err := NewGapFinder(ix, tok, opt)
	if err != nil {
		return GapReport{}, err
	}
	for i, q := range queries {
		if err := f.Add(ctx, q); err != nil {
			return GapReport{}, fmt.Errorf("insight: query %d: %w", i+1, trimPrefix(err))
		}
	}
	return f.Report(), nil
}

func trimPrefix(err error) error {
	msg := strings.TrimPrefix(err.Error(), "insight: ")
	return prefixed{msg, err}
}

// prefixed is err with its message shortened.
type prefixed struct {
	msg string
	err error
}

func (p prefixed) Error() string { return p.msg }
func (p prefixed) Unwrap() error { return p.err }

// Report clusters the unanswered queries added so far into gaps; the
// finder can take more queries afterwards.
//
// Each distinct text is a vector over its terms: the words of the
// tokenizer and the character bigrams of its folded text (letters, digits
// and Han characters; robust to a segmenter splitting one phrase two
// ways), each weighted by 1+ln(tf) times the term's inverse document
// frequency among the unanswered texts, ln((1+n)/(1+df)), and normalised.
// Texts are compared by cosine through an inverted index that skips terms
// in more than 1000 texts (too common to tell topics apart; this bounds
// the time at about 1000 comparisons per term of a text), and each keeps
// its 30 most similar neighbours. Clustering is leader-follower with
// centroids: in order of count (then number of neighbours, then text), a
// text joins the cluster, among its neighbours' clusters, whose centroid
// (the normalised sum of its members) it is most similar to, if at least
// GapOptions.Similarity, else starts a cluster; two more passes move each
// text to the best such cluster, or alone when none reaches the
// similarity. The result does not depend on the order queries were added
// in, only on the set of texts and counts.
func (f *GapFinder) Report() GapReport {
	rep := f.rep
	rep.Threshold = f.threshold
	rep.Gaps = nil
	texts := slices.Clone(f.order)
	slices.Sort(texts)
	counts := make([]int64, len(texts))
	for i, t := range texts {
		counts[i] = f.texts[t]
	}
	vecs := vectorize(texts, f.tok)
	nb := neighbours(vecs, f.opt.Similarity)
	assign := cluster(vecs, nb, counts, texts, f.opt.Similarity)

	groups := map[int][]int{}
	for i, c := range assign {
		groups[c] = append(groups[c], i)
	}
	var clustered int64
	for _, members := range groups {
		var total int64
		for _, m := range members {
			total += counts[m]
		}
		if total < int64(f.opt.MinSize) {
			continue
		}
		clustered += total
		rep.Gaps = append(rep.Gaps, describe(members, vecs, counts, texts, total, f.opt.Phrasings))
	}
	slices.SortFunc(rep.Gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Phrasings, a.Phrasings),
			strings.Compare(a.Question, b.Question), slices.Compare(a.Queries, b.Queries))
	})
	rep.Unclustered = rep.Unanswered - clustered
	if f.opt.MaxGaps > 0 && len(rep.Gaps) > f.opt.MaxGaps {
		rep.Omitted = len(rep.Gaps) - f.opt.MaxGaps
		rep.Gaps = rep.Gaps[:f.opt.MaxGaps]
	}
	return rep
}

// term is one weighted term of a text's vector.
type term struct {
	id int
	w  float64
}

// vectorize returns the normalised TF-IDF vector of each text, terms
// sorted by id.
func vectorize(texts []string, tok tokenize.Tokenizer) [][]term {
	ids := map[string]int{}
	raw := make([]map[int]int, len(texts))
	var df []int
	for i, t := range texts {
		tf := map[int]int{}
		add := func(s string) {
			id, ok := ids[s]
			if !ok {
				id = len(ids)
				ids[s] = id
				df = append(df, 0)
			}
			if tf[id] == 0 {
				df[id]++
			}
			tf[id]++
		}
		for _, w := range tok.Tokenize(t) {
			add("w\x00" + w.Text)
		}
		var prev rune = -1
		for _, r := range textnorm.FoldString(t) {
			r = unicode.ToLower(r)
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				prev = -1
				continue
			}
			if prev >= 0 {
				add("b\x00" + string(prev) + string(r))
			}
			prev = r
		}
		raw[i] = tf
	}
	n := float64(len(texts))
	vecs := make([][]term, len(texts))
	for i, tf := range raw {
		v := make([]term, 0, len(tf))
		var norm float64
		for id, c := range tf {
			w := (1 + math.Log(float64(c))) * math.Log((1+n)/(1+float64(df[id])))
			if w <= 0 {
				continue
			}
			v = append(v, term{id, w})
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for k := range v {
			v[k].w /= norm
		}
		slices.SortFunc(v, func(a, b term) int { return cmp.Compare(a.id, b.id) })
		vecs[i] = v
	}
	return vecs
}

// Bounds of the neighbour search.
const (
	maxPosting    = 1000 // terms in more texts are not compared on
	maxNeighbours = 30   // neighbours kept per text
)

// neighbours returns, for each text, up to maxNeighbours others with a
// cosine of at least half sim, most similar first (ties: lower index).
func neighbours(vecs [][]term, sim float64) [][]int {
	post := map[int][]int{}
	for i, v := range vecs {
		for _, t := range v {
			post[t.id] = append(post[t.id], i)
		}
	}
	out := make([][]int, len(vecs))
	acc := make([]float64, len(vecs))
	var touched []int
	for i, v := range vecs {
		touched = touched[:0]
		for _, t := range v {
			p := post[t.id]
			if len(p) > maxPosting {
				continue
			}
			for _, j := range p {
				if j == i {
					continue
				}
				if acc[j] == 0 {
					touched = append(touched, j)
				}
				acc[j] += t.w * weightOf(vecs[j], t.id)
			}
		}
		type cand struct {
			j int
			s float64
		}
		var cs []cand
		for _, j := range touched {
			if acc[j] >= sim/2 {
				cs = append(cs, cand{j, acc[j]})
			}
			acc[j] = 0
		}
		slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(a.j, b.j)) })
		if len(cs) > maxNeighbours {
			cs = cs[:maxNeighbours]
		}
		for _, c := range cs {
			out[i] = append(out[i], c.j)
		}
	}
	return out
}

// weightOf returns the weight of term id in v (sorted by id), 0 if absent.
func weightOf(v []term, id int) float64 {
	k, ok := slices.BinarySearchFunc(v, id, func(t term, id int) int { return cmp.Compare(t.id, id) })
	if !ok {
		return 0
	}
	return v[k].w
}

// centroid is the unnormalised sum of a cluster's vectors.
type centroid struct {
	sum  map[int]float64
	norm float64 // squared norm of sum
}

func (c *centroid) dot(v []term) float64 {
	var d float64
	for _, t := range v {
		d += t.w * c.sum[t.id]
	}
	return d
}

// cosine is the cosine of v (normalised) with the centroid.
func (c *centroid) cosine(v []term) float64 {
	if c.norm <= 1e-12 {
		return 0
	}
	return c.dot(v) / math.Sqrt(c.norm)
}

func (c *centroid) add(v []term, sign float64) {
	d := c.dot(v)
	var vv float64
	for _, t := range v {
		vv += t.w * t.w
	}
	c.norm += 2*sign*d + vv
	for _, t := range v {
		c.sum[t.id] += sign * t.w
	}
	if c.norm < 0 {
		c.norm = 0
	}
}

// cluster assigns each text a cluster number (see Report).
func cluster(vecs [][]term, nb [][]int, counts []int64, texts []string, sim float64) []int {
	n := len(vecs)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(len(nb[b]), len(nb[a])), strings.Compare(texts[a], texts[b]))
	})
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	var cents []*centroid
	best := func(i int) (int, float64) {
		bc, bs := -1, 0.0
		seen := map[int]bool{}
		for _, j := range append([]int{i}, nb[i]...) {
			c := assign[j]
			if c < 0 || seen[c] {
				continue
			}
			seen[c] = true
			s := cents[c].cosine(vecs[i])
			if s > bs || (s == bs && bc >= 0 && c < bc) {
				bc, bs = c, s
			}
		}
		return bc, bs
	}
	for _, i := range order {
		c, s := best(i)
		if c < 0 || s < sim {
			c = len(cents)
			cents = append(cents, &centroid{sum: map[int]float64{}})
		}
		assign[i] = c
		cents[c].add(vecs[i], 1)
	}
	for range 2 {
		for _, i := range order {
			own := assign[i]
			cents[own].add(vecs[i], -1)
			assign[i] = -1
			c, s := best(i)
			if so := cents[own].cosine(vecs[i]); so >= s && so > 0 {
				c, s = own, so
			}
			if c < 0 || s < sim {
				if cents[own].norm <= 1e-9 {
					c = own // alone already
				} else {
					c = len(cents)
					cents = append(cents, &centroid{sum: map[int]float64{}})
				}
			}
			assign[i] = c
			cents[c].add(vecs[i], 1)
		}
	}
	return assign
}

// describe makes the Gap of one cluster.
func describe(members []int, vecs [][]term, counts []int64, texts []string, total int64, phrasings int) Gap {
	c := &centroid{sum: map[int]float64{}}
	for _, m := range members {
		c.add(vecs[m], 1)
	}
	cent := make(map[int]float64, len(members))
	for _, m := range members {
		cent[m] = c.cosine(vecs[m])
	}
	central := slices.Clone(members)
	slices.SortFunc(central, func(a, b int) int {
		return cmp.Or(cmp.Compare(cent[b], cent[a]), cmp.Compare(counts[b], counts[a]),
			cmp.Compare(len(texts[a]), len(texts[b])), strings.Compare(texts[a], texts[b]))
	})
	typical := slices.Clone(members)
	score := func(m int) float64 { return cent[m] * (1 + math.Log(float64(counts[m]))) }
	slices.SortFunc(typical, func(a, b int) int {
		return cmp.Or(cmp.Compare(score(b), score(a)), cmp.Compare(counts[b], counts[a]), strings.Compare(texts[a], texts[b]))
	})
	g := Gap{Question: CleanQuestion(texts[central[0]]), Count: total, Phrasings: len(members)}
	for _, m := range typical {
		g.All = append(g.All, texts[m])
	}
	g.Queries = g.All[:min(phrasings, len(g.All))]
	return g
}

// particles are the sentence-final particles CleanQuestion removes.
const particles = "吗呢啊呀吧啦嘛哦么"

// CleanQuestion turns a query into a standard question: it removes leading
// and trailing white space, punctuation and symbols, and trailing
// sentence-final particles (吗, 呢, 啊, 呀, 吧, 啦, 嘛, 哦, 么), repeatedly. A
// question that would be left with fewer than two characters is only
// trimmed of white space and punctuation.
func CleanQuestion(s string) string {
	junk := func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) }
	trimmed := strings.TrimFunc(s, junk)
	out := trimmed
	for {
		next := strings.TrimRightFunc(strings.TrimRightFunc(out, func(r rune) bool { return strings.ContainsRune(particles, r) }), junk)
		if next == out {
			break
		}
		out = next
	}
	if utf8.RuneCountInString(out) < 2 {
		if trimmed == "" {
			return strings.TrimSpace(s)
		}
		return trimmed
	}
	return out
}
