package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/record"
)

// mainRun calls Main as the binary would.
func mainRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

const syntheticSpec = `name: synth
command: "true"
providers: [ { name: p, models: [m] } ]
phases: [ A ]
pricing: { m: { input: 1, output: 2 } }
`

// writeFolder writes a benchmark output folder of synthetic ok records:
// one per wall time, all in cell p_m, with 1000+100 tokens in phase A.
func writeFolder(t *testing.T, dir, specSrc string, walls []float64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, w := range walls {
		r := record.Run{Cell: "p_m", Provider: "p", Model: "m", Index: i + 1, Status: record.StatusOK,
			Started: start.Add(time.Duration(i) * time.Minute), WallSeconds: w, PeakRSSMB: 40, TokenSource: record.SourceEvents,
			Phases: []record.Phase{{Name: "A", Seconds: w}},
			Usage:  []record.Usage{{Phase: "A", Source: record.SourceEvents, Tokens: record.Tokens{Input: 1000, Output: 100}}}}
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	bm := record.Benchmark{Spec: "synth", Started: start, Finished: start.Add(time.Hour), Host: "h"}
	bmb, _ := json.Marshal(bm)
	for name, data := range map[string][]byte{output.SpecFile: []byte(specSrc), output.RunsFile: b.Bytes(), output.BenchmarkFile: bmb} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCompareCommand(t *testing.T) {
	t.Parallel()
	base := []float64{10, 10.2, 9.9, 10.1, 10.05, 9.95}
	shifted := []float64{12, 12.24, 11.88, 12.12, 12.06, 11.94}
	same := []float64{10.1, 9.95, 10.05, 10, 9.9, 10.2}
	dir := t.TempDir()
	old, slow, null := filepath.Join(dir, "old"), filepath.Join(dir, "slow"), filepath.Join(dir, "null")
	writeFolder(t, old, syntheticSpec, base)
	writeFolder(t, slow, syntheticSpec, shifted)
	writeFolder(t, null, syntheticSpec, same)

	tests := []struct {
		name, new, format string
		want              []string
	}{
		{"shift text", slow, "text", []string{"total.time (s)", "10.0 s", "12.0 s", "+20.00%", "p=0.002 n=6", "¹ all samples are equal"}},
		{"null text", null, "text", []string{"total.time (s)", "0%  p=1.000"}},
		{"shift markdown", slow, "markdown", []string{"| `total.time (s)` | 10.0 s ± ", "| +20.00% | p=0.002 n=6 |", "<sup>1</sup> all samples are equal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := mainRun(t, "compare", old, tt.new, "--format", tt.format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}

	for _, tt := range []struct {
		new         string
		flags       []string
		significant bool
		delta       string
	}{{slow, nil, true, "+20.00%"}, {null, nil, false, "0%"},
		// a change below --min-change is not flagged, however significant
		{slow, []string{"--min-change", "25"}, false, "+20.00% ~"}} {
		code, out, errs := mainRun(t, append([]string{"compare", "--format", "json", old, tt.new}, tt.flags...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var doc struct {
			Cells []struct {
				Cell    string
				Changes []struct {
					Metric      string
					Significant bool
					Delta       string
					Pct         *float64
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		c := doc.Cells[0].Changes[0]
		if c.Metric != "total.time" || c.Significant != tt.significant || c.Delta != tt.delta || c.Pct == nil {
			t.Errorf("%s: %+v", filepath.Base(tt.new), c)
		}
	}

	if code, _, _ := mainRun(t, "compare", old); code != ExitUsage {
		t.Errorf("one folder: exit %d", code)
	}
	if code, _, _ := mainRun(t, "compare", old, slow, "--format", "xml"); code != ExitUsage {
		t.Errorf("bad format: exit %d", code)
	}
}

// TestBaselineGate runs a real workload against a baseline folder: a rule
// on delta fails the exit code when the workload got slower.
func TestBaselineGate(t *testing.T) {
	t.Parallel()
	// The baselines are far from what the workload takes on any machine, so
	// that a loaded machine (sleep 0.01 taking 0.2 s) cannot flip the verdict.
	dir := t.TempDir()
	slowOld := filepath.Join(dir, "slow-old")
	writeFolder(t, slowOld, syntheticSpec, []float64{100, 100, 100, 100, 100, 100})
	fastOld := filepath.Join(dir, "fast-old")
	writeFolder(t, fastOld, syntheticSpec, []float64{0.001, 0.001, 0.001, 0.001, 0.001, 0.001})
	old := fastOld
	gate := func(sleep, old string) string {
		return fmt.Sprintf(`name: synth
command: sleep %s
runs: 6
providers: [ { name: p, models: [m] } ]
phases: [ A ]
baseline: %s
thresholds:
  - name: No time regression
    target: delta.total.time.pct < 50
`, sleep, old)
	}
	tests := []struct {
		name, spec string
		want       int
		level      string
	}{
		{"faster passes", gate("0.01", slowOld), ExitOK, "PASS"},
		{"slower fails", gate("0.3", fastOld), ExitThresholds, "FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			path := filepath.Join(d, "gate.yaml")
			os.WriteFile(path, []byte(tt.spec), 0o644)
			out := filepath.Join(d, "out")
			code, stdout, stderr := mainRun(t, path, "--output", out, "--quiet", "--no-progress")
			if code != tt.want {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.want, stdout, stderr)
			}
			b, err := os.ReadFile(filepath.Join(out, output.SummaryFile))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"level": "`+tt.level+`"`) || !strings.Contains(string(b), `"baseline": {`) {
				t.Errorf("summary.json lacks the %s verdict or the baseline", tt.level)
			}
		})
	}

	t.Run("missing baseline is a usage error", func(t *testing.T) {
		d := t.TempDir()
		path := filepath.Join(d, "gate.yaml")
		os.WriteFile(path, []byte(strings.Replace(gate("0", old), old, filepath.Join(d, "nowhere"), 1)), 0o644)
		if code, _, stderr := mainRun(t, path, "--output", filepath.Join(d, "out")); code != ExitUsage || !strings.Contains(stderr, "baseline") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}
