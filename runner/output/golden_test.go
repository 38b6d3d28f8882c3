package output

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenSpec is the xlsx fixture's spec with what the report's every
// section reads: a reference, artifacts (one with a unit), typed quality,
// thresholds, recommendations and the prices' date and source.
const goldenSpec = fixtureSpec + `cooldown: 5s
warmup: 1
artifacts:
  reports: { path: "{{ .run.dir }}/*.html", unit: KB }
  sessions: "{{ .run.dir }}/sessions"
quality: { anthropic: 9, openai: 8, ollama: 6 }
thresholds:
  - name: Total Time
    target: total.time.mean < 300
    acceptable: total.time.mean < 420
  - name: Report Generation
    target: phase("Report Generation").time.mean < 5
    acceptable: phase("Report Generation").time.mean < 8
  - name: Token Usage
    target: total.tokens.mean < 30000
  - name: Cost per Workflow (Claude)
    when: provider == "anthropic"
    target: cost.mean < 0.30
    acceptable: cost.mean < 0.50
recommendations:
  - when: total.input_tokens.mean > 3 * total.output_tokens.mean
    text: "Tool-result filtering: input outweighs output more than 3 to 1."
  - when: cost.mean > 0.01
    text: "Model choice: over $0.01 per workflow."
report:
  reference: anthropic
  prices_date: "2025-03"
  prices_source: the providers' list prices
`

// goldenSummary is the summary of the fixture's records with fixed system
// information and artifact sizes: every figure is deterministic.
func goldenSummary(t *testing.T) *results.Summary {
	t.Helper()
	s := parseSpec(t, goldenSpec)
	recs := fixtureRecords(6) // six runs: medians get their confidence interval
	for i := range recs {
		if recs[i].OK() {
			recs[i].Artifacts = map[string]record.Artifact{
				"reports":  {MB: 0.02 + 0.001*float64(i%4), Files: 3},
				"sessions": {MB: 0.5 + 0.01*float64(i%5), Files: 12},
			}
		}
		// A judge scored the reference cell's runs (its own calls apart),
		// but for one run, whose judge failed: the run stays, unscored.
		if r := &recs[i]; r.OK() && !r.Warmup && r.Provider == "anthropic" {
			score := float64(7 + r.Index%3)
			r.Judge = &record.Judge{Status: record.JudgeOK, Score: &score, Reason: "clear plan; thin zone analysis", WallSeconds: 2.5,
				Calls: []record.Call{{API: "anthropic", Model: r.Model, Status: 200, Tokens: record.Tokens{Input: 4000, Output: 60}}}}
			if r.Index == 4 {
				r.Judge = &record.Judge{Status: record.StatusFailed, ExitCode: 1, Error: "exit code 1: ANTHROPIC_API_KEY is not set"}
			}
		}
	}
	bench := record.Benchmark{
		Spec: s.Name, SpecFile: "fixture.yaml",
		Started:  time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
		Finished: time.Date(2025, 3, 1, 9, 42, 30, 0, time.UTC),
		Host:     "bench-host", OS: "Debian GNU/Linux 12 (bookworm) (linux)", Arch: "amd64",
		CPU: "AMD EPYC 7B13", Cores: 2, MemoryMB: 8192, RunnerVersion: "v1.2.3", GoVersion: "go1.26.0",
		GitCommit: "0123456789ab", Command: "runner run fixture.yaml",
	}
	return results.Compute(s, bench, recs)
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./runner/output -run TestGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the code writes now; if the change is meant, run go test ./runner/output -run TestGolden -update and review the diff.\nfirst difference at line %d:\n got: %s\nwant: %s",
			path, firstDiff(got, want), lineAt(got, firstDiff(got, want)), lineAt(want, firstDiff(got, want)))
	}
}

func firstDiff(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

func lineAt(b []byte, n int) string {
	lines := strings.Split(string(b), "\n")
	if n-1 < len(lines) {
		return lines[n-1]
	}
	return "(end of file)"
}

// TestGolden pins the Markdown report, the CSV and summary.json of the
// fixture byte for byte.
func TestGolden(t *testing.T) {
	sum := goldenSummary(t)
	t.Run("report", func(t *testing.T) {
		tmpl, err := ParseReport("")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		charts := []Chart{
			{Title: "Mean time per phase (seconds)", Path: "charts/" + ChartPhaseTime},
			{Title: "Mean tokens per phase (input + output)", Path: "charts/" + ChartTokens},
			{Title: "Cost per workflow (USD)", Path: "charts/" + ChartCost},
			{Title: "Cost against time per workflow", Path: "charts/" + ChartCostTime},
		}
		if err := Report(&b, tmpl, ReportData{Summary: sum, Charts: charts, Generated: sum.Benchmark.Finished}); err != nil {
			t.Fatal(err)
		}
		golden(t, "PERFORMANCE_BENCHMARKS.md", b.Bytes())
	})
	t.Run("csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := CSV(&b, sum, []string{"reports", "sessions"}); err != nil {
			t.Fatal(err)
		}
		golden(t, "benchmark_results.csv", b.Bytes())
	})
	t.Run("summary", func(t *testing.T) {
		var b bytes.Buffer
		if err := JSON(&b, sum); err != nil {
			t.Fatal(err)
		}
		golden(t, "summary.json", b.Bytes())
	})
}

// TestReportSectionsInCardOrder: the default report holds the task card's
// sections, in its order.
func TestReportSectionsInCardOrder(t *testing.T) {
	sum := goldenSummary(t)
	tmpl, err := ParseReport("")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Report(&b, tmpl, ReportData{Summary: sum}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "## ") {
			got = append(got, strings.TrimPrefix(line, "## "))
		}
	}
	want := "Executive Summary|Methodology|Detailed Results|Cost Comparison|Cost Projections|Resource Usage|Targets vs Actual|Bottlenecks|Optimization Recommendations|Provider Recommendations|Conclusion"
	if strings.Join(got, "|") != want {
		t.Errorf("sections %q\nwant %q", strings.Join(got, "|"), want)
	}
}

// A replay's methodology says where the answers came from, and does not
// call it a dry run even when some answers were simulated.
func TestMethodologyOfAReplay(t *testing.T) {
	s := parseSpec(t, goldenSpec)
	recs := fixtureRecords(3)
	for i := range recs {
		recs[i].Simulated = true // a call the recording lacked was simulated
	}
	bench := record.Benchmark{Spec: s.Name, Started: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Simulated: true,
		Replayed: &record.Replayed{Dir: "cassettes", Recorded: time.Date(2025, 2, 1, 8, 0, 0, 0, time.UTC), Match: "body", Speed: 0, Missing: "simulate"}}
	sum := results.Compute(s, bench, recs)
	tmpl, err := ParseReport("")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Report(&b, tmpl, ReportData{Summary: sum}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- **Replay:** every LLM call was answered from the recording in `cassettes` (recorded 2025-02-01 08:00 UTC), matched by body, at once; a call it lacked: simulate.") {
		t.Errorf("no replay line in the methodology:\n%s", b.String())
	}
	if strings.Contains(b.String(), "- **Dry run:**") {
		t.Error("a replay is not a dry run")
	}
	if !strings.Contains(b.String(), "- **Cool-down:** the spec's 5 s between runs was skipped: a replayed recording needs no rest.") {
		t.Error("the methodology does not say the replay skipped the cool-down")
	}
}
