package kb

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
)

// Ranker is the second stage of [Index.Search]: a model that scores one
// text of a candidate entry from features comparing it with the query
// (first-stage BM25, word and character overlap weighted by IDF, edit
// distance, common substrings, length ratio, negation and domain key-term
// mismatches, question kind, a learned word-association table, with
// character and character-bigram tables beside it, that matches colloquial
// paraphrases such as 提额 and 提升 and typos such as 预期 for 逾期, and a
// learned word-contrast model that knows which differing words matter).
// Its model is a linear or one-hidden-layer part plus optional
// gradient-boosted trees.
// A Ranker is immutable and safe for concurrent use. [DefaultRanker] is
// the one kb ships; [TrainRanker] fits one, associations included, to your
// own queries.
type Ranker struct {
	mean, scale [numFeatures]float64
	// score = w·z + Σ_h out[h]·tanh(hbias[h] + hidden[h]·z) + Σ trees(z),
	// z the standardized features; linear when hidden and trees are empty.
	w      [numFeatures]float64
	hidden [][numFeatures]float64
	hbias  []float64
	out    []float64
	// assoc, when set, is the learned word-association table behind the
	// assoc_* features.
	assoc *assoc
	// contrast, when set, is the learned word-contrast model behind the
	// contrast* features.
	contrast *contrast
	// trees are gradient-boosted regression trees over the standardized
	// features, added to the score.
	trees []regTree
	// perfect holds trees compiled for scoring when perfectOK (see
	// compile).
	perfect   perfectTrees
	perfectOK bool
	note      string
	// calib, when set, turns scores into confidences (see Calibration).
	calib *Calibration
	// batches pools search scratch space (see scoreBatch).
	batches sync.Pool
}

// compile prepares r's trees for fast scoring; call it whenever r.trees
// changes.
func (r *Ranker) compile() { r.perfect, r.perfectOK = compileTrees(r.trees) }

// treeScore is the sum of r's trees at z.
func (r *Ranker) treeScore(z *[numFeatures]float64) float64 {
	if r.perfectOK {
		return r.perfect.eval(z)
	}
	s := 0.0
	for i := range r.trees {
		s += r.trees[i].eval(z)
	}
	return s
}

// rankerFile is a Ranker's JSON form. Features are named, so a file keeps
// working when kb adds features (missing ones get weight 0).
type rankerFile struct {
	Note       string        `json:"note,omitempty"`
	Features   []string      `json:"features"`
	Mean       []float64     `json:"mean"`
	Scale      []float64     `json:"scale"`
	Weights    []float64     `json:"weights"`
	Hidden     [][]float64   `json:"hidden,omitempty"`
	HiddenBias []float64     `json:"hidden_bias,omitempty"`
	Out        []float64     `json:"out,omitempty"`
	Trees      []treeFile    `json:"trees,omitempty"`
	Assoc      *assocFile    `json:"assoc,omitempty"`
	Contrast   *contrastFile `json:"contrast,omitempty"`
	Calib      *calibFile    `json:"calibration,omitempty"`
}

// DefaultRanker returns the ranker kb uses unless told otherwise (see
// [WithRanker]). Built with -tags duxin_sample_ranker, it is the ranker
// learned from the bundled sample knowledge base alone
// (rerank_sample.ranker), and the AFQMC-trained file is not in the
// binary: for users whose terms rule out AFQMC-derived tables
// (docs/provenance.md compares the two). Otherwise its weights were learned on questions of Ant Financial's
// AFQMC corpus mixed with half of the bundled sample KB's similar questions;
// the note in rerank_default.ranker records how (see [Ranker.Note]).
func DefaultRanker() (*Ranker, error) {
	r, err := ReadRanker(bytes.NewReader(defaultRankerFile))
	if err != nil {
		return nil, fmt.Errorf("kb: default ranker: %w", err)
	}
	return r, nil
}

// The ranker file is a header line, then the ranker as JSON:
//
//	duxin-kb-ranker 2 <bytes of JSON> <SHA-256 of the JSON, hex>
//	{ ... }
//
// The JSON stays readable and diffable; the header makes a truncated,
// edited or appended file an error instead of another model.
const (
	rankerMagic   = "duxin-kb-ranker"
	rankerVersion = 2
	maxRankerFile = 1 << 30
)

// ReadRanker reads a ranker written by [Ranker.WriteTo]. A file that is not
// one — no header or another version, a length or checksum that does not
// match, data after the ranker — is an error, as is a file trained on the
// association or contrast features that lacks the model computing them
// (see the features' names in the error).
func ReadRanker(rd io.Reader) (*Ranker, error) {
	br := bufio.NewReader(rd)
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("kb: read ranker: header: %w", err)
	}
	var magic, sum string
	var version int
	var size int64
	if n, _ := fmt.Sscanf(line, "%s %d %d %s\n", &magic, &version, &size, &sum); n != 4 || magic != rankerMagic {
		return nil, fmt.Errorf("kb: read ranker: not a ranker file (the first line is not %q)", rankerMagic+" <version> <bytes> <sha256>")
	}
	if version != rankerVersion {
		return nil, fmt.Errorf("kb: read ranker: version %d, want %d (retrain with this version of kb)", version, rankerVersion)
	}
	if size < 0 || size > maxRankerFile {
		return nil, fmt.Errorf("kb: read ranker: header says %d bytes", size)
	}
	body, err := io.ReadAll(io.LimitReader(br, size))
	if err != nil {
		return nil, fmt.Errorf("kb: read ranker: %w", err)
	}
	if int64(len(body)) != size {
		return nil, fmt.Errorf("kb: read ranker: truncated: %d of %d bytes", len(body), size)
	}
	if extra, _ := br.Peek(1); len(extra) > 0 {
		return nil, fmt.Errorf("kb: read ranker: data after the ranker")
	}
	if got := sha256.Sum256(body); hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("kb: read ranker: checksum mismatch (the file was changed)")
	}
	var f rankerFile
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("kb: read ranker: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("kb: read ranker: data after the ranker")
	}
	n := len(f.Features)
	if len(f.Mean) != n || len(f.Scale) != n || len(f.Weights) != n {
		return nil, fmt.Errorf("kb: read ranker: %d features but %d means, %d scales, %d weights",
			n, len(f.Mean), len(f.Scale), len(f.Weights))
	}
	if len(f.Hidden) != len(f.HiddenBias) || len(f.Hidden) != len(f.Out) {
		return nil, fmt.Errorf("kb: read ranker: %d hidden units but %d biases, %d output weights",
			len(f.Hidden), len(f.HiddenBias), len(f.Out))
	}
	r := &Ranker{note: f.Note, hbias: f.HiddenBias, out: f.Out}
	r.hidden = make([][numFeatures]float64, len(f.Hidden))
	for i := range r.scale {
		r.scale[i] = 1
	}
	for i, name := range f.Features {
		j := slices.Index(featureNames[:], name)
		if j < 0 {
			return nil, fmt.Errorf("kb: read ranker: unknown feature %q", name)
		}
		r.mean[j], r.scale[j], r.w[j] = f.Mean[i], f.Scale[i], f.Weights[i]
		for h := range f.Hidden {
			if len(f.Hidden[h]) != n {
				return nil, fmt.Errorf("kb: read ranker: hidden unit %d has %d weights, want %d", h, len(f.Hidden[h]), n)
			}
			r.hidden[h][j] = f.Hidden[h][i]
		}
	}
	for i, tf := range f.Trees {
		t, err := treeFromFile(tf)
		if err != nil {
			return nil, fmt.Errorf("kb: read ranker: tree %d: %w", i, err)
		}
		r.trees = append(r.trees, t)
	}
	if f.Assoc != nil {
		a, err := assocFromFile(f.Assoc)
		if err != nil {
			return nil, fmt.Errorf("kb: read ranker: %w", err)
		}
		r.assoc = a
	}
	if f.Contrast != nil {
		c, err := contrastFromFile(f.Contrast)
		if err != nil {
			return nil, fmt.Errorf("kb: read ranker: %w", err)
		}
		r.contrast = c
	}
	if f.Calib != nil {
		c, err := f.Calib.calibration()
		if err != nil {
			return nil, fmt.Errorf("kb: read ranker: %w", err)
		}
		r.calib = &c
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("kb: read ranker: %w", err)
	}
	if err := r.checkModels(); err != nil {
		return nil, fmt.Errorf("kb: read ranker: %w", err)
	}
	r.compile()
	return r, nil
}

// checkModels reports a model feature r was trained on (its mean and
// scale show it had values) when r lacks the model that computes it:
// without the model the feature is 0, so the file has lost part of what it
// was trained with (an edited or merged file) and its scores would be
// meaningless. A ranker trained without the model saw only zeros there
// (mean 0, scale 1); so did one from before kb had the feature.
func (r *Ranker) checkModels() error {
	trained := func(j int) bool { return r.mean[j] != 0 || r.scale[j] != 1 }
	for _, m := range []struct {
		name        string
		has         bool
		first, last int
	}{
		{"association table (assoc)", r.assoc != nil, firstAssocFeature, firstShapeFeature},
		{"contrast model (contrast)", r.contrast != nil, firstContrastFeature, firstContrastFeature + numContrastFeatures},
	} {
		if m.has {
			continue
		}
		for j := m.first; j < m.last; j++ {
			if trained(j) {
				return fmt.Errorf("feature %q was trained on, but the file has no %s", featureNames[j], m.name)
			}
		}
	}
	return nil
}

// check reports values that would make scores meaningless.
func (r *Ranker) check() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	for i := range numFeatures {
		if bad(r.mean[i]) || bad(r.w[i]) || bad(r.scale[i]) || r.scale[i] <= 0 {
			return fmt.Errorf("kb: ranker feature %q: bad mean, scale or weight", featureNames[i])
		}
		for h := range r.hidden {
			if bad(r.hidden[h][i]) {
				return fmt.Errorf("kb: ranker hidden unit %d: bad weight", h)
			}
		}
	}
	for h := range r.hidden {
		if bad(r.hbias[h]) || bad(r.out[h]) {
			return fmt.Errorf("kb: ranker hidden unit %d: bad weight", h)
		}
	}
	return nil
}

// WriteTo writes r in the ranker file format [ReadRanker] reads: a header
// line with the format's version, the length and the SHA-256 of the JSON
// that follows.
func (r *Ranker) WriteTo(w io.Writer) (int64, error) {
	f := rankerFile{Note: r.note, Features: featureNames[:], HiddenBias: r.hbias, Out: r.out}
	f.Mean, f.Scale, f.Weights = r.mean[:], r.scale[:], r.w[:]
	for h := range r.hidden {
		f.Hidden = append(f.Hidden, r.hidden[h][:])
	}
	for i := range r.trees {
		f.Trees = append(f.Trees, r.trees[i].file())
	}
	if r.assoc != nil {
		f.Assoc = r.assoc.file()
	}
	if r.contrast != nil {
		f.Contrast = r.contrast.file()
	}
	if r.calib != nil {
		f.Calib = r.calib.file()
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return 0, fmt.Errorf("kb: write ranker: %w", err)
	}
	b = append(b, '\n')
	sum := sha256.Sum256(b)
	n, err := fmt.Fprintf(w, "%s %d %d %s\n", rankerMagic, rankerVersion, len(b), hex.EncodeToString(sum[:]))
	if err != nil {
		return int64(n), fmt.Errorf("kb: write ranker: %w", err)
	}
	m, err := w.Write(b)
	if err != nil {
		err = fmt.Errorf("kb: write ranker: %w", err)
	}
	return int64(n + m), err
}

// Note returns the free text stored with the ranker (how it was trained).
func (r *Ranker) Note() string { return r.note }

// Calibration returns the ranker's calibration, if it has one.
func (r *Ranker) Calibration() (Calibration, bool) {
	if r.calib == nil {
		return Calibration{}, false
	}
	return *r.calib, true
}

// WithCalibration returns a copy of r that computes confidences with c
// (fitted by a [Calibrator]); r is unchanged.
func (r *Ranker) WithCalibration(c Calibration) *Ranker {
	out := &Ranker{mean: r.mean, scale: r.scale, w: r.w, hidden: r.hidden, hbias: r.hbias, out: r.out,
		assoc: r.assoc, contrast: r.contrast, trees: r.trees, note: r.note, calib: &c}
	out.compile()
	return out
}

// exactFeature is the index of the "exact" feature, exactBonus what a
// text whose folded form equals the query's adds to its score: such a
// text is what the user asked for, but the training sets hold no such
// pairs (AFQMC's paraphrases differ, the sample KB's folds are searched
// without their own texts), so the model cannot learn it and, from the
// association features, sometimes preferred a shorter text of another
// entry (花呗怎么提额 -> 借呗提额).
const (
	exactFeature = 21
	exactBonus   = 100
)

// score is the model's output for raw feature vector x.
func (r *Ranker) score(x *[numFeatures]float64) float64 {
	var z [numFeatures]float64
	for i := range numFeatures {
		z[i] = (x[i] - r.mean[i]) / r.scale[i]
	}
	return r.linearScore(&z) + r.treeScore(&z) + exactBonus*x[exactFeature]
}

// scoreBatch is the model's output for each raw feature vector of b.xs,
// the same as score gives; it returns b.out. Scoring tree by tree over all
// vectors lets the processor overlap the vectors' traversals.
func (r *Ranker) scoreBatch(b *scoreBatch) []float64 {
	n := len(b.xs)
	b.zs = slices.Grow(b.zs[:0], n)[:n]
	b.out = slices.Grow(b.out[:0], n)[:n]
	b.lin = slices.Grow(b.lin[:0], n)[:n]
	for j := range b.xs {
		z := &b.zs[j]
		for i := range numFeatures {
			z[i] = (b.xs[j][i] - r.mean[i]) / r.scale[i]
		}
		b.lin[j] = r.linearScore(z)
	}
	if r.perfectOK {
		clear(b.out)
		r.perfect.evalBatch(b.zs, b.out)
	} else {
		for j := range b.zs {
			b.out[j] = r.treeScore(&b.zs[j])
		}
	}
	for j := range b.out {
		b.out[j] = b.lin[j] + b.out[j] + exactBonus*b.xs[j][exactFeature]
	}
	return b.out
}

// scoreBatch holds a search's feature vectors and the scratch space
// Ranker.scoreBatch needs; searches reuse them through the ranker's pool.
type scoreBatch struct {
	xs, zs   [][numFeatures]float64
	lin, out []float64
}

func (r *Ranker) getBatch() *scoreBatch {
	if b, ok := r.batches.Get().(*scoreBatch); ok {
		return b
	}
	return &scoreBatch{}
}

func (r *Ranker) putBatch(b *scoreBatch) {
	b.xs = b.xs[:0]
	r.batches.Put(b)
}

// linearScore is the linear and hidden-unit part of the score of
// standardized features z.
func (r *Ranker) linearScore(z *[numFeatures]float64) float64 {
	s := 0.0
	for i := range numFeatures {
		s += r.w[i] * z[i]
	}
	for h := range r.hidden {
		a := r.hbias[h]
		for i := range numFeatures {
			a += r.hidden[h][i] * z[i]
		}
		s += r.out[h] * math.Tanh(a)
	}
	return s
}

// Labeled is a query with the id of the entry that answers it: a training
// example for [TrainRanker].
type Labeled struct {
	Query string `json:"query"`
	ID    string `json:"id"`
}

// TrainConfig sets [TrainRanker]'s parameters. A zero value takes the
// default; where none is a valid choice (no epochs, no weight decay, no
// calibration) a negative value asks for it, as with
// [Query.MinConfidence].
type TrainConfig struct {
	// Epochs is the number of passes over the examples that fit the
	// linear or hidden-unit part (default 60; negative: none, the part
	// keeps its initial weights and only the trees learn).
	Epochs int
	// L2 is the weight decay (default 1e-4; negative: none).
	L2 float64
	// Hidden is the number of tanh hidden units; 0 trains a linear model.
	Hidden int
	// Seed seeds the example order and the initial weights (default 1:
	// seeds 0 and 1 train the same ranker).
	Seed uint64
	// Note is stored with the ranker, e.g. the command that trained it.
	Note string
	// Trees is the number of gradient-boosted regression trees fitted
	// after the linear or hidden-unit part (default 0: none).
	Trees int
	// Depth is the trees' depth (default 4).
	Depth int
	// Shrinkage scales each tree's leaf values (default 0.1).
	Shrinkage float64
	// Associations says whether a word-association table, with its
	// character and bigram tables, is learned from the examples (default
	// Learn); without one the assoc_* features are 0.
	Associations Learning
	// AssocFolds is the number of folds the association features are
	// cross-fitted with (default 4; 1 uses one table for all examples).
	// The contrast features are cross-fitted with as many folds.
	AssocFolds int
	// Contrast says whether a word-contrast model is learned from the
	// candidate lists (default Learn); without one the contrast* features
	// are 0.
	Contrast Learning
	// CalibrationShare is the share of TrainRanker's examples held out
	// to calibrate the ranker's confidences (default 0.2, chosen by a hash
	// of the query; negative: none, the ranker is uncalibrated). The ranker
	// is trained on the others. Fewer than 20 held-out examples calibrate
	// nothing. Trainer.Fit does not calibrate: use a Calibrator.
	CalibrationShare float64
}

// Learning says whether training learns one of the ranker's optional
// models (see [TrainConfig.Associations]); the zero value is Learn.
type Learning int

const (
	// Learn learns the model: the default.
	Learn Learning = iota
	// Skip leaves the model out; the features it computes are 0.
	Skip
)

// TrainReport says how training went.
type TrainReport struct {
	// Examples is the number of examples given; Used those trained on whose
	// expected entry was among the first stage's candidates (the others
	// cannot teach the ranker anything; TrainRanker holds some out to
	// calibrate).
	Examples, Used int
	// Loss is the mean softmax cross-entropy of the expected entry among its
	// candidates after the last epoch.
	Loss float64
	// Calibrated says whether TrainRanker calibrated the ranker, and
	// Calibration how the calibration fits its held-out examples.
	Calibrated  bool
	Calibration CalibrationReport
}

// TrainRanker fits a ranker to examples on the entries of ix: it is
// NewTrainer(cfg), Add(ctx, ix, examples) and Fit(ctx) in one call.
//
// Unless cfg.CalibrationShare is negative, it holds out that share of the
// examples (default a fifth), trains on the others, searches the held-out
// ones with the new ranker in a copy of ix's entries, and calibrates the
// ranker's confidences on them (see Calibrator), so that Hit.Confidence
// and Index.AnswerThreshold hold for your own knowledge base.
func TrainRanker(ctx context.Context, ix *Index, examples []Labeled, cfg TrainConfig) (*Ranker, TrainReport, error) {
	share := cfg.CalibrationShare
	if share == 0 {
		share = 0.2
	}
	if share >= 1 || math.IsNaN(share) {
		return nil, TrainReport{}, fmt.Errorf("kb: train ranker: CalibrationShare %v, want below 1", share)
	}
	train, held := examples, []Labeled(nil)
	if share > 0 {
		train = nil
		for _, ex := range examples {
			if removedForCalibration("held:"+ex.Query, share) {
				held = append(held, ex)
			} else {
				train = append(train, ex)
			}
		}
		if len(held) < minCalibration {
			train, held = examples, nil
		}
	}
	t := NewTrainer(cfg)
	if err := t.Add(ctx, ix, train); err != nil {
		return nil, t.report, err
	}
	r, rep, err := t.Fit(ctx)
	rep.Examples = len(examples)
	if err != nil || held == nil {
		return r, rep, err
	}
	c, crep, err := ix.calibrate(ctx, r, held)
	if err != nil {
		return nil, rep, fmt.Errorf("kb: train ranker: calibrate: %w", err)
	}
	rep.Calibrated, rep.Calibration = true, crep
	return r.WithCalibration(c), rep, nil
}

// minCalibration is the fewest held-out examples TrainRanker calibrates on.
const minCalibration = 20

// calibrate searches examples with r in a scratch copy of ix's entries
// (same tokenizer and options) and fits a calibration to them.
func (ix *Index) calibrate(ctx context.Context, r *Ranker, examples []Labeled) (Calibration, CalibrationReport, error) {
	faqs, err := ix.All(ctx)
	if err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	o := ix.opts
	o.ranker, o.noRanker = r, false
	tmp, err := New(ix.an.tok, func(dst *options) { *dst = o })
	if err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	defer tmp.Close()
	if err := tmp.Reload(ctx, faqs); err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	c := NewCalibrator()
	if err := c.Add(ctx, tmp, examples); err != nil {
		return Calibration{}, CalibrationReport{}, err
	}
	return c.Fit(CalibrateConfig{})
}

// Trainer collects training lists from one or more indexes and fits a
// [Ranker] to them. For each example it takes the first stage's candidates,
// computes their features, and Fit learns weights that put the expected
// entry first (softmax cross-entropy over each candidate list, Adam,
// deterministic for a given Seed). Unless [TrainConfig.Associations] is
// Skip, Fit first learns a word-association table from the examples and the
// texts of their entries (see the assoc_* features), and unless
// [TrainConfig.Contrast] is Skip a word-contrast model from the candidate
// lists (the contrast* features); the features the ranker trains on are
// cross-fitted (each example's come from a table learned without it or any
// copy of it), so the ranker does not over-trust them.
// Several indexes help when the entries to rank against at search time are
// fewer than the training entries: split the training entries into
// knowledge bases of that size. A Trainer is not safe for concurrent use.
type Trainer struct {
	cfg    TrainConfig
	lists  []trainList
	pairs  []assocPair // (query, entry text) words and characters of every example
	report TrainReport
	// drop lists features Fit zeroes before training (experiments only),
	// so that the model cannot use them.
	drop []int
}

// NewTrainer returns a Trainer with cfg's parameters.
func NewTrainer(cfg TrainConfig) *Trainer {
	return &Trainer{cfg: cfg}
}

// withDefaults returns cfg with its zero values replaced by the defaults
// and the negative ones that mean none by 0.
func (cfg TrainConfig) withDefaults() TrainConfig {
	switch {
	case cfg.Epochs == 0:
		cfg.Epochs = 60
	case cfg.Epochs < 0:
		cfg.Epochs = 0
	}
	switch {
	case cfg.L2 == 0:
		cfg.L2 = 1e-4
	case cfg.L2 < 0:
		cfg.L2 = 0
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.AssocFolds == 0 {
		cfg.AssocFolds = 4
	}
	if cfg.Depth == 0 {
		cfg.Depth = 4
	}
	if cfg.Shrinkage == 0 {
		cfg.Shrinkage = 0.1
	}
	return cfg
}

func (l Learning) valid() bool { return l == Learn || l == Skip }

// Add searches ix for each example and keeps the candidate lists that
// contain the expected entry. Examples naming ids ix does not hold are an
// error wrapping [ErrNotFound].
func (t *Trainer) Add(ctx context.Context, ix *Index, examples []Labeled) error {
	lists, pairs, err := ix.trainingLists(ctx, examples, len(t.pairs))
	if err != nil {
		return err
	}
	t.report.Examples += len(examples)
	t.report.Used += len(lists)
	t.lists = append(t.lists, lists...)
	t.pairs = append(t.pairs, pairs...)
	return nil
}

// Fit learns a ranker from the lists added so far.
func (t *Trainer) Fit(ctx context.Context) (*Ranker, TrainReport, error) {
	cfg := t.cfg.withDefaults()
	rep := t.report
	if cfg.Hidden < 0 || cfg.AssocFolds < 0 || cfg.Trees < 0 || cfg.Depth < 0 || cfg.Shrinkage < 0 || math.IsNaN(cfg.L2) || math.IsInf(cfg.L2, 0) || math.IsNaN(cfg.Shrinkage) {
		return nil, rep, errors.New("kb: train ranker: negative hidden units, folds, trees, depth or shrinkage, or L2 or shrinkage not a number")
	}
	if !cfg.Associations.valid() || !cfg.Contrast.valid() {
		return nil, rep, fmt.Errorf("kb: train ranker: Associations %d, Contrast %d: want Learn or Skip", cfg.Associations, cfg.Contrast)
	}
	if len(t.lists) == 0 {
		return nil, rep, errors.New("kb: train ranker: no example's entry is among its candidates")
	}
	lists := make([]trainList, len(t.lists))
	for i, l := range t.lists {
		lists[i] = trainList{x: slices.Clone(l.x), pos: l.pos, q: l.q, texts: l.texts, pair: l.pair}
	}
	r := &Ranker{note: cfg.Note}
	if cfg.Associations == Learn {
		a, err := t.crossFitAssoc(ctx, lists)
		if err != nil {
			return nil, rep, fmt.Errorf("kb: train ranker: %w", err)
		}
		r.assoc = a
	}
	if cfg.Contrast == Learn {
		c, err := crossFitContrast(ctx, lists, max(cfg.AssocFolds, 1), cfg.Seed)
		if err != nil {
			return nil, rep, fmt.Errorf("kb: train ranker: %w", err)
		}
		r.contrast = c
	}
	for i := range lists {
		for _, f := range t.drop {
			for j := range lists[i].x {
				lists[i].x[j][f] = 0
			}
		}
	}
	standardize(r, lists)
	loss, err := fit(ctx, r, lists, cfg)
	if err != nil {
		return nil, rep, err
	}
	rep.Loss = loss
	if cfg.Trees > 0 {
		if err := fitTrees(ctx, r, lists, cfg); err != nil {
			return nil, rep, err
		}
		rep.Loss = listLoss(r, lists)
	}
	r.compile()
	return r, rep, r.check()
}

// crossFitAssoc fills the association features of lists, each from a table
// learned on the examples of the other folds, and returns the table learned
// on all examples.
func (t *Trainer) crossFitAssoc(ctx context.Context, lists []trainList) (*assoc, error) {
	k := max(t.cfg.withDefaults().AssocFolds, 1)
	learn := func(skip int) (*assoc, error) {
		var pairs []assocPair
		for i, p := range t.pairs {
			if skip < 0 || t.pairFold(i, k) != skip {
				pairs = append(pairs, p)
			}
		}
		return learnAssocPairs(ctx, pairs)
	}
	fold := func(i int) int { return t.pairFold(lists[i].pair, k) }
	fill := func(i int, a *assoc) { lists[i].fillAssoc(a) }
	return crossFit(k, len(lists), fold, learn, fill)
}

// crossFit is k-fold cross-fitting of a model that computes features of n
// lists: fold(i) is list i's fold, learn(f) learns a model from the
// training data outside fold f (f < 0: from all of it), and fill(i, m)
// computes list i's features with m. Each list's features come from the
// model learned without its fold; a nil model (nothing outside the fold to
// learn from) leaves that fold's features 0. crossFit returns the model
// learned from all data; with k <= 1 that model fills every list.
func crossFit[M any](k, n int, fold func(i int) int, learn func(skip int) (*M, error), fill func(i int, m *M)) (*M, error) {
	if k > 1 {
		for f := range k {
			m, err := learn(f)
			if err != nil {
				return nil, err
			}
			if m == nil {
				continue
			}
			for i := range n {
				if fold(i) == f {
					fill(i, m)
				}
			}
		}
	}
	m, err := learn(-1)
	if err != nil || m == nil {
		return m, err
	}
	if k <= 1 {
		for i := range n {
			fill(i, m)
		}
	}
	return m, nil
}

// pairFold is the fold of k of example pair i: a hash of its query's
// words, so that copies of an example (a domain mix added several times,
// a question asked twice) share a fold. Folds by number put the copies in
// different folds, and the table that filled an example's features would
// have seen the very same pair.
func (t *Trainer) pairFold(i, k int) int { return foldOf(t.pairs[i].words[0], k) }

// foldOf is the fold of k of an example whose query has the words ws.
func foldOf(ws []string, k int) int {
	h := fnv.New32a()
	for _, w := range ws {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return int(h.Sum32() % uint32(k))
}

// trainList is one example's candidate texts (standardized features later)
// and the index of the expected one, with what the association features
// need: the query, the texts and the example's pair number.
type trainList struct {
	x     [][numFeatures]float64
	pos   int
	q     *analysis
	texts []*analysis
	pair  int
}

// fillAssoc computes l's association features with table a.
func (l *trainList) fillAssoc(a *assoc) {
	aq := a.query(l.q.wordSet)
	for j, t := range l.texts {
		aq.textFeatures(l.x[j][:], l.q, t)
	}
}

// trainingLists returns the candidate lists of examples whose entry the
// first stage finds, and the (query, entry text) word pairs of all
// examples, numbered from pair0.
func (ix *Index) trainingLists(ctx context.Context, examples []Labeled, pair0 int) ([]trainList, []assocPair, error) {
	g, err := ix.acquire()
	if err != nil {
		return nil, nil, err
	}
	defer g.release()
	var lists []trainList
	var pairs []assocPair
	for i, ex := range examples {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, fmt.Errorf("kb: train ranker: %w", err)
			}
		}
		g.mu.RLock()
		e, ok := g.entries[ex.ID]
		g.mu.RUnlock()
		if !ok {
			return nil, nil, fmt.Errorf("kb: train ranker: example %d: %w: %q", i, ErrNotFound, ex.ID)
		}
		qa := ix.an.analyze(ex.Query)
		pair := pair0 + len(pairs)
		pairs = append(pairs, assocPair{
			words: [2][]string{qa.wordSet, e.texts[0].wordSet},
			sub:   [numSubTables][2][]string{{qa.uni, e.texts[0].uni}, {qa.grams, e.texts[0].grams}},
		})
		cands, err := ix.candidates(ctx, g, &qa, "", nil, "", ix.opts.candidates, nil)
		if err != nil {
			return nil, nil, err
		}
		qi := newQueryInfo(&qa)
		top := 0.0
		for _, c := range cands {
			top = max(top, c.best)
		}
		l := trainList{pos: -1, q: &qa, pair: pair}
		g.mu.RLock()
		for _, c := range cands {
			// The expected entry contributes one text, the one the first
			// stage liked best (the text the query paraphrases). Every text
			// of the other entries is a negative, as Search scores an entry
			// by its best text: a short similar question of a wrong entry
			// must not outscore the right one.
			best := slices.Index(c.bm25, c.best)
			for k := range c.e.texts {
				if c.e.faq.ID == ex.ID {
					if k != best {
						continue
					}
					l.pos = len(l.x)
				}
				var x [numFeatures]float64
				featureVector(&x, &qi, &c.e.texts[k], k, c.bm25[k]/top, c.rank, &g.stats)
				l.x = append(l.x, x)
				l.texts = append(l.texts, &c.e.texts[k])
			}
		}
		g.mu.RUnlock()
		if l.pos >= 0 && len(l.x) > 1 {
			lists = append(lists, l)
		}
	}
	return lists, pairs, nil
}

// standardize sets r's means and scales from the training features and
// rewrites them in standard units.
func standardize(r *Ranker, lists []trainList) {
	var sum, sq [numFeatures]float64
	n := 0.0
	for _, l := range lists {
		for _, x := range l.x {
			for i, v := range x {
				sum[i] += v
				sq[i] += v * v
			}
			n++
		}
	}
	for i := range numFeatures {
		m := sum[i] / n
		sd := math.Sqrt(math.Max(sq[i]/n-m*m, 0))
		if sd < 1e-9 {
			sd = 1
		}
		r.mean[i], r.scale[i] = m, sd
	}
	for _, l := range lists {
		for j := range l.x {
			for i := range numFeatures {
				l.x[j][i] = (l.x[j][i] - r.mean[i]) / r.scale[i]
			}
		}
	}
}

// fit learns r's weights with Adam on the softmax cross-entropy of each
// list's positive, one list per step, lists shuffled every epoch.
func fit(ctx context.Context, r *Ranker, lists []trainList, cfg TrainConfig) (float64, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6b62))
	H := cfg.Hidden
	// Parameters: w (numFeatures), then per hidden unit: numFeatures weights, bias, out.
	np := numFeatures + H*(numFeatures+2)
	p := make([]float64, np)
	for h := range H {
		base := numFeatures + h*(numFeatures+2)
		for i := range numFeatures {
			p[base+i] = rng.NormFloat64() * 0.3
		}
		p[base+numFeatures+1] = rng.NormFloat64() * 0.1
	}
	grad := make([]float64, np)
	m1 := make([]float64, np)
	m2 := make([]float64, np)
	const lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
	order := make([]int, len(lists))
	for i := range order {
		order[i] = i
	}
	step := 0
	var loss float64
	var scores, act []float64
	for epoch := range cfg.Epochs {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("kb: train ranker: %w", err)
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		loss = 0
		rate := lr / (1 + float64(epoch)/10)
		for _, li := range order {
			l := &lists[li]
			scores = scores[:0]
			act = act[:0]
			for _, x := range l.x {
				s := 0.0
				for i := range numFeatures {
					s += p[i] * x[i]
				}
				for h := range H {
					base := numFeatures + h*(numFeatures+2)
					a := p[base+numFeatures]
					for i := range numFeatures {
						a += p[base+i] * x[i]
					}
					t := math.Tanh(a)
					act = append(act, t)
					s += p[base+numFeatures+1] * t
				}
				scores = append(scores, s)
			}
			mx := slices.Max(scores)
			z := 0.0
			for _, s := range scores {
				z += math.Exp(s - mx)
			}
			loss += math.Log(z) - (scores[l.pos] - mx)
			clear(grad)
			for j, x := range l.x {
				d := math.Exp(scores[j]-mx) / z // dL/ds_j
				if j == l.pos {
					d--
				}
				for i := range numFeatures {
					grad[i] += d * x[i]
				}
				for h := range H {
					base := numFeatures + h*(numFeatures+2)
					t := act[j*H+h]
					o := p[base+numFeatures+1]
					grad[base+numFeatures+1] += d * t
					da := d * o * (1 - t*t)
					grad[base+numFeatures] += da
					for i := range numFeatures {
						grad[base+i] += da * x[i]
					}
				}
			}
			step++
			c1 := 1 - math.Pow(b1, float64(step))
			c2 := 1 - math.Pow(b2, float64(step))
			for i := range p {
				gi := grad[i] + cfg.L2*p[i]
				m1[i] = b1*m1[i] + (1-b1)*gi
				m2[i] = b2*m2[i] + (1-b2)*gi*gi
				p[i] -= rate * (m1[i] / c1) / (math.Sqrt(m2[i]/c2) + eps)
			}
		}
		loss /= float64(len(lists))
	}
	copy(r.w[:], p[:numFeatures])
	r.hidden = make([][numFeatures]float64, H)
	r.hbias = make([]float64, H)
	r.out = make([]float64, H)
	for h := range H {
		base := numFeatures + h*(numFeatures+2)
		copy(r.hidden[h][:], p[base:base+numFeatures])
		r.hbias[h] = p[base+numFeatures]
		r.out[h] = p[base+numFeatures+1]
	}
	return loss, nil
}

// listLoss is the mean softmax cross-entropy of r on standardized lists.
func listLoss(r *Ranker, lists []trainList) float64 {
	loss := 0.0
	var s []float64
	for i := range lists {
		l := &lists[i]
		s = s[:0]
		for j := range l.x {
			v := r.linearScore(&l.x[j])
			for k := range r.trees {
				v += r.trees[k].eval(&l.x[j])
			}
			s = append(s, v)
		}
		mx := slices.Max(s)
		z := 0.0
		for _, v := range s {
			z += math.Exp(v - mx)
		}
		loss += math.Log(z) - (s[l.pos] - mx)
	}
	return loss / float64(len(lists))
}

// roundSig rounds w to the given number of significant digits. The
// association tables' JSON form writes probabilities so rounded, so they
// are rounded when learned and a written ranker scores exactly as the
// learned one did; the contrast weights are rounded only to keep the file
// small (their JSON form is exact).
func roundSig(w float64, digits int) float64 {
	if w == 0 || math.IsNaN(w) || math.IsInf(w, 0) {
		return w
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(w, 'g', digits, 64), 64)
	return v
}
