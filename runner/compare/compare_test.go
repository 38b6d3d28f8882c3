package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// comparison is a hand-made comparison: one cell in both sets with a
// significant, a non-significant and a new change, one only in old, one
// only in new, one with nothing to compare.
func comparison() *results.Comparison {
	few := "need >= 4 samples to detect a difference at alpha level 0.05"
	return &results.Comparison{
		Old: results.Side{Name: "b", Dir: "outputs/old"},
		New: results.Side{Name: "b", Dir: "outputs/new", Simulated: true},
		Cells: []*results.CellChanges{
			{Cell: "p_m", Label: "P (m)", InOld: true, InNew: true, Changes: []*results.Change{
				{Metric: "total.time", Unit: "s", Old: 10, New: 12.5, OldLo: 9, OldHi: 11, NewLo: 12.5, NewHi: 12.5, Pct: 25, P: 0.008, N1: 6, N2: 6, Alpha: 0.05, Significant: true, Delta: "+25.00%"},
				{Metric: "cost", Unit: "USD", Old: 0.25, New: 0.26, OldLo: 0.25, OldHi: 0.25, NewLo: 0.26, NewHi: 0.26, Pct: 4, P: 0.4, N1: 6, N2: 6, Alpha: 0.05, Delta: "+4.00% ~"},
				{Metric: "total.tokens", Unit: "tokens", Old: 12000, New: 15345, OldLo: 12000, OldHi: 12000, NewLo: 15345, NewHi: 15345, Pct: 27.875, N1: 2, N2: 3, Alpha: 0.05, Delta: "+27.88%", Warnings: []string{few}},
				{Metric: "cpu.percent", Unit: "%", Old: 50, New: 55, OldLo: 50, OldHi: 50, NewLo: 55, NewHi: 55, Pct: 10, N1: 2, N2: 3, Alpha: 0.05, Delta: "+10.00%", Warnings: []string{few}},
				{Metric: `phase("Plan").ttft`, Unit: "s", Old: 0, New: 0.2, OldLo: 0, OldHi: 0, NewLo: 0.2, NewHi: 0.2, N1: 2, N2: 3, Alpha: 0.05, Delta: "new"},
			}},
			{Cell: "gone", Label: "gone", InOld: true},
			{Cell: "fresh", Label: "Fresh", InNew: true},
			{Cell: "broken", Label: "broken", InOld: true, InNew: true},
		},
	}
}

func render(t *testing.T, format string, cmp *results.Comparison) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, cmp, format); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.String()
}

// Each format shows every cell, each value in its unit with its interval,
// the change with "~" where it is not significant, and the warnings once
// as numbered footnotes.
func TestFormats(t *testing.T) {
	t.Parallel()
	cases := []struct {
		format string
		want   []string
		not    []string
	}{
		{"text", []string{
			"SIMULATED: the new result set is a dry run against the simulator",
			"old: outputs/old\nnew: outputs/new\n",
			"P (m) [p_m]",
			"total.time (s)",
			"10.0 s ± 10%",
			"12.5 s",
			"+25.00%",
			"p=0.008 n=6",
			"$0.2500", "+4.00% ~",
			"12,000", "15,345", "+27.88%¹", "n=2+3",
			"50.0%", "55.0%", "+10.00%¹",
			`phase("Plan").ttft (s)`, "0.20 s", "new",
			"gone\n  (only in old)", "Fresh [fresh]\n  (only in new)", "broken\n  (no successful runs to compare)",
			"¹ need >= 4 samples",
		}, []string{"²"}},
		{"markdown", []string{
			"> **SIMULATED: the new result set is a dry run against the simulator**",
			"Comparing **old** outputs/old with **new** outputs/new.",
			"### P (m) [p_m]",
			"| Metric | Old | New | Delta | |",
			"| `total.time (s)` | 10.0 s ± 10% | 12.5 s | +25.00% | p=0.008 n=6 |",
			"| `cost (USD)` | $0.2500 | $0.2600 | +4.00% ~ | p=0.400 n=6 |",
			"+27.88%<sup>1</sup>",
			`| ` + "`" + `phase("Plan").ttft (s)` + "`" + ` | 0 s | 0.20 s | new | n=2+3 |`,
			"### gone\n\n_only in old_",
			"<sup>1</sup> need >= 4 samples",
		}, []string{"<sup>2</sup>"}},
		{"md", []string{"### P (m) [p_m]"}, nil},
		{"json", []string{`"notice": "SIMULATED: the new result set is a dry run against the simulator"`, `"metric": "total.time"`, `"unit": "s"`, `"pct": 25`, `"footnotes": [`}, nil},
		{"", []string{"old: outputs/old"}, nil},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			t.Parallel()
			out := render(t, c.format, comparison())
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s lacks %q:\n%s", c.format, w, out)
				}
			}
			for _, w := range c.not {
				if strings.Contains(out, w) {
					t.Errorf("%s has %q:\n%s", c.format, w, out)
				}
			}
		})
	}
}

// JSON output is one document; a change from zero has pct null.
func TestJSONPctOfNewIsNull(t *testing.T) {
	t.Parallel()
	cmp := comparison()
	cmp.Cells[0].Changes[4].Pct = 1 / zero()
	var doc struct {
		Cells []struct {
			Changes []map[string]any `json:"changes"`
		} `json:"cells"`
	}
	if err := json.Unmarshal([]byte(render(t, "json", cmp)), &doc); err != nil {
		t.Fatal(err)
	}
	if v, ok := doc.Cells[0].Changes[4]["pct"]; !ok || v != nil {
		t.Errorf("pct of a new value = %v (present %v), want null", v, ok)
	}
}

func zero() float64 { return 0 }

func TestUnknownFormat(t *testing.T) {
	t.Parallel()
	err := Write(&bytes.Buffer{}, comparison(), "html")
	if err == nil || !strings.Contains(err.Error(), `unknown format "html"; expected one of: text, markdown, json`) {
		t.Errorf("error %v", err)
	}
}

// Values are shown in the unit the metric table declares for them.
func TestValueInItsUnit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		unit string
		v    float64
		want string
	}{
		{"s", 0.05, "0.050 s"},
		{"s", 125, "125.0 s"},
		{"USD", 0.0123, "$0.0123"},
		{"USD", 1234.5, "$1,234.50"},
		{"tokens", 1234567, "1,234,567"},
		{"MB", 2048, "2.0 GB"},
		{"%", 12.345, "12.3%"},
		{"", 0.123456, "0.1235"},
	}
	for _, c := range cases {
		if got := value(c.unit, c.v); got != c.want {
			t.Errorf("value(%q, %v) = %q, want %q", c.unit, c.v, got, c.want)
		}
	}
}

// From records to rows: a comparison computed by results lists the metrics
// of the table with their units, per phase too (time to first token of the
// streamed calls included), and leaves out those zero on both sides.
func TestComparisonOfRecords(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse("t.yaml", []byte("name: b\ncommand: x\nphases: [ Plan ]\nproviders: [ { name: p, api: openai, models: [ m ] } ]\npricing: { m: { input: 3, output: 15 } }\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	runs := func(wall, ttft float64) []record.Run {
		var out []record.Run
		for i := 1; i <= 6; i++ {
			r := record.Run{Cell: "p_m", Provider: "p", Model: "m", Index: i, Status: record.StatusOK, WallSeconds: wall + float64(i)/100,
				PeakRSSMB: 50, TokenSource: record.SourceProxy, Phases: []record.Phase{{Name: "Plan", Seconds: wall}}}
			r.CallLog.Add(record.Call{API: "openai", Model: "m", Phase: "Plan", Status: 200, Stream: true, UsageStatus: "reported",
				TTFTS: ttft + float64(i)/1000, LatencyS: 1, Tokens: record.Tokens{Input: 1000, Output: 100}})
			out = append(out, r)
		}
		return out
	}
	old := results.Compute(s, record.Benchmark{}, runs(10, 0.2))
	cur := results.Compute(s, record.Benchmark{}, runs(20, 0.4))
	out := render(t, "text", results.Compare(old, cur))
	for _, w := range []string{"total.time (s)", "total.tokens (tokens)", "cost (USD)", "memory.peak_mb (MB)", `phase("Plan").time (s)`, `phase("Plan").ttft (s)`, "+99.65%", "+98.28%"} {
		if !strings.Contains(out, w) {
			t.Errorf("comparison lacks %q:\n%s", w, out)
		}
	}
	for _, w := range []string{"cached_input_tokens", "cpu.percent"} { // zero on both sides
		if strings.Contains(out, w) {
			t.Errorf("comparison shows %q, zero on both sides:\n%s", w, out)
		}
	}
	if c := cur.Cells[0].Phases[0]; c.TTFT.N != 6 || fmt.Sprintf("%.4f", c.TTFT.Mean) != "0.4035" {
		t.Errorf("phase TTFT %+v", c.TTFT)
	}
}
