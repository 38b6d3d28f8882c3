package cli

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// TestKillAndResume SIGKILLs the runner binary at random points of a 40-run
// benchmark 20 times, resuming each time. Whatever the kill hit (a run, a
// record being written, the outputs being rendered), the folder must read
// back and end with exactly the 40 runs, none twice and none missing. Only
// the final state is asserted: where the kills land depends on the machine.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the runner binary")
	}
	t.Parallel() // mostly waits for the runs it kills
	dir := t.TempDir()
	bin := runnerBinary(t)
	specPath := writeSpec(t, dir, "name: killed\nruns: 40\ncommand: echo run {{ .run.index }}\n")
	out := filepath.Join(dir, "out")
	runsPath := filepath.Join(out, "runs.jsonl")
	start := func() *exec.Cmd {
		args := []string{specPath, "--output", out}
		if _, err := os.Stat(filepath.Join(out, "benchmark.json")); err == nil {
			args = []string{specPath, "--resume", out}
		}
		cmd := exec.Command(bin, append(args, "--quiet", "--no-progress")...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	lines := func() int {
		b, _ := os.ReadFile(runsPath)
		return bytes.Count(b, []byte("\n"))
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for i := range 20 {
		cmd := start()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if rng.IntN(2) == 0 {
			// Kill after a few more records, or sooner if it ends.
			want := lines() + 1 + rng.IntN(4)
		wait:
			for lines() < want {
				select {
				case err := <-exited:
					exited <- err
					break wait
				case <-time.After(time.Millisecond):
				}
			}
		} else {
			time.Sleep(time.Duration(rng.IntN(60_000)) * time.Microsecond)
		}
		cmd.Process.Kill()
		<-exited
		if _, err := os.Stat(runsPath); err == nil {
			_, err := record.ReadFile(runsPath)
			var torn *record.TruncatedError
			if err != nil && !errors.As(err, &torn) {
				t.Fatalf("after kill %d the folder does not read back: %v", i+1, err)
			}
		}
	}
	final := start()
	if err := final.Wait(); err != nil {
		t.Fatalf("the last resume: %v\n%s", err, final.Stderr)
	}
	recs, err := record.ReadFile(runsPath)
	if err != nil {
		t.Fatalf("runs.jsonl after the last resume: %v", err)
	}
	ok := map[int]int{}
	for _, r := range recs {
		if r.Status == record.StatusOK {
			ok[r.Index]++
		}
	}
	for i := 1; i <= 40; i++ {
		if ok[i] != 1 {
			t.Errorf("run %d recorded ok %d times, want once", i, ok[i])
		}
	}
	if len(ok) != 40 {
		t.Errorf("%d distinct runs recorded ok, want 40", len(ok))
	}
	if n := len(record.Latest(recs)); n != 40 {
		t.Errorf("the results read %d runs, want 40", n)
	}
}
