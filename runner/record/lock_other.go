//go:build !unix

package record

import (
	"errors"
	"os"
)

// lockFile creates path exclusively: where flock is missing, the file's
// existence is the lock. A runner that died leaves it; the error names the
// PID in it, and removing the file frees the folder.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, errLocked
	}
	return f, err
}

// Unlock releases the folder by removing the lock file.
func (l *FolderLock) Unlock() error {
	err := l.f.Close()
	if rerr := os.Remove(l.path); err == nil {
		err = rerr
	}
	return err
}
