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

// JudgeCost prices the judge's tokens of one record (0 when it was not
// judged); the judge's models without a price are not counted.
func JudgeCost(r *record.Run, prices Prices) float64 {
	_, cost, _ := judgeRun(r, prices)
	if cost == nil {
		return 0
	}
	return *cost
}

// ModelTokens are a run's tokens by model, from the same source Compute
// prices (the proxy's calls or the workload's reports): what re-pricing a
// past run at other prices needs.
func ModelTokens(r *record.Run) map[string]record.Tokens {
	out := map[string]record.Tokens{}
	add := func(model string, t record.Tokens) {
		if model == "" {
			model = r.Model
		}
		out[model] = out[model].Add(t)
	}
	if usesProxy(r) {
		for _, c := range r.Calls {
			add(c.Model, c.Tokens)
		}
	} else {
		for _, u := range r.Usage {
			add(u.Model, u.Tokens)
		}
	}
	return out
}
