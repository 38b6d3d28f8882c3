package execute

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A command whose output never pauses (a leftover that prints faster than
// the runner handles lines, which `yes &` does) must not hide its exit from
// the poll loop: the exit is seen, timed and its leftovers killed while the
// output still flows, and the loop ends at drainTimeout even when a
// process that escaped the kill prints on. Here the "command" exits at its
// first line and every line handled writes another, as a fast printer
// would; a loop that read until the pipe was empty would read on until the
// writer gives up.
func TestWatchSeesTheExitWhileOutputFlows(t *testing.T) {
	defer func(d time.Duration) { drainTimeout = d }(drainTimeout)
	drainTimeout = 0
	const giveUp = 100_000 // lines; the pipe holds a few hundred
	line := func(i int) []byte {
		return []byte(fmt.Sprintf(`::runner::{"event":"phase_start","phase":"P%d"}`+"\n", i%2))
	}

	r, out := testPipe(t)
	exitR, exitFd, err := pipe() // w.close closes its read end
	if err != nil {
		t.Fatal(err)
	}
	exitW := os.NewFile(uintptr(exitFd), "exit")
	w := &exitWait{pidfd: -1, done: exitR, exited: make(chan struct{})}
	defer w.close()

	lines, linesAtExit := 0, -1
	s := newSession(&Job{OnPhase: func(string) {
		lines++
		if lines == 1 { // the command exits
			close(w.exited)
			exitW.Close()
		}
		if lines < giveUp {
			out.Write(line(lines + 100))
		}
	}})
	s.start = time.Now()
	s.streams = []*stream{{fd: r}}
	for i := range 100 {
		out.Write(line(i))
	}
	s.watch(w, func() { linesAtExit = lines })
	if linesAtExit < 0 || linesAtExit >= giveUp {
		t.Errorf("the exit was seen after %d lines: only once the output paused", linesAtExit)
	}
	if lines >= giveUp {
		t.Errorf("the loop read %d lines after the exit: past drainTimeout", lines)
	}
}

// Live.Phase reads what the command wrote before the request, and no more:
// a command printing faster than the runner handles lines must not hold
// the request (and the run's lock) for as long as it prints.
func TestLivePhaseReadsOnlyWhatWasWrittenBefore(t *testing.T) {
	const giveUp = 100_000
	r, out := testPipe(t)
	lines := 0
	s := newSession(&Job{OnPhase: func(string) {
		if lines++; lines < giveUp {
			out.Write([]byte(fmt.Sprintf(`::runner::{"event":"phase_start","phase":"Later%d"}`+"\n", lines%2)))
		}
	}})
	s.start = time.Now()
	s.streams = []*stream{{fd: r}}
	for i := range 100 {
		out.Write([]byte(fmt.Sprintf(`::runner::{"event":"phase_start","phase":"P%d"}`+"\n", i)))
	}
	live := &Live{}
	live.attach(s)
	if got := live.Phase(); got != "P99" || lines != 100 {
		t.Errorf("Phase() = %q after %d lines, want P99 after the 100 written before it", got, lines)
	}
	s.close()
}

// openFDs counts the runner's open descriptors, idle cgroups released.
func openFDs(t *testing.T) int {
	t.Helper()
	ReleaseIdle()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(es)
}

// Runs in parallel, each asked for its phase all along by another
// goroutine, keep their output and phases apart and leave no descriptor
// open (the pipes and pidfds are bare descriptors the runner closes
// itself), with pidfds or without.
func TestParallelRunsKeepApartAndCloseTheirDescriptors(t *testing.T) {
	dir := t.TempDir()
	Run(context.Background(), Job{Command: "echo warm", LogPath: filepath.Join(dir, "warm.log")}) // opens /dev/null once
	eachWait(t, func(t *testing.T) {
		before := openFDs(t)
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("P%d", g)
				for i := range 5 {
					live := &Live{}
					stop := make(chan struct{})
					asked := make(chan struct{})
					go func() {
						defer close(asked)
						for {
							select {
							case <-stop:
								return
							default:
								live.Phase()
							}
						}
					}()
					log := filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, i))
					r := Run(context.Background(), Job{
						Command: `for i in 1 2 3 4 5 6 7 8; do echo '::runner::{"event":"phase_start","phase":"` + name + `"}'; echo ` + name + `; echo e >&2; done`,
						LogPath: log, Live: live,
					})
					close(stop)
					<-asked
					b, _ := os.ReadFile(log)
					if !r.OK() || strings.Count(string(b), name+"\n") != 8 || strings.Count(string(b), "e\n") != 8 {
						t.Errorf("%s run %d: %s %s, log %q", name, i, r.Status, r.Error, b)
					}
					if names := phaseNames(r); len(names) != 2 || names[0] != name {
						t.Errorf("%s run %d: phases %v", name, i, names)
					}
				}
			}()
		}
		wg.Wait()
		if after := openFDs(t); after != before {
			t.Errorf("%d descriptors open before the runs, %d after", before, after)
		}
	})
}

// testPipe is a run's output pipe with its write end as a file, as the
// command would hold it; both ends are closed when the test ends.
func testPipe(t *testing.T) (r int, w *os.File) {
	t.Helper()
	r, wfd, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	w = os.NewFile(uintptr(wfd), "|1")
	t.Cleanup(func() { w.Close(); syscall.Close(r) })
	return r, w
}
