package results

import (
	"math"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/rules"
	"github.com/runner-bench/runner/runner/spec"
)

func load(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("t.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run makes an ok record of the given wall time with one usage per phase.
func run(cell string, i int, wall float64, phases map[string]record.Tokens) record.Run {
	r := record.Run{Cell: cell, Provider: cell, Model: "m", Index: i, Status: record.StatusOK, WallSeconds: wall, PeakRSSMB: 100}
	at := 0.0
	for _, name := range []string{"A", "B"} {
		if tok, ok := phases[name]; ok {
			r.Phases = append(r.Phases, record.Phase{Name: name, Start: at, Seconds: wall / 2})
			r.Usage = append(r.Usage, record.Usage{Phase: name, Source: record.SourceEvents, Tokens: tok})
			at += wall / 2
		}
	}
	return r
}

const verdictSpec = `name: v
command: x
providers: [ { name: fast }, { name: mid }, { name: slow }, { name: broken } ]
phases: [ A, B ]
pricing:
  m: { input: 3.00, output: 15.00, cached_input: 0.30 }
thresholds:
  - name: Time
    target: total.time.mean < 10
    acceptable: total.time.mean < 20
  - name: Only mid
    when: provider == "mid"
    target: cost.mean < 1
  - name: Phase A
    target: phase("A").time.mean < 100
recommendations:
  - when: phase("B").tokens.mean > 1000
    text: B is hungry.
projections: [ { label: 1/day, per_month: 30 } ]
`

func TestVerdictsAtEveryLevel(t *testing.T) {
	t.Parallel()
	s := load(t, verdictSpec)
	tok := map[string]record.Tokens{"A": {Input: 1000, Output: 100}, "B": {Input: 2000, Output: 500}}
	var recs []record.Run
	for i := 1; i <= 3; i++ {
		recs = append(recs, run("fast", i, 5, tok), run("mid", i, 15, tok), run("slow", i, 25, tok))
		failed := run("broken", i, 1, nil)
		failed.Status, failed.ExitCode = record.StatusFailed, 1
		recs = append(recs, failed)
	}
	sum := Compute(s, record.Benchmark{}, recs)
	want := map[string]struct {
		time, rating rules.Level
	}{
		"fast":   {rules.Pass, rules.Pass},
		"mid":    {rules.Acceptable, rules.Acceptable},
		"slow":   {rules.Fail, rules.Fail},
		"broken": {rules.NA, ""},
	}
	for _, c := range sum.Cells {
		w := want[c.ID]
		if len(c.Verdicts) == 0 || c.Verdicts[0].Level != w.time {
			t.Errorf("%s: verdicts %+v, want Time %s", c.ID, c.Verdicts, w.time)
			continue
		}
		if c.Rating != w.rating {
			t.Errorf("%s: rating %q, want %q", c.ID, c.Rating, w.rating)
		}
		hasOnlyMid := false
		for _, v := range c.Verdicts {
			hasOnlyMid = hasOnlyMid || v.Rule == "Only mid"
		}
		if hasOnlyMid != (c.ID == "mid") {
			t.Errorf("%s: a rule whose when is false must not be shown", c.ID)
		}
	}
	broken := sum.Cells[3]
	if broken.Failures != 3 || broken.Runs != 0 || broken.Verdicts[0].Reason == "" {
		t.Errorf("broken: failures %d runs %d verdict %+v", broken.Failures, broken.Runs, broken.Verdicts[0])
	}
	if sum.Rating != rules.Fail {
		t.Errorf("overall rating %s, want FAIL", sum.Rating)
	}
	if got := sum.Cells[0].Verdicts[0].Actual; got != "5" {
		t.Errorf("actual value shown = %q, want 5", got)
	}
	if len(sum.Cells[0].Advice) != 1 {
		t.Errorf("recommendation should hold: %v", sum.Cells[0].Advice)
	}
}

func TestCostPricesEachClassOnce(t *testing.T) {
	t.Parallel()
	cached := 0.30
	write := 3.75
	pr := spec.Price{Input: 3, Output: 15, CachedInput: &cached, CacheWrite: &write}
	cases := []struct {
		name string
		tok  record.Tokens
		want float64
	}{
		// 1M plain input at $3.
		{"plain", record.Tokens{Input: 1_000_000}, 3},
		// OpenAI: 1M prompt tokens of which 400k cached: 600k*3 + 400k*0.30 = 1.92.
		{"cached subset", record.Tokens{Input: 1_000_000, CachedInput: 400_000}, 1.92},
		// Anthropic normalised: input 100k + cache write 200k + cache read 700k = 1M in total.
		{"cache read and write", record.Tokens{Input: 1_000_000, CachedInput: 700_000, CacheWrite: 200_000}, 0.3 + 0.21 + 0.75},
		{"output", record.Tokens{Output: 100_000}, 1.5},
	}
	for _, c := range cases {
		if got := Cost(pr, c.tok); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: cost %.6f, want %.6f", c.name, got, c.want)
		}
	}
	// Without cache prices, cached tokens cost the input price: never more.
	if got := Cost(spec.Price{Input: 3, Output: 15}, record.Tokens{Input: 1_000_000, CachedInput: 500_000}); got != 3 {
		t.Errorf("cache without price: %v, want 3", got)
	}
}

func TestCellCostAndProjection(t *testing.T) {
	t.Parallel()
	s := load(t, verdictSpec)
	tok := map[string]record.Tokens{"A": {Input: 1000, Output: 100}, "B": {Input: 2000, Output: 500}}
	sum := Compute(s, record.Benchmark{}, []record.Run{run("fast", 1, 5, tok), run("fast", 2, 7, tok)})
	c := sum.Cells[0]
	want := (3000*3.0 + 600*15.0) / 1e6
	if math.Abs(c.Cost.Mean-want) > 1e-12 || c.Cost.N != 2 {
		t.Errorf("cost %v (n=%d), want %v", c.Cost.Mean, c.Cost.N, want)
	}
	if math.Abs(c.Monthly[0].USD-want*30) > 1e-12 {
		t.Errorf("projection %v, want %v", c.Monthly[0].USD, want*30)
	}
	if c.Time.Mean != 6 || math.Abs(c.Time.Stddev-math.Sqrt2) > 1e-12 || c.Time.Min != 5 || c.Time.Max != 7 {
		t.Errorf("time stats %+v", c.Time)
	}
	if c.Hungriest == nil || c.Hungriest.Phase != "B" {
		t.Errorf("token bottleneck %+v, want B", c.Hungriest)
	}
}

func TestUnpricedModelIsUnknownNotFree(t *testing.T) {
	t.Parallel()
	s := load(t, "name: u\ncommand: x\nphases: [A]\n")
	sum := Compute(s, record.Benchmark{}, []record.Run{run("x", 1, 1, map[string]record.Tokens{"A": {Input: 10}})})
	if sum.Cells[0].Cost.N != 0 || len(sum.Warnings) != 1 {
		t.Errorf("cost %+v warnings %v", sum.Cells[0].Cost, sum.Warnings)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	st := NewStats([]float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10})
	if st.N != 10 || st.Mean != 5.5 || st.Median != 5.5 || st.Min != 1 || st.Max != 10 {
		t.Errorf("%+v", st)
	}
	if math.Abs(st.P95-9.55) > 1e-9 {
		t.Errorf("p95 %v, want 9.55", st.P95)
	}
	if !(st.Lo <= st.Median && st.Median <= st.Hi) || st.Lo == st.Hi {
		t.Errorf("confidence interval [%v, %v] around %v", st.Lo, st.Hi, st.Median)
	}
}
