//go:build !linux

package execute

import (
	"os"
	"syscall"
)

// exitWait is os.Process.Wait outside Linux (see wait_linux.go).
type exitWait struct{}

func newExitWait(sys *syscall.SysProcAttr) *exitWait { return &exitWait{} }

func (w *exitWait) started() {}

func (w *exitWait) wait(proc *os.Process) (syscall.WaitStatus, *syscall.Rusage, error) {
	return waitProc(proc)
}
