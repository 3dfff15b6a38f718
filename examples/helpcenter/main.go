// Command helpcenter is duxin's 我的客服 demo: a help center on the bundled
// sample data that guesses what each demo user is about to ask (猜你关心),
// searches the knowledge base as you type, and sends an instruction such as
// 我要查账单 to the service it names.
//
//	go run ./examples/helpcenter        # then open http://localhost:8080
//
// With -redis URL it runs as one replica of many: events, feedback, the
// knowledge base's change feed and the models live on Redis, so several
// instances on different ports answer alike (see replicated.go):
//
//	go run ./examples/helpcenter -redis redis://127.0.0.1:6379/0 -addr :8081
//
// At start it loads the jieba tokenizer, indexes the sample knowledge base,
// trains the intent model on the sample utterances and the recommender on a
// simulated behavior log, logging each step and its time to stderr. The JSON
// API the page uses is described in README.md.
package main

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/duxin-ai/duxin/httpapi"
)

// config is what the flags set.
type config struct {
	Addr    string
	Redis   string
	Prefix  string
	Seed    uint64
	Users   int
	Verbose bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Addr, "addr", "localhost:8080", "address to serve on")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the behavior simulation and of training")
	flag.IntVar(&cfg.Users, "users", 1000, "simulated users the recommender is trained on")
	flag.BoolVar(&cfg.Verbose, "v", false, "log every request")
	flag.StringVar(&cfg.Redis, "redis", "", "Redis URL (redis://host:port/0) to share state with other replicas; empty keeps it in memory")
	flag.StringVar(&cfg.Prefix, "redis-prefix", "duxin-demo", "prefix of the demo's keys on Redis")
	flag.Parse()

	level := slog.LevelInfo
	if cfg.Verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log, nil); err != nil {
		log.Error("helpcenter stopped", "err", err)
		os.Exit(1)
	}
}

// run builds duxin on the sample data and serves the page until ctx is done.
func run(ctx context.Context, cfg config, log *slog.Logger, ready func(addr string)) error {
	b, err := build(ctx, buildConfig{Seed: cfg.Seed, Users: cfg.Users, Now: time.Now, Redis: cfg.Redis, Prefix: cfg.Prefix}, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := b.Close(); err != nil {
			log.Error("close", "err", err)
		}
	}()
	s, err := newServer(ctx, b, serverConfig{Log: log, Now: time.Now})
	if err != nil {
		return err
	}
	return serve(ctx, cfg.Addr, s.handler(), log, ready)
}

// serve serves h on addr until ctx is done, then shuts down gracefully
// (httpapi.Serve: it waits up to 5 seconds for requests in flight). If ready
// is not nil it is called with the address actually listened on once the
// server accepts connections.
func serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(addr string)) error {
	return httpapi.Serve(ctx, addr, h, httpapi.ServeConfig{Log: log, Ready: func(a string) {
		log.Info("open the page", "url", "http://"+a+"/")
		if ready != nil {
			ready(a)
		}
	}})
}
