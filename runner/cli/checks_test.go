package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// Checks made before anything runs: each catches a mistake that would
// otherwise show only after a benchmark (or never).

func TestPlanWithoutKeysSaysEverythingIsSkipped(t *testing.T) {
	t.Parallel()
	p := writeSpec(t, t.TempDir(), "name: c\ncommand: 'true'\nproviders: [ { name: a, api: openai, models: [ m ], requires: { env: [ RUNNER_TEST_NEVER_SET ] } } ]\n")
	code, stdout, stderr := runner(t, context.Background(), "plan", p)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Every cell is skipped", "runner plan " + p + " --dry-run"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "$0.0000") {
		t.Errorf("plan prices a plan that runs nothing at $0:\n%s", stdout)
	}
}

func TestDryRunWarnsOfModelsWithoutSimulateEntry(t *testing.T) {
	t.Parallel()
	p := writeSpec(t, t.TempDir(), `name: c
command: 'true'
providers:
  - { name: a, api: openai, models: [ gpt-4o, gpt-4o-mini ] }
simulate:
  models:
    gpt-4o: { ttft: 300ms, tokens_per_second: 80 }
`)
	code, stdout, stderr := runner(t, context.Background(), "plan", p, "--dry-run")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `no simulate.models entry for "gpt-4o-mini"`) || !strings.Contains(stdout, `add simulate.models["gpt-4o-mini"]`) {
		t.Errorf("plan --dry-run does not warn of the unsimulated model:\n%s", stdout)
	}
	if strings.Contains(stdout, `entry for "gpt-4o"`) {
		t.Errorf("warned of a simulated model:\n%s", stdout)
	}
	out := t.TempDir() + "/out"
	if _, _, stderr := runner(t, context.Background(), p, "--dry-run", "--output", out); !strings.Contains(stderr, `warning: dry run: no simulate.models entry for "gpt-4o-mini"`) {
		t.Errorf("run --dry-run does not warn of the unsimulated model:\n%s", stderr)
	}
	// A cell of api none with intercept calls its model through the
	// interception proxy, answered by the simulator as well.
	p = writeSpec(t, t.TempDir(), "name: c\ncommand: 'true'\nintercept: true\nproviders: [ { name: tool, models: [ gemini-1.5-flash ] } ]\nsimulate: { models: { gemini-1.5-pro: { ttft: 300ms } } }\n")
	if _, stdout, stderr := runner(t, context.Background(), "plan", p, "--dry-run"); !strings.Contains(stdout, `no simulate.models entry for "gemini-1.5-flash"`) || !strings.Contains(stderr, `simulate.models.gemini-1.5-pro matches no model of the matrix`) {
		t.Errorf("plan --dry-run does not warn of the intercepted model:\n%s%s", stdout, stderr)
	}
}

func TestTemplateNameTypoSaysDidYouMeanWithPosition(t *testing.T) {
	t.Parallel()
	p := writeSpec(t, t.TempDir(), "name: c\ncommand: >-\n  echo {{ .provider.name }}\n  {{ .modle }}\nproviders: [ { name: a, models: [ m ] } ]\n")
	code, _, stderr := runner(t, context.Background(), "validate", p)
	want := p + `:4:6: command: {{ .modle }}: no value "modle"; did you mean .model?`
	if code != ExitUsage || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr lacks %q:\n%s", code, want, stderr)
	}
	p = writeSpec(t, t.TempDir(), "name: c\nvars: { csv: a.csv }\ncommand: cat {{ .vars.cvs }}\n")
	want = p + `:3:17: command: {{ .vars.cvs }}: .vars has no "cvs"; did you mean .vars.csv?`
	if code, _, stderr := runner(t, context.Background(), "plan", p); code != ExitUsage || !strings.Contains(stderr, want) {
		t.Errorf("plan: exit %d, stderr lacks %q:\n%s", code, want, stderr)
	}
}

// {{ .env.VAR }} reads the environment; an unset variable is an error that
// names it, unless the provider requires it (then the cell is skipped, and
// a dry run renders it empty).
func TestEnvInTemplates(t *testing.T) {
	t.Setenv("RUNNER_TEST_ENV_SET", "hello")
	dir := t.TempDir()
	p := writeSpec(t, dir, "name: c\nruns: 1\ncommand: test '{{ .env.RUNNER_TEST_ENV_SET }}' = hello\nthresholds: [ { name: t, target: total.time.mean < 60 } ]\n")
	if code, _, stderr := runner(t, context.Background(), "validate", p); code != ExitOK {
		t.Fatalf("validate: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := runner(t, context.Background(), p, "--output", dir+"/out1"); code != ExitOK {
		t.Fatalf("run: exit %d: %s %s", code, stdout, stderr)
	}

	p = writeSpec(t, dir, "name: c\ncommand: echo {{ .env.RUNNER_TEST_NEVER_SET }}\n")
	code, _, stderr := runner(t, context.Background(), "validate", p)
	if code != ExitUsage || !strings.Contains(stderr, "environment variable RUNNER_TEST_NEVER_SET is not set") || !strings.Contains(stderr, "requires.env") {
		t.Errorf("unset variable: exit %d, stderr %s", code, stderr)
	}

	p = writeSpec(t, dir, `name: c
runs: 1
command: test -z '{{ .env.RUNNER_TEST_NEVER_SET }}'
providers: [ { name: a, requires: { env: [ RUNNER_TEST_NEVER_SET ] } } ]
thresholds: [ { name: t, target: total.time.mean < 60 } ]
`)
	if code, _, stderr := runner(t, context.Background(), "validate", p); code != ExitOK {
		t.Errorf("a required variable: validate exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := runner(t, context.Background(), p, "--dry-run", "--output", dir+"/out2"); code != ExitOK {
		t.Errorf("a required variable in a dry run: exit %d: %s %s", code, stdout, stderr)
	}
}

// A report template that cannot render fails validate, plan and run before
// anything runs, not after the benchmark.
func TestReportTemplateTrialRendered(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "typo.md.tmpl"), []byte("# {{ .Title }}\n{{ range .Cells }}{{ .Modle }}{{ end }}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.md.tmpl"), []byte("# {{ .Title }\n"), 0o644)
	for tmpl, want := range map[string]string{
		"typo.md.tmpl":   `typo.md.tmpl:2:21: <.Modle>: can't evaluate field Modle in type *results.Cell; did you mean .Model?`,
		"broken.md.tmpl": `broken.md.tmpl:1: unexpected "}"`,
	} {
		p := writeSpec(t, dir, "name: c\nruns: 1\ncommand: 'true'\nphases: [ A ]\nreport: { template: "+tmpl+" }\n")
		for _, cmd := range [][]string{{"validate", p}, {"plan", p}, {p, "--output", filepath.Join(dir, "out")}} {
			code, _, stderr := runner(t, context.Background(), cmd...)
			if code != ExitUsage || !strings.Contains(stderr, want) {
				t.Errorf("%s with %s: exit %d, stderr lacks %q:\n%s", cmd[0], tmpl, code, want, stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "out", "runs.jsonl")); err == nil {
			t.Errorf("%s: the benchmark ran", tmpl)
		}
	}
}

// A failed setup leaves its log and a report that opens by saying so.
func TestSetupFailureLogAndReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeSpec(t, dir, "name: c\nruns: 1\nsetup: [ 'true', 'exit 7' ]\ncommand: 'true'\n")
	out := filepath.Join(dir, "out")
	code, _, stderr := runner(t, context.Background(), p, "--output", out)
	if code != ExitRunsFailed || !strings.Contains(stderr, "logs/setup.log") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "logs", "setup.log")); err != nil {
		t.Errorf("the message names logs/setup.log, which is not there: %v", err)
	}
	report, err := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(report), "> **Setup failed:** setup command 2 (exit 7) failed: exit code 7; see logs/setup.log") {
		t.Errorf("the report does not open with the setup failure:\n%.300s", report)
	}
}

// A pricing typo and a model without a price are warned about before the
// run; after it, a cost rule that could not be judged names the missing
// price and the cell is not rated PASS.
func TestPricingChecks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeSpec(t, dir, `name: c
runs: 1
command: |
  echo '::runner::{"event":"usage","model":"gpt-4o-mini","input_tokens":1000,"output_tokens":10}'
providers: [ { name: a, api: openai, models: [ gpt-4o-mini ] } ]
pricing: { gpt-4o-mni: { input: 1, output: 2 } }
thresholds:
  - { name: Time, target: total.time.mean < 60 }
  - { name: Cost, target: cost.mean < 1 }
`)
	code, stdout, stderr := runner(t, context.Background(), "validate", p)
	for _, want := range []string{p + `:6:24: pricing.gpt-4o-mni matches no model of the matrix; did you mean "gpt-4o-mini"?`, `model "gpt-4o-mini" has no price`} {
		if code != ExitOK || !strings.Contains(stdout+stderr, want) {
			t.Errorf("validate: exit %d, output lacks %q:\n%s%s", code, want, stdout, stderr)
		}
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr = runner(t, context.Background(), p, "--dry-run", "--output", out)
	if !strings.Contains(stdout, "NOT RATED") || strings.Contains(stdout, "PASS") {
		t.Errorf("a cell whose cost rule could not be judged passed: exit %d\n%s%s", code, stdout, stderr)
	}
	report, _ := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	if !strings.Contains(string(report), `no price for model \"gpt-4o-mini\"`) && !strings.Contains(string(report), `no price for model "gpt-4o-mini"`) {
		t.Errorf("the report does not say the cost rule lacks a price:\n%s", report)
	}
}

// A run stopped by Ctrl-C shows as interrupted in the live block, not failed.
func TestProgressInterruptedIsNotFailed(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, false, false)
	p.live = true
	p.planned = map[string]int{"a": 2}
	p.plan([]string{"a"})
	p.Start(2)
	p.RunDone(&record.Run{Cell: "a", Index: 1, Status: record.StatusOK, WallSeconds: 1})
	p.RunDone(&record.Run{Cell: "a", Index: 2, Status: record.StatusInterrupted, WallSeconds: 1})
	out := b.String()
	if !strings.Contains(out, "1 interrupted") || strings.Contains(out, "failed") {
		t.Errorf("live block:\n%s", out)
	}
}
