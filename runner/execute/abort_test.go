package execute

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// Aborted is true as soon as the abort channel is closed: the runner asks
// it right after the second Ctrl-C to skip cleanup and the report.
func TestAbortedAtOnce(t *testing.T) {
	for i := 0; i < 100; i++ {
		abort := make(chan struct{})
		ctx := WithAbort(context.Background(), abort)
		if Aborted(ctx) {
			t.Fatal("aborted before the channel was closed")
		}
		close(abort)
		if !Aborted(ctx) {
			t.Fatalf("attempt %d: not aborted right after the channel was closed", i)
		}
	}
	if Aborted(context.Background()) {
		t.Error("a context without an abort channel is aborted")
	}
}

// The abort kills runs in flight at once, without the kill grace, also
// commands that ignore SIGTERM; each is still recorded, as interrupted.
func TestAbortKillsRunsInFlight(t *testing.T) {
	eachWait(t, func(t *testing.T) {
		abort := make(chan struct{})
		ctx := WithAbort(context.Background(), abort)
		runs := make([]*record.Run, 4)
		var wg sync.WaitGroup
		var mu sync.Mutex
		open := 0
		allOpen := make(chan struct{})
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runs[i] = Run(ctx, Job{
					Command:   `trap '' TERM; echo '::runner::{"event":"phase_start","phase":"L"}'; sleep 300`,
					KillGrace: time.Hour, // only the abort can end it before the test's timeout
					OnPhase: func(p string) {
						mu.Lock()
						defer mu.Unlock()
						if p == "L" {
							if open++; open == len(runs) {
								close(allOpen)
							}
						}
					},
				})
			}()
		}
		<-allOpen
		close(abort)
		wg.Wait()
		for _, r := range runs {
			if r.Status != record.StatusInterrupted || r.Signal != "killed" {
				t.Errorf("status %q signal %q error %q", r.Status, r.Signal, r.Error)
			}
		}
	})
}
