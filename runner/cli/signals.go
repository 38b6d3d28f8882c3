package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/runner-bench/runner/runner/execute"
)

// Signals returns the context every command runs under, and a stop function
// to call before exiting. Whatever the sequence of SIGINT, SIGTERM and SIGHUP
// (a terminal closed or an SSH session dropped is a SIGHUP; CI systems send
// SIGINT, then SIGTERM):
//
//   - the first cancels the context: runs in flight are ended (SIGTERM, then
//     SIGKILL after the grace) and recorded as interrupted, cleanup runs, the
//     report is written from the finished runs;
//   - the second aborts (execute.WithAbort): the groups get SIGKILL at once,
//     the runs are still recorded, cleanup and the report are skipped; once
//     the report has begun (beginReport) it is finished, and the message
//     says so;
//   - the third quits at once: every process group still running gets
//     SIGKILL and the temporary folders are removed, but the runs in flight
//     are not recorded.
//
// SIGPIPE is taken too: a closed stdout (`runner ... | head -1`) then makes
// console writes fail with EPIPE, which they ignore, instead of killing the
// runner before it has written its results. (Without Notify, Go kills a
// program that writes to a broken pipe on fd 1 or 2.)
func Signals(stderr io.Writer) (context.Context, func()) {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	abort := make(chan struct{})
	st := &stage{}
	ctx, cancel := context.WithCancel(context.WithValue(execute.WithAbort(context.Background(), abort), stageKey{}, st))
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case sig := <-sigs:
				n++
				switch n {
				case 1:
					if st.reporting() {
						say(stderr, fmt.Sprintf("runner: %s: the runs are over; finishing the report (twice more to quit without it)", name(sig)))
					} else {
						say(stderr, fmt.Sprintf("runner: %s: stopping runs, writing the report from finished runs (again to skip cleanup and the report)", name(sig)))
					}
					cancel()
				case 2:
					if st.abort() {
						say(stderr, fmt.Sprintf("runner: %s again: killing the runs now; cleanup and the report are skipped (again to quit without recording them)", name(sig)))
					} else {
						say(stderr, fmt.Sprintf("runner: %s again: the runs are over and the report is being written from them; it is finished (again to quit without it)", name(sig)))
					}
					close(abort)
				default:
					if st.reporting() {
						say(stderr, fmt.Sprintf("runner: %s a third time: quitting; the report may be unfinished (runner report DIR writes it)", name(sig)))
					} else {
						say(stderr, fmt.Sprintf("runner: %s a third time: quitting; the runs in flight are not recorded", name(sig)))
					}
					restoreConsole()
					execute.KillAll()
					removeTemps()
					os.Exit(ExitInterrupted)
				}
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// stage is how far a benchmark is when a second signal comes: before the
// report, the signal skips it; once the report has begun, it is finished.
// Whichever comes first decides, so what the signal's message says happens.
type stage struct{ v atomic.Int32 }

type stageKey struct{}

const (
	stageRunning int32 = iota
	stageReport
	stageAborted
)

// abort marks the benchmark aborted unless its report has begun.
func (s *stage) abort() bool {
	return s.v.CompareAndSwap(stageRunning, stageAborted)
}

func (s *stage) reporting() bool { return s.v.Load() == stageReport }

// beginReport tells whether the report is to be written: false when a second
// signal came first; once it returns true, a second signal lets the report
// finish.
func beginReport(ctx context.Context) bool {
	if st, ok := ctx.Value(stageKey{}).(*stage); ok {
		return st.v.CompareAndSwap(stageRunning, stageReport)
	}
	return !execute.Aborted(ctx)
}

func name(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "interrupt"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// temps are the temporary folders to remove even when the runner quits at
// once.
var temps struct {
	mu   sync.Mutex
	dirs map[string]bool
}

// makeTemp makes a temporary folder that removeTemp (or a third signal)
// removes.
func makeTemp(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	temps.mu.Lock()
	if temps.dirs == nil {
		temps.dirs = map[string]bool{}
	}
	temps.dirs[dir] = true
	temps.mu.Unlock()
	return dir, nil
}

func removeTemp(dir string) {
	temps.mu.Lock()
	delete(temps.dirs, dir)
	temps.mu.Unlock()
	os.RemoveAll(dir)
}

func removeTemps() {
	temps.mu.Lock()
	defer temps.mu.Unlock()
	for dir := range temps.dirs {
		os.RemoveAll(dir)
	}
}
