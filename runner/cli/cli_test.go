package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

// runner calls Main as the binary would and returns its exit code and output.
func runner(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeSpec(t *testing.T, dir, src string) string {
	t.Helper()
	p := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// workload is a real multi-phase program: phases and usage as events on
// stdout and stderr, a regex-matched usage line, the RUNNER_EVENTS file, a
// metric, a malformed event, and an artifact.
const workload = `name: e2e
runs: 3
warmup: 1
command: |
  echo '::runner::{"event":"phase_start","phase":"Prepare"}'
  sleep 0.05
  echo '::runner::{"event":"usage","model":"m","input_tokens":1000,"output_tokens":100}'
  echo '::runner::{"event":"phase_start","phase":"Analyse"}'
  echo '::runner::{"event":"metric","name":"on_stderr","value":1}' >&2
  echo '::runner::{not json'
  sleep 0.1
  echo "llm call: tokens in=400 out=40"
  echo '{"event":"metric","name":"quality","value":8}' >> "$RUNNER_EVENTS"
  echo '::runner::{"event":"phase_end","phase":"Analyse"}'
  mkdir -p {{ .run.dir }}/reports && head -c 2048 /dev/zero > {{ .run.dir }}/reports/r.html
phases: [ Prepare, Analyse ]
extract:
  usage: 'tokens in=(?P<input_tokens>\d+) out=(?P<output_tokens>\d+)'
artifacts:
  reports: "{{ .run.dir }}/reports/*.html"
pricing:
  "*": { input: 3.00, output: 15.00 }
thresholds:
  - name: Time
    target: total.time.mean < 60
  - name: Tokens
    target: total.tokens.mean < 2000
  - name: Reports
    target: artifact("reports").files.mean == 1
recommendations:
  - when: phase("Analyse").tokens.mean > 100
    text: Analyse uses tokens.
projections: [ { label: 1/day, per_month: 30 } ]
`

func TestRunWorkloadEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runner(t, context.Background(), writeSpec(t, dir, workload), "--output", out)
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"spec.yaml", "runs.jsonl", "benchmark.json", "benchmark_results.csv", "summary.json",
		"PERFORMANCE_BENCHMARKS.md", "logs/default_run1.log", "logs/default_warmup1.log", "runs/default/run3/reports/r.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || !recs[0].Warmup {
		t.Fatalf("want 1 warmup + 3 runs, got %d records", len(recs))
	}
	r := recs[3]
	// Events are read from stderr too (ordered events stay on one stream,
	// as docs/events.md asks: two pipes' lines can swap under load).
	if r.Status != "ok" || r.BadEvents != 1 || r.Metrics["quality"] != 8 || r.Metrics["on_stderr"] != 1 || r.Artifacts["reports"].Files != 1 {
		t.Errorf("record: status %s bad events %d metrics %v artifacts %v", r.Status, r.BadEvents, r.Metrics, r.Artifacts)
	}
	log, _ := os.ReadFile(filepath.Join(out, r.Log))
	if !strings.Contains(string(log), "::runner::{not json") {
		t.Error("the malformed event line must stay in the log")
	}

	var sum struct {
		Cells []struct {
			Runs   int `json:"runs"`
			Phases []struct {
				Name        string                 `json:"name"`
				InputTokens struct{ Mean float64 } `json:"input_tokens"`
				Time        struct{ Mean float64 } `json:"time_s"`
			} `json:"phases"`
			Cost   struct{ Mean float64 } `json:"cost_usd"`
			Rating string                 `json:"rating"`
			Advice []string               `json:"advice"`
		} `json:"cells"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	c := sum.Cells[0]
	if c.Runs != 3 || c.Rating != "PASS" || len(c.Advice) != 1 {
		t.Errorf("cell: runs %d rating %s advice %v", c.Runs, c.Rating, c.Advice)
	}
	if c.Phases[0].Name != "Prepare" || c.Phases[0].InputTokens.Mean != 1000 || c.Phases[1].InputTokens.Mean != 400 {
		t.Errorf("phase tokens: %+v", c.Phases)
	}
	// Its time runs from when the runner read one line to when it read the
	// other: on a loaded machine that can be far from the 0.1 s it sleeps
	// (runner/execute's tests hold the timing), so only that it has one.
	if c.Phases[1].Time.Mean <= 0 {
		t.Errorf("Analyse took %.3fs, it sleeps 0.1s", c.Phases[1].Time.Mean)
	}
	if want := (1400*3.0 + 140*15.0) / 1e6; c.Cost.Mean < want-1e-12 || c.Cost.Mean > want+1e-12 {
		t.Errorf("cost %v, want %v", c.Cost.Mean, want)
	}
	csv, _ := os.ReadFile(filepath.Join(out, "benchmark_results.csv"))
	if n := strings.Count(string(csv), "\n"); n != 5 {
		t.Errorf("CSV has %d lines, want header + 4 runs", n)
	}

	// runner report DIR reproduces the same files from runs.jsonl alone.
	before := map[string][]byte{}
	for _, f := range []string{"summary.json", "benchmark_results.csv", "PERFORMANCE_BENCHMARKS.md"} {
		before[f], _ = os.ReadFile(filepath.Join(out, f))
		os.Remove(filepath.Join(out, f))
	}
	if code, _, stderr := runner(t, context.Background(), "report", out); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	for f, want := range before {
		got, _ := os.ReadFile(filepath.Join(out, f))
		if !bytes.Equal(got, want) {
			t.Errorf("runner report changed %s", f)
		}
	}
}

func TestValidateReportsFourErrorsAndExits2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeSpec(t, dir, `name: bad
command: echo
cooldwn: 5s
timeout: 5 minutes
phases: [ A ]
thresholds:
  - name: Typo
    target: total.time.maen < 1
  - name: Phase
    target: phase("No Such Phase").time.mean < 1
`)
	code, _, stderr := runner(t, context.Background(), "validate", p)
	if code != ExitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	for _, line := range []string{":3:1: cooldwn", ":4:10: timeout", ":8:13: thresholds[0].target", ":10:13: thresholds[1].target"} {
		if !strings.Contains(stderr, line) {
			t.Errorf("stderr lacks %q:\n%s", line, stderr)
		}
	}
	// A template naming a var that does not exist is caught before running,
	// by validate and by run alike.
	p = writeSpec(t, dir, "name: v\ncommand: echo {{ .vars.nope }}\n")
	if code, _, stderr := runner(t, context.Background(), "validate", p); code != ExitUsage || !strings.Contains(stderr, `"nope"`) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	out := filepath.Join(dir, "out")
	if code, _, stderr := runner(t, context.Background(), p, "--output", out); code != ExitUsage || !strings.Contains(stderr, "spec.yaml:2:18: command:") {
		t.Errorf("run: exit %d, stderr %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "runs.jsonl")); err == nil {
		t.Error("run started a benchmark whose command cannot render")
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		spec  string
		flags []string
		want  int
	}{
		{"pass", "name: c\nruns: 1\ncommand: 'true'\nthresholds: [ { name: t, target: total.time.mean < 60 } ]\n", nil, ExitOK},
		{"fail", "name: c\nruns: 1\ncommand: 'true'\nthresholds: [ { name: t, target: total.time.mean < 0 } ]\n", nil, ExitThresholds},
		{"acceptable passes by default", "name: c\nruns: 1\ncommand: 'true'\nthresholds: [ { name: t, target: total.time.mean < 0, acceptable: total.time.mean < 60 } ]\n", nil, ExitOK},
		{"acceptable fails on request", "name: c\nruns: 1\ncommand: 'true'\nthresholds: [ { name: t, target: total.time.mean < 0, acceptable: total.time.mean < 60 } ]\n", []string{"--fail-on", "acceptable"}, ExitThresholds},
		{"runs failed", "name: c\nruns: 2\ncommand: 'exit 3'\nthresholds: [ { name: t, target: total.time.mean < 60 } ]\n", nil, ExitRunsFailed},
		{"nothing ran", "name: c\ncommand: 'true'\nproviders: [ { name: a, requires: { env: [ RUNNER_TEST_NEVER_SET ] } } ]\n", nil, ExitNothingRan},
		{"bad flag", "name: c\ncommand: 'true'\n", []string{"--runs", "x"}, ExitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{writeSpec(t, dir, c.spec), "--output", filepath.Join(dir, "out")}, c.flags...)
			if code, stdout, stderr := runner(t, context.Background(), args...); code != c.want {
				t.Errorf("exit %d, want %d\n%s\n%s", code, c.want, stdout, stderr)
			}
		})
	}
}

func TestTimeoutKillsGrandchild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	spec := "name: t\nruns: 1\ntimeout: 300ms\ncommand: 'sh -c \"sleep 300 & echo \\$! > " + pidFile + "; wait\"'\n"
	start := time.Now()
	code, _, stderr := runner(t, context.Background(), writeSpec(t, dir, spec), "--output", filepath.Join(dir, "out"))
	if code != ExitRunsFailed {
		t.Errorf("exit %d, want 3: %s", code, stderr)
	}
	if time.Since(start) > 60*time.Second { // not the 300 s of the sleep
		t.Errorf("the runner waited for the grandchild")
	}
	recs, _ := record.ReadFile(filepath.Join(dir, "out", "runs.jsonl"))
	if len(recs) != 1 || recs[0].Status != record.StatusTimeout {
		t.Fatalf("records: %+v", recs)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestInterruptThenResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	marker := filepath.Join(dir, "cleaned")
	p := writeSpec(t, dir, "name: i\nruns: 4\ncommand: 'sleep 0.3'\ncleanup: 'touch "+marker+"'\n")

	ctx, cancel := context.WithCancel(context.Background())
	go func() { // Ctrl-C once two runs are recorded
		for {
			recs, _ := record.ReadFile(filepath.Join(out, "runs.jsonl"))
			if len(recs) >= 2 {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	code, _, stderr := runner(t, ctx, p, "--output", out)
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130: %s", code, stderr)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("cleanup did not run after the interrupt")
	}
	if _, err := os.Stat(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md")); err != nil {
		t.Error("no report written from the finished runs")
	}
	recs, _ := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	ok := 0
	finished := map[string]bool{}
	for _, r := range recs {
		if r.OK() {
			ok++
			finished[r.Key()] = true
		}
	}
	if ok < 2 || ok == 4 {
		t.Fatalf("%d ok runs after the interrupt", ok)
	}

	code, _, stderr = runner(t, context.Background(), p, "--resume", out)
	if code != ExitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	recs, _ = record.ReadFile(filepath.Join(out, "runs.jsonl"))
	latest := record.Latest(recs)
	if len(latest) != 4 {
		t.Fatalf("after resume %d runs, want 4", len(latest))
	}
	for _, r := range latest {
		if !r.OK() {
			t.Errorf("run %d: %s", r.Index, r.Status)
		}
	}
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.Key()]++
	}
	for k := range finished {
		if seen[k] != 1 {
			t.Errorf("resume re-ran finished run %s", k)
		}
	}
}

// An error no code was attached to (here the temporary folder the runner
// cannot make) is an internal error, not "bad spec".
func TestInternalErrorExitCode(t *testing.T) {
	dir := t.TempDir()
	p := writeSpec(t, dir, "name: internal\ncommand: 'true'\nruns: 1\n")
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", notDir) // os.MkdirTemp fails under a file
	code, _, stderr := runner(t, context.Background(), p, "--output", filepath.Join(dir, "out"))
	if code != ExitInternal {
		t.Errorf("exit %d, want %d (internal error):\n%s", code, ExitInternal, stderr)
	}
}
