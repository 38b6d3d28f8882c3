package cli

import (
	"context"
	"strings"
	"testing"
)

// Checks made before anything runs: each catches a mistake that would
// otherwise show only after a benchmark (or never).

func TestPlanWithoutKeysSaysEverythingIsSkipped(t *testing.T) {
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
}
