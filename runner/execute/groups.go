package execute

import (
	"sync"
	"syscall"
)

// live holds the process groups of the commands running now, so that a
// runner told to quit at once can still end every one of them.
var live struct {
	mu     sync.Mutex
	groups map[int]bool
}

func register(pgid int) {
	live.mu.Lock()
	if live.groups == nil {
		live.groups = map[int]bool{}
	}
	live.groups[pgid] = true
	live.mu.Unlock()
}

func unregister(pgid int) {
	live.mu.Lock()
	delete(live.groups, pgid)
	live.mu.Unlock()
}

// KillAll sends SIGKILL to every process group of a command still running.
// It is for a runner that must exit now (a third Ctrl-C); the runs it ends
// are not recorded.
func KillAll() {
	live.mu.Lock()
	defer live.mu.Unlock()
	for pgid := range live.groups {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}
