//go:build linux || darwin

package cli

import (
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The real runner on a terminal: the live block shows the running run's
// phase; Ctrl-C typed on the terminal (its line discipline echoes "^C" and
// signals the runner) leaves the message and one clean block, the cursor
// shown, and exit 130.
func TestProgressOnATerminal(t *testing.T) {
	t.Parallel()
	bin := runnerBinary(t)
	dir := t.TempDir()
	p := writeSpec(t, dir, `name: pty
runs: 2
phases: [analyze]
command: 'echo "::runner::{\"event\":\"phase_start\",\"phase\":\"analyze\"}"; exec sleep 300'
`)
	cmd := exec.Command(bin, p, "--output", filepath.Join(dir, "out"))
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 60, Rows: 24})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer tty.Close()
	defer cmd.Process.Kill()
	var out syncBuffer
	read := make(chan struct{})
	go func() { // the master side reads until the runner and its children close the terminal
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				close(read)
				return
			}
		}
	}()
	waitFor(t, "the phase in the live block", func() bool { return strings.Contains(out.String(), "run 1: analyze") })
	tty.Write([]byte{3}) // Ctrl-C, as typed
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.ExitStatus() != ExitInterrupted {
		t.Errorf("exit: %v, want %d", err, ExitInterrupted)
	}
	// Read to the end before closing: the runner has written its last block
	// and shown the cursor before it exited, but the reader may not have
	// taken it from the terminal yet (on a busy machine it had not, and
	// closing the master here threw the rest away). The read ends when the
	// last holder of the terminal's other side is gone.
	select {
	case <-read:
	case <-time.After(30 * time.Second):
		t.Error("the terminal stayed open 30 s after the runner exited")
		tty.Close()
		<-read
	}

	s := &screen{cols: 60}
	s.write(strings.ReplaceAll(out.String(), "\r\n", "\n")) // the terminal's output processing
	text := strings.Join(s.lines(), "\n")
	if s.hidden {
		t.Error("the cursor is left hidden")
	}
	if strings.Contains(text, "^C") || strings.Count(text, "runner: interrupt: stopping runs") != 1 ||
		strings.Count(text, "\ndefault ") != 2 || strings.Count(text, "/2 runs") != 1 || !strings.Contains(text, "1 interrupted") {
		t.Errorf("screen after Ctrl-C:\n%s", text)
	}
}
