package results

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/runner-bench/runner/runner/rules"
	"github.com/runner-bench/runner/runner/spec"
)

// Env is the rule environment of a cell.
func (c *Cell) Env() rules.Env {
	env := rules.Env{
		Provider: c.Provider, Model: c.Model, Matrix: c.Matrix,
		Runs: c.Runs, Failures: c.Failures,
		Total: rules.Totals{
			Time: c.Time.Rule(), Tokens: c.Tokens.Rule(),
			InputTokens: c.InputTokens.Rule(), OutputTokens: c.OutputTokens.Rule(),
		},
		Cost:   c.Cost.Rule(),
		Memory: rules.Memory{PeakMB: c.MemoryMB.Rule()},
		CPU:    rules.CPU{Percent: c.CPUPercent.Rule(), Seconds: c.CPUSeconds.Rule()},
	}
	if env.Matrix == nil {
		env.Matrix = map[string]string{}
	}
	env.Delta = c.delta()
	env.PhaseOf = func(name string) *rules.Phase {
		for _, p := range c.Phases {
			if p.Name == name && p.Time.N > 0 {
				return &rules.Phase{Time: p.Time.Rule(), Tokens: p.Tokens.Rule(), InputTokens: p.InputTokens.Rule(),
					OutputTokens: p.OutputTokens.Rule(), Cost: p.Cost.Rule()}
			}
		}
		return nil
	}
	env.ArtifactOf = func(name string) *rules.Artifact {
		for _, a := range c.Artifacts {
			if a.Name == name && a.MB.N > 0 {
				return &rules.Artifact{MB: a.MB.Rule(), Files: a.Files.Rule()}
			}
		}
		return nil
	}
	env.MetricOf = func(name string) *rules.Stat {
		if j := c.Judge; name == spec.JudgeMetric && j != nil && j.Judged > 0 {
			return j.Score.Rule() // the judge's scores are the quality measured
		}
		for _, m := range c.Metrics {
			if m.Name == name {
				return m.Stats.Rule()
			}
		}
		if name == "quality" && c.Quality != nil {
			return &rules.Stat{N: 1, Mean: *c.Quality, Min: *c.Quality, Max: *c.Quality, Median: *c.Quality, P95: *c.Quality}
		}
		return nil
	}
	return env
}

// judge evaluates the spec's thresholds and recommendations for the cell.
func (c *Cell) judge(s *spec.Spec) {
	env := c.Env()
	wantOfData := false
	for _, t := range s.Thresholds {
		v := Verdict{Rule: t.Name, Target: t.Target.Source}
		if t.Acceptable != nil {
			v.Acceptable = t.Acceptable.Source
		}
		v.Level, v.Reason = level(t, env)
		if v.Level == NA && v.Reason == "" {
			continue // `when` does not apply to this cell: not shown
		}
		if v.Level == NA && readsCost(t) {
			if models := c.unpriced(); len(models) > 0 {
				v.Reason = fmt.Sprintf("no value to judge: no price for model %s (add it to pricing)", strings.Join(quoteAll(models), ", "))
			}
		}
		v.Actual, v.Value, v.Unit = actual(t.Target, env)
		c.Verdicts = append(c.Verdicts, v)
		c.Rating = worse(c.Rating, v.Level)
		wantOfData = wantOfData || v.Level == NA
	}
	if wantOfData && c.Runs > 0 && c.Rating != Fail {
		// A rule that could not be judged for want of a value (tokens no
		// call reported, a cost with no price) may hide a failure: the cell
		// is not rated PASS or ACCEPTABLE on the rules that could.
		c.Rating = NA
	}
	for _, r := range s.Recommendations {
		if ok, err := rules.Eval(r.When.Program, env); err == nil && ok {
			c.Advice = append(c.Advice, r.Text)
		}
	}
}

// level returns the verdict of one rule; an N/A with no reason means the
// rule's `when` excluded the cell.
func level(t spec.Threshold, env rules.Env) (string, string) {
	if t.When != nil {
		ok, err := rules.Eval(t.When.Program, env)
		if err != nil {
			return NA, "when: " + missing(err)
		}
		if !ok {
			return NA, ""
		}
	}
	ok, err := rules.Eval(t.Target.Program, env)
	if err != nil {
		return NA, missing(err)
	}
	if ok {
		return Pass, ""
	}
	if t.Acceptable != nil {
		ok, err := rules.Eval(t.Acceptable.Program, env)
		if err != nil {
			return NA, missing(err)
		}
		if ok {
			return Acceptable, ""
		}
	}
	return Fail, ""
}

// missing explains an N/A: a rule read a value no successful run gave
// (expr reports it as "cannot get X from Y", which means nothing to a reader).
func missing(err error) string {
	if strings.Contains(err.Error(), "cannot get") || strings.Contains(err.Error(), "nil") || strings.Contains(err.Error(), "zero Value") {
		return "no value to judge: no successful run measured it"
	}
	return "no value to judge (" + err.Error() + ")"
}

// actual is the value the target compares, when the rule is a comparison,
// with its unit.
func actual(e *spec.Expr, env rules.Env) (text string, value *float64, unit string) {
	v, src, err := rules.Left(e.Program, env)
	if err != nil {
		return "", nil, ""
	}
	unit = rules.UnitOf(src)
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64), &x, unit
	case int:
		f := float64(x)
		return strconv.Itoa(x), &f, unit
	default:
		return fmt.Sprint(x), nil, ""
	}
}

var order = map[string]int{"": 0, NA: 0, Pass: 1, Acceptable: 2, Fail: 3}

// worse returns the worse of two levels; N/A never makes a rating worse.
func worse(a, b string) string {
	if order[b] > order[a] {
		return b
	}
	if a == "" && b == NA {
		return ""
	}
	return a
}

// RatingText is how reports name a rating.
func RatingText(level string) string {
	switch level {
	case Pass:
		return "PASS"
	case Acceptable:
		return "ACCEPTABLE"
	case Fail:
		return "NEEDS OPTIMIZATION"
	}
	return "NOT RATED"
}

// readsCost says whether a rule reads a cost (cost, or a phase's .cost).
func readsCost(t spec.Threshold) bool {
	for _, e := range []*spec.Expr{t.When, t.Target, t.Acceptable} {
		if e != nil && strings.Contains(e.Source, "cost") {
			return true
		}
	}
	return false
}

// unpriced lists the models of the cell's successful runs that have no price.
func (c *Cell) unpriced() []string {
	var models []string
	for _, r := range c.runs {
		if !r.OK() {
			continue
		}
		for _, m := range r.Unpriced {
			if !slices.Contains(models, m) {
				models = append(models, m)
			}
		}
	}
	return models
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Quote(x)
	}
	return out
}
