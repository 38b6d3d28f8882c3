package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// waitFor polls cond until it holds; the limit only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Whatever the sequence of signals, the runner ends every process it
// started, records the run in flight as interrupted, removes its temporary
// folder and exits 130 on its own.
func TestSignalSequences(t *testing.T) {
	t.Parallel() // each sequence mostly waits for the runner's grace periods
	bin := runnerBinary(t)
	cases := []struct {
		name string
		// signals to send; each after its condition holds
		steps []step
		// the report is written (graceful) or skipped (aborted)
		report bool
	}{
		{"interrupt twice during a run", []step{{syscall.SIGINT, "run"}, {syscall.SIGINT, "stopping"}}, false},
		{"interrupt, then SIGTERM during cleanup", []step{{syscall.SIGINT, "run"}, {syscall.SIGTERM, "cleanup"}}, false},
		{"SIGTERM", []step{{syscall.SIGTERM, "run"}}, true},
		{"SIGHUP", []step{{syscall.SIGHUP, "run"}}, true},
		{"three interrupts", []step{{syscall.SIGINT, "run"}, {syscall.SIGINT, "stopping"}, {syscall.SIGINT, "again"}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tmp := filepath.Join(dir, "tmp")
			os.Mkdir(tmp, 0o755)
			pids, cpids := filepath.Join(dir, "pids"), filepath.Join(dir, "cleanup-pids")
			cleanupTimeout := "10m" // cleanup hangs until the second signal
			if tc.report {
				cleanupTimeout = "1s"
			}
			// The workload and cleanup ignore SIGTERM (as children that
			// trap it do), so only SIGKILL ends them.
			p := writeSpec(t, dir, `name: sig
runs: 2
cleanup_timeout: `+cleanupTimeout+`
command: 'trap "" TERM; echo $$ >> `+pids+`; sleep 300 & echo $! >> `+pids+`; wait'
cleanup: 'trap "" TERM; echo $$ >> `+cpids+`; sleep 300 & echo $! >> `+cpids+`; wait'
`)
			out := filepath.Join(dir, "out")
			cmd := exec.Command(bin, p, "--output", out, "--no-progress", "--history", filepath.Join(dir, "history.db"))
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			stderr, exited := startRunner(t, cmd)
			defer func() { // never leave a runner behind, even when failing
				cmd.Process.Kill()
				for _, pid := range append(pidsIn(t, pids), pidsIn(t, cpids)...) {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}()

			for _, s := range tc.steps {
				switch s.after {
				case "run":
					waitFor(t, "the run's processes", func() bool { return len(pidsIn(t, pids)) == 2 })
				case "cleanup":
					waitFor(t, "cleanup's processes", func() bool { return len(pidsIn(t, cpids)) == 2 })
				default:
					waitFor(t, "the runner's "+s.after+" message", func() bool { return strings.Contains(stderr.String(), s.after) })
				}
				cmd.Process.Signal(s.sig)
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(90 * time.Second):
				t.Fatalf("the runner did not exit; stderr:\n%s", stderr.String())
			}
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
					t.Fatalf("the runner died of %v instead of exiting; stderr:\n%s", ws.Signal(), stderr.String())
				}
			}
			if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted {
				t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr.String())
			}
			for _, pid := range append(pidsIn(t, pids), pidsIn(t, cpids)...) {
				if alive(pid) {
					t.Errorf("process %d of the benchmark outlived the runner", pid)
				}
			}
			if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
				t.Errorf("temporary folder left behind: %s", ents[0].Name())
			}
			if len(tc.steps) == 3 {
				return // quit at once: nothing more is promised
			}
			recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
			if err != nil || len(recs) != 1 || recs[0].Status != record.StatusInterrupted {
				t.Errorf("records %+v (%v), want the run in flight recorded as interrupted", recs, err)
			}
			_, err = os.Stat(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
			if tc.report && err != nil {
				t.Errorf("no report after one signal: %v", err)
			}
			// One signal ends the runs, not the report's talk with the store.
			if tc.report && !strings.Contains(stderr.String(), "history: recorded in") {
				t.Errorf("the finished runs were not recorded in history after one signal; stderr:\n%s", stderr.String())
			}
			if !tc.report && err == nil { // as the second signal's message says
				t.Errorf("a report was written after a second signal before it began; stderr:\n%s", stderr.String())
			}
		})
	}
}

type step struct {
	sig   syscall.Signal
	after string // "run", "cleanup", or a text the runner prints first
}

// `runner ... | head -1` closes the runner's stdout early: the runner still
// writes every result and exits with its verdict, not of SIGPIPE.
func TestClosedStdout(t *testing.T) {
	t.Parallel()
	bin := runnerBinary(t)
	dir := t.TempDir()
	p := writeSpec(t, dir, "name: pipe\nruns: 1\ncommand: 'true'\n")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before the runner writes a byte
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, p, "--output", out, "--no-progress")
	cmd.Stdout = w
	var stderr syncBuffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			t.Fatalf("the runner died of %v; stderr:\n%s", ws.Signal(), stderr.String())
		}
	}
	if code := cmd.ProcessState.ExitCode(); code != ExitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr.String())
	}
	for _, f := range []string{"runs.jsonl", "summary.json", "PERFORMANCE_BENCHMARKS.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}

// A second Ctrl-C that comes once the report has begun does not skip it:
// the report is finished, and the message says so rather than that it is
// skipped. The report is held at a known point: the spec's baseline is read
// as the report begins, and the baseline's runs.jsonl is a FIFO this test
// writes only after the second signal.
func TestSecondInterruptWhileReporting(t *testing.T) {
	t.Parallel()
	bin := runnerBinary(t)
	dir := t.TempDir()
	base := filepath.Join(dir, "base")
	os.Mkdir(base, 0o755)
	if err := os.WriteFile(filepath.Join(base, "spec.yaml"), []byte("name: sig\ncommand: 'true'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(base, "runs.jsonl")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	// feed answers every read of the baseline's runs (empty) until hold is
	// closed; the read after it is reported on held and answered on release.
	hold, held, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	stopFeed := make(chan struct{})
	defer close(stopFeed)
	go func() {
		for {
			w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0) // ENXIO until a reader opens it
			if err != nil {
				select {
				case <-stopFeed:
					return
				case <-time.After(10 * time.Millisecond):
				}
				continue
			}
			select {
			case <-hold:
				close(held)
				select {
				case <-release:
				case <-stopFeed:
				}
				w.Close()
				return
			default:
				w.Close()
			}
		}
	}()
	pids := filepath.Join(dir, "pids")
	p := writeSpec(t, dir, "name: sig\nruns: 2\nbaseline: "+base+"\ncommand: 'echo $$ >> "+pids+"; sleep 300 & echo $! >> "+pids+"; wait'\n")
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, p, "--output", out, "--no-progress")
	stderr, exited := startRunner(t, cmd)
	defer func() {
		cmd.Process.Kill()
		for _, pid := range pidsIn(t, pids) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()

	waitFor(t, "the run's processes", func() bool { return len(pidsIn(t, pids)) == 2 })
	close(hold) // the baseline was read before the run; the next read is the report's
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-held:
	case err := <-exited:
		t.Fatalf("the runner exited (%v) before reading the baseline for the report; stderr:\n%s", err, stderr.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, "the second signal's message", func() bool { return strings.Contains(stderr.String(), "interrupt again") })
	close(release)
	select {
	case <-exited:
	case <-time.After(90 * time.Second):
		t.Fatalf("the runner did not exit; stderr:\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted {
		t.Errorf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	msg := stderr.String()
	if !strings.Contains(msg, "interrupt again: the runs are over and the report is being written from them; it is finished") || strings.Contains(msg, "skipped") || strings.Contains(msg, "not written") {
		t.Errorf("the messages do not say the report is written:\n%s", msg)
	}
	if _, err := os.Stat(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md")); err != nil {
		t.Errorf("no report: %v; stderr:\n%s", err, msg)
	}
}
