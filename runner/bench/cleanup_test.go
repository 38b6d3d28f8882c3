package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runner-bench/runner/runner/execute"
	"github.com/runner-bench/runner/runner/record"
)

// notes records what the benchmark tells its progress.
type notes struct {
	mu   sync.Mutex
	msgs []string
}

func (n *notes) Start(int)                    {}
func (n *notes) RunStarted(string, int, bool) {}
func (n *notes) RunPhase(string, string)      {}
func (n *notes) RunDone(*record.Run)          {}
func (n *notes) Note(msg string) {
	n.mu.Lock()
	n.msgs = append(n.msgs, msg)
	n.mu.Unlock()
}

func (n *notes) find(sub string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, m := range n.msgs {
		if strings.Contains(m, sub) {
			return m
		}
	}
	return ""
}

// A hanging cleanup is stopped by cleanup_timeout, also after Ctrl-C, and
// the message says it timed out and names a log that exists.
func TestCleanupTimesOutAndKeepsItsLog(t *testing.T) {
	for _, interrupted := range []bool{false, true} {
		o, _ := setup(t, "name: c\nruns: 1\ncommand: 'true'\ncleanup_timeout: 300ms\ncleanup: 'sleep 60'\n")
		n := &notes{}
		o.Progress = n
		ctx, cancel := context.WithCancel(context.Background())
		if interrupted {
			cancel()
		}
		Run(ctx, o)
		cancel()
		msg := n.find("cleanup command 1")
		if !strings.Contains(msg, "timed out after 300ms") || !strings.Contains(msg, "logs/cleanup.log") {
			t.Errorf("interrupted=%v: cleanup message %q, want it to say it timed out and name logs/cleanup.log", interrupted, msg)
		}
		if _, err := os.Stat(filepath.Join(o.Dir, "logs", "cleanup.log")); err != nil {
			t.Errorf("interrupted=%v: the message names logs/cleanup.log but: %v", interrupted, err)
		}
	}
}

// Each command of a list adds to the log; a silent failing one still
// leaves the log its message names.
func TestCommandsShareOneLog(t *testing.T) {
	o, _ := setup(t, "name: c\nruns: 1\ncommand: 'true'\ncleanup: [ 'echo first', 'echo second', 'false' ]\n")
	n := &notes{}
	o.Progress = n
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(o.Dir, "logs", "cleanup.log"))
	if err != nil || string(b) != "first\nsecond\n" {
		t.Errorf("cleanup.log = %q, %v; want both commands' output", b, err)
	}
	if msg := n.find("cleanup command 3"); !strings.Contains(msg, "exit code 1") {
		t.Errorf("message %q", msg)
	}
}

// After a second Ctrl-C (abort) cleanup is skipped.
func TestAbortSkipsCleanup(t *testing.T) {
	o, _ := setup(t, "name: c\nruns: 1\ncommand: 'true'\ncleanup: 'touch {{ .tmp }}/cleaned'\n")
	n := &notes{}
	o.Progress = n
	abort := make(chan struct{})
	close(abort)
	ctx, cancel := context.WithCancel(execute.WithAbort(context.Background(), abort))
	cancel()
	Run(ctx, o)
	if _, err := os.Stat(filepath.Join(o.Tmp, "cleaned")); err == nil {
		t.Error("cleanup ran after an abort")
	}
	if n.find("cleanup skipped") == "" {
		t.Errorf("notes %q: want one saying cleanup was skipped", n.msgs)
	}
}
