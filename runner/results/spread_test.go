package results

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
)

// One successful run has no spread: summary.json writes its stddev and cv
// as null, and a rule on a stddev is N/A (the cell is not rated PASS), as
// with any value no run measured. Two runs have one.
func TestOneRunHasNoSpread(t *testing.T) {
	t.Parallel()
	s := load(t, `name: sp
command: x
providers: [ { name: a }, { name: b } ]
thresholds:
  - name: Steady
    target: total.time.stddev < 1
`)
	recs := []record.Run{
		{Cell: "a", Provider: "a", Index: 1, Status: record.StatusOK, WallSeconds: 2},
		{Cell: "b", Provider: "b", Index: 1, Status: record.StatusOK, WallSeconds: 2},
		{Cell: "b", Provider: "b", Index: 2, Status: record.StatusOK, WallSeconds: 2.5},
	}
	sum := Compute(s, record.Benchmark{}, recs)
	a, b := sum.Cells[0], sum.Cells[1]
	if v := a.Verdicts[0]; v.Level != rules.NA || !strings.Contains(v.Reason, "2 successful runs") {
		t.Errorf("one run: %s %q, want N/A saying why", v.Level, v.Reason)
	}
	if a.Rating == rules.Pass {
		t.Errorf("one run rated %s on a stddev no one measured", a.Rating)
	}
	if v := b.Verdicts[0]; v.Level != rules.Pass {
		t.Errorf("two runs: %s %q, want PASS", v.Level, v.Reason)
	}
	var got map[string]any
	raw, err := json.Marshal(a.Time)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got["stddev"] != nil || got["cv"] != nil || got["mean"] != 2.0 {
		t.Errorf("one run's time_s: %s, want stddev and cv null", raw)
	}
	raw, _ = json.Marshal(b.Time)
	if !strings.Contains(string(raw), `"stddev":0.35`) {
		t.Errorf("two runs' time_s: %s, want a stddev", raw)
	}
}

// One judged score has no spread: quality_stddev is absent, not 0.
func TestOneScoreHasNoQualitySpread(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]bool{1: false, 2: true} {
		c := &Cell{Judge: &JudgeStats{Judged: n, Score: NewStats([]float64{7, 9}[:n])}}
		c.setQuality(load(t, "name: q\ncommand: x\n"))
		if got := c.QualityStddev != nil; got != want {
			t.Errorf("%d scores: quality_stddev set %v, want %v", n, got, want)
		}
	}
}

// A key written into the spec's title or description is masked in the
// summary (and so in the report and the history).
func TestSummaryTitleScrubbed(t *testing.T) {
	t.Parallel()
	s := load(t, "name: t\ntitle: Bench sk-proj-titlesecret0123456789\ndescription: calls https://x/y?key=abcdef123\ncommand: x\n")
	sum := Compute(s, record.Benchmark{}, nil)
	if strings.Contains(sum.Title, "titlesecret") || strings.Contains(sum.Description, "abcdef123") {
		t.Errorf("title %q, description %q hold a secret", sum.Title, sum.Description)
	}
}
