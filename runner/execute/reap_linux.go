package execute

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A child subreaper adopts the orphans of its commands, and each one that
// ends is a zombie of the runner until the runner waits for it. The runner
// must wait for those, and only those: waiting for a child it started
// itself (a command's shell, git) would take the exit status that its
// owner (a run, os/exec) is waiting for. The runner starts every child in
// its own process group and session (os/exec) or as the leader of a new
// group in its session (a command, Setpgid); such a leader cannot call
// setsid(). So a zombie child is an orphan the runner adopted when
//
//   - its process group is neither its own nor the runner's (a command's
//     background job, a double-forked daemon), or
//   - its session is not the runner's (it called setsid(), then lost its
//     parent), or
//   - the /proc walk that ended its command killed it (killedOrphans), as
//     its start time still shows.
//
// A zombie that fits none of these is left alone: an orphan that made a
// group of its own in the runner's session (a job of a shell with job
// control) and ended before a walk saw it stays until the runner exits.

// subreaping is set once the runner is a child subreaper: orphans of its
// commands may then be its children.
var subreaping atomic.Bool

// reaping serialises the reaping of orphans, and holds the processes a /proc
// walk killed, by pid, with their start times: they become zombies of the
// runner once they and their parents have died, maybe after the walk.
var reaping struct {
	sync.Mutex
	killed map[int]uint64
}

// killedOrphans records processes a /proc walk killed, to reap them later.
func killedOrphans(procs map[int]uint64) {
	reaping.Lock()
	if reaping.killed == nil {
		reaping.killed = map[int]uint64{}
	}
	for pid, start := range procs {
		reaping.killed[pid] = start
	}
	reaping.Unlock()
}

// reapOrphans waits for the adopted orphans that have ended. It costs one
// system call when the runner has no zombie child (the usual case), and
// nothing when it is not a subreaper.
func reapOrphans() {
	if !subreaping.Load() {
		return
	}
	reaping.Lock()
	defer reaping.Unlock()
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err == unix.ECHILD || err == nil && info.Signo == 0 { // no child has ended
		if len(reaping.killed) > 64 {
			forgetGone()
		}
		return
	}
	self, group := os.Getpid(), unix.Getpgrp()
	session, _ := unix.Getsid(0)
	for _, pid := range children(self) {
		st, ok := statOf(pid)
		if !ok || st.state != 'Z' || st.ppid != self {
			continue
		}
		start, killed := reaping.killed[pid]
		switch {
		case st.pgrp != pid && st.pgrp != group:
		case st.sid != session:
		case killed && start == st.start:
		default:
			continue
		}
		// Nobody else waits for it: it stays this zombie until this call.
		unix.Wait4(pid, nil, unix.WNOHANG, nil)
		delete(reaping.killed, pid)
	}
	forgetGone()
}

// forgetGone drops the killed processes that are gone: reaped by their
// parent, which the runner is not.
func forgetGone() {
	for pid, start := range reaping.killed {
		if st, ok := statOf(pid); !ok || st.start != start {
			delete(reaping.killed, pid)
		}
	}
}

// children lists the runner's children, from /proc/self/task/*/children
// where the kernel has it, else from the whole of /proc.
func children(self int) []int {
	var pids []int
	if tasks, err := os.ReadDir("/proc/self/task"); err == nil && hasChildrenFile() {
		for _, task := range tasks {
			b, _ := os.ReadFile("/proc/self/task/" + task.Name() + "/children") // none once the thread exited
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					pids = append(pids, pid)
				}
			}
		}
		return pids
	}
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil {
			if st, ok := statOf(pid); ok && st.ppid == self {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// hasChildrenFile says whether the kernel lists a thread's children
// (CONFIG_PROC_CHILDREN, which most distributions enable).
var hasChildrenFile = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/task/" + strconv.Itoa(os.Getpid()) + "/children")
	return err == nil
})

// procStat is what the runner reads of a process in /proc/PID/stat.
type procStat struct {
	state           byte
	ppid, pgrp, sid int
	start           uint64 // clock ticks after boot: with the pid, names one process
}

// statOf reads /proc/PID/stat (ok false when the process is gone).
func statOf(pid int) (st procStat, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return st, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return st, false
	}
	// state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
	// cmajflt utime stime cutime cstime priority nice num_threads
	// itrealvalue starttime ...
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 20 || f[0] == "" {
		return st, false
	}
	st.state = f[0][0]
	var e1, e2, e3, e4 error
	st.ppid, e1 = strconv.Atoi(f[1])
	st.pgrp, e2 = strconv.Atoi(f[2])
	st.sid, e3 = strconv.Atoi(f[3])
	st.start, e4 = strconv.ParseUint(f[19], 10, 64)
	return st, e1 == nil && e2 == nil && e3 == nil && e4 == nil
}
