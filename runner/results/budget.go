package results

import (
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// Spend is what the runs of a session have cost against budget.max_cost.
type Spend struct {
	Limit   float64 // budget.max_cost, USD
	Spent   float64 // every record priced, warmups and the judge's calls too
	Dearest float64 // the dearest run so far: what the next may cost
	// Unknown counts the runs whose cost the budget cannot see (no call
	// reached the proxy, or a model without a price): Spent is a floor.
	Unknown int
}

// Reached says the budget is spent.
func (s Spend) Reached() bool { return s.Spent >= s.Limit }

// NextWouldPass says another run as dear as the dearest so far would pass
// the budget: the runner starts no new run (those in flight finish).
func (s Spend) NextWouldPass() bool { return s.Spent+s.Dearest > s.Limit }

// BudgetSpend prices the records of this session with prices (warmups cost
// the same; the judge's calls are paid for too). Tokens of unpriced models
// are not counted.
func BudgetSpend(s *spec.Spec, limit float64, prices Prices, done []*record.Run) Spend {
	sp := Spend{Limit: limit}
	for _, r := range done {
		c, unpriced := RunCost(r, prices)
		if len(unpriced) > 0 || unknownTokens(s, r) {
			sp.Unknown++
		}
		c += JudgeCost(r, prices)
		sp.Spent += c
		sp.Dearest = max(sp.Dearest, c)
	}
	return sp
}

// unknownTokens tells whether a run of an LLM API cell has tokens no one
// counted (see unmetered).
func unknownTokens(s *spec.Spec, r *record.Run) bool {
	p := s.ProviderByName(r.Provider)
	return p != nil && p.API != spec.APINone && r.Status != record.StatusSkipped && unmetered(r) != ""
}
