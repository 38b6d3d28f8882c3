package execute

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// escapees are commands whose processes leave the process group with
// setsid(): directly, after a double fork that orphans them, and with the
// command itself still running when its timeout ends it. Each waits for the
// escapee's pid file rather than a fixed time, which a loaded machine overruns.
var escapees = []struct {
	name, cmd string
	status    record.Status
	timeout   time.Duration
}{
	{"setsid child, command exits", `setsid sh -c 'echo $$ > "$PIDFILE"; exec sleep 300' </dev/null >/dev/null 2>&1 & until [ -s "$PIDFILE" ]; do sleep 0.01; done; echo done`, record.StatusOK, 0},
	{"orphaned daemon", `sh -c 'setsid sh -c "echo \$\$ > \"$PIDFILE\"; exec sleep 300" </dev/null >/dev/null 2>&1 &'; until [ -s "$PIDFILE" ]; do sleep 0.01; done; echo done`, record.StatusOK, 0},
	{"setsid child, timeout", `setsid sh -c 'echo $$ > "$PIDFILE"; exec sleep 300' </dev/null >/dev/null 2>&1 & until [ -s "$PIDFILE" ]; do sleep 0.01; done; sleep 300`, record.StatusTimeout, 3 * time.Second},
}

// Every process of a run dies with it, also one that left the process
// group, with a cgroup per command where the runner may make one and with
// the /proc walk where it may not.
func TestEscapedProcessesDieWithTheRun(t *testing.T) {
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	for _, cgroups := range []bool{true, false} {
		if cgroups && cgroupParent() == "" {
			t.Log("no writable cgroup v2 here: testing the fallback only")
			continue
		}
		for _, tc := range escapees {
			name := tc.name + map[bool]string{true: " (cgroup)", false: " (fallback)"}[cgroups]
			t.Run(name, func(t *testing.T) {
				useCgroups = cgroups
				defer func() { useCgroups = true }()
				pidfile := filepath.Join(t.TempDir(), "pid")
				job := Job{Command: tc.cmd, Timeout: tc.timeout, KillGrace: 100 * time.Millisecond,
					Env: append(os.Environ(), "PIDFILE="+pidfile)}
				run(t, job, tc.status)
				pid := readPID(t, pidfile)
				deadline := time.Now().Add(30 * time.Second) // only against a hang: SIGKILL was sent
				for !gone(pid) {
					if time.Now().After(deadline) {
						syscall.Kill(pid, syscall.SIGKILL)
						t.Fatalf("process %d left the group and outlived its run", pid)
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
	}
	ReleaseIdle()
	if entries, err := os.ReadDir(cgroupParent()); err == nil && cgroupParent() != "" {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "runner-"+strconv.Itoa(os.Getpid())+"-") {
				t.Errorf("cgroup %s left behind", e.Name())
			}
		}
	}
}

// The empty cgroups of a runner that was killed (and so could not remove
// them) are removed by the next runner.
func TestStaleCgroupsAreSwept(t *testing.T) {
	parent := cgroupParent()
	if parent == "" {
		t.Skip("no writable cgroup v2 here")
	}
	stale := filepath.Join(parent, "runner-999999999-1") // no such process
	if err := os.Mkdir(stale, 0o755); err != nil {
		t.Skip(err)
	}
	defer os.Remove(stale)
	sweepCgroups(parent)
	if _, err := os.Stat(stale); err == nil {
		t.Error("a dead runner's empty cgroup was left")
	}
}

// A run's cgroup serves the next run once it is empty, and then holds only
// that run's processes: one that an earlier run left behind (setsid) was
// killed and gone before the cgroup was handed on. ReleaseIdle removes the
// cgroups kept for later runs.
func TestReusedCgroupHoldsOnlyItsRun(t *testing.T) {
	if cgroupParent() == "" {
		t.Skip("no writable cgroup v2 here")
	}
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	ReleaseIdle()
	mount := cgroup2Mount()
	whereAmI := `sed -n 's/^0:://p' /proc/self/cgroup`
	runLog := func(cmd string, env ...string) string {
		t.Helper()
		log := filepath.Join(t.TempDir(), "run.log")
		run(t, Job{Command: cmd, LogPath: log, Env: append(os.Environ(), env...)}, record.StatusOK)
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := runLog(whereAmI)
	pidfile := filepath.Join(t.TempDir(), "pid")
	second := runLog(whereAmI+`; setsid sh -c 'echo $$ > "$PIDFILE"; exec sleep 300' </dev/null >/dev/null 2>&1 & until [ -s "$PIDFILE" ]; do sleep 0.01; done`, "PIDFILE="+pidfile)
	if first != second {
		t.Errorf("the second run got cgroup %q, not the first run's empty %q", second, first)
	}
	escapee := readPID(t, pidfile)
	defer syscall.Kill(escapee, syscall.SIGKILL)
	third := runLog(whereAmI+`; cat "$MOUNT$(`+whereAmI+`)/cgroup.procs"`, "MOUNT="+mount)
	cg, procs, _ := strings.Cut(third, "\n")
	for _, p := range strings.Fields(procs) {
		if p == strconv.Itoa(escapee) {
			t.Errorf("cgroup %s holds process %s, left behind by the run before", cg, p)
		}
	}
	if len(strings.Fields(procs)) == 0 {
		t.Errorf("the third run read no processes from its cgroup: %q", third)
	}
	ReleaseIdle()
	if _, err := os.Stat(filepath.Join(mount, strings.TrimSpace(cg))); err == nil {
		t.Errorf("cgroup %s left after ReleaseIdle", cg)
	}
}
