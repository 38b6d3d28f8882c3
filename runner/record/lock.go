package record

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// LockFile is the name of the lock file in a benchmark's output folder.
const LockFile = ".runner.lock"

// FolderLock is an exclusive hold on a benchmark's output folder: one
// runner at a time appends to its runs.jsonl and writes its logs.
type FolderLock struct {
	f    *os.File
	path string
}

// BusyError says another process holds the folder.
type BusyError struct {
	Dir string
	PID int // 0 when it could not be read
}

func (e *BusyError) Error() string {
	who := "another runner"
	if e.PID > 0 {
		who = fmt.Sprintf("another runner (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is in use by %s; wait for it to finish or stop it, or choose another folder", e.Dir, who)
}

// LockFolder takes the lock of dir, which must exist, for this process;
// a *BusyError when another process holds it. The lock file names the
// holder's PID.
func LockFolder(dir string) (*FolderLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := lockFile(path)
	if errors.Is(err, errLocked) {
		return nil, &BusyError{Dir: dir, PID: holder(path)}
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &FolderLock{f: f, path: path}, nil
}

// holder reads the PID in a lock file.
func holder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(string(bytes.TrimSpace(b)))
	return pid
}

var errLocked = errors.New("locked")
