package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/record"
)

// --set values and literal env: values whose names look secret are kept
// out of every file of the output folder and out of the resume options; a
// resume asks for them again.
func TestSecretSetsAndEnvAreRedacted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeSpec(t, dir, `name: sets
runs: 1
vars: { api_token: none, words: few }
env:
  SERVICE_SECRET: literal-secret-value-1234
  MODE: fast
command: 'test "${#SERVICE_SECRET}" = 25 && test "{{ len .vars.api_token }}" = 21'
`)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runner(t, context.Background(), p, "--output", out, "--no-progress",
		"--set", "api_token=FAKE-set-token-777777", "--set=words=many")
	if code != ExitOK {
		t.Fatalf("exit %d (the run must see the real values); stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"spec.yaml", "benchmark.json", "summary.json", "PERFORMANCE_BENCHMARKS.md", "runs.jsonl", "benchmark_results.csv"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, secret := range []string{"FAKE-set-token-777777", "literal-secret-value-1234"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds %s:\n%s", f, secret, b)
			}
		}
	}
	for _, text := range []string{stdout, stderr} {
		if strings.Contains(text, "FAKE-set-token-777777") {
			t.Errorf("the console shows the --set secret:\n%s", text)
		}
	}
	bm, err := output.ReadBenchmark(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bm.Command, "api_token=REDACTED") || !strings.Contains(bm.Command, "words=many") {
		t.Errorf("benchmark command %q", bm.Command)
	}
	if len(bm.Options.Set) != 1 || bm.Options.Set[0] != "words=many" || len(bm.Options.Withheld) != 1 || bm.Options.Withheld[0] != "api_token" {
		t.Errorf("resume options %+v: want words kept and api_token withheld", bm.Options)
	}

	// A resume without the secret is refused, naming it; with it, it runs.
	os.Remove(filepath.Join(out, "runs.jsonl")) // as if no run had finished
	os.WriteFile(filepath.Join(out, "runs.jsonl"), nil, 0o644)
	code, _, stderr = runner(t, context.Background(), p, "--resume", out, "--no-progress")
	if code != ExitUsage || !strings.Contains(stderr, "--set api_token=") {
		t.Errorf("resume without the secret: exit %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runner(t, context.Background(), p, "--resume", out, "--no-progress", "--set", "api_token=FAKE-set-token-777777")
	if code != ExitOK {
		t.Errorf("resume with the secret given again: exit %d, stderr:\n%s", code, stderr)
	}
	if strings.Contains(stderr, "FAKE-set-token-777777") {
		t.Errorf("the resume shows the secret:\n%s", stderr)
	}
	recs, _ := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if len(recs) != 1 || !recs[0].OK() {
		t.Errorf("resumed runs %+v (the run must see words=many restored and the secret given again)", recs)
	}
	var o struct{ Options record.Options }
	b, _ := os.ReadFile(filepath.Join(out, "benchmark.json"))
	json.Unmarshal(b, &o)
	if strings.Contains(string(b), "FAKE-set-token-777777") {
		t.Error("benchmark.json holds the secret after the resume")
	}
}
