//go:build !linux

package execute

import "os"

// pipe is os.Pipe (Linux spares a few syscalls, see pipe_linux.go).
func pipe() (r, w *os.File, err error) { return os.Pipe() }
