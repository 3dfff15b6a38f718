//go:build unix

package kb

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFolder takes the exclusive lock of an index folder (the file LOCK in
// it) without waiting: while an Index holds it, another Open of the folder
// fails at once with ErrLocked. The lock goes with the returned file
// (closing it releases the lock) or with the process.
func lockFolder(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
