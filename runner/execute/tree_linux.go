package execute

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// On Linux every process a command starts dies with it, also one that
// called setsid() and so left the process group:
//
//   - Where the cgroup v2 hierarchy is mounted and the runner may create a
//     cgroup under its own, each command starts inside a child cgroup of
//     its own (clone3 CLONE_INTO_CGROUP) and is ended with cgroup.kill,
//     which no process can escape. Once cgroup.events says no process is
//     left, the cgroup serves the next command (ReleaseIdle removes it).
//   - Otherwise the runner makes itself a child subreaper (orphans of its
//     commands become its children instead of init's) and, to end a
//     command, kills its process group and then every process whose
//     environment carries the command's RUNNER_RUN_ID or whose ancestry
//     leads to the command, walking /proc until none is left. A process that
//     clears its environment and leaves the group after its parent died is
//     the one that can escape this.
//   - As a subreaper the runner also waits for the orphans it adopted once
//     they end (reapOrphans, at the end of each run and in ReleaseIdle):
//     killed with their command, ended on their own during a run, or an
//     escaped one ending later. It tells them from its own children by
//     their process group and session (reap_linux.go), so it never takes
//     the exit status that os/exec or a run is waiting for.

// useCgroups can be turned off (tests of the fallback).
var useCgroups = true

// noCgroupKill is set once a cgroup showed no cgroup.kill (Linux < 5.14).
var noCgroupKill atomic.Bool

// cgroupParent is the folder of the runner's own cgroup v2, where the
// commands' cgroups are made ("" when there is none we may write).
var cgroupParent = sync.OnceValue(func() string {
	mount := cgroup2Mount()
	if mount == "" {
		return ""
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "0::"); ok {
			dir := filepath.Join(mount, rest)
			if unix.Access(dir, unix.W_OK) != nil {
				return ""
			}
			sweepCgroups(dir)
			return dir
		}
	}
	return ""
})

// sweepCgroups removes the empty cgroups that runners no longer running
// left in dir (one killed with SIGKILL cannot remove its own).
func sweepCgroups(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "runner-")
		if !ok || !e.IsDir() {
			continue
		}
		pid, _, _ := strings.Cut(rest, "-")
		if n, err := strconv.Atoi(pid); err != nil || n == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue // its runner still runs
		}
		os.Remove(filepath.Join(dir, e.Name())) // fails, harmlessly, while populated
	}
}

// cgroup2Mount finds where the cgroup v2 hierarchy is mounted
// (/sys/fs/cgroup, or /sys/fs/cgroup/unified in hybrid mode).
func cgroup2Mount() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options... - fstype source superopts
		fields := strings.Fields(sc.Text())
		for i, fl := range fields {
			if fl == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return fields[4]
			}
		}
	}
	return ""
}

var subreaper = sync.OnceFunc(func() {
	if unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == nil {
		subreaping.Store(true)
	}
})

// procTree is every process of one command.
type procTree struct {
	id     string      // RUNNER_RUN_ID
	pid    int         // the command's shell, leader of its process group
	cg     *cgroup     // where it runs; nil in the fallback
	reaped atomic.Bool // the shell was waited for: its pid may be reused
}

// cgroup is one child cgroup of the runner's. A command runs in one of its
// own; once every process of it has gone, the cgroup serves the next
// command: making and removing a cgroup per run costs more than a short
// command itself. Its files stay open from one run to the next.
type cgroup struct {
	dir    string
	fd     *os.File // the folder, for clone3
	kill   *os.File // cgroup.kill
	events *os.File // cgroup.events: "populated 0" once no process is left
	// dirFd and eventsFd are fd's and events' descriptors, taken once:
	// os.File.Fd costs an fcntl each call.
	dirFd, eventsFd int
	// killed: cgroup.kill was written. Such a cgroup is not reused: Linux
	// 6.x (kill_seq) kills at birth every process later cloned into it.
	killed atomic.Bool
}

// idle are the empty cgroups waiting for a command, at most one per
// command that ran at once.
var idle struct {
	mu   sync.Mutex
	list []*cgroup
}

// makeCgroup makes a new cgroup under parent; nil where it cannot.
func makeCgroup(parent, id string) *cgroup {
	dir := filepath.Join(parent, "runner-"+id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil
	}
	cg := &cgroup{dir: dir}
	var err error
	if cg.kill, err = os.OpenFile(filepath.Join(dir, "cgroup.kill"), os.O_WRONLY, 0); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			noCgroupKill.Store(true) // a kernel before 5.14
		}
		cg.remove()
		return nil
	}
	if cg.events, err = os.Open(filepath.Join(dir, "cgroup.events")); err != nil {
		cg.remove()
		return nil
	}
	if cg.fd, err = os.Open(dir); err != nil {
		cg.remove()
		return nil
	}
	cg.dirFd, cg.eventsFd = int(cg.fd.Fd()), int(cg.events.Fd())
	return cg
}

// populated says whether a process is still in the cgroup (true also when
// that cannot be read).
func (cg *cgroup) populated() bool {
	var buf [64]byte // "populated 0\nfrozen 0\n": one pread, where ReadAt makes two
	n, err := syscall.Pread(cg.eventsFd, buf[:], 0)
	if n <= 0 || err != nil {
		return true
	}
	return !bytes.Contains(buf[:n], []byte("populated 0"))
}

// remove closes the cgroup's files and removes it; while killed processes
// are still leaving it, it keeps trying on the side.
func (cg *cgroup) remove() {
	for _, f := range []*os.File{cg.fd, cg.kill, cg.events} {
		if f != nil {
			f.Close()
		}
	}
	if err := os.Remove(cg.dir); err == nil || !errors.Is(err, syscall.EBUSY) {
		return
	}
	go func(dir string) { // a busy machine
		for i := 0; i < 60; i++ {
			time.Sleep(time.Second)
			if err := os.Remove(dir); err == nil || !errors.Is(err, syscall.EBUSY) {
				return
			}
		}
	}(cg.dir)
}

// ReleaseIdle removes the empty cgroups kept for later commands (a runner
// killed before it could is swept by the next one). Commands may still run
// afterwards: they make new ones.
func ReleaseIdle() {
	idle.mu.Lock()
	list := idle.list
	idle.list = nil
	idle.mu.Unlock()
	for _, cg := range list {
		cg.remove()
	}
	reapOrphans()
}

// newTree prepares the tree of a command about to start: an empty cgroup
// where one can be had, else the subreaper fallback.
func newTree(id string, attr *syscall.SysProcAttr) *procTree {
	t := &procTree{id: id}
	if parent := cgroupParent(); useCgroups && parent != "" && !noCgroupKill.Load() {
		idle.mu.Lock()
		if n := len(idle.list); n > 0 {
			t.cg = idle.list[n-1]
			idle.list = idle.list[:n-1]
		}
		idle.mu.Unlock()
		if t.cg == nil {
			t.cg = makeCgroup(parent, id)
		}
		if t.cg != nil {
			attr.UseCgroupFD, attr.CgroupFD = true, t.cg.dirFd
			return t
		}
	}
	subreaper()
	return t
}

// startFailed drops the cgroup when the command could not start in it, and
// says whether to try again without one.
func (t *procTree) startFailed(attr *syscall.SysProcAttr) bool {
	if t.cg == nil {
		return false
	}
	t.cg.remove()
	t.cg = nil
	attr.UseCgroupFD, attr.CgroupFD = false, 0
	subreaper()
	return true
}

func (t *procTree) started(pid int) { t.pid = pid }

// kill sends SIGKILL to every process of the command, and then reaps the
// orphans that have ended.
func (t *procTree) kill() {
	defer reapOrphans()
	syscall.Kill(-t.pid, syscall.SIGKILL)
	if t.cg != nil {
		if !t.cg.populated() {
			return // nothing left to kill: the usual end of a run
		}
		t.cg.killed.Store(true)
		if _, err := t.cg.kill.Write([]byte("1")); err == nil {
			return
		}
	}
	// A process may fork while the walk runs: walk until a pass finds none.
	// An orphan caught inside execve shows an empty environment for a moment:
	// look again shortly rather than take it for someone else's.
	for pass := 0; pass < 20; pass++ {
		killed, unsure := t.killMarked()
		if len(killed) == 0 && !unsure {
			return
		}
		if len(killed) == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// killMarked kills the processes of /proc that carry the command's
// RUNNER_RUN_ID or descend from its shell, and hands them to reapOrphans
// (killedOrphans). It returns the pids it killed, and unsure when an
// orphan of the runner's had no environment to read (one in the middle of
// execve has none for a moment). Only processes
// started after the shell are looked at (pids grow; all of them when the
// numbering may have wrapped), which keeps the walk short: reading every
// process's files would cost more than running a short command.
func (t *procTree) killMarked() (killed []int, unsure bool) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, false
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	self := os.Getpid()
	wrapped := t.pid > pidMax()-pidMax()/8
	marker := []byte("\x00" + RunIDEnv + "=" + t.id + "\x00")
	reaped := t.reaped.Load()
	parents, starts := map[int]int{}, map[int]uint64{}
	var mine []int
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == self || pid == t.pid || pid < t.pid && !wrapped {
			continue
		}
		// A zombie is dead already; whether the runner may wait for it is
		// reapOrphans's to tell (it may be git's, or a run's shell).
		st, ok := statOf(pid)
		if !ok || st.state == 'Z' {
			continue
		}
		parents[pid], starts[pid] = st.ppid, st.start
		env, err := os.ReadFile("/proc/" + n + "/environ")
		if err == nil && bytes.Contains(append([]byte{0}, env...), marker) {
			mine = append(mine, pid)
		} else if st.ppid == self && len(env) == 0 {
			unsure = true
		}
	}
	for pid := range parents { // descendants of the shell that dropped the marker
		if reaped {
			break
		}
		for p, hops := parents[pid], 0; p > 1 && hops < 64; p, hops = parents[p], hops+1 {
			if p == t.pid {
				mine = append(mine, pid)
				break
			}
		}
	}
	sent := map[int]uint64{}
	for _, pid := range mine {
		syscall.Kill(pid, syscall.SIGKILL)
		sent[pid] = starts[pid]
	}
	killedOrphans(sent) // each is, or will be once its parent dies, the runner's to reap
	return mine, unsure
}

// pidMax is the largest process ID the kernel hands out.
var pidMax = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		return 1 << 22
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return 1 << 22
	}
	return n
})

// release hands the command's cgroup on to the next command once its
// processes are gone (after kill), or removes it if they will not go.
func (t *procTree) release() {
	cg := t.cg // left in place: KillAll may still read it
	if cg == nil {
		return
	}
	populated := cg.populated()
	for i := 0; i < 200 && populated; i++ { // killed processes leave the cgroup as they exit
		time.Sleep(5 * time.Millisecond)
		populated = cg.populated()
	}
	if populated || cg.killed.Load() {
		cg.remove()
		return
	}
	idle.mu.Lock()
	idle.list = append(idle.list, cg)
	idle.mu.Unlock()
}
