//go:build !linux

package execute

import (
	"sync/atomic"
	"syscall"
)

// Outside Linux a command's processes are its process group: a process that
// calls setsid() leaves it and is not ended with the command (Linux puts
// each command in a cgroup, or tracks its processes through /proc).
type procTree struct {
	id     string
	pid    int
	reaped atomic.Bool
}

func newTree(id string, attr *syscall.SysProcAttr) *procTree { return &procTree{id: id} }

func (t *procTree) startFailed(attr *syscall.SysProcAttr) bool { return false }

func (t *procTree) started(pid int) { t.pid = pid }

func (t *procTree) kill() { syscall.Kill(-t.pid, syscall.SIGKILL) }

func (t *procTree) release() {}

// ReleaseIdle has nothing to release outside Linux.
func ReleaseIdle() {}
