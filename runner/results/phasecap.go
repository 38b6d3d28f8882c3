package results

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/runner-bench/runner/runner/record"
)

// MaxPhases bounds the phases a summary shows one by one: the declared
// phases, then the undeclared ones that took the most time, up to this many
// in all. A workload that names a phase per item (200,000 names) would
// otherwise make every table, chart and CSV row that wide.
const MaxPhases = 20

// OtherPhases sums the undeclared phases past MaxPhases.
const OtherPhases = record.OtherPhases

// capPhases folds the undeclared phases past the limit into OtherPhases in
// every run's derived phases (the records keep them all) and returns the
// warning that says so, or "".
func capPhases(declared []string, runs []*Run, seen map[string]bool) string {
	known := map[string]bool{record.OtherPhase: true, OtherPhases: true}
	for _, p := range declared {
		known[p] = true
	}
	type total struct {
		name    string
		seconds float64
		tokens  int64
	}
	var extra []total
	index := map[string]int{}
	for name := range seen {
		if !known[name] {
			index[name] = len(extra)
			extra = append(extra, total{name: name})
		}
	}
	keep := max(MaxPhases-len(declared), 0)
	if len(extra) <= keep {
		return ""
	}
	for _, r := range runs {
		for name, p := range r.Phases {
			if i, ok := index[name]; ok {
				extra[i].seconds += p.Seconds
				extra[i].tokens += p.Tokens.Total()
			}
		}
	}
	slices.SortFunc(extra, func(a, b total) int {
		return cmp.Or(cmp.Compare(b.seconds, a.seconds), cmp.Compare(b.tokens, a.tokens), cmp.Compare(a.name, b.name))
	})
	folded := map[string]bool{}
	for _, e := range extra[keep:] {
		folded[e.name] = true
		delete(seen, e.name)
	}
	for _, r := range runs {
		var other *PhaseRun
		for name, p := range r.Phases {
			if !folded[name] {
				continue
			}
			if other == nil {
				if other = r.Phases[OtherPhases]; other == nil {
					other = &PhaseRun{}
					r.Phases[OtherPhases] = other
				}
			}
			other.Seconds += p.Seconds
			other.Tokens = other.Tokens.Add(p.Tokens)
			other.Cost += p.Cost
			other.TTFT.Merge(p.TTFT)
			delete(r.Phases, name)
		}
		if other != nil {
			seen[OtherPhases] = true
		}
	}
	return fmt.Sprintf("%d phases are not declared in the spec; the report shows the %d that took the most time and sums the other %d as %q",
		len(extra), keep, len(extra)-keep, OtherPhases)
}
