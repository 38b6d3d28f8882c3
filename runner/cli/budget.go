package cli

import (
	"fmt"
	"io"
	"sort"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// budgetCheck stops the benchmark before metered cost passes
// budget.max_cost. After each run it prices every record of this session
// (warmups too: they cost the same; and the judge's calls) with the spec's prices; when the cost so
// far plus the dearest run seen so far would pass the budget, no new run
// starts (runs in flight finish). Tokens of unpriced models are not counted.
func budgetCheck(s *spec.Spec) func([]*record.Run) string {
	limit := s.Budget.MaxCost
	if limit <= 0 {
		return nil
	}
	prices := results.NewPrices(s.Pricing)
	return func(done []*record.Run) string {
		spent, dearest := 0.0, 0.0
		for _, r := range done {
			c, _ := results.RunCost(r, prices)
			c += results.JudgeCost(r, prices) // the judge's calls are paid for too
			spent += c
			dearest = max(dearest, c)
		}
		switch {
		case spent >= limit:
			return fmt.Sprintf("budget.max_cost %s reached: %s spent", output.USD(limit), output.USD(spent))
		case spent+dearest > limit:
			return fmt.Sprintf("budget.max_cost %s: %s spent, and another run (up to %s so far) would pass it",
				output.USD(limit), output.USD(spent), output.USD(dearest))
		}
		return ""
	}
}

// cellEstimate is what one cell of a plan is expected to use.
type cellEstimate struct {
	runs           int     // planned runs, warmups included
	calls, in, out float64 // per run
	cost           float64 // per run
	known, priced  bool
	note           string
}

// estimate prints the expected calls, tokens and cost of the planned runs:
// from a previous output folder of the spec (from) when it has the cell,
// priced with the current spec's prices; otherwise it says "unknown" and
// what the simulator's settings tell per call, if anything.
func estimate(w io.Writer, s *spec.Spec, cells []plan.Cell, pairs []plan.Pair, from string, dry bool) error {
	var prior *results.Summary
	if from != "" {
		var err error
		if prior, err = loadResults(from); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--from: %w", err))
		}
	}
	if allSkipped(cells) {
		// An empty estimate table of $0 reads as "free"; say why and how
		// to see the figures instead.
		fmt.Fprintf(w, "\nEvery cell is skipped (reasons above): nothing would run and nothing would be spent.\n"+
			"To see every cell's estimate without keys, add --dry-run (requirements are not checked):\n"+
			"  runner plan %[1]s --dry-run\n"+
			"For tokens and cost per run, rehearse once against the simulator and estimate from it:\n"+
			"  runner %[1]s --dry-run --output rehearsal && runner plan %[1]s --dry-run --from rehearsal\n", s.File)
		return nil
	}
	prices := results.NewPrices(s.Pricing)
	planned := map[string]int{}
	for _, p := range pairs {
		planned[p.Cell.ID]++
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
	var total float64
	var runs int
	complete := true
	var notes []string
	for _, c := range cells {
		n := planned[c.ID]
		if c.Skip != "" || n == 0 {
			continue
		}
		n += s.Warmup
		runs += n
		e := estimateCell(s, &c, prior, prices)
		e.runs = n
		if e.note != "" {
			notes = append(notes, c.ID+": "+e.note)
		}
		if !e.known {
			complete = false
			t.row(c.ID, fmt.Sprint(n), "unknown", "unknown", "unknown", "unknown", "unknown")
			continue
		}
		cost, costRun := "unknown", "unknown"
		if e.priced {
			costRun, cost = output.USD(e.cost), output.USD(e.cost*float64(n))
			total += e.cost * float64(n)
		} else {
			complete = false
		}
		calls := fmt.Sprintf("%.1f", e.calls)
		if c.Provider.API == "none" {
			calls = "unmetered" // no proxy: the workload's own usage reports only
		}
		t.row(c.ID, fmt.Sprint(n), calls, output.Thousands(e.in), output.Thousands(e.out), costRun, cost)
	}
	totalText := output.USD(total)
	if !complete {
		totalText = "unknown"
		if total > 0 {
			totalText = "at least " + output.USD(total)
		}
	}
	t.row("TOTAL", fmt.Sprint(runs), "", "", "", "", totalText)
	t.flush()
	for _, n := range notes {
		fmt.Fprintln(w, "  note:", n)
	}
	if dry {
		fmt.Fprintln(w, "With --dry-run nothing is spent: the simulator is free; the figures above are what real providers would cost.")
	}
	if limit := s.Budget.MaxCost; limit > 0 {
		switch {
		case !complete && total == 0:
			fmt.Fprintf(w, "budget.max_cost %s: cannot tell whether the plan fits (cost unknown)\n", output.USD(limit))
		case total > limit:
			fmt.Fprintf(w, "budget.max_cost %s: the plan (%s) would pass it; the runner will stop early\n", output.USD(limit), totalText)
		case complete:
			fmt.Fprintf(w, "budget.max_cost %s: the plan (%s) fits\n", output.USD(limit), totalText)
		default:
			fmt.Fprintf(w, "budget.max_cost %s: the known part of the plan (%s) fits; the rest is unknown\n", output.USD(limit), totalText)
		}
	}
	return nil
}

// estimateCell estimates one cell from the prior results, or notes what the
// simulator's settings say.
func estimateCell(s *spec.Spec, c *plan.Cell, prior *results.Summary, prices results.Prices) cellEstimate {
	var e cellEstimate
	if prior != nil {
		var n int
		var unpriced []string
		for _, r := range prior.Runs {
			if r.Cell != c.ID || !r.Measured() || !r.OK() {
				continue
			}
			n++
			e.calls += float64(r.CallLog.Count())
			e.in += float64(r.Tokens.Input)
			e.out += float64(r.Tokens.Output)
			cost, missing := results.RunCost(r.Run, prices)
			e.cost += cost
			unpriced = append(unpriced, missing...)
		}
		if n > 0 {
			e.known, e.priced = true, len(unpriced) == 0
			e.calls, e.in, e.out, e.cost = e.calls/float64(n), e.in/float64(n), e.out/float64(n), e.cost/float64(n)
			if !e.priced {
				sort.Strings(unpriced)
				e.note = fmt.Sprintf("no price for %q", unpriced[0])
			}
			return e
		}
		e.note = "not in the prior results"
	}
	if sm, ok := s.Simulate.Model(c.Model); ok && sm.OutputTokens > 0 {
		msg := fmt.Sprintf("simulate: %d output tokens per call; calls per run and input tokens are unknown", sm.OutputTokens)
		if p, ok := prices.Lookup(c.Model); ok {
			msg += fmt.Sprintf(" (output alone: %s per call)", output.USD(float64(sm.OutputTokens)*p.Output/1e6))
		}
		e.note = msg
	}
	return e
}

func allSkipped(cells []plan.Cell) bool {
	for _, c := range cells {
		if c.Skip == "" {
			return false
		}
	}
	return true
}
