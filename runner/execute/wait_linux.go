package execute

import (
	"os"
	"syscall"
	"unsafe"
)

// askPidfd asks clone3 for the command's pidfd: it becomes readable when the
// command exits, so the poll loop waits for the exit and the output at once.
func (w *exitWait) askPidfd(sys *syscall.SysProcAttr) {
	if usePidfd {
		sys.PidFD = &w.pidfd
	}
}

// sigchld is the part of siginfo_t that waitid fills for a child. The
// fields after code are a union aligned as a long: 4 bytes of padding
// before pid on 64-bit systems, none on 32-bit ones.
type sigchld struct {
	signo, errno, code int32
	_                  [unsafe.Sizeof(uintptr(0)) - 4]byte
	pid, uid, status   int32
	_                  [100]byte
}

// reapPidfd reaps the command through its pidfd without blocking; exited is
// false while it runs.
func (w *exitWait) reapPidfd() (exited bool) {
	var info sigchld
	var ru syscall.Rusage
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, 3 /* P_PIDFD */, uintptr(w.pidfd), uintptr(unsafe.Pointer(&info)),
			syscall.WEXITED|syscall.WNOHANG, uintptr(unsafe.Pointer(&ru)), 0)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case 0:
		default:
			w.err = os.NewSyscallError("waitid", e)
			return true
		}
		if info.pid == 0 {
			return false // still running
		}
		switch info.code {
		case 1: // CLD_EXITED
			w.ws = syscall.WaitStatus(info.status&0xff) << 8
		case 3: // CLD_DUMPED
			w.ws = syscall.WaitStatus(info.status&0x7f) | 0x80
		default: // CLD_KILLED
			w.ws = syscall.WaitStatus(info.status & 0x7f)
		}
		w.ru = &ru
		return true
	}
}

// usePidfd can be turned off, as on a kernel without pidfds (tests of the
// goroutine wait).
var usePidfd = true
