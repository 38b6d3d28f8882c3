package results

import (
	"sort"

	"github.com/runner-bench/runner/runner/record"
)

// RunCost prices one record's tokens with prices, as Compute does: the
// proxy's calls or the workload's usage reports, whichever the run's token
// source is. Unpriced lists models that used tokens but have no price; their
// tokens are not in usd.
func RunCost(r *record.Run, prices Prices) (usd float64, unpriced []string) {
	missing := map[string]bool{}
	run := derive(r, prices, missing)
	for _, p := range run.Phases {
		usd += p.Cost
	}
	for m := range missing {
		unpriced = append(unpriced, m)
	}
	sort.Strings(unpriced)
	return usd, unpriced
}
