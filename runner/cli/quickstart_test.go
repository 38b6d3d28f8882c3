package cli

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// TestQuickstartExamples runs docs/quickstart.md's example as a reader
// would (a dry run of examples/quickstart/spec.yaml): both the Python and
// the Node workflow run, report both phases with time, and have their calls
// metered by the proxy.
func TestQuickstartExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quickstart workflows")
	}
	for _, cmd := range []string{"python3", "node"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s is not installed", cmd)
		}
	}
	t.Parallel() // mostly waits for the simulator
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runnerAt(t, repoRoot, nil, "examples/quickstart/spec.yaml", "--dry-run", "--runs", "1", "--output", out, "--no-progress")
	if code != ExitOK && code != ExitThresholds { // thresholds on time depend on the machine
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for _, r := range recs {
		if r.Status != record.StatusOK {
			t.Errorf("%s: %s %s", r.Cell, r.Status, r.Error)
			continue
		}
		langs[r.Matrix["lang"]] = true
		phases := map[string]float64{}
		for _, p := range r.Phases {
			phases[p.Name] = p.Seconds
		}
		for _, want := range []string{"Summarise", "Title"} {
			if phases[want] <= 0 {
				t.Errorf("%s: phase %q has no time (phases %v)", r.Cell, want, phases)
			}
		}
		if len(r.Calls) != 2 || r.TokenSource != record.SourceProxy {
			t.Errorf("%s: %d metered calls from %q, want 2 from the proxy", r.Cell, len(r.Calls), r.TokenSource)
		}
		for i, c := range r.Calls {
			if c.Input <= 0 || c.Output <= 0 {
				t.Errorf("%s: a call without tokens: %+v", r.Cell, c)
			}
			if want := []string{"Summarise", "Title"}; i < len(want) && c.Phase != want[i] {
				t.Errorf("%s: call %d in phase %q, want %q", r.Cell, i+1, c.Phase, want[i])
			}
		}
		if r.Metrics["summary_words"] <= 0 {
			t.Errorf("%s: metric summary_words missing: %v", r.Cell, r.Metrics)
		}
	}
	if !langs["python"] || !langs["node"] {
		t.Errorf("ran %v, want python and node", langs)
	}
}
