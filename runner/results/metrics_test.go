package results

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
)

// Time to first token per phase, added as one metric: its statistics in the
// cell's phase, its rule with its unit, and N/A naming it where no call of
// the phase streamed.
func TestPhaseTTFTFlowsFromCallsToRules(t *testing.T) {
	t.Parallel()
	s := load(t, `name: t
command: x
phases: [ Plan, Write ]
providers: [ { name: streams, api: openai, models: [ m ] }, { name: whole, api: openai, models: [ m ] } ]
pricing: { m: { input: 3, output: 15 } }
thresholds:
  - name: Plan TTFT
    target: phase("Plan").ttft.mean < 0.5
  - name: Cost
    target: cost.mean < 1
`)
	var recs []record.Run
	for i := 1; i <= 3; i++ {
		for _, cell := range []string{"streams", "whole"} {
			r := record.Run{Cell: cell, Provider: cell, Model: "m", Index: i, Status: record.StatusOK, WallSeconds: 2, TokenSource: record.SourceProxy,
				Phases: []record.Phase{{Name: "Plan", Seconds: 1}, {Name: "Write", Seconds: 1}}}
			for _, ph := range []string{"Plan", "Plan", "Write"} {
				r.CallLog.Add(record.Call{API: "openai", Model: "m", Phase: ph, Status: 200, Stream: cell == "streams", TTFTS: map[string]float64{"Plan": 0.2, "Write": 0.9}[ph],
					LatencyS: 1, UsageStatus: "reported", Tokens: record.Tokens{Input: 100, Output: 10}})
			}
			recs = append(recs, r)
		}
	}
	sum := Compute(s, record.Benchmark{}, recs)
	cells := map[string]*Cell{}
	for _, c := range sum.Cells {
		cells[c.ID] = c
	}
	st := cells["streams"]
	if p := st.Phases[0]; p.Name != "Plan" || p.TTFT.N != 3 || p.TTFT.Mean != 0.2 {
		t.Errorf("streams Plan TTFT %+v", p.TTFT)
	}
	if p := st.Phases[1]; p.TTFT.Mean != 0.9 {
		t.Errorf("streams Write TTFT %+v", p.TTFT)
	}
	v := st.Verdicts[0]
	if v.Level != rules.Pass || v.Unit != "s" || v.Actual != "0.2" {
		t.Errorf("streams verdict %+v", v)
	}
	wv := cells["whole"].Verdicts[0]
	if wv.Level != rules.NA || !strings.HasSuffix(wv.Reason, `measured phase("Plan").ttft`) {
		t.Errorf("whole verdict %+v, want N/A naming phase(\"Plan\").ttft", wv)
	}
	if cells["whole"].Verdicts[1].Level != rules.Pass {
		t.Errorf("whole cost verdict %+v", cells["whole"].Verdicts[1])
	}
}

// A cost rule of a cell whose model has no price is N/A and says so; a
// rule on a metric no run reported names it.
func TestNAReasonsNameTheMissingValue(t *testing.T) {
	t.Parallel()
	s := load(t, `name: t
command: x
phases: [ A, B ]
providers: [ { name: p } ]
pricing: { other: { input: 3, output: 15 } }
thresholds:
  - name: Cost
    target: cost.mean < 1
  - name: Quality
    target: metric("quality").mean > 5
  - name: Guarded
    target: runs > 0 || total.tokens.mean < 10
`)
	var recs []record.Run
	for i := 1; i <= 2; i++ {
		recs = append(recs, run("p", i, 1, map[string]record.Tokens{"A": {Input: 10, Output: 1}}))
	}
	sum := Compute(s, record.Benchmark{}, recs)
	vs := sum.Cells[0].Verdicts
	if len(vs) != 3 {
		t.Fatalf("verdicts %+v", vs)
	}
	if vs[0].Level != rules.NA || !strings.Contains(vs[0].Reason, `no price for model "m"`) {
		t.Errorf("cost verdict %+v", vs[0])
	}
	if vs[1].Level != rules.NA || vs[1].Reason != `no value to judge: no successful run measured metric("quality")` {
		t.Errorf("metric verdict %+v", vs[1])
	}
	if vs[2].Level != rules.Pass {
		t.Errorf("guarded verdict %+v: tokens are known, so it is judged", vs[2])
	}
}

// The readers and the rule environment declare the same metrics: a metric
// of the environment without a reader here (its rules would always be
// N/A), or a reader of no metric, is a mistake of the table.
func TestEveryMetricHasAReader(t *testing.T) {
	t.Parallel()
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	var run, phase []string
	for _, m := range runMetrics {
		run = append(run, m.path)
	}
	for _, m := range phaseMetrics {
		phase = append(phase, m.path)
	}
	for _, c := range []struct {
		what           string
		declared, read []string
	}{
		{"whole-run", rules.Paths[rules.Env, rules.Stat](), run},
		{"phase", rules.Paths[rules.Phase[rules.Stat], rules.Stat](), phase},
		{"delta", rules.Paths[rules.Delta, rules.Change](), run},
		{"delta phase", rules.Paths[rules.Phase[rules.Change], rules.Change](), phase},
	} {
		if fmt.Sprint(sorted(c.declared)) != fmt.Sprint(sorted(c.read)) {
			t.Errorf("%s metrics: the rule environment declares %v, results reads %v", c.what, sorted(c.declared), sorted(c.read))
		}
	}
}
