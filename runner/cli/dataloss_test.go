package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
)

const tinySpec = `name: tiny
runs: 3
command: echo "run {{ .run.index }}"
`

// A runner stopped while writing a record (a full disk, SIGKILL) leaves a
// torn last line. Resuming must not append after it: that made the file
// unreadable for good (report and --resume both exit 2).
func TestResumeRepairsATornRunsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	specPath := writeSpec(t, dir, tinySpec)
	if code, _, stderr := runner(t, context.Background(), specPath, "--output", out, "--runs", "2"); code != ExitOK {
		t.Fatalf("first attempt: exit %d\n%s", code, stderr)
	}
	runs := filepath.Join(out, "runs.jsonl")
	f, err := os.OpenFile(runs, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const torn = `{"cell":"default","run":3,"status":"o`
	f.WriteString(torn)
	f.Close()

	code, _, stderr := runner(t, context.Background(), specPath, "--resume", out, "--runs", "3")
	if code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "torn record") || !strings.Contains(stderr, "runs.jsonl.torn-") {
		t.Errorf("resume must say it moved the torn record aside; stderr:\n%s", stderr)
	}
	recs, err := record.ReadFile(runs)
	if err != nil {
		t.Fatalf("runs.jsonl after the resume: %v", err)
	}
	if len(recs) != 3 {
		t.Errorf("want 3 records after the resume, got %d", len(recs))
	}
	sides, _ := filepath.Glob(runs + ".torn-*")
	if len(sides) != 1 {
		t.Fatalf("want one side file with the fragment, got %v", sides)
	}
	if b, _ := os.ReadFile(sides[0]); string(b) != torn {
		t.Errorf("side file holds %q, want %q", b, torn)
	}
	if code, _, stderr := runner(t, context.Background(), "report", out); code != ExitOK {
		t.Errorf("report after the resume: exit %d\n%s", code, stderr)
	}
}

// When a run's record cannot be written and, later, an output file cannot be
// written either, the first error is the one a user sees first, and the exit
// code says outputs could not be written (5), not that runs failed.
func TestFirstErrorIsShownFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// A run whose record is over the record size limit: 20 metrics with
	// names of 1 MiB.
	spec := `name: huge
runs: 1
command: |
  for i in $(seq 1 20); do
    printf '::runner::{"event":"metric","name":"%s%d","value":1}\n' "$(head -c 1048576 /dev/zero | tr '\0' x)" $i
  done
`
	// benchmark_results.csv cannot be written: a folder has its name.
	if err := os.MkdirAll(filepath.Join(out, "benchmark_results.csv", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runner(t, context.Background(), writeSpec(t, dir, spec), "--output", out, "--quiet")
	if code != ExitOutputs {
		t.Errorf("exit %d, want %d (outputs could not be written)", code, ExitOutputs)
	}
	i := strings.Index(stderr, "runner: ")
	if i < 0 {
		t.Fatalf("no error printed:\n%s", stderr)
	}
	msg := stderr[i:]
	rec, csv := strings.Index(msg, "writing run record"), strings.Index(msg, "benchmark_results.csv")
	if rec < 0 || csv < 0 || rec > csv {
		t.Errorf("want the record error first, then the CSV error; got:\n%s", msg)
	}
	if !strings.Contains(msg, "MiB a record may have") {
		t.Errorf("the record error must say why it was refused:\n%s", msg)
	}
	if _, err := record.ReadFile(filepath.Join(out, "runs.jsonl")); err != nil {
		t.Errorf("runs.jsonl must stay readable: %v", err)
	}
}

// Models "a/b", "a b", "a:b" and "a-b" all read "a-b" in a file name; their
// logs overwrote each other and results were dropped.
func TestCellsWithLookalikeNamesStaySeparate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	spec := `name: lookalike
runs: 1
command: echo "model={{ .model }}"
providers:
  - name: a
    models: [ "a/b", "a b", "a:b", "a-b" ]
`
	code, stdout, stderr := runner(t, context.Background(), writeSpec(t, dir, spec), "--output", out, "--quiet")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]string{}
	for _, r := range recs {
		if prev, dup := cells[r.Cell]; dup {
			t.Errorf("models %q and %q share cell %q", prev, r.Model, r.Cell)
		}
		cells[r.Cell] = r.Model
		log, err := os.ReadFile(filepath.Join(out, r.Log))
		if err != nil || string(log) != "model="+r.Model+"\n" {
			t.Errorf("log of %q holds %q (%v)", r.Model, log, err)
		}
	}
	if len(cells) != 4 {
		t.Errorf("want 4 cells, got %v", cells)
	}
	var sum struct {
		Cells []struct {
			ID   string `json:"cell"`
			Runs int    `json:"runs"`
		} `json:"cells"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Cells) != 4 {
		t.Errorf("summary.json has %d cells, want 4: %s", len(sum.Cells), b)
	}
	for _, c := range sum.Cells {
		if c.Runs != 1 {
			t.Errorf("cell %s: %d runs, want 1", c.ID, c.Runs)
		}
	}
}

// Two runners on one output folder mixed their runs and logs and both exited
// 0. The second must be refused, with the folder and the holder's PID.
func TestOutputFolderIsLockedWhileRunning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	gate := filepath.Join(dir, "gate")
	spec := `name: locked
runs: 1
timeout: 20s # bounds the test where the lock is missing
command: while [ ! -e ` + gate + ` ]; do sleep 0.01; done
`
	specPath := writeSpec(t, dir, spec)
	first := make(chan int)
	go func() {
		code, _, stderr := runner(t, context.Background(), specPath, "--output", out, "--quiet")
		if code != ExitOK {
			t.Errorf("first runner: exit %d\n%s", code, stderr)
		}
		first <- code
	}()
	// The first runner holds the folder once its spec.yaml is there.
	for {
		if _, err := os.Stat(filepath.Join(out, "benchmark.json")); err == nil {
			break
		}
		select {
		case <-first:
			t.Fatal("the first runner ended before its run")
		case <-time.After(10 * time.Millisecond):
		}
	}
	pid := strconv.Itoa(os.Getpid())
	for _, args := range [][]string{{"--output", out}, {"--resume", out}} {
		code, _, stderr := runner(t, context.Background(), append([]string{specPath, "--quiet"}, args...)...)
		if code != ExitUsage {
			t.Errorf("%v while another runner holds the folder: exit %d, want %d\n%s", args, code, ExitUsage, stderr)
		}
		if !strings.Contains(stderr, out) || !strings.Contains(stderr, "pid "+pid) || !strings.Contains(stderr, "in use") {
			t.Errorf("%v: the error must name the folder and pid %s:\n%s", args, pid, stderr)
		}
	}
	os.WriteFile(gate, nil, 0o644)
	<-first
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil || len(recs) != 1 {
		t.Errorf("the first runner's folder: %d records (%v), want 1", len(recs), err)
	}
	// Once the first runner is done, the folder can be resumed.
	if code, _, stderr := runner(t, context.Background(), specPath, "--resume", out, "--quiet"); code != ExitOK {
		t.Errorf("resume after the first runner finished: exit %d\n%s", code, stderr)
	}
}

// --resume with a spec whose measured part changed mixed runs of two
// benchmarks silently; it must refuse, naming the fields, unless told to.
func TestResumeRefusesAChangedSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	specPath := writeSpec(t, dir, tinySpec)
	if code, _, stderr := runner(t, context.Background(), specPath, "--output", out, "--runs", "1", "--quiet"); code != ExitOK {
		t.Fatalf("first attempt: exit %d\n%s", code, stderr)
	}
	changed := filepath.Join(dir, "changed.yaml")
	os.WriteFile(changed, []byte(strings.Replace(tinySpec, `echo "run`, `echo "other run`, 1)+"timeout: 1m\n"), 0o644)
	code, _, stderr := runner(t, context.Background(), changed, "--resume", out, "--runs", "2", "--quiet")
	if code != ExitUsage || !strings.Contains(stderr, "command, timeout") {
		t.Errorf("resume with another command: exit %d, want %d naming command and timeout:\n%s", code, ExitUsage, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "spec.yaml")); string(b) != tinySpec {
		t.Errorf("a refused resume must leave spec.yaml alone, got:\n%s", b)
	}
	if recs, _ := record.ReadFile(filepath.Join(out, "runs.jsonl")); len(recs) != 1 {
		t.Errorf("a refused resume ran something: %d records", len(recs))
	}

	// A change to what is made of the runs (a threshold) is fine.
	rated := filepath.Join(dir, "rated.yaml")
	os.WriteFile(rated, []byte(tinySpec+"thresholds:\n  - name: T\n    target: total.time.mean < 60\n"), 0o644)
	if code, _, stderr := runner(t, context.Background(), rated, "--resume", out, "--runs", "2", "--quiet"); code != ExitOK {
		t.Errorf("resume with a new threshold: exit %d\n%s", code, stderr)
	}

	code, _, stderr = runner(t, context.Background(), changed, "--resume", out, "--runs", "3", "--resume-anyway", "--quiet")
	if code != ExitOK || !strings.Contains(stderr, "--resume-anyway") {
		t.Errorf("--resume-anyway: exit %d, want 0 with a warning:\n%s", code, stderr)
	}
}

// A resumed run starts in a clean folder: files the interrupted attempt left
// in it inflated the run's artifact sizes.
func TestResumedRunStartsInACleanFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	spec := `name: clean
runs: 2
command: echo hi > {{ .run.dir }}/out.txt
artifacts:
  all: "{{ .run.dir }}"
`
	specPath := writeSpec(t, dir, spec)
	if code, _, stderr := runner(t, context.Background(), specPath, "--output", out, "--runs", "1", "--quiet"); code != ExitOK {
		t.Fatalf("first attempt: exit %d\n%s", code, stderr)
	}
	// What an interrupted run 2 left behind.
	left := filepath.Join(out, "runs", "default", "run2")
	os.MkdirAll(left, 0o755)
	os.WriteFile(filepath.Join(left, "partial.bin"), make([]byte, 1<<20), 0o644)
	if code, _, stderr := runner(t, context.Background(), specPath, "--resume", out, "--runs", "2", "--quiet"); code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records (%v), want 2", len(recs), err)
	}
	a := recs[1].Artifacts["all"]
	if a.Files != 1 || a.MB > 0.01 {
		t.Errorf("run 2's folder: %d files, %.3f MB; want only its own out.txt", a.Files, a.MB)
	}
	if _, err := os.Stat(filepath.Join(left, "partial.bin")); err == nil {
		t.Error("the interrupted attempt's file is still in run 2's folder")
	}
}

// A log cut short by a full disk left the run "ok" with no word of it. The
// run's record says so (log_error), and so do the warnings of the results.
func TestFullDiskWhileLoggingIsMarked(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	os.MkdirAll(filepath.Join(out, "logs"), 0o755)
	// Run 1's log lands on a device that is always full.
	if err := os.Symlink("/dev/full", filepath.Join(out, "logs", "default_run1.log")); err != nil {
		t.Fatal(err)
	}
	spec := "name: full\nruns: 2\ncommand: echo hello\n"
	code, stdout, stderr := runner(t, context.Background(), writeSpec(t, dir, spec), "--output", out, "--quiet")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records (%v)", len(recs), err)
	}
	if !strings.Contains(recs[0].LogError, "no space left") {
		t.Errorf("run 1's record: log_error %q, want the full disk named", recs[0].LogError)
	}
	if recs[1].LogError != "" {
		t.Errorf("run 2's log was written, yet log_error is %q", recs[1].LogError)
	}
	if !strings.Contains(stdout, "1 run logs could not be written whole") {
		t.Errorf("the summary must warn about the log:\n%s", stdout)
	}
}

// A NaN metric lost the run's record and halted the benchmark; two metrics of
// 1e308 overflowed the mean so summary.json could not be written; token
// counts near int64's maximum wrapped negative and cost trillions.
func TestNonFiniteNumbersNeverReachTheOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	spec := `name: nan
runs: 2
command: |
  echo "score: NaN"
  echo "ratio: 1e999"
  echo '::runner::{"event":"metric","name":"huge","value":1e308}'
  echo '::runner::{"event":"usage","model":"m","input_tokens":9223372036854775000,"output_tokens":1}'
  echo '::runner::{"event":"usage","model":"m","input_tokens":-5,"output_tokens":1}'
  echo '::runner::{"event":"usage","model":"m","input_tokens":100,"output_tokens":10}'
extract:
  metrics:
    score: 'score: (?P<value>\S+)'
    ratio: 'ratio: (?P<value>\S+)'
pricing:
  m: { input: 3.00, output: 15.00 }
`
	code, stdout, stderr := runner(t, context.Background(), writeSpec(t, dir, spec), "--output", out, "--no-progress")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, `"NaN" is not a number`) || !strings.Contains(stderr, "token count over") {
		t.Errorf("the rejected values must be warned about:\n%s", stderr)
	}
	recs, err := record.ReadFile(filepath.Join(out, "runs.jsonl"))
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d records (%v), want both runs", len(recs), err)
	}
	for _, r := range recs {
		if r.BadEvents != 2 {
			t.Errorf("run %d: %d bad events, want 2 (the absurd and the negative count)", r.Index, r.BadEvents)
		}
		if _, ok := r.Metrics["score"]; ok {
			t.Errorf("run %d kept a NaN metric", r.Index)
		}
	}
	var sum struct {
		Cells []struct {
			Metrics []struct{ Mean float64 } `json:"metrics"`
			Cost    struct{ Mean float64 }   `json:"cost_usd"`
		} `json:"cells"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	c := sum.Cells[0]
	if len(c.Metrics) != 1 || c.Metrics[0].Mean != 1e308 {
		t.Errorf("want the one finite metric, mean 1e308 over two runs: %+v", c.Metrics)
	}
	if want := (100*3.0 + 10*15.0) / 1e6; c.Cost.Mean < want-1e-12 || c.Cost.Mean > want+1e-12 {
		t.Errorf("cost %v, want %v from the one sane usage report", c.Cost.Mean, want)
	}
}
