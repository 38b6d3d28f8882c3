package execute

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// The test binary doubles as a workload: with EXECUTE_TEST_HELPER set it does
// what the variable says and exits instead of running tests.
const helperEnv = "EXECUTE_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

var sink []byte

func helper(mode string) int {
	name, arg, _ := strings.Cut(mode, ":")
	n, _ := strconv.Atoi(arg)
	switch name {
	case "alloc": // touch n MB
		sink = make([]byte, n<<20)
		for i := 0; i < len(sink); i += 4096 {
			sink[i] = 1
		}
	case "spin": // burn n ms of CPU time, however long that takes on a busy machine
		x := 0
		for cpuTime() < time.Duration(n)*time.Millisecond {
			for range 100000 {
				x++
			}
		}
		sink = []byte{byte(x)}
	case "longline": // an event line of n KiB, then an unterminated tail
		pad := strings.Repeat("x", n<<10)
		fmt.Printf("::runner::{\"event\":\"metric\",\"name\":\"big\",\"value\":1,\"pad\":%q}\n", pad)
		fmt.Print("tail without newline")
	case "fdlimit": // a run while no descriptor is free, then one after
		return runsAfterFdExhaustion()
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
		return 2
	}
	return 0
}

// helperJob runs the test binary in helper mode.
func helperJob(t *testing.T, mode string) Job {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Job{
		Command: "exec '" + exe + "'",
		Env:     append(os.Environ(), helperEnv+"="+mode),
		LogPath: filepath.Join(t.TempDir(), "run.log"),
	}
}

// warnings collects Warn messages.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warnings) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.msgs, "\n")
}

// run runs job with a log and events file in a temporary folder (unless set)
// and fails the test on any unexpected status.
func run(t *testing.T, job Job, wantStatus record.Status) (*record.Run, *warnings, string) {
	t.Helper()
	dir := t.TempDir()
	if job.LogPath == "" {
		job.LogPath = filepath.Join(dir, "logs", "run.log")
	}
	if job.EventsPath == "" {
		job.EventsPath = filepath.Join(dir, "events.jsonl")
	}
	w := &warnings{}
	job.Warn = w.add
	r := Run(context.Background(), job)
	if r.Status != wantStatus {
		t.Fatalf("status %q (exit %d, signal %q, error %q), want %q\nlog:\n%s", r.Status, r.ExitCode, r.Signal, r.Error, wantStatus, readLog(t, job.LogPath))
	}
	return r, w, readLog(t, job.LogPath)
}

// readLog reads a run's log; a command that printed nothing has none.
func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func TestLogOnlyWhenTheCommandPrints(t *testing.T) {
	dir := t.TempDir()
	silent := filepath.Join(dir, "logs", "silent.log")
	r := Run(context.Background(), Job{Command: "true", LogPath: silent})
	if _, err := os.Stat(silent); !errors.Is(err, os.ErrNotExist) || r.Log != "" {
		t.Errorf("a silent command left a log (%v) or names one (%q)", err, r.Log)
	}
	loud := filepath.Join(dir, "logs", "loud.log")
	r = Run(context.Background(), Job{Command: "echo hi >&2", LogPath: loud})
	if got := readLog(t, loud); got != "hi\n" || r.Log != loud {
		t.Errorf("log %q, record names %q", got, r.Log)
	}
}

func phase(t *testing.T, r *record.Run, name string) record.Phase {
	t.Helper()
	for _, p := range r.Phases {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no phase %q in %+v", name, r.Phases)
	return record.Phase{}
}

func phaseNames(r *record.Run) []string {
	var names []string
	for _, p := range r.Phases {
		names = append(names, p.Name)
	}
	return names
}

func between(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.3f, want within [%.3f, %.3f]", what, got, lo, hi)
	}
}

func ev(s string) string { return "echo '" + EventPrefix + s + "'" }

func TestPhasesUsageAndOther(t *testing.T) {
	script := strings.Join([]string{
		ev(`{"event":"phase_start","phase":"A"}`),
		"sleep 0.3",
		ev(`{"event":"usage","provider":"p","model":"m","input_tokens":10,"output_tokens":5,"cached_input_tokens":2}`) + " >&2",
		ev(`{"event":"phase_start","phase":"B"}`) + " >&2",
		"sleep 0.2",
		ev(`{"event":"usage","phase":"A","input_tokens":1,"output_tokens":2,"reasoning_tokens":1}`),
		ev(`{"event":"phase_end","phase":"B"}`),
		"echo plain line",
		"sleep 0.3",
		ev(`{"event":"usage","input_tokens":7,"output_tokens":0}`),
		ev(`{"event":"phase_start","phase":"A"}`),
		"sleep 0.1",
		ev(`{"event":"metric","name":"quality","value":8.5}`),
		ev(`{"event":"metric","name":"quality","value":9}`),
	}, "\n")
	var calls []string
	job := Job{Command: script, Phases: []string{"A", "B"}, OnPhase: func(p string) { calls = append(calls, p) }}
	r, w, log := run(t, job, record.StatusOK)

	if got, want := strings.Join(phaseNames(r), ","), "A,B,(other)"; got != want {
		t.Fatalf("phases %s, want %s", got, want)
	}
	a, b, other := phase(t, r, "A"), phase(t, r, "B"), phase(t, r, record.OtherPhase)
	between(t, "A seconds", a.Seconds, 0.35, 1.5)
	between(t, "A start", a.Start, 0, 0.3)
	between(t, "B seconds", b.Seconds, 0.15, 1)
	between(t, "B start", b.Start, 0.25, 1.5)
	between(t, "(other) seconds", other.Seconds, 0.25, 1.2)
	sum := a.Seconds + b.Seconds + other.Seconds
	between(t, "phase sum - wall", sum-r.WallSeconds, -1e-6, 1e-6)
	between(t, "wall", r.WallSeconds, 0.9, 3)

	if len(r.Usage) != 3 {
		t.Fatalf("usage %+v, want 3 reports", r.Usage)
	}
	wantUsage := []record.Usage{
		{Phase: "A", Provider: "p", Model: "m", Source: record.SourceEvents, Tokens: record.Tokens{Input: 10, Output: 5, CachedInput: 2}},
		{Phase: "A", Source: record.SourceEvents, Tokens: record.Tokens{Input: 1, Output: 2, Reasoning: 1}},
		{Phase: record.OtherPhase, Source: record.SourceEvents, Tokens: record.Tokens{Input: 7}},
	}
	for i, want := range wantUsage {
		got := r.Usage[i]
		got.At = 0
		if got != want {
			t.Errorf("usage[%d] = %+v, want %+v", i, got, want)
		}
	}
	if r.Metrics["quality"] != 9 {
		t.Errorf("metrics %v, want quality 9 (last wins)", r.Metrics)
	}
	if got, want := strings.Join(calls, "|"), "A|B||A|"; got != want {
		t.Errorf("OnPhase calls %q, want %q", got, want)
	}
	if r.BadEvents != 0 || w.all() != "" {
		t.Errorf("bad events %d, warnings %q", r.BadEvents, w.all())
	}
	if n := strings.Count(log, "\n"); n != 10 {
		t.Errorf("log has %d lines, want 10 (every line, events too):\n%s", n, log)
	}
	if !strings.Contains(log, "plain line\n") || !strings.Contains(log, EventPrefix+`{"event":"phase_end","phase":"B"}`+"\n") {
		t.Errorf("log misses lines:\n%s", log)
	}
}

func TestEventsFile(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "sub", "events.jsonl")
	// A stale file from an earlier run must not count.
	os.MkdirAll(filepath.Dir(events), 0o755)
	os.WriteFile(events, []byte(`{"event":"metric","name":"stale","value":1}`+"\n"), 0o644)

	script := `
now() { date +%s.%N; }
echo "{\"event\":\"phase_start\",\"phase\":\"Load\",\"ts\":$(now)}" >> "$RUNNER_EVENTS"
sleep 0.3
echo "::runner::{\"event\":\"phase_start\",\"phase\":\"Think\",\"ts\":$(now)}" >> "$RUNNER_EVENTS"
echo '::runner::{"event":"usage","provider":"line","input_tokens":3,"output_tokens":4}'
sleep 0.2
echo "{\"event\":\"phase_end\",\"phase\":\"Think\",\"ts\":$(now)}" >> "$RUNNER_EVENTS"
echo '{"event":"usage","provider":"file","input_tokens":100,"output_tokens":50}' >> "$RUNNER_EVENTS"
echo '{"event":"metric","name":"score","value":0.5}' >> "$RUNNER_EVENTS"
echo 'not json' >> "$RUNNER_EVENTS"
echo >> "$RUNNER_EVENTS"
`
	r, w, _ := run(t, Job{Command: script, EventsPath: events, StaleEvents: true}, record.StatusOK)
	if got, want := strings.Join(phaseNames(r), ","), "Load,Think,(other)"; got != want {
		t.Fatalf("phases %s, want %s", got, want)
	}
	between(t, "Load seconds", phase(t, r, "Load").Seconds, 0.25, 1)
	between(t, "Think seconds", phase(t, r, "Think").Seconds, 0.15, 1)
	if r.BadEvents != 1 || !strings.Contains(w.all(), "events file line 6") {
		t.Errorf("bad events %d, warnings %q; want 1 naming events file line 6", r.BadEvents, w.all())
	}
	if len(r.Usage) != 2 || r.Usage[0].Provider != "line" || r.Usage[0].Phase != "Think" ||
		r.Usage[1].Provider != "file" || r.Usage[1].Input != 100 || r.Usage[1].Phase != record.OtherPhase {
		t.Errorf("usage %+v: want the line report in Think, then the untimed file report at exit in (other)", r.Usage)
	}
	if _, stale := r.Metrics["stale"]; stale || r.Metrics["score"] != 0.5 {
		t.Errorf("metrics %v, want score 0.5 and no stale metric", r.Metrics)
	}
}

func TestExtract(t *testing.T) {
	script := `
echo '[Plan] started'
sleep 0.2
echo 'tokens in=1,200 out=20'
echo 'Quality score: 7.5'
sleep 0.05
echo '[Write] started' >&2
sleep 0.1
echo 'tokens in=5 out=1 (Plan)'
echo 'Quality score: 9'
echo 'Quality score: n/a'
`
	x := Extract{
		Phase:   regexp.MustCompile(`^\[(?P<phase>[^\]]+)\] started`),
		Usage:   regexp.MustCompile(`tokens in=(?P<input_tokens>[\d,]+) out=(?P<output_tokens>\d+)(?: \((?P<phase>\w+)\))?`),
		Metrics: map[string]*regexp.Regexp{"quality": regexp.MustCompile(`Quality score: (?P<value>\S+)`)},
	}
	r, w, _ := run(t, Job{Command: script, Extract: x, Phases: []string{"Plan"}}, record.StatusOK)
	if got, want := strings.Join(phaseNames(r), ","), "Plan,Write,(other)"; got != want {
		t.Fatalf("phases %s, want %s", got, want)
	}
	between(t, "Plan seconds", phase(t, r, "Plan").Seconds, 0.15, 1)
	want := []record.Usage{
		// Two reports in one phase for one model: one entry, added up.
		{Phase: "Plan", Source: record.SourceRegex, Count: 2, Tokens: record.Tokens{Input: 1205, Output: 21}},
	}
	if len(r.Usage) != len(want) {
		t.Fatalf("usage %+v, want %+v", r.Usage, want)
	}
	for i := range want {
		got := r.Usage[i]
		got.At = 0
		if got != want[i] {
			t.Errorf("usage[%d] = %+v, want %+v", i, got, want[i])
		}
	}
	if r.Metrics["quality"] != 9 {
		t.Errorf("metrics %v, want quality 9", r.Metrics)
	}
	msgs := w.all()
	if !strings.Contains(msgs, `log line 4: phase "Write" is not among the declared phases`) || !strings.Contains(msgs, `log line 7: extract metric "quality": "n/a" is not a number`) {
		t.Errorf("warnings %q", msgs)
	}
	if r.BadEvents != 0 {
		t.Errorf("bad events %d, want 0 (extract problems are not events)", r.BadEvents)
	}
}

func TestBadEvents(t *testing.T) {
	bad := []struct {
		name, line, warn string
	}{
		{"bad json", `{"event":"phase_start",`, "unexpected end of JSON"},
		{"not an object", `[1,2]`, "cannot unmarshal array"},
		{"no event", `{"phase":"A"}`, `no "event" field`},
		{"unknown event", `{"event":"phase_begin","phase":"A"}`, `unknown event "phase_begin"`},
		{"phase missing", `{"event":"phase_start"}`, `phase_start without "phase"`},
		{"usage without output", `{"event":"usage","input_tokens":3}`, `usage needs`},
		{"fractional tokens", `{"event":"usage","input_tokens":3.5,"output_tokens":1}`, `cannot unmarshal number 3.5`},
		{"negative tokens", `{"event":"usage","input_tokens":-3,"output_tokens":1}`, `negative`},
		{"metric without value", `{"event":"metric","name":"q"}`, `metric needs`},
		{"trailing garbage", `{"event":"phase_end","phase":"A"} x`, `invalid character 'x'`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			line := EventPrefix + tc.line
			script := "echo first\necho '" + line + "'\necho last"
			r, w, log := run(t, Job{Command: script}, record.StatusOK)
			if r.BadEvents != 1 {
				t.Errorf("bad events %d, want 1", r.BadEvents)
			}
			if msg := w.all(); !strings.Contains(msg, "log line 2:") || !strings.Contains(msg, tc.warn) {
				t.Errorf("warning %q, want log line 2 and %q", msg, tc.warn)
			}
			if log != "first\n"+line+"\nlast\n" {
				t.Errorf("log %q, want every line verbatim", log)
			}
		})
	}
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name, cmd, dir string
		status         record.Status
		exit           int
		signal, err    string
	}{
		{name: "ok", cmd: "true", status: record.StatusOK},
		{name: "exit code", cmd: "exit 3", status: record.StatusFailed, exit: 3, err: "exit code 3"},
		{name: "command not found", cmd: "/nonexistent/cmd", status: record.StatusFailed, exit: 127},
		{name: "killed", cmd: "kill -KILL $$", status: record.StatusFailed, exit: -1, signal: "killed", err: "killed by signal: killed"},
		{name: "segfault", cmd: "kill -SEGV $$", status: record.StatusFailed, exit: -1, signal: "segmentation fault"},
		{name: "terminated", cmd: "kill -TERM $$", status: record.StatusFailed, exit: -1, signal: "terminated"},
		{name: "cannot start", cmd: "true", dir: "/nonexistent/dir", status: record.StatusFailed, exit: -1, err: "starting command: working folder: stat /nonexistent/dir: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _, _ := run(t, Job{Command: tc.cmd, Dir: tc.dir}, tc.status)
			if r.ExitCode != tc.exit || r.Signal != tc.signal || !strings.Contains(r.Error, tc.err) {
				t.Errorf("exit %d signal %q error %q, want %d %q %q", r.ExitCode, r.Signal, r.Error, tc.exit, tc.signal, tc.err)
			}
			if (tc.status == record.StatusOK) != (r.Error == "") {
				t.Errorf("error %q for status %s", r.Error, r.Status)
			}
			if r.Started.IsZero() {
				t.Error("Started not set")
			}
		})
	}
}

// gone reports whether pid no longer runs (absent or a zombie nobody reaped).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z") || strings.HasPrefix(rest, "X")
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if gone(pid) {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("process %d still runs", pid)
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestTimeoutKillsGroup(t *testing.T) {
	tests := []struct {
		name, script string
		signal       string
		maxWall      float64 // far below the 300 s sleeps: a loaded machine cannot reach it
	}{
		// The grandchild keeps the pipes open; killing the group closes them.
		{"grandchild", `echo before; sleep 300 & echo $! > "$PIDFILE"; wait`, "terminated", 60},
		// Everything ignores SIGTERM: SIGKILL follows after the grace.
		{"ignores TERM", `trap '' TERM; sleep 300 & echo $! > "$PIDFILE"; wait; wait; wait`, "killed", 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			job := Job{
				Command:   tc.script,
				Env:       append(os.Environ(), "PIDFILE="+pidfile),
				Timeout:   300 * time.Millisecond,
				KillGrace: 300 * time.Millisecond,
			}
			start := time.Now()
			r, _, log := run(t, job, record.StatusTimeout)
			if took := time.Since(start).Seconds(); took > tc.maxWall {
				t.Errorf("Run took %.2fs", took)
			}
			between(t, "wall", r.WallSeconds, 0.29, tc.maxWall)
			if r.Signal != tc.signal || r.Error != "timed out after 300ms" {
				t.Errorf("signal %q error %q", r.Signal, r.Error)
			}
			if tc.name == "grandchild" && log != "before\n" {
				t.Errorf("log %q", log)
			}
			waitGone(t, readPID(t, pidfile))
		})
	}
}

func TestLeftoversKilledAfterExit(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	job := Job{Command: `sleep 300 & echo $! > "$PIDFILE"; exit 0`, Env: append(os.Environ(), "PIDFILE="+pidfile)}
	start := time.Now()
	run(t, job, record.StatusOK)
	if took := time.Since(start); took > 60*time.Second { // not the 300 s of the sleep
		t.Errorf("Run took %v", took)
	}
	waitGone(t, readPID(t, pidfile))
}

func TestEscapedPipeHolderDoesNotHang(t *testing.T) {
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	pidfile := filepath.Join(t.TempDir(), "pid")
	// It exits once the escaped process has written its pid, however
	// long a loaded machine takes to start it.
	job := Job{Command: `setsid sh -c 'echo $$ > "$PIDFILE.tmp"; mv "$PIDFILE.tmp" "$PIDFILE"; exec sleep 300' & while [ ! -e "$PIDFILE" ]; do sleep 0.01; done; echo done`, Env: append(os.Environ(), "PIDFILE="+pidfile)}
	start := time.Now()
	_, _, log := run(t, job, record.StatusOK)
	if took := time.Since(start); took > drainTimeout+60*time.Second { // not the 300 s of the sleep
		t.Errorf("Run took %v", took)
	}
	if log != "done\n" {
		t.Errorf("log %q", log)
	}
	pid := readPID(t, pidfile)
	syscall.Kill(pid, syscall.SIGKILL)
}

func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	start := time.Now()
	r := Run(ctx, Job{
		Command: `echo '::runner::{"event":"phase_start","phase":"Long"}'; sleep 120`,
		LogPath: filepath.Join(dir, "run.log"),
		// Cancelled once the phase is open, not after a fixed delay that a
		// loaded machine can overrun before the shell has printed it.
		OnPhase: func(phase string) {
			if phase == "Long" {
				cancel()
			}
		},
	})
	// Bounds far from the command's 120 s, so that a loaded machine cannot
	// fail the test: what matters is that Run ends at the cancel, not then.
	took := time.Since(start)
	if took > 60*time.Second {
		t.Errorf("Run took %v after cancel", took)
	}
	if r.Status != record.StatusInterrupted || r.Error != "interrupted" {
		t.Errorf("status %q error %q", r.Status, r.Error)
	}
	if len(r.Phases) == 0 || r.Phases[0].Name != "Long" {
		t.Fatalf("phases %+v: want the partial phase", r.Phases)
	}
	between(t, "Long seconds", r.Phases[0].Seconds, 0, took.Seconds())

	r = Run(ctx, Job{Command: "true"})
	if r.Status != record.StatusInterrupted || r.ExitCode != -1 {
		t.Errorf("already cancelled: status %q exit %d", r.Status, r.ExitCode)
	}
}

func TestArtifacts(t *testing.T) {
	dir := t.TempDir()
	script := `
mkdir -p out/sessions/deep
head -c 1048576 /dev/zero > out/a.html
head -c 524288 /dev/zero > out/b.html
echo x > out/c.txt
head -c 2097152 /dev/zero > out/sessions/s1
head -c 1048576 /dev/zero > out/sessions/deep/s2
`
	job := Job{Command: script, Dir: dir, Artifacts: []Artifact{
		{"reports", filepath.Join(dir, "out", "*.html")},
		{"sessions", "out/sessions"},
		{"all", "out/*"},
		{"one", "out/c.txt"},
		{"missing", "out/nothing"},
	}}
	r, w, _ := run(t, job, record.StatusOK)
	want := map[string]record.Artifact{
		"reports":  {MB: 1.5, Files: 2},
		"sessions": {MB: 3, Files: 2},
		"all":      {MB: 4.5 + 2.0/(1<<20), Files: 5},
		"one":      {MB: 2.0 / (1 << 20), Files: 1},
		"missing":  {},
	}
	for name, a := range want {
		if got := r.Artifacts[name]; got != a {
			t.Errorf("artifact %s = %+v, want %+v", name, got, a)
		}
	}
	if w.all() != "" {
		t.Errorf("warnings %q", w.all())
	}
}

func TestPeakRSSNotTheRunners(t *testing.T) {
	// The runner was once large; a tiny command must not inherit that peak.
	sink = make([]byte, 150<<20)
	for i := 0; i < len(sink); i += 4096 {
		sink[i] = 1
	}
	sink = nil
	debug.FreeOSMemory()
	now := residentMB(t)
	r, _, _ := run(t, Job{Command: "true"}, record.StatusOK)
	// The floor is the runner's current size, not its 150 MB larger peak.
	between(t, "peak RSS MB of true", r.PeakRSSMB, 0.1, now+50)
}

// residentMB is this process's current resident set size.
func residentMB(t *testing.T) float64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	t.Skip("no VmRSS")
	return 0
}

func TestPeakRSSAndCPU(t *testing.T) {
	debug.FreeOSMemory()
	r, _, _ := run(t, helperJob(t, "alloc:60"), record.StatusOK)
	hi := 200.0
	if raceEnabled {
		hi = 2000
	}
	between(t, "peak RSS MB", r.PeakRSSMB, 55, hi)

	// The helper burns 300 ms of its own CPU time, so user+sys is at least
	// that whatever the load; CPU % is only checked against its definition,
	// as a loaded machine gives the helper less of each wall second.
	r, _, _ = run(t, helperJob(t, "spin:300"), record.StatusOK)
	cpu := r.UserSeconds + r.SysSeconds
	between(t, "user+sys", cpu, 0.3, 3)
	between(t, "cpu % - (user+sys)/wall*100", r.CPUPercent-cpu/r.WallSeconds*100, -1e-9, 1e-9)
	between(t, "cpu %", r.CPUPercent, 0.1, 100*float64(runtime.NumCPU())+1)
}

// cpuTime is the process's own user+sys time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestLongLine(t *testing.T) {
	r, w, log := run(t, helperJob(t, "longline:300"), record.StatusOK)
	if r.Metrics["big"] != 1 || r.BadEvents != 0 {
		t.Errorf("metrics %v bad %d warnings %q", r.Metrics, r.BadEvents, w.all())
	}
	if len(log) < 300<<10 || !strings.HasSuffix(log, "\ntail without newline") {
		t.Errorf("log of %d bytes ends %q", len(log), log[max(0, len(log)-40):])
	}
}

func TestOverlongLineWrittenThrough(t *testing.T) {
	// A line just over the limit, from head and tr, goes to the log without
	// being held or parsed, and the next line is parsed again. The limit is
	// 1 MiB here: the path is the same as at MaxLine (64 MiB), 64 times faster.
	defer func(m int) { maxLine = m }(maxLine)
	maxLine = 1 << 20
	script := `{ printf '::runner::'; head -c 1048612 /dev/zero | tr '\0' x; echo; echo '::runner::{"event":"metric","name":"after","value":2}'; }`
	r, w, log := run(t, Job{Command: script}, record.StatusOK)
	if r.Metrics["after"] != 2 || r.BadEvents != 0 || !strings.Contains(w.all(), "log line 1: longer than 1 MiB") {
		t.Errorf("metrics %v bad %d warnings %q", r.Metrics, r.BadEvents, w.all())
	}
	if first, _, _ := strings.Cut(log, "\n"); first != "::runner::"+strings.Repeat("x", 1048612) {
		t.Errorf("the long line is not in the log whole (%d bytes)", len(first))
	}
}

func TestEnv(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "ev")
	job := Job{
		Command:    `echo "$RUNNER_EVENTS|$FOO"`,
		Env:        []string{"RUNNER_EVENTS=/wrong", "FOO=bar", "PATH=/usr/bin:/bin"},
		EventsPath: events,
	}
	_, _, log := run(t, job, record.StatusOK)
	if log != events+"|bar\n" {
		t.Errorf("log %q", log)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	for i := 0; i < 20; i++ {
		r := Run(ctx, Job{Command: "echo hi; echo err >&2", Timeout: time.Minute, LogPath: filepath.Join(dir, "log")})
		if r.Status != record.StatusOK {
			t.Fatal(r.Error)
		}
	}
	after := 0
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
	}
	t.Errorf("%d goroutines before 20 runs, %d after", before, after)
}

func TestReplay(t *testing.T) {
	e := func(kind evKind, at float64, phase string) event { return event{kind: kind, at: at, phase: phase} }
	tests := []struct {
		name   string
		evs    []event
		want   []record.Phase
		warned bool
	}{
		{"no events", nil, []record.Phase{{Name: record.OtherPhase, Seconds: 10}}, false},
		{"open at exit", []event{e(evPhaseStart, 2, "A")}, []record.Phase{{Name: "A", Start: 2, Seconds: 8}, {Name: record.OtherPhase, Seconds: 2}}, false},
		{"whole run", []event{e(evPhaseStart, 0, "A"), e(evPhaseEnd, 10, "A")}, []record.Phase{{Name: "A", Seconds: 10}}, false},
		{"reopen", []event{e(evPhaseStart, 0, "A"), e(evPhaseStart, 1, "B"), e(evPhaseStart, 3, "A"), e(evPhaseEnd, 4, "A")},
			[]record.Phase{{Name: "A", Seconds: 2}, {Name: "B", Start: 1, Seconds: 2}, {Name: record.OtherPhase, Start: 4, Seconds: 6}}, false},
		{"out of order and clamped", []event{e(evPhaseEnd, 12, "A"), e(evPhaseStart, -1, "A")}, []record.Phase{{Name: "A", Seconds: 10}}, false},
		{"mismatched end", []event{e(evPhaseStart, 0, "A"), e(evPhaseEnd, 5, "B")}, []record.Phase{{Name: "A", Seconds: 10}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, _, warns := replay(tc.evs, 10)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("phases %+v, want %+v", got, tc.want)
			}
			if (len(warns) > 0) != tc.warned {
				t.Errorf("warnings %q", warns)
			}
		})
	}
}

func BenchmarkRunTrue(b *testing.B) {
	dir := b.TempDir()
	job := Job{
		Command:    "true",
		Env:        os.Environ(),
		LogPath:    filepath.Join(dir, "logs", "true.log"),
		EventsPath: filepath.Join(dir, "events"),
	}
	ctx := context.Background()
	for b.Loop() {
		if r := Run(ctx, job); r.Status != record.StatusOK {
			b.Fatal(r.Error)
		}
	}
}

// BenchmarkBaselineTrue is the floor BenchmarkRunTrue is compared with:
// start the program `true` (as Run does, without the shell) and wait for
// it, nothing else.
func BenchmarkBaselineTrue(b *testing.B) {
	path, err := exec.LookPath("true")
	if err != nil {
		b.Skip(err)
	}
	attr := &os.ProcAttr{Env: os.Environ(), Sys: &syscall.SysProcAttr{Setpgid: true}}
	for b.Loop() {
		p, err := os.StartProcess(path, []string{"true"}, attr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineShTrue starts `sh -c true` and waits for it, nothing
// else: what hyperfine does per run.
func BenchmarkBaselineShTrue(b *testing.B) {
	attr := &os.ProcAttr{Env: os.Environ(), Sys: &syscall.SysProcAttr{Setpgid: true}}
	for b.Loop() {
		p, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "true"}, attr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

// A request sent right after the command printed phase_start must see that
// phase, whatever the scheduling: Live.Phase reads pending output first. The
// "request" here is a fifo the command writes after printing the event.
func TestLivePhaseSeesOutputWrittenBeforeARequest(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 20; i++ {
		fifo := filepath.Join(dir, fmt.Sprintf("req%d", i))
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		live := &Live{}
		got := make(chan string, 1)
		go func() {
			f, err := os.Open(fifo) // blocks until the command opens it to "send"
			if err != nil {
				got <- "open: " + err.Error()
				return
			}
			got <- live.Phase()
			io.Copy(io.Discard, f)
			f.Close()
		}()
		r := Run(context.Background(), Job{
			Command: `echo '::runner::{"event":"phase_start","phase":"A"}'; echo '::runner::{"event":"phase_start","phase":"B"}'; echo x > ` + fifo,
			Live:    live,
		})
		if !r.OK() {
			t.Fatalf("run %d: %s %s", i, r.Status, r.Error)
		}
		if p := <-got; p != "B" {
			t.Fatalf("attempt %d: phase at request time = %q, want B", i, p)
		}
	}
}

// A run reporting usage a million times keeps one entry per phase and model:
// its record stays small and reads back (it was 104 MB, past the reader).
// 100,000 usage events of one phase and model are one entry (unmerged, the
// record would take megabytes).
func TestManyUsageEventsStaySmall(t *testing.T) {
	cmd := `echo '::runner::{"event":"phase_start","phase":"A"}'; yes '::runner::{"event":"usage","model":"m","input_tokens":3,"output_tokens":1}' | head -n 100000`
	r, _, _ := run(t, Job{Command: cmd}, record.StatusOK)
	if len(r.Usage) != 1 || r.Usage[0].Count != 100000 || r.Usage[0].Input != 300000 || r.Usage[0].Output != 100000 {
		t.Fatalf("usage %+v, want one entry of 100,000 reports", r.Usage)
	}
	path := filepath.Join(t.TempDir(), "runs.jsonl")
	w, err := record.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if st, _ := os.Stat(path); st.Size() > 64<<10 {
		t.Errorf("record of %d bytes", st.Size())
	}
	back, err := record.ReadFile(path)
	if err != nil || len(back) != 1 || back[0].Usage[0].Count != 100000 {
		t.Errorf("read back %d records (%v)", len(back), err)
	}
}

// A run that names more metrics than record.MaxMetrics keeps the first
// ones and says, once, how many values it dropped.
func TestMetricNamesAreBounded(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	var b strings.Builder
	for i := range record.MaxMetrics + 500 {
		fmt.Fprintf(&b, `{"event":"metric","name":"m%d","value":%d}`+"\n", i, i)
	}
	b.WriteString(`{"event":"metric","name":"m0","value":7}` + "\n") // a known name still updates
	if err := os.WriteFile(events, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, _ := run(t, Job{Command: "true", EventsPath: events}, record.StatusOK)
	if len(r.Metrics) != record.MaxMetrics || r.Metrics["m0"] != 7 {
		t.Errorf("%d metrics (m0 = %v), want %d with m0 = 7", len(r.Metrics), r.Metrics["m0"], record.MaxMetrics)
	}
	if n := strings.Count(w.all(), "metric values were dropped"); n != 1 || !strings.Contains(w.all(), "500 metric values were dropped") {
		t.Errorf("warnings %q, want one naming 500 dropped values", w.all())
	}
}

// runsAfterFdExhaustion makes the runner's first run while every descriptor
// is taken, then frees them and runs again: the second run must work.
func runsAfterFdExhaustion() int {
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 64, Max: 64})
	if r, w, err := os.Pipe(); err == nil { // the runtime's poller, made while it can be
		r.Close()
		w.Close()
	}
	var taken []int
	for {
		fd, err := syscall.Open(os.DevNull, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		taken = append(taken, fd)
	}
	r := Run(context.Background(), Job{Command: "echo hi"})
	fmt.Printf("exhausted: %s %s\n", r.Status, r.Error)
	for _, fd := range taken {
		syscall.Close(fd)
	}
	r = Run(context.Background(), Job{Command: "echo hi"})
	fmt.Printf("freed: %s %s\n", r.Status, r.Error)
	if r.Status != record.StatusOK {
		return 1
	}
	return 0
}

// A run that found no descriptor free fails with a clear error, and the
// runs after it work once descriptors are free again.
func TestRunsAfterFdExhaustion(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnv+"=fdlimit")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "exhausted: failed open /dev/null: too many open files") {
		t.Errorf("%v:\n%s", err, out)
	}
}
