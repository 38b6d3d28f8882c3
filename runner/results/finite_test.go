package results

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// Statistics of values near the float64 limit stay finite and encodable.
func TestStatsNeverOverflow(t *testing.T) {
	t.Parallel()
	for _, v := range [][]float64{{1e308, 1e308}, {-1.7e308, 1.7e308}, {math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64}} {
		st := NewStats(append([]float64(nil), v...))
		for name, x := range map[string]float64{"mean": st.Mean, "stddev": st.Stddev, "p95": st.P95, "median": st.Median} {
			if math.IsInf(x, 0) || math.IsNaN(x) {
				t.Errorf("%v: %s = %v", v, name, x)
			}
		}
		if _, err := json.Marshal(st); err != nil {
			t.Errorf("%v: %v", v, err)
		}
	}
	if st := NewStats([]float64{1e308, 1e308}); st.Mean != 1e308 {
		t.Errorf("mean of 1e308 twice = %v", st.Mean)
	}
}

// Sums of token counts never wrap negative, and a cost is never negative.
func TestTokensAndCostStayInRange(t *testing.T) {
	t.Parallel()
	big := record.Tokens{Input: math.MaxInt64 - 1, Output: 5}
	sum := big.Add(big)
	if sum.Input != math.MaxInt64 || sum.Output != 10 {
		t.Errorf("sum %+v", sum)
	}
	if c := Cost(spec.Price{Input: 3, Output: 15}, sum); c < 0 || math.IsInf(c, 0) {
		t.Errorf("cost %v", c)
	}
	if c := Cost(spec.Price{Input: -3, Output: 15}, record.Tokens{Input: 100}); c < 0 {
		t.Errorf("cost %v from a negative price", c)
	}
}

// Per-run sums and means of huge values (a phase reopened twice at 1e308 s,
// TTFTs of 1e308 s) stay finite, so summary.json and the CSV never carry
// Inf or NaN.
func TestPerRunMeansStayFinite(t *testing.T) {
	t.Parallel()
	s := load(t, "name: c\ncommand: x\nphases: [ A ]\nproviders: [ { name: p, api: openai, models: [ m ] } ]\npricing: { m: { input: 3, output: 15 } }\n")
	r := record.Run{Cell: "p_m", Provider: "p", Model: "m", Index: 1, Status: record.StatusOK, WallSeconds: 1,
		Phases: []record.Phase{{Name: "A", Seconds: 1e308}, {Name: "A", Seconds: 1e308}}}
	for range 2 {
		r.CallLog.Add(record.Call{API: "openai", Model: "m", Phase: "A", Status: 200, Stream: true, TTFTS: 1e308, OutputTPS: 1e308, LatencyS: 1e308,
			UsageStatus: "reported", Tokens: record.Tokens{Input: record.MaxTokens, Output: record.MaxTokens}})
	}
	sum := Compute(s, record.Benchmark{}, []record.Run{r})
	run := sum.Runs[0]
	for name, v := range map[string]*float64{"ttft": run.TTFT, "tps": run.OutputTPS, "cost": run.Cost, "phase A": &run.Phases["A"].Seconds} {
		if v == nil || math.IsInf(*v, 0) || math.IsNaN(*v) {
			t.Errorf("%s = %v, want a finite value", name, v)
		}
	}
	if _, err := json.Marshal(sum); err != nil {
		t.Errorf("summary.json: %v", err)
	}
}
