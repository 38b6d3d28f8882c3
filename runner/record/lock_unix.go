//go:build unix

package record

import (
	"errors"
	"os"
	"time"

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
	// A child forked by any goroutine holds a copy of the descriptor until
	// it execs (close-on-exec), so a lock just released can look held for a
	// moment on a loaded machine. A real holder keeps it for a whole
	// benchmark: a short wait tells the two apart.
	deadline := time.Now().Add(busyWait)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EWOULDBLOCK) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		break
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

// busyWait is how long a lock must stay held before the folder is busy.
const busyWait = 2 * time.Second

// Unlock releases the folder. The file stays: removing it could let a
// third runner lock a new file while a second still waits on the old one.
func (l *FolderLock) Unlock() error {
	return l.f.Close()
}
