package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

const shardSpec = `name: shards
runs: 4
warmup: 1
order: %s
command: |
  echo '::runner::{"event":"phase_start","phase":"A"}'
  echo '::runner::{"event":"usage","model":"m","input_tokens":{{ len .provider.name }}00,"output_tokens":{{ .run.index }}0}'
  echo '::runner::{"event":"phase_start","phase":"B"}'
providers:
  - { name: one, models: [m] }
  - { name: three, models: [m, n] }
  - { name: gone, models: [m], requires: { env: [ RUNNER_TEST_NEVER_SET ] } }
phases: [ A, B ]
pricing: { "*": { input: 1, output: 2 } }
thresholds:
  - { name: Tokens, target: total.tokens.mean < 1000 }
`

// splitIntoShards writes the records of an unsharded run into n shard
// folders as --shard K/N would have: each pair goes to the shard plan.Runs
// gives it; every shard holds the skip records and, like a real shard,
// the warmups of each cell it runs.
func splitIntoShards(t *testing.T, orig string, n int, dst string) []string {
	t.Helper()
	s, err := spec.Load(filepath.Join(orig, output.SpecFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := plan.Expand(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan.CheckRequirements(context.Background(), cells)
	recs, err := record.ReadFile(filepath.Join(orig, output.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	bm, err := output.ReadBenchmark(orig)
	if err != nil {
		t.Fatal(err)
	}
	specSrc, _ := os.ReadFile(filepath.Join(orig, output.SpecFile))
	var dirs []string
	for k := 1; k <= n; k++ {
		sh := plan.Shard{K: k, N: n}
		mine, cellsOf := map[string]bool{}, map[string]bool{}
		for _, p := range plan.Runs(cells, s.Runs, s.Order, sh) {
			mine[p.Key()] = true
			cellsOf[p.Cell.ID] = true
		}
		var b bytes.Buffer
		for _, r := range recs {
			keep := r.Status == record.StatusSkipped || mine[r.Key()] || r.Warmup && cellsOf[r.Cell]
			if !keep {
				continue
			}
			r.Shard = sh.String()
			line, _ := json.Marshal(r)
			b.Write(append(line, '\n'))
		}
		dir := filepath.Join(dst, "shard"+sh.String()[:1])
		os.MkdirAll(dir, 0o755)
		sbm := bm
		sbm.Shard = sh.String()
		sb, _ := json.Marshal(sbm)
		os.WriteFile(filepath.Join(dir, output.SpecFile), specSrc, 0o644)
		os.WriteFile(filepath.Join(dir, output.BenchmarkFile), sb, 0o644)
		os.WriteFile(filepath.Join(dir, output.RunsFile), b.Bytes(), 0o644)
		for _, sub := range []string{"logs", "runs"} {
			if err := output.CopyTree(filepath.Join(orig, sub), filepath.Join(dir, sub)); err != nil {
				t.Fatal(err)
			}
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

var commandLine = regexp.MustCompile(`(?m)^\s*"command": ".*",?\n`)

func must(b []byte, _ error) []byte { return b }

func TestShardsMergeEqualUnshardedRun(t *testing.T) {
	t.Parallel()
	for _, order := range []string{"sequential", "interleaved"} {
		t.Run(order, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "spec.yaml")
			os.WriteFile(path, []byte(strings.Replace(shardSpec, "%s", order, 1)), 0o644)
			orig := filepath.Join(dir, "orig")
			if code, out, errs := mainRun(t, path, "--output", orig, "--quiet", "--no-progress"); code != 0 {
				t.Fatalf("unsharded run: exit %d\n%s%s", code, out, errs)
			}
			shards := splitIntoShards(t, orig, 3, dir)
			// Shard folders may come in any order.
			merged := filepath.Join(dir, "merged")
			args := append([]string{"merge", merged}, shards[2], shards[0], shards[1])
			if code, out, errs := mainRun(t, args...); code != 0 {
				t.Fatalf("merge: exit %d\n%s%s", code, out, errs)
			}
			// Re-render the unsharded folder now, so both outputs come from the same code.
			if code, _, errs := mainRun(t, "report", orig); code != 0 {
				t.Fatalf("report: %s", errs)
			}
			for _, f := range []string{output.SummaryFile, output.CSVFile} {
				// The command differs on purpose: the merged files name the merge.
				want := commandLine.ReplaceAll(must(os.ReadFile(filepath.Join(orig, f))), nil)
				got := commandLine.ReplaceAll(must(os.ReadFile(filepath.Join(merged, f))), nil)
				if len(want) == 0 || !bytes.Equal(got, want) {
					t.Errorf("%s differs from the unsharded run's:\n--- merged\n%s\n--- unsharded\n%s", f, got, want)
				}
			}
			bm, err := output.ReadBenchmark(merged)
			if err != nil || bm.Shard != "" || bm.StopReason != "" {
				t.Errorf("merged benchmark.json: %+v %v", bm, err)
			}
			if _, err := os.Stat(filepath.Join(merged, "logs", "one_m_run1.log")); err != nil {
				t.Errorf("logs not copied: %v", err)
			}
		})
	}
}

func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	writeFolder(t, a, syntheticSpec, []float64{1, 2})
	writeFolder(t, b, strings.Replace(syntheticSpec, "synth", "other", 1), []float64{1, 2})
	writeFolder(t, c, syntheticSpec, []float64{1, 2})
	// Shards of one spec run with different plan-shaping flags: spec.yaml
	// is the same, the plans are not.
	shard := func(name, k string, opts record.Options) string {
		d := filepath.Join(dir, name)
		writeFolder(t, d, syntheticSpec, []float64{1, 2})
		bm, _ := output.ReadBenchmark(d)
		bm.Shard, bm.Options = k+"/2", opts
		output.WriteBenchmark(d, bm)
		return d
	}
	s1 := shard("s1", "1", record.Options{Runs: 2, Shard: "1/2"})
	s2runs := shard("s2runs", "2", record.Options{Runs: 3, Shard: "2/2"})
	s2spec := shard("s2spec", "2", record.Options{Shard: "2/2"})
	s2only := shard("s2only", "2", record.Options{Runs: 2, Only: []string{"provider=p"}, Shard: "2/2"})
	s2icpt := shard("s2icpt", "2", record.Options{Runs: 2, Intercept: true, Shard: "2/2"})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"different specs", []string{"merge", filepath.Join(dir, "o1"), a, b}, "different specs"},
		{"overlapping runs", []string{"merge", filepath.Join(dir, "o2"), a, c}, "overlapping shards"},
		{"no shard folders", []string{"merge", filepath.Join(dir, "o3")}, "at least one shard folder"},
		{"into an existing benchmark", []string{"merge", a, c}, "already holds a benchmark"},
		{"different --runs", []string{"merge", filepath.Join(dir, "o4"), s1, s2runs}, "were run with different --runs (2 and 3)"},
		{"--runs and the spec's", []string{"merge", filepath.Join(dir, "o5"), s1, s2spec}, "different --runs (2 and the spec's)"},
		{"different --only", []string{"merge", filepath.Join(dir, "o6"), s1, s2only}, `different --only ("" and "provider=p")`},
		{"one intercepted", []string{"merge", filepath.Join(dir, "o7"), s1, s2icpt}, "different --intercept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := mainRun(t, tt.args...)
			if code != ExitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
		})
	}
}

func TestMergeNotesMissingShard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	writeFolder(t, a, syntheticSpec, []float64{1, 2})
	bm, _ := output.ReadBenchmark(a)
	bm.Shard = "1/2"
	output.WriteBenchmark(a, bm)
	out := filepath.Join(dir, "out")
	// An incomplete set is refused unless --partial says it is meant.
	code, _, errs := mainRun(t, "merge", out, a)
	if code != ExitUsage || !strings.Contains(errs, "shard 2/2 missing") || !strings.Contains(errs, "--partial") {
		t.Fatalf("without --partial: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(out, output.RunsFile)); err == nil {
		t.Fatal("a refused merge wrote its output")
	}
	code, _, errs = mainRun(t, "merge", out, a, "--partial")
	if code != 0 || !strings.Contains(errs, "shard 2/2 missing") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	got, _ := output.ReadBenchmark(out)
	if !strings.Contains(got.StopReason, "shard 2/2 missing") {
		t.Errorf("stop reason %q", got.StopReason)
	}
	// The merged benchmark.json and report name the merge, not shard 1's command.
	if want := "runner merge " + out + " " + a + " --partial"; got.Command != want {
		t.Errorf("benchmark.json command %q, want %q", got.Command, want)
	}
	report, _ := os.ReadFile(filepath.Join(out, "PERFORMANCE_BENCHMARKS.md"))
	if !strings.Contains(string(report), "runner merge ") {
		t.Errorf("the report does not name the merge command")
	}
}
