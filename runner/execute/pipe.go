package execute

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// pipe makes an output pipe of two bare descriptors: the read end
// non-blocking, which only the run's poll loop (watch.go) reads, so it never
// enters the runtime's poller; the write end, the command's, blocking. No
// os.File wraps either: that costs an fcntl to learn what is known here.
func pipe() (r, w int, err error) {
	p, err := cloexecPipe()
	if err != nil {
		return -1, -1, err
	}
	// A new pipe's read end has no status flag but its access mode, which
	// F_SETFL leaves alone: one call, where SetNonblock reads them first.
	if _, err := unix.FcntlInt(uintptr(p[0]), unix.F_SETFL, unix.O_NONBLOCK); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return -1, -1, os.NewSyscallError("fcntl", err)
	}
	return p[0], p[1], nil
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
