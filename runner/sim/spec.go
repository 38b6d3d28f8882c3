package sim

import (
	"fmt"
	"maps"
	"slices"

	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/spec"
)

// FromSpec maps a spec's `simulate:` to the simulator's settings.
func FromSpec(s *spec.Spec) Config {
	cfg := Config{Seed: s.Simulate.Seed, Default: Defaults, Models: map[string]Model{}}
	for name, m := range s.Simulate.Models {
		model := Model{TTFT: m.TTFT.D(), TokensPerSecond: m.TokensPerSecond, OutputTokens: m.OutputTokens,
			ErrorRate429: m.ErrorRate429, ErrorRate500: m.ErrorRate500, TruncateRate: m.TruncateRate}
		if model.TokensPerSecond == 0 {
			model.TokensPerSecond = Defaults.TokensPerSecond
		}
		cfg.Models[name] = model
	}
	// Model lists name the spec's own models, so a workflow that checks its
	// model is available finds it.
	cfg.Catalog = map[llmapi.API][]string{}
	for _, p := range s.Providers {
		for _, m := range p.Models {
			if !slices.Contains(cfg.Catalog[p.API], m) {
				cfg.Catalog[p.API] = append(cfg.Catalog[p.API], m)
			}
		}
	}
	return cfg
}

// Unsimulated warns of the models a dry run would call that no simulate:
// key matches: they get the simulator's fast defaults, so their times say
// nothing about the model and can make it the "fastest" pick.
func Unsimulated(s *spec.Spec, cells []plan.Cell) []string {
	var models []string
	seen := map[string]bool{}
	for _, c := range cells {
		// api none is not left out: its runs get the proxy (and interception)
		// too, so a model it calls is answered by the simulator all the same.
		if c.Skip != "" || c.Model == "" || seen[c.Model] {
			continue
		}
		seen[c.Model] = true
		if _, ok := s.Simulate.Model(c.Model); !ok {
			models = append(models, c.Model)
		}
	}
	if len(models) == 0 {
		return nil
	}
	keys := slices.Collect(maps.Keys(s.Simulate.Models))
	var out []string
	for _, m := range models {
		msg := fmt.Sprintf("dry run: no simulate.models entry for %q: it gets the simulator's defaults (%v to the first token, %g tokens/s, 200-600 output tokens), so its times and tokens say nothing about the model", m, Defaults.TTFT, Defaults.TokensPerSecond)
		if near := spec.Closest(m, keys); near != "" {
			msg += fmt.Sprintf("; did you mean the key %q?", near)
		} else {
			msg += fmt.Sprintf("; add simulate.models[%q] with ttft, tokens_per_second and output_tokens", m)
		}
		out = append(out, msg)
	}
	return out
}
