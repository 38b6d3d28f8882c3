package results

import "github.com/runner-bench/runner/runner/record"

// Spend is what the runs of a session have cost against budget.max_cost.
type Spend struct {
	Limit   float64 // budget.max_cost, USD
	Spent   float64 // every record priced, warmups and the judge's calls too
	Dearest float64 // the dearest run so far: what the next may cost
}

// Reached says the budget is spent.
func (s Spend) Reached() bool { return s.Spent >= s.Limit }

// NextWouldPass says another run as dear as the dearest so far would pass
// the budget: the runner starts no new run (those in flight finish).
func (s Spend) NextWouldPass() bool { return s.Spent+s.Dearest > s.Limit }

// BudgetSpend prices the records of this session with prices (warmups cost
// the same; the judge's calls are paid for too). Tokens of unpriced models
// are not counted.
func BudgetSpend(limit float64, prices Prices, done []*record.Run) Spend {
	sp := Spend{Limit: limit}
	for _, r := range done {
		c, _ := RunCost(r, prices)
		c += JudgeCost(r, prices)
		sp.Spent += c
		sp.Dearest = max(sp.Dearest, c)
	}
	return sp
}
