package execute

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// exitWait waits for the command to exit in the runtime's poller, through
// a pidfd, as its output is read. os.Process.Wait blocks a thread in
// waitid, which costs each run a handful of thread switches (a run of
// `true` took 14, hyperfine 3).
type exitWait struct {
	fd int      // the pidfd clone3 returns; -1 without
	f  *os.File // fd, polled; nil: wait with proc.Wait
}

// newExitWait asks for the command's pidfd.
func newExitWait(sys *syscall.SysProcAttr) *exitWait {
	w := &exitWait{fd: -1}
	sys.PidFD = &w.fd
	return w
}

// started takes the started command's pidfd into the poller, if it came
// and can be polled (Linux 5.3).
func (w *exitWait) started() {
	if w.fd < 0 {
		return
	}
	if err := syscall.SetNonblock(w.fd, true); err != nil {
		syscall.Close(w.fd)
		return
	}
	f := os.NewFile(uintptr(w.fd), "pidfd")
	if f.SetReadDeadline(time.Time{}) != nil { // not in the poller
		f.Close()
		return
	}
	w.f = f
}

// sigchld is the part of siginfo_t that waitid fills for a child.
type sigchld struct {
	signo, errno, code, _ int32
	pid, uid, status      int32
	_                     [100]byte
}

// wait reaps the command and returns its status and resource usage.
func (w *exitWait) wait(proc *os.Process) (syscall.WaitStatus, *syscall.Rusage, error) {
	if w.f == nil {
		return waitProc(proc)
	}
	defer w.f.Close()
	defer proc.Release()
	rc, err := w.f.SyscallConn()
	if err != nil {
		return 0, nil, err
	}
	var info sigchld
	var ru syscall.Rusage
	var werr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			_, _, e := syscall.Syscall6(syscall.SYS_WAITID, 3 /* P_PIDFD */, fd, uintptr(unsafe.Pointer(&info)),
				syscall.WEXITED|syscall.WNOHANG, uintptr(unsafe.Pointer(&ru)), 0)
			switch e {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN: // a non-blocking pidfd of a running process
				return false
			case 0:
				return info.pid != 0 // 0: still running
			}
			werr = e
			return true
		}
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return 0, nil, os.NewSyscallError("waitid", err)
	}
	var ws syscall.WaitStatus
	switch info.code {
	case 1: // CLD_EXITED
		ws = syscall.WaitStatus(info.status&0xff) << 8
	case 3: // CLD_DUMPED
		ws = syscall.WaitStatus(info.status&0x7f) | 0x80
	default: // CLD_KILLED
		ws = syscall.WaitStatus(info.status & 0x7f)
	}
	return ws, &ru, nil
}
