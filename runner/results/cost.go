package results

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// Prices looks models up in the spec's price table.
type Prices struct {
	table spec.Pricing
	// found remembers each model's entry (the first maxFound models): a
	// summary looks the same few models up for every run, and matching
	// globs was a tenth of deriving them.
	found *priceMemo
}

type priceMemo struct {
	sync.Map // model -> priceFound
	n        atomic.Int32
}

const maxFound = 10000

type priceFound struct {
	e  spec.PriceEntry
	ok bool
}

// NewPrices wraps a price table. The spec's own entries win over those of a
// pricing file; within each, llmapi.MatchModel picks the entry (the exact
// key, else the longest glob), as the simulator picks its settings.
func NewPrices(t spec.Pricing) Prices { return Prices{t, &priceMemo{}} }

// Lookup returns the price entry for model, or false.
func (p Prices) Lookup(model string) (spec.PriceEntry, bool) {
	if p.found == nil {
		return p.lookup(model)
	}
	if f, ok := p.found.Load(model); ok {
		return f.(priceFound).e, f.(priceFound).ok
	}
	e, ok := p.lookup(model)
	if p.found.n.Load() < maxFound {
		p.found.n.Add(1)
		p.found.Store(model, priceFound{e, ok})
	}
	return e, ok
}

func (p Prices) lookup(model string) (spec.PriceEntry, bool) {
	for _, fromSpec := range []bool{true, false} {
		patterns := func(yield func(string) bool) {
			for _, e := range p.table {
				if e.FromSpec() == fromSpec && !yield(e.Pattern) {
					return
				}
			}
		}
		if key, ok := llmapi.MatchModel(model, patterns); ok {
			for _, e := range p.table {
				if e.Pattern == key && e.FromSpec() == fromSpec {
					return e, true
				}
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
	c := (float64(plain)*pr.Input + float64(t.CachedInput)*cached +
		float64(t.CacheWrite)*write + float64(t.Output)*pr.Output) / 1e6
	return max(0, record.Finite(c)) // a cost is never negative, nor past a float64
}

// CostSplit prices tokens as Cost does, in its halves: input (cache reads
// and writes included, as they are input tokens) and output; cached is the
// cache-read part of input.
func CostSplit(pr spec.Price, t record.Tokens) (input, cached, output float64) {
	cachedRate, write := pr.Input, pr.Input
	if pr.CachedInput != nil {
		cachedRate = *pr.CachedInput
	}
	if pr.CacheWrite != nil {
		write = *pr.CacheWrite
	}
	plain := max(0, t.Input-t.CachedInput-t.CacheWrite)
	cached = max(0, record.Finite(float64(t.CachedInput)*cachedRate/1e6))
	input = max(0, record.Finite((float64(plain)*pr.Input+float64(t.CachedInput)*cachedRate+float64(t.CacheWrite)*write)/1e6))
	output = max(0, record.Finite(float64(t.Output)*pr.Output/1e6))
	return input, cached, output
}

// PricingWarnings are the price-table problems visible before anything runs
// that need the price lookup: a model of an LLM cell with no price (its cost
// will be unknown and its cost rules N/A). A pricing key that matches no
// model is the spec's own warning, at its line (spec.checkModelKeys).
func PricingWarnings(s *spec.Spec, cells []plan.Cell) []string {
	var out []string
	prices := NewPrices(s.Pricing)
	seen := map[string]bool{}
	for _, c := range cells {
		if c.Model == "" || c.Provider.API == spec.APINone || seen[c.Model] {
			continue
		}
		seen[c.Model] = true
		if _, ok := prices.Lookup(c.Model); !ok {
			msg := fmt.Sprintf("model %q has no price: its cost will be unknown and rules reading cost N/A (add it to pricing, or use pricing_file)", c.Model)
			if s.Budget.MaxCost > 0 { // the budget is the spend it can price
				msg += fmt.Sprintf("; budget.max_cost cannot count its spend, so its runs are not held to the $%g limit", s.Budget.MaxCost)
			}
			out = append(out, msg)
		}
	}
	return out
}
