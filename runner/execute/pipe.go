package execute

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// pipe makes an output pipe: the read end a bare non-blocking descriptor,
// which only the run's poll loop (watch.go) reads, so it never enters the
// runtime's poller; the write end, the command's, stays blocking, which
// spares the syscalls of registering it and of making it blocking again for
// the command.
func pipe() (r int, w *os.File, err error) {
	p, err := cloexecPipe()
	if err != nil {
		return -1, nil, err
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return -1, nil, os.NewSyscallError("fcntl", err)
	}
	return p[0], os.NewFile(uintptr(p[1]), "|1"), nil
}

// pending is how many bytes the pipe holds now (a buffer's worth when the
// kernel will not say).
func pending(fd int) int {
	n, err := unix.IoctlGetInt(fd, inqIoctl)
	if err != nil {
		return readBufSize
	}
	return n
}
