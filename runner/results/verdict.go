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
	}
	rules.Fill(&env, c.statOf)
	if env.Matrix == nil {
		env.Matrix = map[string]string{}
	}
	env.Delta = c.delta()
	env.History = c.history()
	env.PhaseOf = func(name string) *rules.Phase[rules.Stat] {
		for _, p := range c.Phases {
			if p.Name == name && p.Time.N > 0 {
				ph := &rules.Phase[rules.Stat]{}
				rules.Fill(ph, p.statOf)
				return ph
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
		if v.Level == rules.NA && strings.HasSuffix(v.Reason, "cost") {
			if models := c.unpriced(); len(models) > 0 {
				v.Reason = fmt.Sprintf("no value to judge: no price for model %s (add it to pricing)", strings.Join(quoteAll(models), ", "))
			}
		}
		if v.Level == rules.NA && v.Reason == "" {
			continue // `when` does not apply to this cell: not shown
		}
		v.Actual, v.Value, v.Unit = actual(t.Target, env)
		c.Verdicts = append(c.Verdicts, v)
		c.Rating = rules.Worse(c.Rating, v.Level)
		wantOfData = wantOfData || v.Level == rules.NA
	}
	if wantOfData && c.Runs > 0 && c.Rating != rules.Fail {
		// A rule that could not be judged for want of a value (tokens no
		// call reported, a cost with no price) may hide a failure: the cell
		// is not rated PASS or ACCEPTABLE on the rules that could.
		c.Rating = rules.NA
	}
	for _, r := range s.Recommendations {
		if ok, err := rules.Eval(r.When.Program, env); err == nil && ok {
			c.Advice = append(c.Advice, r.Text)
		}
	}
}

// level returns the verdict of one rule; an N/A with no reason means the
// rule's `when` excluded the cell. A rule that reads a value the cell lacks
// is N/A, decided before it is evaluated.
func level(t spec.Threshold, env rules.Env) (rules.Level, string) {
	if t.When != nil {
		ok, why := eval(t.When, env)
		if why != "" {
			return rules.NA, "when: " + why
		}
		if !ok {
			return rules.NA, ""
		}
	}
	ok, why := eval(t.Target, env)
	if why != "" {
		return rules.NA, why
	}
	if ok {
		return rules.Pass, ""
	}
	if t.Acceptable != nil {
		ok, why := eval(t.Acceptable, env)
		if why != "" {
			return rules.NA, why
		}
		if ok {
			return rules.Acceptable, ""
		}
	}
	return rules.Fail, ""
}

// eval evaluates a rule, or says why it has no value to judge.
func eval(e *spec.Expr, env rules.Env) (bool, string) {
	if path := rules.Missing(e.Program, env); path != "" {
		return false, noValue(path)
	}
	ok, err := rules.Eval(e.Program, env)
	if err != nil {
		return false, "no value to judge (" + err.Error() + ")"
	}
	return ok, ""
}

// noValue says why the value at path is missing; it ends with the path,
// so that a missing cost can be told (see judge).
func noValue(path string) string {
	switch {
	case path == "delta":
		return "no value to judge: the baseline has no successful runs of this cell to compare with"
	case strings.HasPrefix(path, "delta."):
		return "no value to judge: no change against the baseline for " + path
	case strings.HasSuffix(path, ".stddev"):
		return "no value to judge: a standard deviation needs 2 successful runs at least: " + path
	}
	return "no value to judge: no successful run measured " + path
}

// actual is the value the target compares, when the rule is a comparison,
// with its unit.
func actual(e *spec.Expr, env rules.Env) (text string, value *float64, unit string) {
	v, unit, err := rules.Left(e.Program, env)
	if err != nil {
		return "", nil, ""
	}
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
