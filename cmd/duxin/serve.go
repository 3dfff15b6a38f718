package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
)

func init() {
	register(command{name: "serve", summary: `serve the HTTP API over your files until SIGINT or SIGTERM

The API (package httpapi) is under /api/: search, entries, classify (with
-intent), suggestions, events and feedback, health, versions; GET
/api/openapi.json describes it. Without -recommend, suggestions come from the
knowledge base's trigger rules and popularity. Events and feedback are kept
in memory. On SIGINT or SIGTERM the server stops accepting connections and
waits up to -grace for requests in flight.`,
		flags: serveFlags})
}

func serveFlags(fs *flag.FlagSet) func(context.Context, env) (any, error) {
	kbPath := fs.String("kb", "", "knowledge base: .jsonl, .json, .csv, .yml or .yaml (required)")
	rankerPath := fs.String("ranker", "", "ranker written by duxin train ranker (default: kb's)")
	intentPath := fs.String("intent", "", "intent model written by duxin train intent: serves /api/classify")
	routesPath := fs.String("routes", "", "routing table from intents to services (JSON Lines, see intent.LoadRoutes)")
	recPath := fs.String("recommend", "", "recommender model written by duxin train recommend")
	phrasebook := fs.String("phrasebook", "", "phrasebook wording the suggestions' reasons (YAML, see recommend.LoadPhrasebook)")
	addr := fs.String("addr", "localhost:8080", "address to listen on")
	grace := durationFlag(fs, "grace", 5*time.Second, 0, maxGrace, "how long shutdown waits for requests in flight")
	verbose := fs.Bool("v", false, "log every request")
	return func(ctx context.Context, e env) (_ any, err error) {
		if err := required(map[string]string{"kb": *kbPath}); err != nil {
			return nil, err
		}
		if *routesPath != "" && *intentPath == "" {
			return nil, usagef("-routes needs -intent")
		}
		if _, _, err := net.SplitHostPort(*addr); err != nil {
			return nil, usagef("-addr %q: %v", *addr, err)
		}
		level := slog.LevelInfo
		if *verbose {
			level = slog.LevelDebug
		}
		log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
		p := newProgress(e)
		defer func() { p.finish(err) }()

		faqs, _, err := kb.LoadFile(*kbPath)
		if err != nil {
			return nil, err
		}
		versions := map[string]string{}
		var kopts []kb.Option
		if *rankerPath != "" {
			r, sum, err := readRanker(*rankerPath)
			if err != nil {
				return nil, err
			}
			kopts, versions["ranker"] = append(kopts, kb.WithRanker(r)), sum
		}
		tok, err := kbTokenizer()
		if err != nil {
			return nil, err
		}
		defer tok.Close()
		p.stage(fmt.Sprintf("indexing %d entries", len(faqs)), 0)
		ix, err := kb.New(tok, kopts...)
		if err != nil {
			return nil, err
		}
		defer ix.Close()
		if err := ix.Reload(ctx, faqs); err != nil {
			return nil, err
		}
		p.end()
		opts := []httpapi.Option{httpapi.WithWriter(ix), httpapi.WithLogger(log),
			httpapi.WithVersions(func() map[string]string { return versions })}

		if *intentPath != "" {
			mf, err := readIntentModel(*intentPath)
			if err != nil {
				return nil, err
			}
			defer mf.tok.Close()
			m := mf.model
			versions["intent"] = mf.sum
			var routes *intent.Routes
			if *routesPath != "" {
				if routes, err = intent.LoadRoutesFile(*routesPath); err != nil {
					return nil, err
				}
			}
			slots, err := newSlotExtractor()
			if err != nil {
				return nil, err
			}
			opts = append(opts, httpapi.WithClassifier(m, routes, slots))
		}

		store, err := recommend.NewMemoryStore(recommend.MemoryConfig{})
		if err != nil {
			return nil, err
		}
		ropts := []recommend.Option{recommend.WithLogger(log)}
		if *recPath != "" {
			raw, _, err := readModelFile(*recPath)
			if err != nil {
				return nil, err
			}
			m, err := recommend.ReadModel(bytes.NewReader(raw))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", *recPath, err)
			}
			ropts = append(ropts, recommend.WithModel(m))
		}
		if *phrasebook != "" {
			pb, err := recommend.LoadPhrasebook(*phrasebook)
			if err != nil {
				return nil, err
			}
			ropts = append(ropts, recommend.WithPhrasebook(pb))
		}
		eng, err := recommend.NewEngine(ix, store, store, ropts...)
		if err != nil {
			return nil, err
		}
		if err := eng.Reload(ctx); err != nil {
			return nil, err
		}
		opts = append(opts, httpapi.WithRecommender(eng))

		api, err := httpapi.New(ix, opts...)
		if err != nil {
			return nil, err
		}
		mux := http.NewServeMux()
		mux.Handle("/api/", http.StripPrefix("/api", api))
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintln(w, "duxin serve: the API is under /api/; GET /api/openapi.json describes it.")
		})
		g := *grace
		if g == 0 {
			g = -1 // ServeConfig's "do not wait"
		}
		return nil, httpapi.Serve(ctx, *addr, mux, httpapi.ServeConfig{Grace: g, Log: log, Ready: func(a string) {
			log.Info("the API is under /api/", "url", "http://"+a+"/api/")
			if e.ready != nil {
				e.ready(a)
			}
		}})
	}
}
