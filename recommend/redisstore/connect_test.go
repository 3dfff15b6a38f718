package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/duxin-ai/duxin/internal/redistest"
	"github.com/duxin-ai/duxin/recommend"
	"github.com/duxin-ai/duxin/recommend/redisstore"
)

func TestConnectForms(t *testing.T) {
	tests := []struct {
		url  string
		want string // the client's type
	}{
		{"redis://127.0.0.1:6379/0", "*redis.Client"},
		{"redis://user:secret@localhost", "*redis.Client"},
		{"rediss://cache.example.com:6380/2?dial_timeout=3s&pool_size=20", "*redis.Client"},
		{"unix:///run/redis/redis.sock?db=1", "*redis.Client"},
		{"redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000", "*redis.ClusterClient"},
		{"rediss://:secret@10.0.0.1:7000/0?addr=10.0.0.2:7000", "*redis.ClusterClient"},
		{"redis://10.0.0.1:26379/0?master_name=mymaster&addr=10.0.0.2:26379", "*redis.Client"},
		{"redis://:sentinelpw@10.0.0.1:26379?master_name=mymaster&password=masterpw", "*redis.Client"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			c, err := redisstore.Connect(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := typeName(c); got != tc.want {
				t.Errorf("client is a %s, want %s", got, tc.want)
			}
		})
	}
}

func typeName(c redis.UniversalClient) string {
	switch c.(type) {
	case *redis.Client:
		return "*redis.Client"
	case *redis.ClusterClient:
		return "*redis.ClusterClient"
	}
	return "other"
}

func TestConnectRejects(t *testing.T) {
	tests := []struct {
		url  string
		want string // in the error text
	}{
		{"http://localhost:6379", "invalid URL scheme"},
		{"redis://localhost:6379/abc", "invalid database number"},
		{"redis://user:secret@localhost:6379?bogus=1", "redis://user:xxxxx@localhost:6379?bogus=1"},
		{"redis://localhost?dial_timeout=soon&password=secret", "password=xxxxx"},
		{"redis://u:secret@host:port/0", "redis://xxxxx@host:port/0"}, // does not parse
		{"redis://10.0.0.1:7000/3?addr=10.0.0.2:7000", "only database 0"},
		{"redis://10.0.0.1:7000?addr=10.0.0.2", "addr"},
		{"redis://10.0.0.1:7000?addr=10.0.0.2:7000&read_only=true", "read_only"},
		{"redis://10.0.0.1:26379?master_name=m&route_randomly=true", "route_randomly"},
		{"unix://", "empty unix socket path"},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			c, err := redisstore.Connect(tc.url)
			if err == nil {
				c.Close()
				t.Fatal("no error")
			}
			if !errors.Is(err, recommend.ErrInvalidOption) {
				t.Errorf("error %v does not wrap ErrInvalidOption", err)
			}
			if !strings.HasPrefix(err.Error(), "redisstore: connect ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestConnectTalks(t *testing.T) {
	url := redistest.URL(t)
	c, err := redisstore.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING %s: %v", url, err)
	}
}
