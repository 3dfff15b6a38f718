package redisstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/recommend"
)

// Connect returns a go-redis client for a URL in one of these forms (go-redis
// parses them; see its ParseURL, ParseClusterURL and ParseFailoverURL for
// every query parameter, such as dial_timeout=3s or pool_size=50):
//
//	redis://[user:password@]host[:port][/db][?param=value&…]     one server (port 6379, db 0 by default)
//	rediss://…                                                    the same over TLS
//	unix://[user:password@]/path/to/redis.sock[?db=N&…]          one server on a Unix socket
//	redis[s]://[user:password@]host:port?addr=host2:port2[&addr=…]
//	                                                              a Redis Cluster, seeded with every address given
//	redis[s]://[user:password@]host:port[/db]?master_name=NAME[&addr=host2:port2…][&username=U&password=P]
//	                                                              the master NAME, found through the Sentinels at
//	                                                              host:port and every addr; the userinfo is the
//	                                                              Sentinels' credentials, username and password
//	                                                              the master's
//
// So a master_name parameter means Sentinel, else an addr parameter means
// Cluster, else one server. A Cluster has only database 0, so a path
// naming another is an error. Parameters that send reads to replicas
// (read_only, route_by_latency, route_randomly, replica_only) are errors:
// the store must read what it has just written. To reach a Cluster
// through a single address, or for anything else a URL cannot say, build
// the client with go-redis and pass it to [New].
//
// The client honours contexts' deadlines and cancellation on the wire
// (go-redis's ContextTimeoutEnabled, which Connect turns on; a Sentinel
// URL may turn it off with context_timeout_enabled=false), so that
// [recommend.WithStoreTimeout] bounds a request's wait for a hung server.
// A client built by hand should set it too.
//
// Connect does no I/O: the client dials on its first command. The caller
// closes the client. A bad URL is an error wrapping
// [recommend.ErrInvalidOption] that names the URL with its passwords
// replaced by "xxxxx".
func Connect(rawURL string) (redis.UniversalClient, error) {
	c, err := connect(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: connect %s: %w: %w", redact(rawURL), recommend.ErrInvalidOption, err)
	}
	return c, nil
}

func connect(rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue.Error() would repeat the URL, password and all
		}
		return nil, err
	}
	q := u.Query()
	for _, p := range []string{"read_only", "route_by_latency", "route_randomly", "replica_only"} {
		if q.Has(p) {
			return nil, fmt.Errorf("parameter %s: the store reads its own writes, so it reads from masters only", p)
		}
	}
	switch {
	case q.Has("master_name"):
		opt, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, err
		}
		if !q.Has("context_timeout_enabled") {
			opt.ContextTimeoutEnabled = true
		}
		return redis.NewFailoverClient(opt), nil
	case q.Has("addr"):
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("path %q: a Redis Cluster has only database 0", u.Path)
		}
		opt, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, err
		}
		opt.ContextTimeoutEnabled = true
		return redis.NewClusterClient(opt), nil
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
}

// redact returns rawURL with the password of its userinfo and the value
// of every parameter whose name contains "password" replaced by "xxxxx";
// if rawURL does not parse, everything between "://" and the last '@'
// goes.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		scheme, rest, ok := strings.Cut(rawURL, "://")
		if at := strings.LastIndexByte(rest, '@'); ok && at >= 0 {
			return scheme + "://xxxxx" + rest[at:]
		}
		if !ok && strings.Contains(rawURL, "@") {
			return "(unparsable URL)"
		}
		return rawURL
	}
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			k, _, _ := strings.Cut(p, "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			if strings.Contains(strings.ToLower(k), "password") {
				params[i] = url.QueryEscape(k) + "=xxxxx"
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	return u.Redacted()
}
