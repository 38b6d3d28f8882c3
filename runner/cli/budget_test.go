package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/record"
)

// costlySpec's every run reports 1M input tokens at $0.10 per 1M: $0.10 a run.
const costlySpec = `name: costly
runs: 6
command: |
  echo '::runner::{"event":"usage","model":"m","input_tokens":1000000,"output_tokens":0}'
providers: [ { name: p, models: [m] } ]
pricing: { m: { input: 0.10, output: 0 } }
budget: { max_cost: %s }
`

func TestBudgetStopsTheBenchmark(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, budget string
		runs         int
		stop         string
	}{
		{"room for two and a half runs", "0.25", 2, "another run (up to $0.1000 so far) would pass it"},
		{"exactly two runs", "0.20", 2, "budget.max_cost $0.2000 reached: $0.2000 spent"},
		{"room for everything", "5.00", 6, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "spec.yaml")
			os.WriteFile(path, []byte(strings.Replace(costlySpec, "%s", tt.budget, 1)), 0o644)
			out := filepath.Join(dir, "out")
			code, stdout, stderr := mainRun(t, path, "--output", out, "--quiet", "--no-progress")
			// A stop is a console line and exit 6: cells were left unmeasured.
			if want := map[bool]int{true: ExitOK, false: ExitBudget}[tt.stop == ""]; code != want {
				t.Fatalf("exit %d, want %d\n%s%s", code, want, stdout, stderr)
			}
			if tt.stop != "" && (!strings.Contains(stderr, "stopped early: budget.max_cost") || !strings.Contains(stderr, "--resume "+out)) {
				t.Errorf("stderr does not say that the budget stopped the benchmark, nor how to continue:\n%s", stderr)
			}
			recs, err := record.ReadFile(filepath.Join(out, output.RunsFile))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tt.runs {
				t.Errorf("%d records, want %d", len(recs), tt.runs)
			}
			bm, err := output.ReadBenchmark(out)
			if err != nil {
				t.Fatal(err)
			}
			if tt.stop == "" && bm.StopReason != "" || !strings.Contains(bm.StopReason, tt.stop) {
				t.Errorf("stop_reason %q, want %q", bm.StopReason, tt.stop)
			}
			report, _ := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
			if tt.stop != "" && !strings.Contains(string(report), "Stopped early:** "+bm.StopReason) {
				t.Errorf("report does not say why it stopped")
			}
		})
	}
}

func TestPlanEstimate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prior := filepath.Join(dir, "prior")
	writeFolder(t, prior, syntheticSpec, []float64{1, 1, 1})
	// The plan's spec prices m higher than the prior run did; the estimate uses the plan's prices.
	specSrc := strings.Replace(syntheticSpec, "{ input: 1, output: 2 }", "{ input: 10, output: 20 }", 1) +
		"runs: 4\nwarmup: 1\nbudget: { max_cost: 0.05 }\nsimulate: { models: { \"m*\": { output_tokens: 300 } } }\n"
	path := filepath.Join(dir, "spec.yaml")
	os.WriteFile(path, []byte(specSrc), 0o644)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		// 1000 in + 100 out at $10/$20 per 1M = $0.012 a run; 5 runs (1 warmup) = $0.06.
		{"from prior results", []string{"plan", path, "--from", prior}, []string{"p_m    5     unmetered  1,000          100             $0.0120   $0.0600",
			"TOTAL  5", "$0.0600", "budget.max_cost $0.0500: the plan ($0.0600) would pass it"}},
		{"without prior results", []string{"plan", path}, []string{"p_m    5     unknown", "TOTAL  5", "unknown",
			"simulate: 300 output tokens per call", "output alone: $0.0060 per call", "cannot tell whether the plan fits"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := mainRun(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("plan output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	if code, _, _ := mainRun(t, "plan", path, "--from", filepath.Join(dir, "nowhere")); code != ExitUsage {
		t.Errorf("--from a missing folder: exit %d", code)
	}
}

// The judge's calls are paid for: the budget counts them (here they double
// each run's cost), while the report keeps them out of the workflow's cost.
func TestBudgetCountsTheJudge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "spec.yaml")
	src := strings.Replace(costlySpec, "%s", "0.45", 1) + `judge:
  command: |
    echo '::runner::{"event":"usage","model":"m","input_tokens":1000000,"output_tokens":0}'
    echo '::runner::{"event":"metric","name":"quality","value":7}'
`
	os.WriteFile(path, []byte(src), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := mainRun(t, path, "--output", out, "--quiet", "--no-progress")
	if code != ExitBudget {
		t.Fatalf("exit %d, want %d (budget)\n%s%s", code, ExitBudget, stdout, stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, output.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	// $0.20 a run with its judge: after two ($0.40) a third would pass $0.45.
	if len(recs) != 2 {
		t.Errorf("%d runs, want 2: the judge's spend must count against the budget", len(recs))
	}
	b, err := os.ReadFile(filepath.Join(out, output.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Cells []struct {
			Cost  struct{ Mean float64 } `json:"cost_usd"`
			Judge struct {
				Cost struct{ Mean float64 } `json:"cost_usd"`
			}
		}
	}
	if err := json.Unmarshal(b, &sum); err != nil || len(sum.Cells) != 1 {
		t.Fatalf("summary: %v", err)
	}
	if c := sum.Cells[0]; math.Abs(c.Cost.Mean-0.10) > 1e-9 || math.Abs(c.Judge.Cost.Mean-0.10) > 1e-9 {
		t.Errorf("cost per workflow %v, judge per run %v: want $0.10 each, apart", c.Cost.Mean, c.Judge.Cost.Mean)
	}
}
