//go:build !linux

package execute

import (
	"os"
	"syscall"
)

// inqIoctl is the BSDs' and macOS's FIONREAD, _IOR('f', 127, int): how
// many bytes a pipe holds.
const inqIoctl = 0x4004667f

// cloexecPipe is pipe where there is no pipe2: the two ends are made
// close-on-exec under the fork lock, so no command started meanwhile
// inherits them.
func cloexecPipe() (p [2]int, err error) {
	syscall.ForkLock.RLock()
	err = syscall.Pipe(p[:])
	if err == nil {
		syscall.CloseOnExec(p[0])
		syscall.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return p, os.NewSyscallError("pipe", err)
	}
	return p, nil
}
