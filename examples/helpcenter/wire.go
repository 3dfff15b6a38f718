package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/prommetrics"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// This file wires duxin's four packages on the bundled sample data and
// adapts them to the server's interfaces (server.go).

// backend is what the server's interfaces are made of.
type backend struct {
	search   searcher
	classify classifier
	rec      recommender
	sink     eventSink
	describe func(event) string         // what the user did, 发起了一笔转账到银行卡
	ago      func(time.Duration) string // how long ago, 3分钟前
	words    *recommend.Phrasebook      // the event vocabulary and its words
	edit     kb.Writer                  // KB edits: the index, or the change feed on Redis
	status   func() statusView          // what this replica serves
	metrics  http.Handler               // Prometheus metrics (GET /metrics)
	closers  []func() error
}

// Close releases what build acquired, last first.
func (b *backend) Close() error {
	var errs []error
	for i := len(b.closers) - 1; i >= 0; i-- {
		errs = append(errs, b.closers[i]())
	}
	b.closers = nil
	return errors.Join(errs...)
}

// buildConfig are the knobs of build.
type buildConfig struct {
	Seed  uint64           // simulation and training seed
	Users int              // simulated users the recommender learns from
	Now   func() time.Time // the clock of the engine and the slot extractor
	// Redis, if set, is the URL of the Redis the replicas share (see
	// replicated.go); empty keeps everything in this process.
	Redis string
	// Prefix starts the keys on Redis; default "duxin-demo".
	Prefix string
}

// build loads the tokenizer, indexes the sample knowledge base, trains the
// intent model, simulates a behavior log and trains the recommender on it,
// logging each step and the time it took.
func build(ctx context.Context, cfg buildConfig, log *slog.Logger) (_ *backend, err error) {
	words, err := simulate.SamplePhrasebook()
	if err != nil {
		return nil, err
	}
	b := &backend{ago: recommend.Ago, words: words, describe: func(e event) string {
		if what, ok := words.Describe(toRecommend(e)); ok {
			return what
		}
		return "有一次操作"
	}}
	defer func() {
		if err != nil {
			err = errors.Join(err, b.Close())
		}
	}()
	start := time.Now()
	done := func(msg string, t0 time.Time, args ...any) {
		log.Info(msg, append(args, "took", time.Since(t0).Round(time.Millisecond))...)
	}

	// Tokenizer: jieba with duxin's payments dictionary, shared by kb and intent.
	t0 := time.Now()
	tok, err := jieba.New()
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	b.closers = append(b.closers, tok.Close)
	done("tokenizer loaded", t0, "identity", tok.Identity())

	// Knowledge base: the sample FAQs in a bleve index.
	t0 = time.Now()
	faqs, _, err := kb.Load(bytes.NewReader(sampledata.FAQJSONL()), kb.FormatJSONL, kb.WithFileName("sampledata/faq.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	ix, err := kb.New(tok)
	if err != nil {
		return nil, fmt.Errorf("knowledge base: %w", err)
	}
	b.closers = append(b.closers, ix.Close)
	var rep *replicas // nil: one process, in memory
	if cfg.Redis != "" {
		if rep, err = connectReplicas(cfg.Redis, cfg.Prefix, log); err != nil {
			return nil, err
		}
		b.closers = append(b.closers, rep.Close)
		if b.edit, err = rep.followKB(ctx, ix, faqs); err != nil {
			return nil, fmt.Errorf("knowledge base: %w", err)
		}
	} else {
		if err := ix.Reload(ctx, faqs); err != nil {
			return nil, fmt.Errorf("knowledge base: %w", err)
		}
		b.edit = ix
	}
	b.search = kbSearcher{ix}
	done("knowledge base indexed", t0, "faqs", ix.Len())

	// Intents: a classifier trained on the sample utterances, the routing
	// table and the slot extractor.
	t0 = time.Now()
	exs, err := intent.ReadJSONL(bytes.NewReader(sampledata.IntentsJSONL()), "sampledata/intents.jsonl")
	if err != nil {
		return nil, fmt.Errorf("intents: %w", err)
	}
	learning := intent.DefaultLearning()
	learning.Seed = cfg.Seed
	trainIntent := func(ctx context.Context) (*intent.Model, error) {
		return intent.Train(ctx, exs, tok, intent.WithLearning(learning))
	}
	var model intentModel
	if rep != nil {
		model, err = rep.intentModel(ctx, tok, trainIntent)
	} else {
		model, err = trainIntent(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("intents: %w", err)
	}
	routes, err := intent.LoadRoutes(bytes.NewReader(sampledata.RoutesJSONL()))
	if err != nil {
		return nil, fmt.Errorf("routes: %w", err)
	}
	extractor, err := slots.New(slots.WithClock(cfg.Now))
	if err != nil {
		return nil, err
	}
	b.classify = &intentClassifier{model: model, routes: routes, slots: extractor}
	done("intent model ready", t0, "examples", len(exs), "routes", routes.Len())

	// Recommender: learn from a simulated behavior log of wallet users.
	t0 = time.Now()
	trainRec := func(ctx context.Context) (*recommend.Model, error) {
		sim, err := simulate.Generate(simulate.Config{Users: cfg.Users, Seed: cfg.Seed, FAQs: faqs})
		if err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
		log.Info("behavior log simulated", "users", cfg.Users, "events", len(sim.Events), "asks", len(sim.Asks))
		return recommend.Train(ctx, sim.Events, ix, recommend.TrainOptions{Seed: cfg.Seed, Logger: log})
	}
	var store interface {
		recommend.EventStore
		recommend.FeedbackStore
	}
	// Metrics: the engine's calls and the versions served, for Prometheus.
	promReg := prometheus.NewRegistry()
	metrics, err := prommetrics.New(promReg, prommetrics.Config{Versions: func() map[string]string {
		st := b.status()
		vs := map[string]string{"kb": strconv.FormatUint(st.KBVersion, 10)}
		for k, v := range st.Models {
			vs[k] = v
		}
		return vs
	}})
	if err != nil {
		return nil, err
	}
	b.metrics = promhttp.HandlerFor(promReg, promhttp.HandlerOpts{})
	opts := []recommend.Option{recommend.WithClock(cfg.Now), recommend.WithLogger(log), recommend.WithPhrasebook(words),
		recommend.WithObserver(metrics)}
	if rep != nil {
		store = rep.store
		// A slow or dead Redis costs a request at most this long: it then
		// answers from what the replica holds alone.
		opts = append(opts, recommend.WithStoreTimeout(300*time.Millisecond))
	} else {
		if store, err = recommend.NewMemoryStore(recommend.MemoryConfig{Clock: cfg.Now}); err != nil {
			return nil, err
		}
	}
	eng, err := recommend.NewEngine(ix, store, store, opts...)
	if err != nil {
		return nil, err
	}
	if rep != nil {
		err = rep.recommendModel(ctx, eng, trainRec)
	} else {
		var rm *recommend.Model
		if rm, err = trainRec(ctx); err == nil {
			err = eng.SetModel(rm)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("recommender: %w", err)
	}
	if err := eng.Reload(ctx); err != nil {
		return nil, err
	}
	r := engineRecommender{eng}
	b.rec, b.sink = r, r
	done("recommender ready", t0, "model", eng.Model().Info().ID[:12], "asks", eng.Model().Asks())
	b.status = func() statusView {
		st := statusView{Store: "memory", KBEntries: ix.Len(), KBVersion: ix.Revision(),
			Models: map[string]string{"recommend": eng.Model().Info().ID}}
		if rep != nil {
			rep.status(&st)
		}
		return st
	}
	if rep != nil {
		rep.start()
	}

	log.Info("start-up done", "took", time.Since(start).Round(time.Millisecond))
	return b, nil
}

// kbSearcher adapts kb's index.
type kbSearcher struct{ ix *kb.Index }

func (s kbSearcher) Search(ctx context.Context, text string, limit int) ([]hitView, error) {
	hits, err := s.ix.Search(ctx, kb.Query{Text: text, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]hitView, 0, len(hits))
	for _, h := range hits {
		out = append(out, hitView{ID: h.FAQ.ID, Question: h.FAQ.Question, Category: h.FAQ.Category,
			Score: h.Score, Confidence: h.Confidence, Field: string(h.Field), Matched: h.Matched, Fragment: h.Fragment})
	}
	return out, nil
}

func (s kbSearcher) AnswerThreshold() float64 { return s.ix.AnswerThreshold() }

func (s kbSearcher) Get(ctx context.Context, id string) (faqView, error) {
	f, err := s.ix.Get(ctx, id)
	if errors.Is(err, kb.ErrNotFound) || errors.Is(err, kb.ErrEmptyID) {
		return faqView{}, fmt.Errorf("%w %q", errUnknownFAQ, id)
	}
	if err != nil {
		return faqView{}, err
	}
	return faqView{ID: f.ID, Question: f.Question, Answer: f.Answer, Category: f.Category, Tags: f.Tags}, nil
}

// intentModel is a trained intent model, or one a replica swaps when a new
// one is published.
type intentModel interface {
	Classify(ctx context.Context, text string) (intent.Result, error)
}

// intentClassifier is intent's model, routing table and slot extractor.
type intentClassifier struct {
	model  intentModel
	routes *intent.Routes
	slots  *slots.Extractor
}

func (c *intentClassifier) Classify(ctx context.Context, text string) (classification, error) {
	res, err := c.model.Classify(ctx, text)
	if err != nil {
		return classification{}, err
	}
	out := classification{Outcome: res.Outcome.String(), Intent: res.Intent}
	for _, p := range res.Predictions {
		out.Predictions = append(out.Predictions, predictionView{Intent: p.Label, Confidence: p.Confidence})
	}
	if len(res.Predictions) > 0 {
		out.Confidence = res.Predictions[0].Confidence
	}
	if !res.Known() {
		return out, nil
	}
	rs, err := c.routes.Resolve(res.Intent, c.slots.Extract(text))
	if errors.Is(err, intent.ErrUnknownIntent) {
		// Recognised, but the routing table has no service for it.
		out.Outcome = "unrouted"
		return out, nil
	}
	if err != nil {
		return classification{}, err
	}
	out.Service = &serviceView{Name: rs.Route.Service, Link: rs.Route.Link}
	for _, s := range rs.Slots {
		out.Slots = append(out.Slots, slotView{Kind: string(s.Kind), Label: slotLabel(string(s.Kind)), Text: s.Text, Value: s.Value})
	}
	out.Missing = rs.Missing
	return out, nil
}

// slotLabel is the Chinese name of a slot kind.
func slotLabel(kind string) string {
	switch slots.Kind(kind) {
	case slots.Amount:
		return "金额"
	case slots.CardTail:
		return "卡号尾号"
	case slots.Date:
		return "日期"
	case slots.Payee:
		return "收款人"
	case slots.OrderID:
		return "订单号"
	case slots.Phone:
		return "手机号"
	}
	return kind
}

// maxReasons is how many reasons a suggestion shows.
const maxReasons = 2

// engineRecommender adapts recommend's engine: suggestions, events and feedback.
type engineRecommender struct{ e *recommend.Engine }

func (r engineRecommender) Recommend(ctx context.Context, user string, limit int) ([]suggestionView, error) {
	sugs, err := r.e.Recommend(ctx, recommend.Request{User: user, Limit: limit})
	if err != nil && !errors.Is(err, recommend.ErrDegraded) {
		return nil, err
	}
	degraded := err // the engine answered without the stores
	out := make([]suggestionView, 0, len(sugs))
	for _, s := range sugs {
		v := suggestionView{ID: s.FAQ.ID, Question: s.FAQ.Question, Category: s.FAQ.Category, Score: s.Score, Reasons: []string{}}
		// The engine gives each sentence once, strongest first: show a few.
		for _, why := range s.Reasons[:min(len(s.Reasons), maxReasons)] {
			v.Reasons = append(v.Reasons, why.Text)
		}
		out = append(out, v)
	}
	if degraded != nil {
		return out, &degradedError{degraded}
	}
	return out, nil
}

// degradedError carries suggestions made without the stores: the server
// shows them and says so.
type degradedError struct{ err error }

func (e *degradedError) Error() string { return e.err.Error() }
func (e *degradedError) Unwrap() error { return e.err }

var feedbackKinds = map[string]recommend.FeedbackKind{
	"click":   recommend.Click,
	"dismiss": recommend.Dismiss,
	"resolve": recommend.Resolve,
}

func (r engineRecommender) Feedback(ctx context.Context, user, faqID, kind string) error {
	k, ok := feedbackKinds[kind]
	if !ok {
		return fmt.Errorf("unknown feedback kind %q", kind)
	}
	return r.e.Feedback(ctx, recommend.Feedback{User: user, Question: faqID, Kind: k})
}

func toRecommend(e event) recommend.Event {
	return recommend.Event{ID: e.ID, User: e.User, Time: e.Time, Type: e.Type, Attrs: e.Attrs, Question: e.Question, Text: e.Text}
}

func (r engineRecommender) Record(ctx context.Context, events ...event) error {
	evs := make([]recommend.Event, 0, len(events))
	for _, e := range events {
		evs = append(evs, toRecommend(e))
	}
	return r.e.Record(ctx, evs...)
}
