package kb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"

	records "github.com/duxin-ai/duxin/internal/record"
	"github.com/duxin-ai/duxin/kb/internal/rank"
	"github.com/duxin-ai/duxin/tokenize"
)

// schemaVersion names the layout of the bleve documents kb writes; bump it
// whenever fields or their analysis change.
const schemaVersion = 2 // 2: 帐 folds to 账 (textnorm); the sound field

// Option configures [Open] and [New].
type Option func(*options)

type options struct {
	synonyms   [][]string
	ranker     *Ranker
	noRanker   bool
	candidates int
	clock      func() time.Time
	batchSize  int
	maxDF      float64
}

func defaultOptions() options {
	return options{synonyms: DefaultSynonyms(), candidates: 100, clock: time.Now, batchSize: 1000, maxDF: 0.1}
}

func (o *options) check() error {
	var errs []error
	if o.candidates < 1 || o.candidates > maxCandidates {
		errs = append(errs, fmt.Errorf("kb: candidates %d: must be in [1, %d]", o.candidates, maxCandidates))
	}
	if o.clock == nil {
		errs = append(errs, errors.New("kb: nil clock"))
	}
	if o.ranker != nil {
		if err := o.ranker.check(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// WithSynonyms replaces [DefaultSynonyms]: within each group every term is
// indexed and searched as the group's first term. nil or an empty list turns
// synonyms off. The synonyms are part of the index's configuration: an index
// built with other synonyms does not open.
func WithSynonyms(groups [][]string) Option {
	return func(o *options) { o.synonyms = groups }
}

// WithRanker reranks candidates with r instead of [DefaultRanker] (see
// [TrainRanker]). WithRanker(nil) turns reranking off: hits are then ordered
// by the first-stage BM25 score alone.
func WithRanker(r *Ranker) Option {
	return func(o *options) { o.ranker, o.noRanker = r, r == nil }
}

// WithCandidates sets how many entries the first stage hands to the ranker
// (default 100, at most 10,000). More candidates can find more, at a cost
// in latency.
func WithCandidates(n int) Option { return func(o *options) { o.candidates = n } }

// maxCandidates bounds WithCandidates: the first stage allocates for that
// many candidates.
const maxCandidates = 10_000

// WithClock sets the clock that decides which entries are valid (see
// [FAQ.ValidAt]); the default is time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// meta is the configuration record stored in every index.
type meta struct {
	Schema    int    `json:"schema"`
	Tokenizer string `json:"tokenizer"`
	Synonyms  string `json:"synonyms"`
}

var metaKey = []byte("duxin/kb/meta")

// Files of an index folder: CURRENT names the generation Open opens (and
// CURRENT.tmp is its next value being written); LOCK is held by the Index
// that has the folder open; every generation is a folder g000001, g000002 …
const (
	currentFile = "CURRENT"
	lockFile    = "LOCK"
)

// isGeneration reports whether a folder entry's name is a generation's.
func isGeneration(name string) bool {
	if len(name) < 7 || name[0] != 'g' {
		return false
	}
	for _, c := range name[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Index is a knowledge base held in a bleve scorch index, with a reranker
// on top. It implements [KnowledgeBase] and [Writer]. Create one with [Open]
// or [New]; it is safe for concurrent use, and searches keep running while
// entries are upserted or the whole knowledge base is reloaded.
type Index struct {
	an   *analyzer
	docs *docMaker // makes the bleve documents of entries' texts
	opts options
	rank *Ranker // the ranker of the next generation built; written under wmu
	meta meta
	rev  atomic.Uint64 // changes applied since Open (Revision)
	root string
	// onClose says whether Close removes root (an index from New).
	onClose onClose
	lock    *os.File // the folder's lock, released by Close

	wmu sync.Mutex // serialises Upsert, Delete and Reload

	mu     sync.RWMutex // guards cur, closed and genSeq
	cur    *generation
	closed bool
	genSeq int

	candSets sync.Pool // of *candidateSet, reused by searches
}

// Open opens the knowledge base stored in the folder path, creating an
// empty one when the folder is missing or empty. The index records the
// tokenizer's identity ([tokenize.IdentityOf]), the synonyms and kb's schema
// version; when any of them differs from tok and opts, Open fails with an
// error wrapping [ErrIncompatible] that names what differs. Open never
// closes tok; the caller keeps it open until the Index is closed.
//
// The Index holds the folder until Close: another Open of it, in this
// process or another, fails at once with an error wrapping [ErrLocked].
// Holding it, Open removes what a crash left behind (a half-built first
// index, a generation a Reload did not finish or remove), so a folder a
// killed process wrote to opens as the last write left it.
func Open(path string, tok tokenize.Tokenizer, opts ...Option) (*Index, error) {
	if path == "" {
		return nil, errors.New("kb: open: empty path")
	}
	return open(path, keepFolder, tok, opts)
}

// New returns an empty knowledge base in a temporary folder, removed by
// Close. Fill it with [Index.Reload] or [Index.Upsert].
func New(tok tokenize.Tokenizer, opts ...Option) (*Index, error) {
	dir, err := os.MkdirTemp("", "duxin-kb-")
	if err != nil {
		return nil, fmt.Errorf("kb: new: %w", err)
	}
	ix, err := open(dir, removeFolder, tok, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return ix, nil
}

// onClose says what Close does with an index's folder.
type onClose int

const (
	keepFolder   onClose = iota // the caller's folder (Open)
	removeFolder                // a temporary folder (New)
)

func open(root string, oc onClose, tok tokenize.Tokenizer, opts []Option) (*Index, error) {
	if tok == nil {
		return nil, errors.New("kb: nil tokenizer")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	syn, synDigest := synonymMap(tok, o.synonyms)
	ix := &Index{
		an:      &analyzer{tok: tok, syn: syn},
		docs:    newDocMaker(),
		opts:    o,
		meta:    meta{Schema: schemaVersion, Tokenizer: tokenize.IdentityOf(tok), Synonyms: synDigest},
		root:    root,
		onClose: oc,
	}
	// The folder's lock first: a second Open of a held folder fails before
	// any work (reading the default ranker takes a moment).
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("kb: open %q: %w", root, err)
	}
	lock, err := lockFolder(filepath.Join(root, lockFile))
	if err != nil {
		return nil, fmt.Errorf("kb: open %q: %w", root, err)
	}
	switch {
	case o.noRanker:
	case o.ranker != nil:
		ix.rank = o.ranker
	default:
		r, err := DefaultRanker()
		if err != nil {
			lock.Close()
			return nil, err
		}
		ix.rank = r
	}
	ix.lock = lock
	if err := ix.openFolder(); err != nil {
		lock.Close()
		return nil, err
	}
	return ix, nil
}

// openFolder opens the generation CURRENT names, or creates the first one.
// Holding the folder's lock, it removes what a crash left behind: every
// other generation (a Reload that did not finish, or whose old generation
// was not yet removed), and, when there is no CURRENT yet, the generation
// a first Open was building. Anything else in a folder without CURRENT is
// not ours, and an error.
func (ix *Index) openFolder() error {
	root := ix.root
	cur, err := os.ReadFile(filepath.Join(root, currentFile))
	switch {
	case err == nil:
		name := strings.TrimSpace(string(cur))
		if !isGeneration(name) {
			return fmt.Errorf("kb: open %q: %s names %q, not a generation", root, currentFile, name)
		}
		g, err := ix.openGeneration(name)
		if err != nil {
			return err
		}
		if err := ix.removeLeftovers(name); err != nil {
			g.close()
			return err
		}
		ix.cur = g
		ix.genSeq, _ = strconv.Atoi(strings.TrimPrefix(name, "g"))
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("kb: open %q: %w", root, err)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("kb: open %q: %w", root, err)
	}
	for _, e := range ents {
		if n := e.Name(); n != lockFile && n != currentFile+".tmp" && !(e.IsDir() && isGeneration(n)) {
			return fmt.Errorf("kb: open %q: folder is not empty and holds no kb index (found %q)", root, n)
		}
	}
	if err := ix.removeLeftovers(""); err != nil {
		return err
	}
	g, err := ix.createGeneration()
	if err != nil {
		return err
	}
	if err := ix.commit(g); err != nil {
		g.discard()
		return err
	}
	ix.cur = g
	return nil
}

// removeLeftovers removes every generation folder but keep, and CURRENT.tmp.
// The caller holds the folder's lock.
func (ix *Index) removeLeftovers(keep string) error {
	ents, err := os.ReadDir(ix.root)
	if err != nil {
		return fmt.Errorf("kb: open %q: %w", ix.root, err)
	}
	for _, e := range ents {
		n := e.Name()
		if n == currentFile+".tmp" || e.IsDir() && isGeneration(n) && n != keep {
			if err := os.RemoveAll(filepath.Join(ix.root, n)); err != nil {
				return fmt.Errorf("kb: open %q: remove what a crash left: %w", ix.root, err)
			}
		}
	}
	return nil
}

// generation is one built bleve index and the entries it holds. Reload
// replaces the whole generation; Upsert and Delete change it in place.
type generation struct {
	name string
	dir  string
	bi   bleve.Index
	rank *Ranker // scores its searches; its entries are analysed for it
	refs sync.WaitGroup

	mu      sync.RWMutex // guards entries and stats
	entries map[string]*entry
	stats   rank.Stats // the terms of the entries' texts
	sounds  soundDF    // the pinyin bigrams of the entries' texts

	accs   sync.Pool // of *accumulator, the first stage's scratch space
	docIDs docIDCache
}

// entry is an FAQ with its analysed texts: texts[0] is the question,
// texts[i] is Similar[i-1]; ranked[k] is texts[k] prepared for the
// generation's ranker (and counted in its stats).
type entry struct {
	faq    FAQ
	texts  []analysis
	ranked []rank.Text
}

// analyzeFAQ analyses f's texts and prepares them for r (nil: none).
func (ix *Index) analyzeFAQ(f FAQ, r *Ranker) *entry {
	e := &entry{faq: f, texts: make([]analysis, 0, 1+len(f.Similar))}
	e.texts = append(e.texts, ix.an.analyze(f.Question))
	for _, s := range f.Similar {
		e.texts = append(e.texts, ix.an.analyze(s))
	}
	e.ranked = make([]rank.Text, len(e.texts))
	for k := range e.texts {
		e.ranked[k] = rank.NewText(&e.texts[k].Analysis, r.model())
	}
	return e
}

// aheadChunk is how many entries analyzeAhead analyses at a time.
const aheadChunk = 256

// analyzeAhead returns analyzed, which returns the entry of faqs[i]
// analysed for r (analyzeFAQ), called for i = 0, 1, 2 … in turn, and stop,
// which the caller calls once done with it. For more than aheadChunk
// entries a goroutine analyses them ahead, in order, while write hands
// bleve what is ready, much of which time it waits for bleve's own
// workers; stop ends the goroutine and waits for it. The entries are the
// same either way (analysis is pure; tokenizers are safe for concurrent
// use), and a panic while analysing is raised again by analyzed.
func (ix *Index) analyzeAhead(faqs []FAQ, r *Ranker) (analyzed func(i int) *entry, stop func()) {
	if len(faqs) <= aheadChunk {
		return func(i int) *entry { return ix.analyzeFAQ(faqs[i], r) }, func() {}
	}
	ents := make([]*entry, len(faqs))
	ready := make(chan struct{}, (len(faqs)+aheadChunk-1)/aheadChunk) // one per chunk
	done := make(chan struct{})
	var quit atomic.Bool
	var panicked any
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		for lo := 0; lo < len(faqs) && !quit.Load(); lo += aheadChunk {
			for i := lo; i < min(lo+aheadChunk, len(faqs)); i++ {
				ents[i] = ix.analyzeFAQ(faqs[i], r)
			}
			ready <- struct{}{}
		}
	}()
	analyzed = func(i int) *entry {
		if i%aheadChunk == 0 {
			select {
			case <-ready:
			case <-done:
				select {
				case <-ready: // finished, and chunk i was ready
				default:
					panic(panicked) // stopped before chunk i: it panicked
				}
			}
		}
		return ents[i]
	}
	stop = func() {
		quit.Store(true)
		<-done
	}
	return analyzed, stop
}

// count counts e's texts in g's stats (sign 1) or removes them (-1).
func (g *generation) count(e *entry, sign int) {
	for k := range e.ranked {
		g.stats.Add(&e.ranked[k], sign)
		g.sounds.add(&e.texts[k], sign)
	}
}

func (ix *Index) nextName() string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.genSeq++
	return fmt.Sprintf("g%06d", ix.genSeq)
}

// newGeneration builds a generation holding faqs in a new folder.
func (ix *Index) newGeneration(ctx context.Context, faqs []FAQ) (*generation, error) {
	g, err := ix.createGeneration()
	if err != nil {
		return nil, err
	}
	if err := ix.write(ctx, g, faqs, nil, inChunks); err != nil {
		g.discard()
		return nil, err
	}
	return g, nil
}

// createGeneration creates an empty generation in a new folder.
func (ix *Index) createGeneration() (*generation, error) {
	name := ix.nextName()
	dir := filepath.Join(ix.root, name)
	os.RemoveAll(dir) // a leftover of a crashed build
	bi, err := bleve.New(dir, indexMapping())
	if err != nil {
		return nil, fmt.Errorf("kb: create index %q: %w", dir, err)
	}
	g := &generation{name: name, dir: dir, bi: bi, rank: ix.rank, entries: map[string]*entry{}, stats: rank.NewStats()}
	mb, _ := json.Marshal(ix.meta)
	if err := bi.SetInternal(metaKey, mb); err != nil {
		g.discard()
		return nil, fmt.Errorf("kb: create index %q: %w", dir, err)
	}
	return g, nil
}

// openGeneration opens an existing generation, checks its configuration
// and loads its entries.
func (ix *Index) openGeneration(name string) (*generation, error) {
	dir := filepath.Join(ix.root, name)
	// The folder's lock keeps other Indexes out; should a process that does
	// not take it hold the generation, fail rather than wait on bleve's
	// own lock for good.
	bi, err := bleve.OpenUsing(dir, map[string]any{"bolt_timeout": "1s"})
	if err != nil {
		return nil, fmt.Errorf("kb: open index %q: %w", dir, err)
	}
	g := &generation{name: name, dir: dir, bi: bi, rank: ix.rank, entries: map[string]*entry{}, stats: rank.NewStats()}
	mb, err := bi.GetInternal(metaKey)
	if err != nil {
		g.close()
		return nil, fmt.Errorf("kb: open index %q: %w", dir, err)
	}
	var m meta
	if err := json.Unmarshal(mb, &m); err != nil {
		g.close()
		return nil, fmt.Errorf("kb: open index %q: bad meta record: %w", dir, err)
	}
	if d := m.diff(ix.meta); d != "" {
		g.close()
		return nil, fmt.Errorf("%w: %q: %s", ErrIncompatible, ix.root, d)
	}
	if err := ix.loadEntries(g); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// diff says how the stored configuration m differs from want, or "" when
// they are the same.
func (m meta) diff(want meta) string {
	var d []string
	if m.Schema != want.Schema {
		d = append(d, fmt.Sprintf("schema version %d, want %d", m.Schema, want.Schema))
	}
	if m.Tokenizer != want.Tokenizer {
		d = append(d, fmt.Sprintf("tokenizer %q, want %q", m.Tokenizer, want.Tokenizer))
	}
	if m.Synonyms != want.Synonyms {
		d = append(d, fmt.Sprintf("synonyms %s, want %s", m.Synonyms, want.Synonyms))
	}
	return strings.Join(d, "; ")
}

func (ix *Index) loadEntries(g *generation) error {
	n, err := g.bi.DocCount()
	if err != nil {
		return fmt.Errorf("kb: open index %q: %w", g.dir, err)
	}
	q := bleve.NewTermQuery(kindQuestion)
	q.SetField(fieldKind)
	req := bleve.NewSearchRequestOptions(q, int(n)+1, 0, false)
	req.Fields = []string{fieldFAQ}
	req.SortBy([]string{"_id"})
	res, err := g.bi.Search(req)
	if err != nil {
		return fmt.Errorf("kb: open index %q: %w", g.dir, err)
	}
	for _, h := range res.Hits {
		s, _ := h.Fields[fieldFAQ].(string)
		var f FAQ
		if err := json.Unmarshal([]byte(s), &f); err != nil {
			return fmt.Errorf("kb: open index %q: document %q: %w", g.dir, h.ID, err)
		}
		e := ix.analyzeFAQ(f, g.rank)
		g.entries[f.ID] = e
		g.count(e, 1)
	}
	g.stats.Refresh()
	return nil
}

// commit makes g the generation Open finds.
func (ix *Index) commit(g *generation) error {
	tmp := filepath.Join(ix.root, currentFile+".tmp")
	if err := os.WriteFile(tmp, []byte(g.name+"\n"), 0o644); err != nil {
		return fmt.Errorf("kb: commit: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(ix.root, currentFile)); err != nil {
		return fmt.Errorf("kb: commit: %w", err)
	}
	return nil
}

// close closes g's bleve index.
func (g *generation) close() error { return g.bi.Close() }

// discard closes g and removes its folder.
func (g *generation) discard() error {
	err := g.bi.Close()
	if rerr := os.RemoveAll(g.dir); err == nil {
		err = rerr
	}
	return err
}

// acquire returns the current generation, which stays open until release.
func (ix *Index) acquire() (*generation, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, ErrClosed
	}
	ix.cur.refs.Add(1)
	return ix.cur, nil
}

func (g *generation) release() { g.refs.Done() }

// Check reports why [Index.Upsert] or [Index.Reload] would refuse faqs:
// an entry without an id ([ErrEmptyID]) or a question ([ErrEmptyQuestion]),
// an id given twice ([ErrDuplicateID]), or anything else the file loaders
// refuse — invalid UTF-8, a trigger without an event or window or with a
// weight outside (0, 1] ([ErrBadTrigger]), a validity period that ends
// before it starts ([ErrBadValidity]) — naming the entry and the field. A
// writer that forwards edits to other replicas (a change feed) checks with
// it first, so that no replica is handed an edit it must refuse.
func Check(faqs ...FAQ) error {
	seen := make(map[string]bool, len(faqs))
	for i := range faqs {
		if err := checkFAQ(&faqs[i]); err != nil {
			return err
		}
		if seen[faqs[i].ID] {
			return fmt.Errorf("%w: %q", ErrDuplicateID, faqs[i].ID)
		}
		seen[faqs[i].ID] = true
	}
	return nil
}

// checkFAQ reports why f cannot be stored: the loaders' rules
// (validateFAQ), applied to a copy so that f is left as it is.
func checkFAQ(f *FAQ) error {
	if f.ID == "" {
		return fmt.Errorf("%w (question %q)", ErrEmptyID, f.Question)
	}
	if strings.TrimSpace(f.Question) == "" {
		return fmt.Errorf("%w: entry %q", ErrEmptyQuestion, f.ID)
	}
	c := *f
	c.Triggers = slices.Clone(f.Triggers) // validateFAQ normalises triggers in place
	if fe := validateFAQ(&c); fe != nil {
		return records.Wrap("kb", fmt.Sprintf("entry %q: field %q", f.ID, fe.field), fe.err)
	}
	return nil
}

// checkLengths reports f's first field over its limit (MaxIDBytes and the
// others), its strings already trimmed; similar questions and tags are
// measured trimmed, and counted, as given.
func checkLengths(f *FAQ) *fieldError {
	tooLong := func(field string, n, limit int, what string) *fieldError {
		return &fieldError{field: field, err: withKind(ErrTooLong, fmt.Errorf("too long: %d %s, the limit is %d", n, what, limit))}
	}
	for _, c := range [...]struct {
		field string
		n     int
		limit int
	}{{"id", len(f.ID), MaxIDBytes}, {"question", len(f.Question), MaxQuestionBytes},
		{"answer", len(f.Answer), MaxAnswerBytes}, {"category", len(f.Category), MaxLabelBytes}} {
		if c.n > c.limit {
			return tooLong(c.field, c.n, c.limit, "bytes")
		}
	}
	if len(f.Similar) > MaxSimilar {
		return tooLong("similar", len(f.Similar), MaxSimilar, "similar questions")
	}
	for i, s := range f.Similar {
		if n := len(strings.TrimSpace(s)); n > MaxQuestionBytes {
			return tooLong(fmt.Sprintf("similar[%d]", i), n, MaxQuestionBytes, "bytes")
		}
	}
	if len(f.Tags) > MaxTags {
		return tooLong("tags", len(f.Tags), MaxTags, "tags")
	}
	for i, s := range f.Tags {
		if n := len(strings.TrimSpace(s)); n > MaxLabelBytes {
			return tooLong(fmt.Sprintf("tags[%d]", i), n, MaxLabelBytes, "bytes")
		}
	}
	return nil
}

// batching says how write hands documents to bleve.
type batching int

const (
	// allOrNone sends everything in one batch, so that a change is all or
	// none (Upsert, Delete).
	allOrNone batching = iota
	// inChunks sends a batch every batchSize documents: for building a new
	// generation nobody sees yet.
	inChunks
)

// write indexes faqs and deletes ids in g, then updates g's entries,
// sending the documents to bleve as b says.
func (ix *Index) write(ctx context.Context, g *generation, faqs []FAQ, ids []string, b batching) error {
	ents := make([]*entry, len(faqs))
	if err := Check(faqs...); err != nil {
		return err
	}
	batch := g.bi.NewBatch()
	flush := func() error {
		if batch.Size() == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kb: index: %w", err)
		}
		if err := g.bi.Batch(batch); err != nil {
			return fmt.Errorf("kb: index: %w", err)
		}
		// A new batch, not batch.Reset: scorch's Batch returns once the
		// documents are analysed, while the goroutine that queued them may
		// still be reading the batch's map (a race the detector reports).
		batch = g.bi.NewBatch()
		return nil
	}
	g.mu.RLock()
	old := func(id string) *entry { return g.entries[id] }
	deleteDocs := func(e *entry, keep int) {
		for k := keep; k < len(e.texts); k++ {
			batch.Delete(docID(e.faq.ID, k))
		}
	}
	for _, id := range ids {
		if e := old(id); e != nil {
			deleteDocs(e, 0)
		}
	}
	analyzed, stop := ix.analyzeAhead(faqs, g.rank)
	defer stop()
	for i, f := range faqs {
		e := analyzed(i)
		ents[i] = e
		if o := old(f.ID); o != nil {
			deleteDocs(o, len(e.texts))
		}
		fj, err := json.Marshal(f)
		if err != nil {
			g.mu.RUnlock()
			return fmt.Errorf("kb: entry %q: %w", f.ID, err)
		}
		for k := range e.texts {
			if err := batch.IndexAdvanced(ix.docs.document(docID(f.ID, k), &f, k, &e.texts[k], fj)); err != nil {
				g.mu.RUnlock()
				return fmt.Errorf("kb: entry %q: %w", f.ID, err)
			}
		}
		if b == inChunks && batch.Size() >= ix.opts.batchSize {
			if err := flush(); err != nil {
				g.mu.RUnlock()
				return err
			}
		}
	}
	g.mu.RUnlock()
	if err := flush(); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range ids {
		if e := g.entries[id]; e != nil {
			g.count(e, -1)
			delete(g.entries, id)
		}
	}
	for _, e := range ents {
		if o := g.entries[e.faq.ID]; o != nil {
			g.count(o, -1)
		}
		g.entries[e.faq.ID] = e
		g.count(e, 1)
	}
	g.stats.Refresh()
	return nil
}

// docID names the bleve document of an entry's k-th text; parseDocID
// inverts it.
func docID(id string, k int) string { return strconv.Itoa(k) + ":" + id }

func parseDocID(s string) (id string, k int, ok bool) {
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return "", 0, false
	}
	k, err := strconv.Atoi(s[:i])
	if err != nil {
		return "", 0, false
	}
	return s[i+1:], k, true
}

// Upsert adds entries or replaces those with the same ids, all or none: an
// entry without an id or a question, or two entries with the same id, fail
// the whole call. Searches see either none or all of the change.
func (ix *Index) Upsert(ctx context.Context, faqs ...FAQ) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	if err := ix.write(ctx, g, slices.Clone(faqs), nil, allOrNone); err != nil {
		return err
	}
	ix.rev.Add(1)
	return nil
}

// Delete removes entries by id; unknown ids are ignored.
func (ix *Index) Delete(ctx context.Context, ids ...string) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	if err := ix.write(ctx, g, nil, ids, allOrNone); err != nil {
		return err
	}
	ix.rev.Add(1)
	return nil
}

// Reload replaces the whole knowledge base with faqs. The new index is
// built aside while searches keep using the old one, then swapped in at
// once; the old one is closed when the searches running on it finish. When
// the build fails (a bad entry, ctx cancelled, a disk error) the old
// knowledge base keeps serving and Reload returns the error. To reload a
// file, read it with [LoadFile] first.
func (ix *Index) Reload(ctx context.Context, faqs []FAQ) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	return ix.rebuild(ctx, faqs)
}

// SetRanker makes the index rank with r (nil: first-stage order only).
// Entries are analysed for their ranker (association and contrast ids),
// so the index is rebuilt aside with r, as [Index.Reload] does, and
// swapped in at once: searches see the old ranker on the old entries
// until then, never a mix. On failure the old index and ranker keep
// serving. [ReadRanker] has already refused a corrupt ranker file.
func (ix *Index) SetRanker(ctx context.Context, r *Ranker) error {
	if r != nil {
		if err := r.check(); err != nil {
			return err
		}
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	faqs, err := ix.All(ctx)
	if err != nil {
		return err
	}
	old := ix.rank
	ix.rank = r
	if err := ix.rebuild(ctx, faqs); err != nil {
		ix.rank = old
		return err
	}
	return nil
}

// Ranker returns the ranker the index serves now (nil: none).
func (ix *Index) Ranker() *Ranker {
	g, err := ix.acquire()
	if err != nil {
		return nil
	}
	defer g.release()
	return g.rank
}

// AnswerThreshold is the confidence below which the best hit of a search
// is no answer, from the calibration of the ranker the index serves
// (Calibration.AnswerThreshold); 0 when it has none. A host may use its
// own: higher answers less often and more precisely.
func (ix *Index) AnswerThreshold() float64 {
	if r := ix.Ranker(); r != nil {
		c, _ := r.m.Calibration()
		return c.Threshold
	}
	return 0
}

// Revision counts the changes applied since the index was opened: every
// successful Upsert, Delete, Reload and SetRanker adds one. A reader that
// caches what it read of the index (the recommend engine's catalog)
// compares revisions to know when to read again.
func (ix *Index) Revision() uint64 { return ix.rev.Load() }

// rebuild builds a new generation of faqs aside and swaps it in. The
// caller holds wmu.
func (ix *Index) rebuild(ctx context.Context, faqs []FAQ) error {
	ix.mu.RLock()
	closed := ix.closed
	ix.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	g, err := ix.newGeneration(ctx, faqs)
	if err != nil {
		return err
	}
	if err := ix.commit(g); err != nil {
		g.discard()
		return err
	}
	ix.mu.Lock()
	if ix.closed { // Close ran while we built: nobody will use g
		ix.mu.Unlock()
		g.discard()
		return ErrClosed
	}
	old := ix.cur
	ix.cur = g
	ix.mu.Unlock()
	ix.rev.Add(1)
	old.refs.Wait()
	return old.discard()
}

// Get returns the entry with the given id, or an error wrapping ErrNotFound.
func (ix *Index) Get(ctx context.Context, id string) (FAQ, error) {
	if err := ctx.Err(); err != nil {
		return FAQ{}, fmt.Errorf("kb: get: %w", err)
	}
	g, err := ix.acquire()
	if err != nil {
		return FAQ{}, err
	}
	defer g.release()
	g.mu.RLock()
	defer g.mu.RUnlock()
	e, ok := g.entries[id]
	if !ok {
		return FAQ{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return cloneFAQ(e.faq), nil
}

// All returns every entry, ordered by id.
func (ix *Index) All(ctx context.Context) ([]FAQ, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("kb: all: %w", err)
	}
	g, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	g.mu.RLock()
	out := make([]FAQ, 0, len(g.entries))
	for _, e := range g.entries {
		out = append(out, cloneFAQ(e.faq))
	}
	g.mu.RUnlock()
	slices.SortFunc(out, func(a, b FAQ) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Len returns the number of entries.
func (ix *Index) Len() int {
	g, err := ix.acquire()
	if err != nil {
		return 0
	}
	defer g.release()
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.entries)
}

// cloneFAQ copies f's slices and maps, so callers cannot change the index.
func cloneFAQ(f FAQ) FAQ {
	f.Similar = slices.Clone(f.Similar)
	f.Tags = slices.Clone(f.Tags)
	if f.Triggers != nil {
		ts := make([]Trigger, len(f.Triggers))
		for i, t := range f.Triggers {
			if t.Attrs != nil {
				m := make(map[string]string, len(t.Attrs))
				for k, v := range t.Attrs {
					m[k] = v
				}
				t.Attrs = m
			}
			ts[i] = t
		}
		f.Triggers = ts
	}
	return f
}

// Close waits for running searches, closes the index and, for an index from
// [New], removes its folder. It is idempotent; afterwards every method
// returns ErrClosed. Close does not close the tokenizer.
func (ix *Index) Close() error {
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return nil
	}
	ix.closed = true
	g := ix.cur
	ix.mu.Unlock()
	g.refs.Wait()
	err := g.close()
	if ix.onClose == removeFolder {
		if rerr := os.RemoveAll(ix.root); err == nil {
			err = rerr
		}
	}
	if lerr := ix.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("kb: close: %w", err)
	}
	return nil
}
