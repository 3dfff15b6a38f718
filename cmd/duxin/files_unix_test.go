//go:build unix

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

type payload string

func (p payload) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, string(p))
	return int64(n), err
}

// TestWriteModelMode: a new model file gets 0666 less the umask, as
// os.Create gives; a file replaced keeps its own mode.
func TestWriteModelMode(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "new.model")
	if _, _, err := writeModel(path, payload("one")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("new file: %v, %v; want mode 0640 under umask 027", fi.Mode(), err)
	}
	if err := os.Chmod(path, 0o604); err != nil {
		t.Fatal(err)
	}
	if _, _, err := writeModel(path, payload("two")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o604 {
		t.Errorf("replaced file: %v, %v; want its mode 0604 kept", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Errorf("replaced file holds %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}

// TestWriteModelErrorsNameTheFile: a folder that does not exist or takes
// no files, and an -out that is a folder, are errors naming the path
// given, not a temporary file.
func TestWriteModelErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		filepath.Join(dir, "none", "o.model"): "no such file or directory",
		dir:                                   "is a folder",
	}
	if os.Geteuid() != 0 { // root writes anywhere
		cases[filepath.Join(ro, "o.model")] = "permission denied"
	}
	for path, want := range cases {
		for name, err := range map[string]error{"checkOut": checkOut(path), "writeModel": second(writeModel(path, payload("x")))} {
			if err == nil || err.Error() != "write "+path+": "+want {
				t.Errorf("%s(%s): %v, want %q", name, path, err, "write "+path+": "+want)
			}
			if err != nil && strings.Contains(err.Error(), ".o.model.") {
				t.Errorf("%s(%s): %v names the temporary file", name, path, err)
			}
		}
	}
}

func second(_ int64, _ string, err error) error { return err }
