package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// budgetCheck stops the benchmark before metered cost passes
// budget.max_cost (results.BudgetSpend decides; this words the reason).
func budgetCheck(s *spec.Spec) func([]*record.Run) string {
	limit := s.Budget.MaxCost
	if limit <= 0 {
		return nil
	}
	prices := results.NewPrices(s.Pricing)
	return func(done []*record.Run) string {
		sp := results.BudgetSpend(s, limit, prices, done)
		spent := output.USD(sp.Spent)
		if sp.Unknown > 0 { // what the budget could not see is not $0
			spent = fmt.Sprintf("at least %s (the cost of %d more is unknown)", spent, sp.Unknown)
		}
		switch {
		case sp.Reached():
			return fmt.Sprintf("budget.max_cost %s reached: %s spent", output.USD(limit), spent)
		case sp.NextWouldPass():
			return fmt.Sprintf("budget.max_cost %s: %s spent, and another run (up to %s so far) would pass it",
				output.USD(limit), spent, output.USD(sp.Dearest))
		}
		return ""
	}
}

// estimate prints the expected calls, tokens and cost of the planned runs
// (results.EstimatePlan), from the previous output folder from if given.
func estimate(w io.Writer, s *spec.Spec, cells []plan.Cell, pairs []plan.Pair, from string, dry bool) error {
	var prior *results.Summary
	if from != "" {
		var err error
		if prior, err = output.LoadSummary(from, os.Stderr); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--from: %w", err))
		}
	}
	est := results.EstimatePlan(s, cells, pairs, prior)
	if est.AllSkipped {
		// An empty estimate table of $0 reads as "free"; say why and how
		// to see the figures instead.
		fmt.Fprintf(w, "\nEvery cell is skipped (reasons above): nothing would run and nothing would be spent.\n"+
			"To see every cell's estimate without keys, add --dry-run (requirements are not checked):\n"+
			"  runner plan %[1]s --dry-run\n"+
			"For tokens and cost per run, rehearse once against the simulator and estimate from it:\n"+
			"  runner %[1]s --dry-run --output rehearsal && runner plan %[1]s --dry-run --from rehearsal\n", s.File)
		return nil
	}
	fmt.Fprintln(w)
	if prior != nil {
		fmt.Fprintf(w, "Estimate from %s (%s), priced with this spec's prices:\n", from, prior.Benchmark.Started.Format("2006-01-02 15:04"))
		if prior.Simulated {
			fmt.Fprintln(w, "  (that folder is a SIMULATED dry run: tokens are the simulator's, not a real provider's)")
		}
	} else {
		fmt.Fprintln(w, "Estimate (no prior results: pass --from DIR, a previous output folder of this spec):")
	}
	t := newTable(w)
	t.row("CELL", "RUNS", "CALLS/RUN", "TOKENS IN/RUN", "TOKENS OUT/RUN", "COST/RUN", "COST")
	var notes []string
	for _, e := range est.Cells {
		if note := estimateNote(e); note != "" {
			notes = append(notes, e.Cell+": "+note)
		}
		if !e.Known {
			t.row(e.Cell, fmt.Sprint(e.Runs), "unknown", "unknown", "unknown", "unknown", "unknown")
			continue
		}
		cost, costRun := "unknown", "unknown"
		if e.Priced {
			costRun, cost = output.USD(e.Cost), output.USD(e.Cost*float64(e.Runs))
		}
		calls := fmt.Sprintf("%.1f", e.Calls)
		if e.Unmetered {
			calls = "unmetered" // no proxy: the workload's own usage reports only
		}
		t.row(e.Cell, fmt.Sprint(e.Runs), calls, output.Thousands(e.In), output.Thousands(e.Out), costRun, cost)
	}
	totalText := output.USD(est.Total)
	if !est.Complete {
		totalText = "unknown"
		if est.Total > 0 {
			totalText = "at least " + output.USD(est.Total)
		}
	}
	t.row("TOTAL", fmt.Sprint(est.Runs), "", "", "", "", totalText)
	t.flush()
	for _, n := range notes {
		fmt.Fprintln(w, "  note:", n)
	}
	if s.Judge != nil {
		fmt.Fprintln(w, judgeEstimate(prior, results.NewPrices(s.Pricing)))
	}
	if dry {
		fmt.Fprintln(w, "With --dry-run nothing is spent: the simulator is free; the figures above are what real providers would cost.")
	}
	limit := output.USD(s.Budget.MaxCost)
	switch est.Budget {
	case results.BudgetUnknown:
		fmt.Fprintf(w, "budget.max_cost %s: cannot tell whether the plan fits (cost unknown)\n", limit)
	case results.OverBudget:
		fmt.Fprintf(w, "budget.max_cost %s: the plan (%s) would pass it; the runner will stop early\n", limit, totalText)
	case results.FitsBudget:
		fmt.Fprintf(w, "budget.max_cost %s: the plan (%s) fits\n", limit, totalText)
	case results.PartlyFits:
		fmt.Fprintf(w, "budget.max_cost %s: the known part of the plan (%s) fits; the rest is unknown\n", limit, totalText)
	}
	return nil
}

// estimateNote says why a cell's figures are unknown, or what the
// simulator's settings tell of them.
func estimateNote(e results.CellEstimate) string {
	switch {
	case e.Known && !e.Priced:
		return fmt.Sprintf("no price for %q", e.Unpriced)
	case e.SimOutputTokens > 0:
		msg := fmt.Sprintf("simulate: %d output tokens per call; calls per run and input tokens are unknown", e.SimOutputTokens)
		if e.SimOutputCost != nil {
			msg += fmt.Sprintf(" (output alone: %s per call)", output.USD(*e.SimOutputCost))
		}
		return msg
	case e.NotInPrior:
		return "not in the prior results"
	}
	return ""
}

// judgeEstimate says what the judge adds per run, on top of the figures
// above (its calls are priced apart), from the prior results when they have
// judged runs.
func judgeEstimate(prior *results.Summary, prices results.Prices) string {
	perRun, n := results.JudgeEstimate(prior, prices)
	if n == 0 {
		return "The judge scores each successful measured run with calls of its own, on top of the costs above (unknown without prior judged runs)."
	}
	return fmt.Sprintf("The judge scores each successful measured run with calls of its own: about %s per run on top of the costs above (from %d judged runs).", output.USD(perRun), n)
}
