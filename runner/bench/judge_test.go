package bench

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// The judge sees the run's folder, log and artifacts, and its score and reason
// land in the run's record; warmups are not judged.
func TestJudgeScoresEachMeasuredRun(t *testing.T) {
	o, _ := setup(t, `name: j
runs: 2
warmup: 1
command: 'echo "<p>run {{ .run.index }}</p>" > {{ .run.dir }}/report.html; echo wrote the report'
artifacts: { reports: "{{ .run.dir }}/*.html" }
judge:
  command: >-
    n=$(cat $RUNNER_ARTIFACT_REPORTS {{ index .artifacts.reports 0 }} | grep -c run);
    test -d "$RUNNER_RUN_DIR" && test "{{ .run.dir }}" = "$RUNNER_RUN_DIR" &&
    grep -q "wrote the report" "$RUNNER_RUN_LOG" && test "{{ .run.log }}" = "$RUNNER_RUN_LOG" && test "$RUNNER_JUDGE" = 1 &&
    echo '::runner::{"event":"metric","name":"quality","value":'$((n + {{ .run.index }}))',"reason":"two  copies   found"}'
`)
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	recs, err := record.ReadFile(filepath.Join(o.Dir, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	judged := 0
	for _, r := range recs {
		if r.Warmup {
			if r.Judge != nil {
				t.Errorf("warmup %d was judged", r.Index)
			}
			continue
		}
		j := r.Judge
		if j == nil || j.Score == nil {
			t.Fatalf("run %d: judge %+v, want a score", r.Index, j)
		}
		judged++
		if want := float64(2 + r.Index); *j.Score != want || j.Status != record.JudgeOK || j.Reason != "two copies found" {
			t.Errorf("run %d: judge %+v (score %v), want score %v and the reason on one line", r.Index, j, *j.Score, want)
		}
		if r.Metrics["quality"] != 0 {
			t.Errorf("run %d: the judge's score went into the run's own metrics", r.Index)
		}
	}
	if judged != 2 {
		t.Errorf("%d runs judged, want 2", judged)
	}
}

// A judge that fails, times out or prints no score never costs the run.
func TestFailingJudgeKeepsTheRun(t *testing.T) {
	cases := []struct {
		name, judge, timeout string
		status               record.Status
		why                  string
	}{
		// Only the timeout case has a short timeout: on a loaded machine a
		// shell may take longer than 300 ms just to start.
		{"exits 1", `echo 'no key for the judge' >&2; exit 1`, "2m", record.StatusFailed, "no key for the judge"},
		{"no score", `echo 'the reports look fine'`, "2m", record.JudgeNoScore, `printed no "quality" metric`},
		{"score out of range", `echo '::runner::{"event":"metric","name":"quality","value":42}'`, "2m", record.JudgeNoScore, "outside 1 to 10"},
		{"malformed score", `echo '::runner::{"event":"metric","name":"quality","value":"NaN"}'`, "2m", record.JudgeNoScore, `printed no "quality" metric event (`},
		{"timeout", `sleep 120`, "300ms", record.StatusTimeout, "timed out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, _ := setup(t, "name: f\nruns: 1\ncommand: 'echo working'\njudge: { command: "+quoteYAML(c.judge)+", timeout: "+c.timeout+" }\n")
			if _, err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			recs, err := record.ReadFile(filepath.Join(o.Dir, "runs.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || !recs[0].OK() {
				t.Fatalf("records %+v: the run must stay, ok", recs)
			}
			j := recs[0].Judge
			if j == nil || j.Score != nil || j.Status != c.status || !strings.Contains(j.Error, c.why) {
				t.Fatalf("judge %+v, want status %s, no score, error containing %q", j, c.status, c.why)
			}
		})
	}
}

func quoteYAML(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
