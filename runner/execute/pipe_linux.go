package execute

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// inqIoctl asks how many bytes a pipe holds.
const inqIoctl = unix.TIOCINQ

// cloexecPipe is pipe2 with O_CLOEXEC: no command started meanwhile
// inherits the ends.
func cloexecPipe() (p [2]int, err error) {
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return p, os.NewSyscallError("pipe2", err)
	}
	return p, nil
}
