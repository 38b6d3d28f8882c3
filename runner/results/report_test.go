package results

import (
	"math"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

func TestReportShapeData(t *testing.T) {
	t.Parallel()
	s := load(t, verdictSpec+`cooldown: 5s
warmup: 1
report: { reference: mid, prices_date: "2024-10-22", prices_source: list prices }
artifacts:
  reports: "*.html"
  sessions: { path: sessions, unit: MB }
`)
	tok := map[string]record.Tokens{"A": {Input: 1000, Output: 100, CachedInput: 400}, "B": {Input: 2000, Output: 500}}
	var recs []record.Run
	for i := 1; i <= 2; i++ {
		for _, cell := range []string{"fast", "mid"} {
			r := run(cell, i, 5, tok)
			r.TokenSource = record.SourceEvents
			r.Artifacts = map[string]record.Artifact{"reports": {MB: 0.05, Files: 3}, "sessions": {MB: 0.2, Files: 9}}
			recs = append(recs, r)
		}
	}
	w := run("mid", 1, 5, tok)
	w.Warmup = true
	recs = append(recs, w)
	sum := Compute(s, record.Benchmark{Options: record.Options{DryRun: true}}, recs)

	m := sum.Method
	if m.RunsPerCell != 3 || m.WarmupPerCell != 1 || m.MeasuredRuns != 4 || m.WarmupRuns != 1 || m.Cells != 2 {
		t.Errorf("runs in methodology: %+v", m)
	}
	if m.CooldownS != 5 || !m.CooldownSkipped || !m.DryRun || m.Order != "sequential" || m.Concurrency != 1 {
		t.Errorf("a dry run's cool-down must be the spec's and marked skipped: %+v", m)
	}
	if len(m.Prices) != 1 || m.Prices[0].Pattern != "m" || m.PricesDate != "2024-10-22" || m.PricesSource != "list prices" {
		t.Errorf("price cards: %+v", m.Prices)
	}
	if len(m.TokenSources) != 1 || m.TokenSources[0].Source != record.SourceEvents || len(m.TokenSources[0].Cells) != 2 {
		t.Errorf("token sources: %+v", m.TokenSources)
	}
	if sum.Reference != "mid" || sum.Ref() == nil || sum.Ref().ID != "mid" {
		t.Errorf("reference = %q", sum.Reference)
	}

	c := sum.Cells[0]
	// Input: 2600 plain at $3 + 400 cached at $0.30; output 600 at $15.
	wantIn, wantCached, wantOut := (2600*3.0+400*0.30)/1e6, 400*0.30/1e6, 600*15.0/1e6
	if math.Abs(c.InputCost.Mean-wantIn) > 1e-12 || math.Abs(c.CachedInputCost.Mean-wantCached) > 1e-12 || math.Abs(c.OutputCost.Mean-wantOut) > 1e-12 {
		t.Errorf("cost split: in %v cached %v out %v, want %v %v %v", c.InputCost.Mean, c.CachedInputCost.Mean, c.OutputCost.Mean, wantIn, wantCached, wantOut)
	}
	if math.Abs(c.InputCost.Mean+c.OutputCost.Mean-c.Cost.Mean) > 1e-12 {
		t.Errorf("input %v + output %v != cost %v", c.InputCost.Mean, c.OutputCost.Mean, c.Cost.Mean)
	}
	units := map[string]string{}
	for _, a := range c.Artifacts {
		units[a.Name] = a.Unit
		if a.Name == "reports" && math.Abs(a.Size.Mean-0.05*1024) > 1e-9 {
			t.Errorf("reports size in KB = %v", a.Size.Mean)
		}
	}
	if units["reports"] != "KB" || units["sessions"] != "MB" {
		t.Errorf("units = %v: small sizes default to KB, the spec's unit wins", units)
	}
	v := c.Verdicts[0]
	if v.Op != "<" || v.Limit == nil || *v.Limit != 10 {
		t.Errorf("bound of %q = %q %v", v.Target, v.Op, v.Limit)
	}
}

func TestBound(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src, op string
		limit   float64
	}{
		{"total.time.mean < 300", "<", 300},
		{`phase("Data Preparation").time.mean <= 1.5e1`, "<=", 15},
		{"cost.mean>0.3", ">", 0.3},
		{"total.time.mean < 300 && cost.mean < 1", "", 0},
		{"provider == \"x\"", "", 0},
	} {
		op, lim := bound(c.src)
		if op != c.op || (lim == nil) != (c.op == "") || (lim != nil && *lim != c.limit) {
			t.Errorf("bound(%q) = %q %v, want %q %v", c.src, op, lim, c.op, c.limit)
		}
	}
}
