package cli

import (
	"errors"
	"fmt"
)

// Exit codes. Thresholds failing is 1 (k6 uses 99; 1 is what CI systems and
// shells treat as "the check failed", and nothing else here uses it).
const (
	ExitOK          = 0   // every rated cell PASS or ACCEPTABLE (or no rules)
	ExitThresholds  = 1   // a threshold failed (or, with --fail-on acceptable, was only acceptable)
	ExitUsage       = 2   // bad spec, bad flags, unreadable input
	ExitRunsFailed  = 3   // runs failed and no threshold verdict could be reached
	ExitNothingRan  = 4   // every cell was skipped: nothing was measured
	ExitOutputs     = 5   // outputs (run records, results, report) could not be written
	ExitBudget      = 6   // stopped by budget.max_cost: the runs not started are not measured
	ExitInternal    = 70  // an error no code was attached to: the runner's fault or the machine's (sysexits' EX_SOFTWARE)
	ExitInterrupted = 130 // interrupted (Ctrl-C); finished runs are kept
)

// exitCodes is the one list of what each code means: `runner --help` prints
// the short forms, docs/cli.md's table the long ones (TestCLIDocs).
var exitCodes = []struct {
	code        int
	short, long string
}{
	{ExitOK, "ok", "every rated cell PASS or ACCEPTABLE (or the spec has no thresholds)"},
	{ExitThresholds, "thresholds failed", "a threshold failed (with `--fail-on acceptable`, also ACCEPTABLE)"},
	{ExitUsage, "bad spec or usage", "bad spec, bad flags or unreadable input; nothing ran"},
	{ExitRunsFailed, "runs failed with no verdict", "runs failed (non-zero exit, timeout) and no threshold verdict could be reached"},
	{ExitNothingRan, "nothing measured (every cell skipped)", "nothing was measured: every cell was skipped (e.g. no API key, no Ollama)"},
	{ExitOutputs, "outputs could not be written", "outputs could not be written (a run record, benchmark.json, the CSV, summary, report, charts or workbook; e.g. a full disk)"},
	{ExitBudget, "stopped by budget.max_cost", "stopped by `budget.max_cost` before every planned run: the runs not started are not measured; the report covers the rest, and `--resume DIR` continues"},
	{ExitInternal, "internal error", "an internal error: neither the input nor a run's fault, but the runner's or the machine's (a temporary folder or the simulator's port could not be had); please report it if it is not the machine's"},
	{ExitInterrupted, "interrupted", "interrupted; finished runs are kept"},
}

// exitError carries an exit code. Codes are attached where an error is
// raised (withCode, usageErrorf); the first code attached wins, as k6's
// WithExitCodeIfNone.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code, err}
}

func usageErrorf(format string, args ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, args...)}
}

// codeOf maps an error to its exit code. An error nobody tagged is not the
// user's input (bad input is tagged where it is found) but an internal one.
func codeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitInternal
}
