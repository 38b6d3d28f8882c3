package results

import (
	"slices"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/spec"
)

// Estimate is what a plan's runs are expected to use, per cell and in all:
// from a previous output folder of the spec (Prior) when it has the cell,
// priced with the current spec's prices; otherwise unknown, with what the
// simulate: settings tell per call, if anything. `runner plan` prints it.
type Estimate struct {
	Prior      *Summary       // the previous results estimated from; nil without --from
	AllSkipped bool           // every cell is skipped: nothing would run nor be spent
	Cells      []CellEstimate // the cells that would run, in plan order
	Runs       int            // planned runs, warmups included
	Total      float64        // USD of the cells whose cost is known
	Complete   bool           // every cell's cost is known: Total is the plan's cost
	Budget     BudgetFit      // how the plan compares with budget.max_cost
}

// CellEstimate is what one cell of a plan is expected to use.
type CellEstimate struct {
	Cell           string
	Runs           int     // planned runs, warmups included
	Calls, In, Out float64 // per run
	Cost           float64 // USD per run
	Known          bool    // the prior results have the cell: the figures above are known
	Priced         bool    // and every model it called has a price: Cost is known
	Unmetered      bool    // api none: no proxy counts calls
	Unpriced       string  // a model of the prior runs with no price (the first by name)
	NotInPrior     bool    // there are prior results, without this cell
	// SimOutputTokens is the cell's model's simulate: output_tokens per
	// call (0: not set), and SimOutputCost their price when it has one.
	SimOutputTokens int
	SimOutputCost   *float64
}

// BudgetFit is how a plan's estimated cost compares with budget.max_cost.
type BudgetFit int

const (
	NoBudget      BudgetFit = iota // no budget.max_cost
	BudgetUnknown                  // no cost is known
	OverBudget                     // the known cost passes the budget: the runner will stop early
	FitsBudget                     // the whole plan's cost is known and fits
	PartlyFits                     // the known part fits; the rest is unknown
)

// EstimatePlan estimates the planned runs (pairs of cells) from prior, the
// summary of a previous output folder of the spec, or nil.
func EstimatePlan(s *spec.Spec, cells []plan.Cell, pairs []plan.Pair, prior *Summary) Estimate {
	e := Estimate{Prior: prior, AllSkipped: true, Complete: true}
	for _, c := range cells {
		e.AllSkipped = e.AllSkipped && c.Skip != ""
	}
	if e.AllSkipped {
		return e
	}
	prices := NewPrices(s.Pricing)
	planned := map[string]int{}
	for _, p := range pairs {
		planned[p.Cell.ID]++
	}
	for _, c := range cells {
		n := planned[c.ID]
		if c.Skip != "" || n == 0 {
			continue
		}
		ce := estimateCell(s, &c, prior, prices)
		ce.Runs = n + s.Warmup
		e.Runs += ce.Runs
		switch {
		case ce.Known && ce.Priced:
			e.Total += ce.Cost * float64(ce.Runs)
		default:
			e.Complete = false
		}
		e.Cells = append(e.Cells, ce)
	}
	if limit := s.Budget.MaxCost; limit > 0 {
		switch {
		case !e.Complete && e.Total == 0:
			e.Budget = BudgetUnknown
		case e.Total > limit:
			e.Budget = OverBudget
		case e.Complete:
			e.Budget = FitsBudget
		default:
			e.Budget = PartlyFits
		}
	}
	return e
}

// estimateCell estimates one cell from the prior results, or notes what the
// simulator's settings say.
func estimateCell(s *spec.Spec, c *plan.Cell, prior *Summary, prices Prices) CellEstimate {
	e := CellEstimate{Cell: c.ID, Unmetered: c.Provider.API == spec.APINone}
	if prior != nil {
		var n int
		var unpriced []string
		for _, r := range prior.Runs {
			if r.Cell != c.ID || !r.Measured() || !r.OK() {
				continue
			}
			n++
			e.Calls += float64(r.CallLog.Count())
			e.In += float64(r.Tokens.Input)
			e.Out += float64(r.Tokens.Output)
			cost, missing := RunCost(r.Run, prices)
			e.Cost += cost
			unpriced = append(unpriced, missing...)
		}
		if n > 0 {
			e.Known, e.Priced = true, len(unpriced) == 0
			e.Calls, e.In, e.Out, e.Cost = e.Calls/float64(n), e.In/float64(n), e.Out/float64(n), e.Cost/float64(n)
			if !e.Priced {
				e.Unpriced = slices.Min(unpriced)
			}
			return e
		}
		e.NotInPrior = true
	}
	if sm, ok := s.Simulate.Model(c.Model); ok && sm.OutputTokens > 0 {
		e.SimOutputTokens = sm.OutputTokens
		if p, ok := prices.Lookup(c.Model); ok {
			cost := float64(sm.OutputTokens) * p.Output / 1e6
			e.SimOutputCost = &cost
		}
	}
	return e
}

// JudgeEstimate is what the judge adds per measured run on top of the
// run's own cost (its calls are priced apart): the mean judge cost of the
// prior results' judged runs, and how many there were (0: unknown).
func JudgeEstimate(prior *Summary, prices Prices) (perRun float64, judged int) {
	if prior == nil {
		return 0, 0
	}
	cost := 0.0
	for _, r := range prior.Runs {
		if r.Judge != nil && r.Measured() {
			judged++
			cost += JudgeCost(r.Run, prices)
		}
	}
	if judged == 0 {
		return 0, 0
	}
	return cost / float64(judged), judged
}
