package execute

import (
	"fmt"
	"os"
	"sync/atomic"
)

// RunIDEnv names the variable that marks every process of one command: its
// value is unique per command in this runner. Where a command cannot be put
// in a cgroup of its own, the processes that carry it are the command's,
// also those that left its process group (setsid) and lost their parent.
const RunIDEnv = "RUNNER_RUN_ID"

var treeSeq atomic.Int64

// newRunID names one command of this runner.
func newRunID() string {
	return fmt.Sprintf("%d-%d", os.Getpid(), treeSeq.Add(1))
}
