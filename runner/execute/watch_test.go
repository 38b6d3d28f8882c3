package execute

import (
	"fmt"
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

	r, out, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(r)
	defer out.Close()
	exitR, exitW, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
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
	r, out, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(r)
	defer out.Close()
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
