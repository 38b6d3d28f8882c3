package results

import (
	"path"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// Prices looks models up in the spec's price table.
type Prices struct{ table spec.Pricing }

// NewPrices wraps a price table. The spec's own entries win over those of a
// pricing file; within each, exact keys win over globs, and globs go in order.
func NewPrices(t spec.Pricing) Prices { return Prices{t} }

// Lookup returns the price entry for model, or false.
func (p Prices) Lookup(model string) (spec.PriceEntry, bool) {
	for _, fromSpec := range []bool{true, false} {
		for _, e := range p.table {
			if (e.Source == "spec" || e.Source == "") == fromSpec && e.Pattern == model {
				return e, true
			}
		}
		for _, e := range p.table {
			if (e.Source == "spec" || e.Source == "") != fromSpec {
				continue
			}
			if ok, _ := path.Match(e.Pattern, model); ok {
				return e, true
			}
		}
	}
	return spec.PriceEntry{}, false
}

// Cost prices tokens in USD, each token class once: cache reads and writes
// are subsets of input and priced at their own rates (at the input rate
// when the table has none); the rest of input at the input rate.
func Cost(pr spec.Price, t record.Tokens) float64 {
	cached, write := pr.Input, pr.Input
	if pr.CachedInput != nil {
		cached = *pr.CachedInput
	}
	if pr.CacheWrite != nil {
		write = *pr.CacheWrite
	}
	plain := t.Input - t.CachedInput - t.CacheWrite
	if plain < 0 {
		plain = 0
	}
	return (float64(plain)*pr.Input + float64(t.CachedInput)*cached +
		float64(t.CacheWrite)*write + float64(t.Output)*pr.Output) / 1e6
}
