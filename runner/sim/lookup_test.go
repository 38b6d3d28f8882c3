package sim

import (
	"testing"

	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// The simulator's settings and the price table pick a model's entry by one
// rule: a spec whose simulate.models and pricing have the same keys prices a
// model with the entry whose settings the simulator serves it.
func TestModelLookupAgreesWithPricing(t *testing.T) {
	t.Parallel()
	keys := []string{"gpt-*", "gpt-4o*", "gpt-4o-mini", "claude-*", "claude-3-5-*"} // YAML order: short globs first
	var pricing spec.Pricing
	models := map[string]Model{}
	simulate := spec.Simulate{Models: map[string]spec.SimModel{}}
	for i, k := range keys {
		pricing = append(pricing, spec.PriceEntry{Pattern: k, Price: spec.Price{Input: float64(i + 1)}, Source: "spec"})
		models[k] = Model{OutputTokens: i + 1}
		simulate.Models[k] = spec.SimModel{OutputTokens: i + 1}
	}
	s := New(Config{Models: models}).(*simulator)
	prices := results.NewPrices(pricing)
	for _, m := range []string{"gpt-4o-mini", "gpt-4o-2024-08-06", "gpt-3.5-turbo", "claude-3-5-sonnet", "claude-opus-4", "llama3"} {
		sim := s.model(m).OutputTokens
		p, priced := prices.Lookup(m)
		sm, simulated := simulate.Model(m)
		if priced != (sim != 0) || simulated != (sim != 0) || int(p.Input) != sim || sm.OutputTokens != sim {
			t.Errorf("%s: simulator serves entry %d, pricing picks %v (%v), simulate.Model %d (%v)", m, sim, p.Pattern, priced, sm.OutputTokens, simulated)
		}
	}
}
