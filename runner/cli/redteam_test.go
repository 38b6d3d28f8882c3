package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --replay-speed that is not a finite number at least 0 is a usage error
// named by its flag, before any output folder is made: NaN and Inf parse as
// floats, and once reached the manifest's JSON refused them (exit 5, a
// half-made folder, "json: unsupported value: NaN").
func TestReplaySpeedFlagRefusesNonFinite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := writeSpec(t, dir, `name: speed
providers:
  - { name: openai, api: openai, models: [ gpt-4o-mini ] }
command: "true"
`)
	for _, v := range []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "infinity", "-1", "-0.5", "fast", "1e400"} {
		out := filepath.Join(dir, "out-"+strings.NewReplacer("+", "p", "-", "m", ".", "d").Replace(v))
		code, _, stderr := runner(t, context.Background(), spec, "--replay", dir, "--replay-speed", v, "--output", out, "--no-progress")
		if code != ExitUsage || !strings.Contains(stderr, "--replay-speed") {
			t.Errorf("--replay-speed %s: exit %d, want %d naming the flag; stderr:\n%s", v, code, ExitUsage, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("--replay-speed %s: the output folder %s was made for a refused flag", v, out)
		}
	}
}

// --runs beyond spec.MaxRuns is a usage error naming the flag, for a run
// and for the commands that plan (cassettes, plan): it planned every run in
// memory and the runner was killed (exit 137) without a word.
func TestRunsFlagBounded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := writeSpec(t, dir, `name: runs
providers:
  - { name: openai, api: openai, models: [ gpt-4o-mini ] }
command: "true"
`)
	for _, args := range [][]string{
		{spec, "--dry-run", "--runs", "99999999999", "--output", filepath.Join(dir, "out"), "--no-progress"},
		{"plan", spec, "--runs", "100001"},
	} {
		code, _, stderr := runner(t, context.Background(), args...)
		if code != ExitUsage || !strings.Contains(stderr, "--runs: at most") {
			t.Errorf("%v: exit %d, want %d naming --runs; stderr:\n%s", args, code, ExitUsage, stderr)
		}
	}
}
