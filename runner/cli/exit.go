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
	ExitInterrupted = 130 // interrupted (Ctrl-C); finished runs are kept
)

// exitError carries an exit code; the first code attached wins.
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

// codeOf maps an error to its exit code: unlabelled errors are usage errors
// (bad input is by far the most common cause).
func codeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}
