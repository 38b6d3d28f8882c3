//go:build !linux

package execute

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// pipe is pipe_linux.go's pipe where there is no pipe2: the two ends are
// made close-on-exec under the fork lock, so no command started meanwhile
// inherits them.
func pipe() (r int, w *os.File, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = syscall.Pipe(p[:])
	if err == nil {
		syscall.CloseOnExec(p[0])
		syscall.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, os.NewSyscallError("pipe", err)
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return -1, nil, os.NewSyscallError("fcntl", err)
	}
	return p[0], os.NewFile(uintptr(p[1]), "|1"), nil
}

// fionread is the BSDs' and macOS's FIONREAD, _IOR('f', 127, int).
const fionread = 0x4004667f

// pending is how many bytes the pipe holds now (a buffer's worth when the
// kernel will not say).
func pending(fd int) int {
	n, err := unix.IoctlGetInt(fd, fionread)
	if err != nil {
		return readBufSize
	}
	return n
}
