package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/intent"
	"github.com/duxin-ai/duxin/kb"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
	"github.com/duxin-ai/duxin/replica"
	"github.com/duxin-ai/duxin/replica/redisreplica"
	"github.com/duxin-ai/duxin/tokenize"
)

// This file is the demo on many replicas (-redis URL): users' events and
// feedback in Redis, the knowledge base edited through a change feed that
// every replica follows, and models trained once, published to Redis and
// swapped into every replica. The first replica to start on an empty Redis
// seeds the knowledge base and publishes the models; the others load them.

// replicas is the Redis side of one replica.
type replicas struct {
	client   redis.UniversalClient
	store    *redisstore.Store
	feed     *redisreplica.Feed
	reg      *redisreplica.Registry
	follower *replica.Follower
	watchers []*replica.Watcher
	log      *slog.Logger

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// connectReplicas connects to Redis and builds the shared pieces. It does
// no I/O yet.
func connectReplicas(url, prefix string, log *slog.Logger) (*replicas, error) {
	if prefix == "" {
		prefix = "duxin-demo"
	}
	c, err := redisstore.Connect(url)
	if err != nil {
		return nil, err
	}
	r := &replicas{client: c, log: log, cancel: func() {}}
	if r.store, err = redisstore.New(c, redisstore.Config{Prefix: prefix}); err == nil {
		if r.feed, err = redisreplica.NewFeed(c, redisreplica.Config{Prefix: prefix}); err == nil {
			r.reg, err = redisreplica.NewRegistry(c, redisreplica.Config{Prefix: prefix})
		}
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Ping(context.Background()).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis at %s: %w", url, err)
	}
	return r, nil
}

// followKB makes ix follow the feed, seeding the feed with faqs when it is
// empty, and returns the writer the server edits through.
func (r *replicas) followKB(ctx context.Context, ix *kb.Index, faqs []kb.FAQ) (kb.Writer, error) {
	_, v, err := r.feed.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if v == 0 {
		seed, err := replica.NewWriter(r.feed, nil)
		if err != nil {
			return nil, err
		}
		if err := seed.Reload(ctx, faqs); err != nil {
			return nil, err
		}
		r.log.Info("knowledge base seeded on Redis", "entries", len(faqs))
	}
	if r.follower, err = replica.NewFollower(ix, r.feed, replica.FollowConfig{Logger: r.log}); err != nil {
		return nil, err
	}
	if err := r.follower.Sync(ctx); err != nil {
		return nil, err
	}
	return replica.NewWriter(r.feed, r.follower)
}

// watch loads the model published under name, training and publishing one
// first if there is none, and keeps a watcher to follow later versions.
func (r *replicas) watch(ctx context.Context, name string, load replica.Loader, train func(context.Context) ([]byte, error)) error {
	w, err := replica.NewWatcher(r.reg, name, load, replica.WatchConfig{Logger: r.log})
	if err != nil {
		return err
	}
	err = w.Sync(ctx)
	if errors.Is(err, replica.ErrNoVersion) {
		data, terr := train(ctx)
		if terr != nil {
			return terr
		}
		v, perr := r.reg.Publish(ctx, name, data)
		if perr != nil {
			return perr
		}
		r.log.Info("model trained and published", "name", name, "version", v[:12])
		err = w.Sync(ctx)
	}
	if err != nil {
		return err
	}
	r.watchers = append(r.watchers, w)
	return nil
}

func (r *replicas) intentModel(ctx context.Context, tok tokenize.Tokenizer, train func(context.Context) (*intent.Model, error)) (intentModel, error) {
	m, err := replica.NewIntent(tok, nil)
	if err != nil {
		return nil, err
	}
	err = r.watch(ctx, replica.NameIntent, m.Loader(), func(ctx context.Context) ([]byte, error) {
		im, err := train(ctx)
		if err != nil {
			return nil, err
		}
		return encode(im)
	})
	return m, err
}

func (r *replicas) recommendModel(ctx context.Context, eng *recommend.Engine, train func(context.Context) (*recommend.Model, error)) error {
	return r.watch(ctx, replica.NameRecommend, replica.RecommendModel(eng), func(ctx context.Context) ([]byte, error) {
		m, err := train(ctx)
		if err != nil {
			return nil, err
		}
		return encode(m)
	})
}

func encode(m interface {
	WriteTo(w io.Writer) (int64, error)
}) ([]byte, error) {
	var b bytes.Buffer
	_, err := m.WriteTo(&b)
	return b.Bytes(), err
}

// start follows the feed and the registry in the background until Close.
func (r *replicas) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Go(func() { r.follower.Run(ctx) })
	for _, w := range r.watchers {
		r.wg.Go(func() { w.Run(ctx) })
	}
}

// status adds what this replica serves of the shared state.
func (r *replicas) status(st *statusView) {
	st.Store = "redis"
	fs := r.follower.Status()
	st.KBVersion = fs.Version
	if fs.Err != nil {
		st.Errors = append(st.Errors, "kb feed: "+fs.Err.Error())
	}
	for _, w := range r.watchers {
		ws := w.Status()
		st.Models[ws.Name+"@published"] = ws.Version
		if ws.Err != nil {
			st.Errors = append(st.Errors, ws.Name+": "+ws.Err.Error())
		}
	}
}

// Close stops following and closes the Redis client.
func (r *replicas) Close() error {
	r.cancel()
	r.wg.Wait()
	return r.client.Close()
}

// statusView is what GET /api/status answers.
type statusView struct {
	Store     string            `json:"store"` // memory | redis
	KBEntries int               `json:"kb_entries"`
	KBVersion uint64            `json:"kb_version"` // the feed version served (redis) or the index's revision
	Models    map[string]string `json:"models"`
	Errors    []string          `json:"errors,omitempty"`
}
