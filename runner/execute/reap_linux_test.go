package execute

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// untilOursZombie waits, inside a command, for the process whose pid is in
// $PIDFILE to be a zombie of the runner ($PPID), or gone.
const untilOursZombie = `until [ -s "$PIDFILE" ]; do sleep 0.01; done; p=$(cat "$PIDFILE")
while s=$(cat /proc/$p/stat 2>/dev/null); do case "${s##*) }" in "Z $PPID "*) break;; esac; sleep 0.01; done`

// orphans are commands that leave a process which the subreaper fallback
// adopts and which then ends: on its own while the command still runs, or
// killed with the command at its end. Each writes that process's pid to
// $PIDFILE.
var orphans = []struct {
	name, cmd string
	// duringRun: the process is a zombie of the runner before the command
	// ends, so the run itself must reap it. Otherwise it dies at the run's
	// end and may still be dying when the run returns: the next run reaps it.
	duringRun bool
}{
	{"background job killed at the end", `sleep 300 & echo $! > "$PIDFILE"`, false},
	{"killed with its parent at the end", `sh -c 'sleep 300 & echo $! > "$PIDFILE"; wait' & until [ -s "$PIDFILE" ]; do sleep 0.01; done`, false},
	{"orphan in the group ends on its own", `sh -c 'sleep 0.1 & echo $! > "$PIDFILE"'; ` + untilOursZombie, true},
	{"setsid orphan ends on its own", `sh -c 'setsid sh -c "echo \$\$ > \"\$PIDFILE\"; sleep 0.1" </dev/null >/dev/null 2>&1 &'; ` + untilOursZombie, true},
	{"double-forked daemon ends on its own", `sh -c 'setsid sh -c "sh -c \"\$DAEMON\" &" </dev/null >/dev/null 2>&1 &'; ` + untilOursZombie, true},
}

// Where the runner is the subreaper of its commands' orphans (no cgroup),
// it also reaps them: no zombie of a run is left under the runner, however
// the orphan ended, and none of the runner's own children is reaped in
// their owner's stead (the runs' statuses stay right).
func TestNoZombieLeftByTheFallback(t *testing.T) {
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	useCgroups = false
	defer func() { useCgroups = true }()
	for _, tc := range orphans {
		t.Run(tc.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			env := append(os.Environ(), "PIDFILE="+pidfile, `DAEMON=echo $$ > "$PIDFILE"; sleep 0.1`)
			run(t, Job{Command: tc.cmd, Env: env}, record.StatusOK)
			pid := readPID(t, pidfile)
			if !tc.duringRun {
				waitEnded(t, pid)
				run(t, Job{Command: "true"}, record.StatusOK) // the next run
			}
			if zombieOfOurs(pid) {
				t.Errorf("process %d is left a zombie of the runner", pid)
			}
		})
	}
}

// An orphan that escaped the fallback (it cleared its environment and left
// the group once its parent was gone) and ends between two runs is reaped
// by the next run.
func TestEscapeeEndingBetweenRunsIsReaped(t *testing.T) {
	if _, err := os.Stat("/usr/bin/setsid"); err != nil {
		t.Skip("no setsid")
	}
	useCgroups = false
	defer func() { useCgroups = true }()
	dir := t.TempDir()
	pidfile, stop := filepath.Join(dir, "pid"), filepath.Join(dir, "stop")
	cmd := `sh -c 'setsid env -i /bin/sh -c "$ESCAPEE" sh "$PIDFILE" "$STOP" </dev/null >/dev/null 2>&1 &'; ` + untilStarted
	env := append(os.Environ(), "PIDFILE="+pidfile, "STOP="+stop, `ESCAPEE=echo $$ > "$1"; until [ -e "$2" ]; do sleep 0.01; done`)
	run(t, Job{Command: cmd, Env: env}, record.StatusOK)
	pid := readPID(t, pidfile)
	if err := os.WriteFile(stop, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitEnded(t, pid)
	run(t, Job{Command: "true"}, record.StatusOK)
	if zombieOfOurs(pid) {
		t.Errorf("escaped process %d is left a zombie of the runner", pid)
	}
}

// untilStarted waits, inside a command, for $PIDFILE to hold a pid.
const untilStarted = `until [ -s "$PIDFILE" ]; do sleep 0.01; done`

// waitEnded waits until pid is a zombie of the test process or gone. The
// deadline is only against a hang: the process was killed or ends soon.
func waitEnded(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		st, ok := statOf(pid)
		if !ok || st.state == 'Z' && st.ppid == os.Getpid() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still in state %c under %d", pid, st.state, st.ppid)
		}
	}
}

// zombieOfOurs says whether pid is a zombie child of the test process.
func zombieOfOurs(pid int) bool {
	st, ok := statOf(pid)
	return ok && st.state == 'Z' && st.ppid == os.Getpid()
}

// The runner's own children that have ended are left to their owners: a
// run reaping its orphans takes neither the status of a child os/exec
// waits for (in the runner's process group) nor that of one leading a
// group of its own (as a command's shell does).
func TestOwnChildrenKeepTheirStatus(t *testing.T) {
	useCgroups = false
	defer func() { useCgroups = true }()
	subreaper()
	own := exec.Command("/bin/sh", "-c", "exit 7")
	if err := own.Start(); err != nil {
		t.Fatal(err)
	}
	leader, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "exit 8"},
		&os.ProcAttr{Sys: &syscall.SysProcAttr{Setpgid: true}})
	if err != nil {
		t.Fatal(err)
	}
	waitEnded(t, own.Process.Pid)
	waitEnded(t, leader.Pid)
	pidfile := filepath.Join(t.TempDir(), "pid")
	run(t, Job{Command: orphans[2].cmd, Env: append(os.Environ(), "PIDFILE="+pidfile)}, record.StatusOK)
	ReleaseIdle()
	if zombieOfOurs(readPID(t, pidfile)) {
		t.Error("the run left its orphan a zombie") // so it did try to reap
	}
	if err := own.Wait(); err == nil || own.ProcessState.ExitCode() != 7 {
		t.Errorf("os/exec child: %v, exit code %d, want 7", err, own.ProcessState.ExitCode())
	}
	state, err := leader.Wait()
	if err != nil || state.ExitCode() != 8 {
		t.Errorf("group leader child: %v %v, want exit code 8", state, err)
	}
}
