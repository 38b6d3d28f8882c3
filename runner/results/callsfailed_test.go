package results

import (
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
)

// A run that exited 0 but whose every LLM call failed (an older record,
// written before the runner failed such runs itself) is judged as failed:
// its cell is neither rated nor recommended.
func TestRunsWhoseCallsAllFailedAreFailures(t *testing.T) {
	t.Parallel()
	s := load(t, "name: c\ncommand: x\nproviders: [ { name: good }, { name: denied } ]\npricing: { m: { input: 3, output: 15 } }\nthresholds: [ { name: Time, target: total.time.mean < 10 } ]\n")
	tok := map[string]record.Tokens{"A": {Input: 100, Output: 10}}
	var recs []record.Run
	for i := 1; i <= 2; i++ {
		good := run("good", i, 2, tok)
		good.Calls = []record.Call{{Status: 429, Error: "429"}, {Status: 200, Tokens: record.Tokens{Input: 100, Output: 10}}}
		denied := run("denied", i, 1, nil)
		denied.Calls = []record.Call{{Status: 401, Error: "4xx"}, {Error: "refused"}}
		recs = append(recs, good, denied)
	}
	sum := Compute(s, record.Benchmark{}, recs)
	for _, c := range sum.Cells {
		switch c.ID {
		case "good":
			if c.Runs != 2 || c.Rating != rules.Pass {
				t.Errorf("good: %d ok runs, rating %q; a retried 429 does not fail a run", c.Runs, c.Rating)
			}
		case "denied":
			if c.Runs != 0 || c.Failures != 2 || c.Rating == rules.Pass {
				t.Errorf("denied: %d ok runs, %d failures, rating %q", c.Runs, c.Failures, c.Rating)
			}
			if len(c.Failed) == 0 || !strings.Contains(c.Failed[0].Error, "1 × HTTP 401, 1 × refused") {
				t.Errorf("denied: failures %+v, want the calls' statuses named", c.Failed)
			}
		}
	}
	if len(sum.Broken) != 1 || sum.Broken[0] != "denied" {
		t.Errorf("broken cells %v, want [denied]", sum.Broken)
	}
	for _, p := range sum.Ranking {
		if p.Cell == "denied" {
			t.Errorf("denied recommended for %s", p.Priority)
		}
	}
}
