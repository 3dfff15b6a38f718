package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Loader decodes a published model and makes it the one served. An error
// refuses the model, and what served before keeps serving. It must swap
// atomically: a request sees the old model or the new one, never a mix
// ([RecommendModel], [KBRanker] and [Intent.Loader] do).
type Loader func(ctx context.Context, data []byte) error

// WatchConfig configures NewWatcher. Every zero field takes its default.
type WatchConfig struct {
	// Interval is how often the registry is asked for the current
	// version; default 1 second (one small read per replica and name).
	Interval time.Duration
	// Logger receives a line per load, refusal and failed check; default
	// none.
	Logger *slog.Logger
}

// Watcher keeps one model name served at its published version: it polls
// a Registry and hands each new version to a Loader. It is safe for
// concurrent use.
type Watcher struct {
	reg  Registry
	name string
	load Loader
	cfg  WatchConfig

	syncMu sync.Mutex // one check at a time
	mu     sync.Mutex
	st     WatchStatus
}

// WatchStatus is what a Watcher serves and what went wrong last.
type WatchStatus struct {
	Name string
	// Version is the version served ("" before the first load).
	Version  string
	LoadedAt time.Time
	// Refused is the last version the Loader refused; it is not tried
	// again until another is published. A version whose data does not
	// match it ([ErrCorrupt]) is not refused but fetched again at the next
	// check: it may be a file a deploy tool is still copying.
	Refused string
	// Err is the last check's error, nil when it succeeded.
	Err error
}

// NewWatcher returns a watcher of name in reg. It does no I/O; call
// [Watcher.Sync] to load the current version before serving, and
// [Watcher.Run] to follow later ones.
func NewWatcher(reg Registry, name string, load Loader, cfg WatchConfig) (*Watcher, error) {
	if reg == nil || load == nil {
		return nil, errors.New("replica: NewWatcher: nil registry or loader")
	}
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if cfg.Interval < 0 {
		return nil, fmt.Errorf("replica: NewWatcher: Interval = %v, want >= 0", cfg.Interval)
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{reg: reg, name: name, load: load, cfg: cfg, st: WatchStatus{Name: name}}, nil
}

// Status returns what the watcher serves and its last error.
func (w *Watcher) Status() WatchStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st
}

// Sync asks the registry once and loads the current version if it is not
// the one served (or the one last refused). It returns the check's error:
// nil when the served version is current, an error wrapping [ErrNoVersion]
// when nothing is published, the Loader's or the registry's error
// otherwise. On any error the served model stays.
func (w *Watcher) Sync(ctx context.Context) error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	err := w.check(ctx)
	w.mu.Lock()
	w.st.Err = err
	w.mu.Unlock()
	return err
}

func (w *Watcher) check(ctx context.Context) error {
	v, err := w.reg.Current(ctx, w.name)
	if err != nil {
		return err
	}
	st := w.Status()
	if v == st.Version {
		return nil
	}
	if v == st.Refused {
		return fmt.Errorf("replica: %s@%.12s: refused before; waiting for another version", w.name, v)
	}
	data, err := w.reg.Fetch(ctx, w.name, v)
	if err == nil {
		err = Verify(w.name, v, data) // whatever the registry does
	}
	if err != nil {
		// Corrupt data is not remembered as refused: a folder a deploy
		// tool syncs shows a version's file before it is whole.
		return err
	}
	if err := w.load(ctx, data); err != nil {
		if ctx.Err() != nil {
			return err // not the model's fault: try again
		}
		err = fmt.Errorf("replica: %s@%.12s refused: %w", w.name, v, err)
		w.refuse(v, err)
		return err
	}
	w.mu.Lock()
	old := w.st.Version
	w.st.Version, w.st.LoadedAt, w.st.Refused = v, time.Now(), ""
	w.mu.Unlock()
	w.cfg.Logger.Info("replica: model loaded", "name", w.name, "version", v, "previous", old, "bytes", len(data))
	return nil
}

func (w *Watcher) refuse(v string, err error) {
	w.mu.Lock()
	w.st.Refused = v
	w.mu.Unlock()
	w.cfg.Logger.Error("replica: model refused; the served one stays", "name", w.name, "version", v, "err", err)
}

// Run calls Sync every Interval until ctx ends, and returns ctx's error.
// Errors are logged and kept in Status; Run does not stop on them, so a
// registry that was down is read again when it is back.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	var last string
	for {
		if err := w.Sync(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNoVersion) {
			if msg := err.Error(); msg != last { // once per distinct error, not every tick
				w.cfg.Logger.Warn("replica: model check failed", "name", w.name, "err", err)
				last = msg
			}
		} else {
			last = ""
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
