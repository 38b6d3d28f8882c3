package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// A cell whose runs finished but whose tokens no one counted (the client
// bypassed the proxy) shows unknown tokens on the console, as in the
// report, not 0.
func TestSummaryTableUnknownTokens(t *testing.T) {
	t.Parallel()
	sum := &results.Summary{HasTokens: true, Cells: []*results.Cell{
		{ID: "openai_direct", Runs: 2, Time: results.Stats{N: 2, Mean: 1}},
		{ID: "openai_proxied", Runs: 2, Time: results.Stats{N: 2, Mean: 1}, Tokens: results.Stats{N: 2, Mean: 150}},
	}}
	var b bytes.Buffer
	printSummary(&b, sum, t.TempDir(), &spec.Spec{})
	for _, line := range strings.Split(b.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 { // cell, runs, "1.00 s ± 0 s", tokens, ...
			continue
		}
		switch f[0] {
		case "openai_direct":
			if f[7] != "—" {
				t.Errorf("unmetered cell's tokens: %q, want —\n%s", f[7], b.String())
			}
		case "openai_proxied":
			if f[7] != "150" {
				t.Errorf("metered cell's tokens: %q, want 150\n%s", f[7], b.String())
			}
		}
	}
}

// A benchmark stopped before a cell ran (Ctrl-C during setup, a budget)
// names that cell on the console, as the report does, instead of printing
// a table header with nothing under it.
func TestSummaryTableNamesCellsNotReached(t *testing.T) {
	t.Parallel()
	for _, sum := range []*results.Summary{
		{NotRun: []string{"default"}},
		{HasTokens: true, NotRun: []string{"a_m1", "a_m2"}, Cells: []*results.Cell{{ID: "a_m0", Runs: 1, Time: results.Stats{N: 1, Mean: 1}}}},
	} {
		var b bytes.Buffer
		printSummary(&b, sum, t.TempDir(), &spec.Spec{})
		for _, id := range sum.NotRun {
			if !strings.Contains(b.String(), id) || !strings.Contains(b.String(), "not reached") {
				t.Errorf("%s is not named as not reached:\n%s", id, b.String())
			}
		}
	}
}
