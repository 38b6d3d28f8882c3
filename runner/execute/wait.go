package execute

import (
	"os"
	"syscall"
)

// exitWait tells the run's poll loop (watch) when the command has exited.
// On Linux that is the command's pidfd, which polls readable at the exit
// and is reaped without blocking. Elsewhere, or on a kernel without pidfds,
// a goroutine waits with os.Process.Wait and then closes a pipe that the
// loop polls.
type exitWait struct {
	pidfd  int           // the pidfd clone3 returned; -1 without
	done   int           // without: the read end of the pipe closed at the exit
	exited chan struct{} // without: closed once ws, ru and err are set

	ws  syscall.WaitStatus
	ru  *syscall.Rusage
	err error
}

// newExitWait asks sys for the command's pidfd where the system has them.
func newExitWait(sys *syscall.SysProcAttr) *exitWait {
	w := &exitWait{pidfd: -1, done: -1}
	w.askPidfd(sys)
	return w
}

// started starts the goroutine wait when no pidfd came.
func (w *exitWait) started(pid int) error {
	if w.pidfd >= 0 {
		return nil
	}
	r, wr, err := pipe()
	if err != nil {
		return err
	}
	w.done, w.exited = r, make(chan struct{})
	go func() {
		w.ws, w.ru, w.err = waitPid(pid)
		close(w.exited) // before the pipe's close, which the loop sees
		syscall.Close(wr)
	}()
	return nil
}

// fd is the descriptor that polls readable once the command has exited.
func (w *exitWait) fd() int {
	if w.pidfd >= 0 {
		return w.pidfd
	}
	return w.done
}

// reap reports whether the command has exited, its status then in ws, ru
// and err. It does not block.
func (w *exitWait) reap() bool {
	if w.pidfd >= 0 {
		return w.reapPidfd()
	}
	select {
	case <-w.exited:
		return true
	default:
		return false
	}
}

// close releases the descriptors.
func (w *exitWait) close() {
	if w.pidfd >= 0 {
		syscall.Close(w.pidfd)
	}
	if w.done >= 0 {
		syscall.Close(w.done)
	}
}

// waitPid waits for the command with os.Process.Wait.
func waitPid(pid int) (syscall.WaitStatus, *syscall.Rusage, error) {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return 0, nil, err
	}
	state, err := proc.Wait()
	if err != nil {
		return 0, nil, err
	}
	ws, _ := state.Sys().(syscall.WaitStatus)
	ru, _ := state.SysUsage().(*syscall.Rusage)
	return ws, ru, nil
}
