package execute

import (
	"os"
	"strconv"
	"sync/atomic"
)

// RunIDEnv names the variable that marks every process of one command: its
// value is unique per command in this runner. Where a command cannot be put
// in a cgroup of its own, the processes that carry it are the command's,
// also those that left its process group (setsid) and lost their parent.
const RunIDEnv = "RUNNER_RUN_ID"

var treeSeq atomic.Int64

// runIDPrefix is this runner's pid, read once (Getpid is a syscall).
var runIDPrefix = strconv.Itoa(os.Getpid()) + "-"

// newRunID names one command of this runner.
func newRunID() string {
	return runIDPrefix + strconv.FormatInt(treeSeq.Add(1), 10)
}
