//go:build !linux

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal asks with TIOCGETA, the BSD and macOS spelling of TCGETS.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TIOCGETA)
	return err == nil
}
