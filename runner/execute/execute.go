// Package execute runs one rendered command and measures it from outside (wall
// time, CPU, peak memory, artifact sizes) and from inside (the ::runner:: line
// protocol, the RUNNER_EVENTS file and the spec's extract patterns). It knows
// nothing of specs, matrices or statistics: it turns a Job into a *record.Run.
//
// Process model. The command runs as `/bin/sh -c COMMAND` (a plain command
// without the shell, where that changes nothing: see direct.go) in a process group of
// its own, with stdin from /dev/null and stdout and stderr on two pipes. The run
// owns that group and every process it starts (see procTree: on Linux a cgroup
// per command, or descendants tracked through /proc): on timeout or
// cancellation the group gets SIGTERM and, after the kill grace, every process
// of the command SIGKILL; and whatever is still left when the command itself
// exits, in the group or out of it (setsid), is killed with SIGKILL, so a stray
// background process can neither outlive the run nor distort the next one.
// Output is read for a short drain period after that, so a process that
// escaped even this cannot hang the run.
package execute

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
)

const (
	// EventsEnv names the variable that tells the workload where to append events.
	EventsEnv = "RUNNER_EVENTS"
	// EventPrefix starts every event line on stdout or stderr.
	EventPrefix = "::runner::"
	// DefaultKillGrace is the time between SIGTERM and SIGKILL.
	DefaultKillGrace = 2 * time.Second
	// MaxLine is the longest line parsed for events and patterns; longer lines
	// still go to the log in full.
	MaxLine = 64 << 20
)

// maxLine is MaxLine, a variable so that a test can check the write-through
// path with a short line instead of 64 MiB.
var maxLine = MaxLine

// drainTimeout bounds how long output is still read after the command exited
// and its group was killed: only a process that escaped the group (setsid) and
// keeps the pipes open ever makes Run wait that long.
var drainTimeout = 500 * time.Millisecond

// Job is one process to run and measure.
type Job struct {
	Command string   // run with /bin/sh -c (or as sh would, see direct), in its own process group
	Dir     string   // working directory ("" = current)
	Env     []string // complete environment (nil = this process's); RUNNER_EVENTS is set on top
	// LogPath receives stdout and stderr, whole lines interleaved in
	// the order the runner reads them ("" = no log), each line scrubbed of
	// secrets (package redact; a line longer than MaxLine is written through
	// as it comes). It is created at the first
	// byte of output: a silent command leaves no log, and the record's Log
	// says so by being empty. Each stream keeps its own
	// order; lines written to the two streams within microseconds of each other
	// may swap, so a workload should print its events on one stream.
	LogPath string
	// EventsPath is the RUNNER_EVENTS file ("" = none), read after the run.
	// Events there are placed by their "ts"; those without one are applied at
	// exit, in file order.
	EventsPath string
	// StaleEvents says EventsPath may hold an earlier run's events (a resumed
	// run): it is removed before the run so they never count. Without it the
	// file is not touched before the run, which saves file-system calls.
	StaleEvents bool
	// AppendLog appends to an existing log instead of replacing it (a
	// resumed run keeps the output of the attempt it replaces).
	AppendLog bool
	Timeout   time.Duration // 0 = none; on expiry the whole process group is killed
	KillGrace time.Duration // SIGTERM to SIGKILL; 0 = DefaultKillGrace
	Phases    []string      // declared phase names, for warnings only
	Extract   Extract       // patterns applied to every output line
	Artifacts []Artifact    // sizes measured after the run

	// OnPhase, if set, is called whenever a phase starts on stdout or stderr,
	// with "" when the open phase ends without a new one (also at exit). It is
	// called from the output readers, one call at a time, and must not block.
	OnPhase func(name string)
	// Live, if set, answers "which phase is open now?" during the run (the
	// metering proxy asks it when a request arrives).
	Live *Live
	// Warn, if set, receives warnings (malformed events, undeclared phases...),
	// one call at a time. Warnings are never fatal.
	Warn func(msg string)
}

// Extract holds the spec's compiled extract patterns. Any may be nil.
type Extract struct {
	Phase   *regexp.Regexp            // named group "phase": that phase begins
	Usage   *regexp.Regexp            // named groups input_tokens, output_tokens; optional cached_input_tokens, cache_write_tokens, reasoning_tokens, phase, model, provider
	Metrics map[string]*regexp.Regexp // named group "value"
}

func (x Extract) empty() bool { return x.Phase == nil && x.Usage == nil && len(x.Metrics) == 0 }

// Artifact names a file set whose size is recorded after the run. Path is a
// glob (the total size and count of the regular files matched, recursing into
// matched folders) or a folder (recursive size and file count) or a file.
type Artifact struct {
	Name string
	Path string
}

// keptFile is a file opened once and kept for the runner's life. An open
// that failed for want of descriptors (EMFILE, ENFILE) is tried again at the
// next call: kept, that failure would fail every later run, or measure each
// one's peak memory with the runner's, long after the descriptors were freed.
type keptFile struct {
	mu     sync.Mutex
	opened bool
	f      *os.File
	err    error
	open   func() (*os.File, error)
}

func (k *keptFile) get() (*os.File, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.opened {
		k.f, k.err = k.open()
		k.opened = !errors.Is(k.err, syscall.EMFILE) && !errors.Is(k.err, syscall.ENFILE)
	}
	return k.f, k.err
}

// stdinFile is /dev/null, every command's stdin.
var stdinFile = keptFile{open: func() (*os.File, error) { return os.Open(os.DevNull) }}

// devNull is /dev/null's descriptor.
func devNull() (uintptr, error) {
	f, err := stdinFile.get()
	if err != nil {
		return 0, err
	}
	return f.Fd(), nil
}

// clearRefsFile is /proc/self/clear_refs, where it can be written.
var clearRefsFile = keptFile{open: func() (*os.File, error) {
	return os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
}}

// clearRefs is /proc/self/clear_refs, or nil where it cannot be written.
func clearRefs() *os.File {
	f, _ := clearRefsFile.get()
	return f
}

// resetPeakRSS lowers this process's resident-set high-water mark to its
// current size. Linux charges a vforked child, at its exec, with the peak of
// the memory it shared with its parent, so without this every run would
// report at least the runner's largest size ever (after a big report or a
// long line, hundreds of MB); with it, the floor is the runner's size now.
func resetPeakRSS() {
	if f := clearRefs(); f != nil {
		f.Write([]byte("5"))
	}
}

// Run runs job and returns its record. A record is always returned, with
// whatever was measured, also when the command failed, timed out, was
// interrupted (ctx done) or could not start. Cell, provider, index, log and
// folder fields are left to the caller.
func Run(ctx context.Context, job Job) *record.Run {
	r := &record.Run{ExitCode: -1}
	s := newSession(&job)
	if ctx.Err() != nil {
		r.Started = time.Now()
		r.Status = record.StatusInterrupted
		r.Error = "interrupted before start"
		return r
	}
	fail := func(err error) *record.Run {
		r.Status = record.StatusFailed
		r.Error = err.Error()
		s.closeLog()
		s.logError(r)
		s.artifacts(r)
		s.recordWarnings(r)
		return r
	}

	s.logPath = job.LogPath
	if job.EventsPath != "" && job.StaleEvents {
		if err := prepareEvents(job.EventsPath); err != nil {
			r.Started = time.Now()
			return fail(fmt.Errorf("preparing events file: %w", err))
		}
	}
	stdin, err := devNull()
	if err != nil {
		r.Started = time.Now()
		return fail(err)
	}
	outR, outW, err := pipe()
	if err != nil {
		r.Started = time.Now()
		return fail(err)
	}
	errR, errW, err := pipe()
	if err != nil {
		syscall.Close(outR)
		syscall.Close(outW)
		r.Started = time.Now()
		return fail(err)
	}
	// closeOutput ends the reading: Live no longer asks this run (before
	// finish closes the phase left open), and the pipes are closed.
	closeOutput := func() {
		if job.Live != nil {
			job.Live.detach()
		}
		s.close()
		syscall.Close(outR)
		syscall.Close(errR)
	}
	// The streams exist before the command starts, so Live can read them from
	// its first byte on.
	s.streams = []*stream{{fd: outR}, {fd: errR}}
	if job.Live != nil {
		job.Live.attach(s)
	}
	id := newRunID()
	sys := &syscall.SysProcAttr{Setpgid: true}
	tree := newTree(id, sys)
	exit := newExitWait(sys)
	attr := &syscall.ProcAttr{
		Dir:   job.Dir,
		Env:   buildEnv(job.Env, job.EventsPath, id),
		Files: []uintptr{stdin, uintptr(outW), uintptr(errW)},
		Sys:   sys,
	}

	resetPeakRSS()
	s.mu.Lock() // Live may read output (and so the clock) from now on
	s.start = time.Now()
	s.mu.Unlock()
	plain := direct(job.Command, attr.Env, job.Dir)
	pid, err := start(job.Command, plain, attr)
	if err != nil && tree.startFailed(sys) { // the cgroup refused it: without one
		pid, err = start(job.Command, plain, attr)
	}
	syscall.Close(outW)
	syscall.Close(errW)
	r.Started = s.start
	if err != nil {
		closeOutput()
		tree.release()
		if job.Dir != "" { // the child's chdir failing reads "fork/exec /bin/sh: ..."
			if _, serr := os.Stat(job.Dir); serr != nil {
				err = fmt.Errorf("working folder: %w", serr)
			}
		}
		return fail(fmt.Errorf("starting command: %w", err))
	}
	tree.started(pid)
	register(tree)
	defer tree.release()
	if err := exit.started(pid); err != nil { // no descriptor left to wait with
		tree.kill()
		waitPid(pid)
		unregister(tree)
		closeOutput()
		return fail(fmt.Errorf("waiting for command: %w", err))
	}
	defer exit.close()

	k := &killer{tree: tree, grace: job.KillGrace}
	if k.grace <= 0 {
		k.grace = DefaultKillGrace
	}
	var timer *time.Timer
	if job.Timeout > 0 {
		timer = time.AfterFunc(job.Timeout, func() { k.kill(record.StatusTimeout) })
	}
	stopCtx := context.AfterFunc(ctx, func() { k.kill(record.StatusInterrupted) })
	stopAbort := func() bool { return false }
	if abort := abortOf(ctx); abort != nil {
		stopAbort = context.AfterFunc(abort, func() { k.killNow(record.StatusInterrupted) })
	}

	var wall time.Duration
	var why record.Status
	s.watch(exit, func() {
		wall = time.Since(s.start)
		if timer != nil {
			timer.Stop()
		}
		stopCtx()
		stopAbort()
		why = k.exited()
		// The run owns its processes: end whatever the command left behind
		// (in its group or not); watch then gives the pipes a bounded time
		// to reach EOF.
		tree.reaped.Store(true)
		tree.kill()
		unregister(tree)
	})
	closeOutput()
	ws, ru, werr := exit.ws, exit.ru, exit.err

	r.WallSeconds = wall.Seconds()
	if werr != nil {
		r.Status = record.StatusFailed
		r.Error = fmt.Sprintf("waiting for command: %v", werr)
	} else {
		status(r, ws, why, job.Timeout)
		if last := s.lastOutput(); r.Status == record.StatusFailed && last != "" {
			r.Error += fmt.Sprintf(" (last output: %q)", redact.String(last)) // the likeliest why, in a word
		}
		if ru != nil {
			r.UserSeconds = tvSeconds(ru.Utime)
			r.SysSeconds = tvSeconds(ru.Stime)
			r.PeakRSSMB = float64(ru.Maxrss) / 1024 // Linux: KiB
		}
		if r.WallSeconds > 0 {
			r.CPUPercent = (r.UserSeconds + r.SysSeconds) / r.WallSeconds * 100
		}
	}

	if job.EventsPath != "" {
		s.readEventsFile(job.EventsPath, r.WallSeconds)
	}
	s.finish(r, r.WallSeconds)
	if s.logf != nil {
		r.Log = job.LogPath // the command printed something
	}
	s.closeLog()
	s.logError(r)
	s.artifacts(r)
	s.recordWarnings(r)
	return r
}

// status fills Status, ExitCode, Signal and Error from the wait status and the
// reason the runner killed the group, if it did.
func status(r *record.Run, ws syscall.WaitStatus, why record.Status, timeout time.Duration) {
	r.ExitCode = -1
	if ws.Signaled() {
		r.Signal = ws.Signal().String()
	} else {
		r.ExitCode = ws.ExitStatus()
	}
	switch {
	case why == record.StatusTimeout:
		r.Status = record.StatusTimeout
		r.Error = fmt.Sprintf("timed out after %s", timeout)
	case why == record.StatusInterrupted:
		r.Status = record.StatusInterrupted
		r.Error = "interrupted"
	case ws.Signaled():
		r.Status = record.StatusFailed
		r.Error = "killed by signal: " + r.Signal
	case r.ExitCode != 0:
		r.Status = record.StatusFailed
		r.Error = fmt.Sprintf("exit code %d", r.ExitCode)
	default:
		r.Status = record.StatusOK
	}
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// start starts command: directly when it is plain (see direct), else, or
// when that fails, as /bin/sh -c command. It uses syscall.StartProcess:
// os.StartProcess would add an fcntl per descriptor and a copy of the pidfd
// the run already has, a tenth of a short run's syscalls.
func start(command string, plain *directCommand, attr *syscall.ProcAttr) (pid int, err error) {
	if plain != nil {
		a := *attr
		a.Env = plain.env
		if pid, _, err := syscall.StartProcess(plain.path, plain.argv, &a); err == nil {
			return pid, nil
		}
	}
	if pid, _, err = syscall.StartProcess("/bin/sh", []string{"sh", "-c", command}, attr); err != nil {
		return 0, &os.PathError{Op: "fork/exec", Path: "/bin/sh", Err: err} // as os.StartProcess says it
	}
	return pid, nil
}

// buildEnv copies env (nil: this process's environment), replacing any
// RUNNER_EVENTS with events when events is set, and any RUNNER_RUN_ID with
// id.
func buildEnv(env []string, events, id string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if events != "" && strings.HasPrefix(kv, EventsEnv+"=") || strings.HasPrefix(kv, RunIDEnv+"=") {
			continue
		}
		out = append(out, kv)
	}
	if events != "" {
		out = append(out, EventsEnv+"="+events)
	}
	return append(out, RunIDEnv+"="+id)
}

// prepareEvents makes sure the events file's folder exists and that no file
// of an earlier run is left at path.
func prepareEvents(path string) error {
	err := os.Remove(path)
	if err == nil {
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.MkdirAll(filepath.Dir(path), 0o755)
}

// killer ends the process group once, for the first reason given: SIGTERM,
// then SIGKILL after the grace period unless the command exited first.
type killer struct {
	mu    sync.Mutex
	tree  *procTree
	grace time.Duration
	done  bool
	why   record.Status // why it was killed: timeout or interrupted
	hard  *time.Timer
}

func (k *killer) kill(why record.Status) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done || k.why != "" {
		return
	}
	k.why = why
	syscall.Kill(-k.tree.pid, syscall.SIGTERM)
	k.hard = time.AfterFunc(k.grace, func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		if !k.done {
			k.tree.kill()
		}
	})
}

// killNow ends the group with SIGKILL at once (a second Ctrl-C), keeping the
// first reason given.
func (k *killer) killNow(why record.Status) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done {
		return
	}
	if k.why == "" {
		k.why = why
	}
	if k.hard != nil {
		k.hard.Stop()
	}
	k.tree.kill()
}

// exited marks the command as reaped and returns why it was killed ("" if not).
func (k *killer) exited() record.Status {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.done = true
	if k.hard != nil {
		k.hard.Stop()
	}
	return k.why
}

// Live tells which phase a running command has open. Phase first reads the
// output the command has already written, so a request the command sends
// right after printing phase_start is attributed to that phase, however the
// runner's goroutines happen to be scheduled. Safe for concurrent use.
type Live struct {
	mu   sync.Mutex
	s    *session
	last string
}

// Phase returns the phase open now ("" outside every phase). It holds l.mu
// while it settles: released in between, the run could end, detach and
// close the phase left open (finish), and a request sent before the end
// would read "" instead of its phase.
func (l *Live) Phase() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.s == nil {
		return l.last
	}
	return l.s.settle()
}

func (l *Live) attach(s *session) {
	l.mu.Lock()
	l.s = s
	l.mu.Unlock()
}

func (l *Live) detach() {
	l.mu.Lock()
	if l.s != nil {
		l.s.mu.Lock()
		l.last = l.s.live
		l.s.mu.Unlock()
	}
	l.s = nil
	l.mu.Unlock()
}
