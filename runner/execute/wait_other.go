//go:build !linux

package execute

import "syscall"

// Without pidfds the exit is waited for by a goroutine (see exitWait).
func (w *exitWait) askPidfd(*syscall.SysProcAttr) {}

func (w *exitWait) reapPidfd() bool { return true }
