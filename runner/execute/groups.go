package execute

import "sync"

// live holds the process trees of the commands running now, so that a
// runner told to quit at once can still end every one of them.
var live struct {
	mu    sync.Mutex
	trees map[*procTree]bool
}

func register(t *procTree) {
	live.mu.Lock()
	if live.trees == nil {
		live.trees = map[*procTree]bool{}
	}
	live.trees[t] = true
	live.mu.Unlock()
}

func unregister(t *procTree) {
	live.mu.Lock()
	delete(live.trees, t)
	live.mu.Unlock()
}

// KillAll sends SIGKILL to every process of every command still running.
// It is for a runner that must exit now (a third Ctrl-C); the runs it ends
// are not recorded.
func KillAll() {
	live.mu.Lock()
	trees := make([]*procTree, 0, len(live.trees))
	for t := range live.trees {
		trees = append(trees, t)
	}
	live.mu.Unlock()
	for _, t := range trees {
		t.kill()
	}
}
