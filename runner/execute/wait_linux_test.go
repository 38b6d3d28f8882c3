package execute

import "testing"

// Where the kernel gives no pidfd, a goroutine waits and the poll loop
// still reads the output, reaps the command and ends its leftovers.
func TestWithoutPidfd(t *testing.T) {
	usePidfd = false
	defer func() { usePidfd = true }()
	t.Run("exit status", TestExitStatus)
	t.Run("phases and output", TestPhasesUsageAndOther)
	t.Run("timeout", TestTimeoutKillsGroup)
	t.Run("escaped pipe holder", TestEscapedPipeHolderDoesNotHang)
	t.Run("long line", TestLongLine)
	t.Run("interrupted", TestInterrupted)
	t.Run("leftovers killed", TestLeftoversKilledAfterExit)
	t.Run("live phase", TestLivePhaseSeesOutputWrittenBeforeARequest)
}

// eachWait runs f with pidfds and with the goroutine wait.
func eachWait(t *testing.T, f func(t *testing.T)) {
	defer func() { usePidfd = true }()
	for _, pidfd := range []bool{true, false} {
		usePidfd = pidfd
		name := "pidfd"
		if !pidfd {
			name = "goroutine wait"
		}
		t.Run(name, f)
	}
}
