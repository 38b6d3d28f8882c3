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
