package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/intent/slots"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/prommetrics"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/simulate"
	"github.com/duxin-ai/duxin/sampledata"
	"github.com/duxin-ai/duxin/tokenize/jieba"
)

// This file wires duxin's packages on the bundled sample data for the
// server (server.go), which serves them through httpapi.

// backend is what the server serves.
type backend struct {
	kb       *kb.Index
	classify intentModel           // the trained model, or the one a replica swaps
	routes   *intent.Routes        // intents to services
	slots    httpapi.SlotExtractor // amounts, dates, card tails ... for the routes
	eng      *recommend.Engine
	describe func(event) string         // what the user did, 发起了一笔转账到银行卡
	ago      func(time.Duration) string // how long ago, 3分钟前
	words    *recommend.Phrasebook      // the event vocabulary and its words
	edit     kb.Writer                  // KB edits: the index, or the change feed on Redis
	status   func() statusView          // what this replica serves
	metrics  http.Handler               // Prometheus metrics (GET /metrics)
	closers  []func() error
}

// versions is what GET /api/versions answers: the knowledge base's version
// and the models'.
func (b *backend) versions() map[string]string {
	st := b.status()
	vs := map[string]string{"kb": strconv.FormatUint(st.KBVersion, 10)}
	maps.Copy(vs, st.Models)
	return vs
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
		if what, ok := words.Describe(toRecommend(e)[0]); ok {
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
	b.kb = ix
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
	if b.slots, err = newSlotExtractor(cfg.Now); err != nil {
		return nil, err
	}
	b.classify, b.routes = model, routes
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
	metrics, err := prommetrics.New(promReg, prommetrics.Config{Versions: b.versions})
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
	b.eng = eng
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

	// Start-up indexed the knowledge base and trained three models; what
	// that took is garbage now, and the server needs a small part of it
	// (about 30 MB of live heap). Hand it back to the system at once rather
	// than keep it resident until the runtime's scavenger gets to it.
	debug.FreeOSMemory()
	log.Info("start-up done", "took", time.Since(start).Round(time.Millisecond))
	return b, nil
}

// intentModel is a trained intent model, or one a replica swaps when a new
// one is published.
type intentModel interface {
	Classify(ctx context.Context, text string) (intent.Result, error)
}

// newSlotExtractor is the demo's slot extractor, on the demo's clock (for
// 昨天, 上周五): the only place the demo makes one.
func newSlotExtractor(now func() time.Time) (httpapi.SlotExtractor, error) {
	return slots.New(slots.WithClock(now))
}

// toRecommend converts the server's events to the engine's.
func toRecommend(events ...event) []recommend.Event {
	out := make([]recommend.Event, 0, len(events))
	for _, e := range events {
		out = append(out, recommend.Event{ID: e.ID, User: e.User, Time: e.Time, Type: e.Type, Attrs: e.Attrs, Question: e.Question, Text: e.Text})
	}
	return out
}
