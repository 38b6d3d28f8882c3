package execute

import (
	"os"
	"syscall"
)

// pipe is os.Pipe with only the read end in the runtime's poller (read
// with deadlines): the write end, the command's, stays blocking, which
// spares the syscalls of registering it and of making it blocking again
// for the command (about a tenth of a short run's cost to the runner).
func pipe() (r, w *os.File, err error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	if err := syscall.SetNonblock(p[0], true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return nil, nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}
