package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServeConfig are the knobs of [Serve].
type ServeConfig struct {
	// Grace is how long Serve waits, once ctx is done, for the requests in
	// flight to finish; 0 means 5 seconds, a negative value not at all.
	Grace time.Duration
	// Log receives the server's start and stop and the errors of
	// net/http's server; nil discards them.
	Log *slog.Logger
	// Ready, if not nil, is called with the address listened on (useful
	// with port 0) once the server accepts connections.
	Ready func(addr string)
}

// Serve serves h on addr until ctx is done, then shuts down gracefully: it
// stops accepting connections and waits up to cfg.Grace for the requests
// in flight. The server has the timeouts a server facing a network needs
// (5 s to read a request's header, 10 s its body, 30 s to write the answer,
// 2 min idle, 16 KiB of header). It returns nil after a graceful shutdown,
// and the error when the address cannot be listened on, the server fails or
// requests were still running when the grace period ended.
//
// A program that serves duxin calls it from main with a context that a
// signal cancels:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//	defer stop()
//	err := httpapi.Serve(ctx, ":8080", mux, httpapi.ServeConfig{Log: slog.Default()})
func Serve(ctx context.Context, addr string, h http.Handler, cfg ServeConfig) error {
	switch {
	case cfg.Grace == 0:
		cfg.Grace = 5 * time.Second
	case cfg.Grace < 0:
		cfg.Grace = 0
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	if cfg.Ready != nil {
		cfg.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.Grace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
