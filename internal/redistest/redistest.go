// Package redistest runs tests against a real redis-server: the Redis
// store's tests (recommend/redisstore) use it so that what they check is
// what a deployment gets, faults included.
//
// [Start] runs a private redis-server for one test — on 127.0.0.1, on a
// free port, with its data in t.TempDir() and every write fsynced to the
// append-only file before it is acknowledged, so that [Server.Kill]
// followed by [Server.Restart] loses nothing that was acknowledged. [URL]
// is what most tests call: the server named by $DUXIN_REDIS_URL when it is
// set (CI starts one shared server), else a private one from Start.
// [Prefix] gives each test its own key prefix, so tests sharing a server
// never see each other's keys, and deletes the test's keys when it ends.
//
// Without redis-server on PATH the tests skip, saying how to install it
// (Debian's redis-server package), unless $CI is "true", where they fail.
//
// Every function reports failures through t and returns only on success.
package redistest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvURL names the environment variable that points [URL] at a shared
// server, such as redis://127.0.0.1:6379/0.
const EnvURL = "DUXIN_REDIS_URL"

// readyTimeout bounds how long a starting server may take to answer PING.
const readyTimeout = 5 * time.Second

// Server is a redis-server process started by [Start]. Its methods are
// safe for concurrent use.
type Server struct {
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// lookPath returns the redis-server binary, or skips (fails under CI=true)
// when there is none.
func lookPath(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("redis-server not found on PATH (CI=true, so the Redis tests must run): %v", err)
	}
	t.Skip("redis-server not found on PATH; install Debian's redis-server package to run the Redis tests")
	return ""
}

// Start runs a redis-server for this test and stops it when the test ends.
// It fails the test if the server does not answer PING within 5 seconds.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{bin: lookPath(t), dir: t.TempDir()}
	var err error
	for range 3 { // another process may take the free port before the server binds it
		if s.port, err = freePort(); err != nil {
			break
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server process and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logFile := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--dir", s.dir,
		"--logfile", logFile,
		"--daemonize", "no",
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--save", "",
	)
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(readyTimeout)
	for {
		if ping(s.Addr()) == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server exited: %s", tail(logFile))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("no answer to PING on %s within %v: %s", s.Addr(), readyTimeout, tail(logFile))
		}
	}
}

// ping sends one PING over a fresh connection and wants PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line) // e.g. -LOADING while the AOF is read
	}
	return nil
}

// tail returns the last lines of the server's log, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL returns the server's URL, redis://127.0.0.1:PORT/0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill ends the server with SIGKILL, as a crash would, and waits for it to
// exit. Writes it acknowledged are on disk; [Server.Restart] reloads them.
func (s *Server) Kill() { s.signal(syscall.SIGKILL, 0) }

// Stop shuts the server down (SIGTERM, then SIGKILL after 5 seconds) and
// waits for it to exit. Start registers it as the test's cleanup; calling
// it again does nothing.
func (s *Server) Stop() { s.signal(syscall.SIGTERM, 5*time.Second) }

func (s *Server) signal(sig syscall.Signal, grace time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-s.done:
		case <-time.After(grace):
			s.cmd.Process.Kill()
		}
	}
	<-s.done
	s.cmd = nil
}

// Restart starts the server again on the same port and data directory,
// after [Server.Kill] or [Server.Stop], and waits until it answers PING
// (the append-only file is loaded by then). A running server is stopped
// first.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		t.Fatalf("redistest: restart redis-server: %v", err)
	}
}

// URL returns the URL of a server for this test: $DUXIN_REDIS_URL when it
// is set, else the URL of a private server from [Start]. Tests that share
// a server keep apart by [Prefix].
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return Start(t).URL()
}

// Prefix returns a key prefix that no other test uses — "dxtest:", the
// test's name (letters, digits, '_' and '-' kept, others as '_') and 16
// random hex digits — and deletes every key starting with it from the
// server at url when the test ends (best effort: SCAN and DEL; errors are
// only logged).
func Prefix(t testing.TB, url string) string {
	t.Helper()
	name := []byte(t.Name())
	for i, c := range name {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			name[i] = '_'
		}
	}
	var r [8]byte
	rand.Read(r[:])
	prefix := "dxtest:" + string(name) + ":" + hex.EncodeToString(r[:])
	t.Cleanup(func() {
		if err := deleteKeys(url, prefix); err != nil {
			t.Logf("redistest: delete keys %s*: %v", prefix, err)
		}
	})
	return prefix
}

func deleteKeys(url, prefix string) error {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for it.Next(ctx) {
		keys = append(keys, it.Val())
		if len(keys) == 1000 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				return err
			}
			keys = keys[:0]
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if len(keys) > 0 {
		return c.Del(ctx, keys...).Err()
	}
	return nil
}
