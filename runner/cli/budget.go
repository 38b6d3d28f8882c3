package cli

import (
	"io"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// budgetCheck stops the benchmark before metered cost passes budget.max_cost.
func budgetCheck(s *spec.Spec) func([]*record.Run) string { return nil }

// estimate prints the expected calls, tokens and cost of a plan.
func estimate(w io.Writer, s *spec.Spec, cells []plan.Cell, dry bool) error { return nil }
