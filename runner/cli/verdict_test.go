package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/rules"
)

// A cell whose every LLM call failed (here: the simulator answers 429 to
// every call, and the workload exits 0 as one that swallows errors does) is
// not PASS and is never recommended: its runs are failed, with the statuses
// the calls got.
func TestCellWhoseCallsAllFailedIsNotRecommended(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := writeSpec(t, dir, `name: calls
runs: 2
command: '`+exe+`'
providers:
  - name: openai
    api: openai
    models: [ good, limited ]
pricing:
  good: { input: 3, output: 15 }
  limited: { input: 0.1, output: 0.1 }
simulate:
  models:
    limited: { error_rate_429: 1 }
thresholds:
  - name: Time
    target: total.time.mean < 600
`)
	out := filepath.Join(dir, "out")
	// The built binary, so that the workload's variable is the runner's alone.
	code, stdout, stderr := runnerAt(t, dir, []string{workloadEnv + "=llm-call"}, p, "--dry-run", "--output", out, "--no-progress")
	if code != ExitRunsFailed {
		t.Errorf("exit %d, want 3 (a cell whose every run failed); stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		bad := strings.HasSuffix(r.Cell, "limited")
		if bad && (r.Status != record.StatusFailed || !strings.Contains(r.Error, "HTTP 429")) {
			t.Errorf("%s run %d: status %q error %q; want failed naming HTTP 429", r.Cell, r.Index, r.Status, r.Error)
		}
		if !bad && r.Status != record.StatusOK {
			t.Errorf("%s run %d: %s %s", r.Cell, r.Index, r.Status, r.Error)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum results.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	for _, c := range sum.Cells {
		if strings.HasSuffix(c.ID, "limited") && c.Rating == rules.Pass {
			t.Errorf("%s is rated PASS though every LLM call failed", c.ID)
		}
	}
	for _, pick := range sum.Ranking {
		if strings.Contains(pick.Cell, "limited") {
			t.Errorf("%s recommended for %s though every LLM call failed", pick.Cell, pick.Priority)
		}
	}
	report, _ := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	for _, line := range strings.Split(string(report), "\n") {
		if strings.Contains(line, "cheapest") && strings.Contains(line, "limited") {
			t.Errorf("the report recommends the failing cell: %s", line)
		}
	}
}
