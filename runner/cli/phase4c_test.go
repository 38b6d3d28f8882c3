package cli

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// phase4cCopy copies the reference spec into a temporary folder and moves the
// test to the repository root, which the spec's paths are relative to.
func phase4cCopy(t *testing.T) string {
	t.Helper()
	t.Chdir("../..")
	return phase4cSpec(t)
}

// phase4cSpec copies the reference spec into a temporary folder; the runner
// must run in repoRoot.
func phase4cSpec(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, "specs", "phase4c.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "phase4c.yaml")
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPhase4cDryRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the reference workload")
	}
	t.Parallel() // mostly waits for the simulator's latencies
	p := phase4cSpec(t)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runnerAt(t, repoRoot, nil, p, "--dry-run", "--runs", "1", "--output", out, "--no-progress")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "SIMULATED") {
		t.Errorf("stdout does not start with SIMULATED:\n%s", stdout)
	}
	report, _ := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	if !strings.HasPrefix(string(report), "> **SIMULATED**") {
		t.Error("the report does not say SIMULATED at the top")
	}
	// The task card's sections, in its order, and nothing else at that level.
	var got []string
	for _, line := range strings.Split(string(report), "\n") {
		if strings.HasPrefix(line, "## ") {
			got = append(got, line)
		}
	}
	want := []string{"## Executive Summary", "## Methodology", "## Detailed Results", "## Cost Comparison",
		"## Cost Projections", "## Resource Usage", "## Targets vs Actual", "## Bottlenecks",
		"## Optimization Recommendations", "## Provider Recommendations", "## Conclusion"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report sections:\n%s\nwant, in the card's order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, part := range []string{
		"Reference: **Anthropic Claude · claude-3-5-sonnet-20241022**",
		"- **Cool-down:** the spec's 5 s between runs was skipped",
		"- **Runs:** 1 measured run per cell, no warmup",
		"### System", "### Test data", "### Anthropic Claude · claude-3-5-sonnet-20241022",
		"| Provider | Model | Total Tokens | Input Cost | Output Cost | Total Cost | Time (min) | Quality Score |",
		"| Usage | Workflows / month | Ollama (local) · llama3.2:3b | Anthropic Claude · claude-3-5-sonnet-20241022 | OpenAI · gpt-4-turbo | Google Gemini · gemini-1.5-pro |",
		"| Provider | Model | Peak Memory (MB) | reports (KB) | sessions (MB) | CPU (%) |",
		"- Total Time: PASS — target < 5 min, actual 0.",
		"| Phase 4 - Report Generation |", "| 10/day | 300 |",
	} {
		if !strings.Contains(string(report), part) {
			t.Errorf("report lacks %q", part)
		}
	}

	prices := map[string][2]float64{ // the spec's USD per 1M input, output
		"ollama": {0, 0}, "anthropic": {3, 15}, "openai": {10, 30}, "gemini": {1.25, 5},
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Cells []struct {
			Provider string
			Runs     int
			Cost     struct{ Mean float64 } `json:"cost_usd"`
			Verdicts []struct{ Level string }
			Quality  *float64
			Source   string `json:"quality_source"`
			Judge    *struct {
				Judged    int
				Simulated bool
				Tokens    struct{ Mean float64 }
			}
		}
		Judge *struct {
			Runs, Scored int
			Cost         float64 `json:"cost_usd"`
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || len(sum.Cells) != 4 {
		t.Fatalf("%d records, %d cells; want 4 providers", len(recs), len(sum.Cells))
	}
	for i, r := range recs {
		if r.TokenSource != record.SourceProxy || !r.Simulated {
			t.Errorf("%s: token source %q simulated %v", r.Cell, r.TokenSource, r.Simulated)
		}
		byPhase := map[string]record.Tokens{}
		var total record.Tokens
		for _, c := range r.Calls {
			byPhase[c.Phase] = byPhase[c.Phase].Add(c.Tokens)
			total = total.Add(c.Tokens)
		}
		for _, ph := range []string{"Performance Analysis", "Training Planning", "Report Generation"} {
			if byPhase[ph].Input == 0 || byPhase[ph].Output == 0 {
				t.Errorf("%s: no proxy tokens in %s: %+v", r.Cell, ph, byPhase)
			}
		}
		pr := prices[r.Provider]
		want := (float64(total.Input)*pr[0] + float64(total.Output)*pr[1]) / 1e6
		c := sum.Cells[i]
		if c.Provider != r.Provider || math.Abs(c.Cost.Mean-want) > 1e-9 {
			t.Errorf("%s: cost %.6f, want tokens x prices = %.6f", r.Provider, c.Cost.Mean, want)
		}
		if len(c.Verdicts) < 7 {
			t.Errorf("%s: %d verdicts", r.Provider, len(c.Verdicts))
		}
		// The reference judge rated the run through the simulator; its call
		// is its own, never among the workflow's calls.
		j := r.Judge
		if j == nil || j.Score == nil || *j.Score < 1 || *j.Score > 10 || len(j.Calls) != 1 || j.Calls[0].Input == 0 {
			t.Errorf("%s: judge %+v, want a 1-10 score from one metered call", r.Cell, j)
		}
		for _, call := range r.Calls {
			if call.Phase == "" || call.Phase == record.OtherPhase {
				t.Errorf("%s: a call outside the workflow's phases (the judge's?) counts in the run: %+v", r.Cell, call)
			}
		}
		if c.Source != "judged" || c.Quality == nil || j != nil && j.Score != nil && *c.Quality != *j.Score ||
			c.Judge == nil || c.Judge.Judged != 1 || !c.Judge.Simulated || c.Judge.Tokens.Mean == 0 {
			t.Errorf("%s: quality %v (%s), judge %+v: want the judge's score, SIMULATED", r.Provider, c.Quality, c.Source, c.Judge)
		}
	}
	if sum.Judge == nil || sum.Judge.Runs != 4 || sum.Judge.Scored != 4 || sum.Judge.Cost <= 0 {
		t.Errorf("judge totals %+v, want 4 runs scored and the judge's own cost", sum.Judge)
	}
	if !strings.Contains(string(report), "(judged, 1 run, SIMULATED)") {
		t.Error("the report does not show the judged quality as SIMULATED")
	}
	for _, f := range []string{"benchmark_results.csv", "cost_calculator.xlsx", "logs/anthropic_claude-3-5-sonnet-20241022_run1.log"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
}

// Without --dry-run, on a machine with no keys and no Ollama, every provider
// is skipped with its reason and the exit code says nothing was measured.
func TestPhase4cWithoutProvidersMeasuresNothing(t *testing.T) {
	p := phase4cCopy(t)
	for _, k := range []string{"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"} {
		t.Setenv(k, "")
	}
	// Point Ollama's requirement at a port nothing listens on.
	src, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.ReplaceAll(string(src), "url: http://localhost:11434", "url: http://127.0.0.1:9")), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runner(t, context.Background(), p, "--output", out)
	if code != ExitNothingRan {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitNothingRan, stdout, stderr)
	}
	for _, reason := range []string{"ANTHROPIC_API_KEY is not set", "OPENAI_API_KEY is not set", "GEMINI_API_KEY is not set", "http://127.0.0.1:9 is not reachable"} {
		if !strings.Contains(stderr, reason) || !strings.Contains(stdout, reason) {
			t.Errorf("the skip reason %q is not on the console", reason)
		}
	}
	report, _ := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	if !strings.Contains(string(report), "### Not measured") || !strings.Contains(string(report), "skipped: environment variable ANTHROPIC_API_KEY is not set") {
		t.Error("the report does not list the skipped cells with their reasons")
	}
}

// The 14-cell example stays a valid spec of 14 cells: phase4c's four
// providers, Mistral and DeepSeek, a second Claude model, two temperatures.
func TestPhase4c14CellsExample(t *testing.T) {
	t.Chdir("../..")
	code, stdout, stderr := runner(t, context.Background(), "validate", "examples/scale/phase4c-14.yaml")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	cells := 0
	for _, line := range strings.Split(stdout, "\n") {
		if strings.Contains(line, "_temperature-0.") {
			cells++
		}
	}
	if cells != 14 || !strings.Contains(stdout, "42 measured runs") {
		t.Errorf("%d cells, want 14 (42 runs):\n%s", cells, stdout)
	}
	for _, c := range []string{"mistral_mistral-large-latest_temperature-0.7", "deepseek_deepseek-chat_temperature-0.2", "anthropic_claude-3-5-haiku-20241022_temperature-0.2"} {
		if !strings.Contains(stdout, c) {
			t.Errorf("validate does not list %s", c)
		}
	}
}
