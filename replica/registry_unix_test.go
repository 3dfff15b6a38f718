//go:build unix

package replica_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/duxin-ai/duxin/replica"
)

// TestDirBoundsReads: a CURRENT or version file that is a link to
// /dev/zero, a named pipe or a file larger than the bound is refused with
// an error naming it, without reading it all (or blocking on it).
func TestDirBoundsReads(t *testing.T) {
	ctx := context.Background()
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero:", err)
	}
	reg := replica.Dir(t.TempDir())
	v, err := reg.Publish(ctx, "ranker", []byte("model"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(string(reg), "ranker")
	current := filepath.Join(dir, "CURRENT")
	blob := filepath.Join(dir, v)
	replace := func(t *testing.T, path string, make func(string) error) {
		t.Helper()
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if err := make(path); err != nil {
			t.Fatal(err)
		}
	}
	zero := func(p string) error { return os.Symlink("/dev/zero", p) }
	fifo := func(p string) error { return syscall.Mkfifo(p, 0o644) }
	big := func(limit int64) func(string) error {
		return func(p string) error { // sparse: no disk, no memory
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				return err
			}
			return os.Truncate(p, limit+1)
		}
	}
	for _, tc := range []struct {
		name, path string
		make       func(string) error
		want       string
	}{
		{"CURRENT links to /dev/zero", current, zero, "is a device, not a regular file"},
		{"CURRENT is a named pipe", current, fifo, "is a named pipe, not a regular file"},
		{"CURRENT is too long", current, big(replica.MaxCurrentBytes), "more than the 256 allowed"},
		{"version links to /dev/zero", blob, zero, "is a device, not a regular file"},
		{"version is a named pipe", blob, fifo, "is a named pipe, not a regular file"},
		{"version is too long", blob, big(replica.MaxModelBytes), "more than the 1073741824 allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := reg.Publish(ctx, "ranker", []byte("model")); err != nil { // restore both files
				t.Fatal(err)
			}
			replace(t, tc.path, tc.make)
			var err error
			if tc.path == current {
				_, err = reg.Current(ctx, "ranker")
			} else {
				_, err = reg.Fetch(ctx, "ranker", v)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("got %v, want an error naming %s and saying %q", err, tc.path, tc.want)
			}
		})
	}
}
