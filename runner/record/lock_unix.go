//go:build unix

package record

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile opens path and takes an exclusive flock on it. The kernel drops
// the lock when the process ends, however it ends (SIGKILL included), so a
// lock is never left stale.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, err
	}
	return f, nil
}

// Unlock releases the folder. The file stays: removing it could let a
// third runner lock a new file while a second still waits on the old one.
func (l *FolderLock) Unlock() error {
	return l.f.Close()
}
