package results

import (
	"math"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
	"github.com/runner-bench/runner/runner/spec"
)

const deltaSpec = `name: d
command: x
baseline: old
providers: [ { name: a }, { name: b } ]
phases: [ A ]
pricing: { m: { input: 1, output: 2 } }
thresholds:
  - name: No regression
    target: delta.total.time.pct < 10
  - name: Phase A
    target: delta.phase("A").time.pct < 10 || !delta.phase("A").time.significant
`

// deltaRuns makes ok runs of cell with the given wall times; phase A takes
// the whole run and 1000+100 tokens.
func deltaRuns(cell string, walls ...float64) []record.Run {
	var out []record.Run
	for i, w := range walls {
		out = append(out, record.Run{Cell: cell, Provider: cell, Model: "m", Index: i + 1, Status: record.StatusOK,
			WallSeconds: w, PeakRSSMB: 50, TokenSource: record.SourceEvents,
			Phases: []record.Phase{{Name: "A", Seconds: w}},
			Usage:  []record.Usage{{Phase: "A", Source: record.SourceEvents, Tokens: record.Tokens{Input: 1000, Output: 100}}}})
	}
	return out
}

func parseSpec(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("d.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var base6 = []float64{10, 10.2, 9.9, 10.1, 10.05, 9.95}

func scaled(vs []float64, f float64) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = v * f
	}
	return out
}

func TestCompareShiftAndNull(t *testing.T) {
	t.Parallel()
	s := parseSpec(t, deltaSpec)
	tests := []struct {
		name        string
		old, new    []float64
		significant bool
		delta       string
		warn        string
	}{
		{"20% slower", base6, scaled(base6, 1.2), true, "+20.00%", ""},
		{"null shift", base6, []float64{10.1, 9.95, 10.05, 10, 9.9, 10.2}, false, "0%", ""},
		{"interleaved, no shift", base6, []float64{10.02, 10.12, 9.92, 10.07, 9.97, 10.01}, false, "-0.10% ~", ""},
		// Too few runs for any significance: the change in %, no "~" on the
		// line, and the number of runs needed once, as a footnote.
		{"too few runs", base6[:3], scaled(base6[:3], 1.2), false, "+20.00%", "need >= 4 samples to detect a difference at alpha level 0.05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := Compute(s, record.Benchmark{}, deltaRuns("a", tt.old...))
			new := Compute(s, record.Benchmark{}, deltaRuns("a", tt.new...))
			cmp := Compare(old, new)
			if len(cmp.Cells) != 1 || !cmp.Cells[0].InOld || !cmp.Cells[0].InNew {
				t.Fatalf("cells: %+v", cmp.Cells)
			}
			ch := cmp.Cells[0].Get("total.time")
			if ch == nil {
				t.Fatal("no total.time change")
			}
			if ch.Significant != tt.significant || ch.Delta != tt.delta {
				t.Errorf("significant=%v delta=%q (p=%.4f), want %v %q", ch.Significant, ch.Delta, ch.P, tt.significant, tt.delta)
			}
			if tt.warn != "" && !strings.Contains(strings.Join(cmp.Footnotes(), "\n"), tt.warn) {
				t.Errorf("footnotes %q lack %q", cmp.Footnotes(), tt.warn)
			}
			if ph := cmp.Cells[0].Get(`phase("A").time`); ph == nil || ph.Delta != tt.delta {
				t.Errorf("phase A change %+v", ph)
			}
			if tok := cmp.Cells[0].Get("total.tokens"); tok == nil || tok.Delta != "0%" || tok.Pct != 0 {
				t.Errorf("constant tokens: %+v", tok)
			}
		})
	}
}

func TestCompareCellsOnOneSide(t *testing.T) {
	t.Parallel()
	s := parseSpec(t, deltaSpec)
	old := Compute(s, record.Benchmark{}, deltaRuns("a", base6...))
	new := Compute(s, record.Benchmark{}, deltaRuns("b", base6...))
	cmp := Compare(old, new)
	if len(cmp.Cells) != 2 || cmp.Cells[0].Cell != "b" || cmp.Cells[0].InOld || cmp.Cells[1].Cell != "a" || cmp.Cells[1].InNew {
		t.Errorf("cells: %+v %+v", cmp.Cells[0], cmp.Cells[1])
	}
}

func TestDeltaRules(t *testing.T) {
	t.Parallel()
	s := parseSpec(t, deltaSpec)
	baseline := &Baseline{Dir: "old", Summary: Compute(s, record.Benchmark{}, deltaRuns("a", base6...))}
	tests := []struct {
		name  string
		base  *Baseline
		cell  string
		walls []float64
		want  []rules.Level // levels of the two rules
	}{
		{"regression fails", baseline, "a", scaled(base6, 1.2), []rules.Level{rules.Fail, rules.Fail}},
		{"same speed passes", baseline, "a", []float64{10.1, 9.95, 10.05, 10, 9.9, 10.2}, []rules.Level{rules.Pass, rules.Pass}},
		{"faster passes", baseline, "a", scaled(base6, 0.5), []rules.Level{rules.Pass, rules.Pass}},
		{"cell absent from baseline", baseline, "b", base6, []rules.Level{rules.NA, rules.NA}},
		{"no baseline", nil, "a", base6, []rules.Level{rules.NA, rules.NA}},
		{"unreadable baseline", &Baseline{Dir: "gone", Err: "no such folder"}, "a", base6, []rules.Level{rules.NA, rules.NA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.base != nil {
				opts = append(opts, WithBaseline(tt.base))
			}
			sum := Compute(s, record.Benchmark{}, deltaRuns(tt.cell, tt.walls...), opts...)
			c := sum.Cells[0]
			if len(c.Verdicts) != 2 {
				t.Fatalf("verdicts: %+v", c.Verdicts)
			}
			for i, v := range c.Verdicts {
				if v.Level != tt.want[i] {
					t.Errorf("%s: %s (%s), want %s", v.Rule, v.Level, v.Reason, tt.want[i])
				}
			}
			if tt.base != nil && tt.base.Err != "" && !strings.Contains(strings.Join(sum.Warnings, "\n"), "baseline gone") {
				t.Errorf("warnings %q do not name the baseline", sum.Warnings)
			}
		})
	}
}

func TestDeltaRulesCheckedAtLoad(t *testing.T) {
	t.Parallel()
	for _, rule := range []string{`delta.total.tiem.pct < 10`, `delta.phase("Z").time.pct < 10`, `delta.cost.percent < 1`} {
		_, err := spec.Parse("d.yaml", []byte("name: d\ncommand: x\nbaseline: old\nphases: [A]\nthresholds: [ { name: T, target: '"+rule+"' } ]\n"), nil)
		if err == nil {
			t.Errorf("%s compiles", rule)
		} else {
			t.Log(err)
		}
	}
}

// A delta rule in a spec without a baseline is refused at load: it could
// only be N/A after the whole benchmark ran.
func TestDeltaRuleWithoutBaselineRefused(t *testing.T) {
	t.Parallel()
	for _, rule := range []string{`delta.total.time.pct < 10`, `delta.phase("A").tokens.pct < 5`, `cost.mean < 1 && delta.cost.significant`} {
		for _, field := range []string{"target", "when", "acceptable"} {
			src := "name: d\ncommand: x\nphases: [A]\nthresholds: [ { name: T, target: 'cost.mean < 1', " + field + ": '" + rule + "' } ]\n"
			if field == "target" {
				src = "name: d\ncommand: x\nphases: [A]\nthresholds: [ { name: T, target: '" + rule + "' } ]\n"
			}
			_, err := spec.Parse("d.yaml", []byte(src), nil)
			if err == nil || !strings.Contains(err.Error(), "thresholds[0]."+field) || !strings.Contains(err.Error(), "add baseline: DIR") {
				t.Errorf("%s in %s: got %v", rule, field, err)
			}
		}
	}
}

func TestChangeJSONPct(t *testing.T) {
	t.Parallel()
	c := compareValues("cost", "USD", []float64{0, 0, 0, 0}, []float64{1, 1, 1, 1})
	if !math.IsInf(c.Pct, 1) || c.PctOrNil() != nil {
		t.Errorf("pct from zero: %v", c.Pct)
	}
	b, err := c.MarshalJSON()
	if err != nil || !strings.Contains(string(b), `"pct":null`) {
		t.Errorf("json %s %v", b, err)
	}
}

// compare covers the workload's own metrics: one measured on both sides is
// compared like any figure, one measured on a side only is named with that
// side, never silently left out.
func TestCompareWorkloadMetrics(t *testing.T) {
	t.Parallel()
	mk := func(metrics ...map[string]float64) []*Run {
		var out []*Run
		for i, m := range metrics {
			out = append(out, &Run{Run: &record.Run{Cell: "a", Index: i + 1, Status: record.StatusOK, WallSeconds: 1, Metrics: m}})
		}
		return out
	}
	cases := []struct {
		name     string
		old, new []*Run
		changed  []string
		unpaired map[string]string
	}{
		{"n=1, both sides", mk(map[string]float64{"q": 8}), mk(map[string]float64{"q": 6}), []string{`metric("q")`}, nil},
		{"n=2, renamed", mk(map[string]float64{"score": 8}, map[string]float64{"score": 7}), mk(map[string]float64{"quality": 8}, map[string]float64{"quality": 9}), nil, map[string]string{`metric("score")`: "old", `metric("quality")`: "new"}},
		{"zero variance", mk(map[string]float64{"q": 5}, map[string]float64{"q": 5}, map[string]float64{"q": 5}), mk(map[string]float64{"q": 5}, map[string]float64{"q": 5}, map[string]float64{"q": 5}), []string{`metric("q")`}, nil},
		{"lost in some runs only", mk(map[string]float64{"q": 5}, nil), mk(nil, map[string]float64{"q": 4}), []string{`metric("q")`}, nil},
		{"none", mk(nil), mk(nil), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			changes, unpaired := compareRuns(tc.old, tc.new, nil)
			var got []string
			for _, c := range changes {
				if strings.HasPrefix(c.Metric, "metric(") {
					got = append(got, c.Metric)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.changed, ",") {
				t.Errorf("compared %v, want %v", got, tc.changed)
			}
			if len(unpaired) != len(tc.unpaired) {
				t.Errorf("unpaired %+v, want %v", unpaired, tc.unpaired)
			}
			for _, u := range unpaired {
				if tc.unpaired[u.Metric] != u.Side {
					t.Errorf("%s: side %q, want %q", u.Metric, u.Side, tc.unpaired[u.Metric])
				}
			}
		})
	}
}

// A model without a price is warned about before the run; with a budget,
// the warning says the budget cannot count that model's spend.
func TestPricingWarningsNameTheBudget(t *testing.T) {
	t.Parallel()
	const src = "name: d\ncommand: x\nproviders: [ { name: a, api: openai, models: [ m1, m2 ] } ]\npricing: { m1: { input: 1, output: 2 } }\n"
	for _, tc := range []struct{ budget, want, not string }{
		{"", `model "m2" has no price`, "budget"},
		{"budget: { max_cost: 5 }\n", `model "m2" has no price: its cost will be unknown and rules reading cost N/A (add it to pricing, or use pricing_file); budget.max_cost cannot count its spend`, ""},
	} {
		s := parseSpec(t, src+tc.budget)
		cells, _ := plan.Expand(s, nil)
		got := strings.Join(PricingWarnings(s, cells), "\n")
		if !strings.Contains(got, tc.want) || tc.not != "" && strings.Contains(got, tc.not) || strings.Contains(got, `"m1"`) {
			t.Errorf("budget %q: warnings %q", tc.budget, got)
		}
	}
}
