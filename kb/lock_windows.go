//go:build windows

package kb

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// lockFolder takes the exclusive lock of an index folder (the file LOCK in
// it) without waiting: while an Index holds it, another Open of the folder
// fails at once with ErrLocked. The lock goes with the returned file.
func lockFolder(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	ol := new(windows.Overlapped)
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
