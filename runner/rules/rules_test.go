package rules

import (
	"os"
	"strings"
	"testing"
)

var declared = Names{Phases: []string{"Plan", "Write"}, Artifacts: []string{"reports"}}

// Compile errors name what the spec author wrote and what is allowed, in
// the spec's words: no Go type names.
func TestCompileErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      []string
	}{
		{"empty", "  ", []string{"empty expression"}},
		{"misspelt statistic", "total.time.maen < 1", []string{`unknown name "maen" in a statistic (n, mean, stddev, min, max, median, p95)`}},
		{"misspelt total", "total.tme.mean < 1", []string{`unknown name "tme" in total (time, tokens, input_tokens, output_tokens, cached_input_tokens)`}},
		{"misspelt root", "totl.time.mean < 1", []string{`unknown name totl`, "known: (provider, model, matrix, runs, failures, total, cost, memory, cpu, phase(), artifact(), metric(), delta, history)"}},
		{"misspelt phase measure", `phase("Plan").tim.mean < 1`, []string{`unknown name "tim" in phase(...) (time, tokens, input_tokens, output_tokens, cost, ttft)`}},
		{"misspelt delta", "delta.totl.time.pct < 1", []string{`unknown name "totl" in delta (total, cost, memory, cpu, phase())`}},
		{"misspelt change", "delta.total.time.pcts < 1", []string{`in a change (old, new, pct, p, significant)`}},
		{"statistic compared", "total.time < 300", []string{"< compares a statistic", "with a number", "e.g. total.time.mean < 300"}},
		{"phase compared", `phase("Plan") > 3`, []string{`e.g. phase("Name").time.mean < 60`}},
		{"change compared", "delta.cost > 3", []string{"pick a value of the change"}},
		{"totals compared", "total > 3", []string{"e.g. total.tokens.mean < 30000"}},
		{"phase in the wrong case", `phase("plan").time.mean < 3`, []string{`did you mean "Plan"?`}},
		{"unknown phase", `phase("Review").time.mean < 3`, []string{`phase("Review"): no such phase; declared: "Plan", "Write"`}},
		{"unknown delta phase", `delta.phase("Reveiw").time.pct < 3`, []string{`no such phase`}},
		{"unknown artifact", `artifact("report").mb.mean < 3`, []string{`did you mean "reports"?`}},
		{"computed phase name", `phase(provider).time.mean < 3`, []string{"phase() takes a quoted name"}},
		{"not a boolean", "total.time.mean", []string{"must be a true/false condition"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(c.src, declared)
			if err == nil {
				t.Fatalf("%q compiled", c.src)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q: error %q lacks %q", c.src, err, w)
				}
			}
			if strings.Contains(err.Error(), "rules.") {
				t.Errorf("%q: error names a Go type: %q", c.src, err)
			}
		})
	}
}

// Every unit comes from the environment's declaration: paths, the n of a
// statistic, changes, and arithmetic that keeps a unit.
func TestUnits(t *testing.T) {
	t.Parallel()
	paths := map[string]string{
		"total.time.mean":                 "s",
		"total.tokens.p95":                "tokens",
		"total.cached_input_tokens.max":   "tokens",
		"total.time.n":                    "",
		"cost.mean":                       "USD",
		"memory.peak_mb.max":              "MB",
		"cpu.percent.mean":                "%",
		"cpu.seconds.mean":                "s",
		`phase("Plan").time.median`:       "s",
		`phase("Plan").cost.mean`:         "USD",
		`phase("Plan").ttft.mean`:         "s",
		`phase("cost review").time.mean`:  "s", // a phase name is not a unit
		`phase("a.b(\"c\")").tokens.mean`: "tokens",
		`artifact("reports").mb.mean`:     "MB",
		`artifact("reports").files.mean`:  "",
		`metric("cost_ratio").mean`:       "", // nor a metric name
		"delta.total.time.pct":            "%",
		"delta.total.time.old":            "s",
		"delta.cost.new":                  "USD",
		"delta.cost.p":                    "",
		`delta.phase("Plan").tokens.new`:  "tokens",
		"runs":                            "",
		"matrix.temperature":              "",
		"no.such.path":                    "",
		"phase.time.mean":                 "",
		`phase("Plan"`:                    "",
	}
	for src, want := range paths {
		if got := UnitOf(src); got != want {
			t.Errorf("UnitOf(%s) = %q, want %q", src, got, want)
		}
	}
	exprs := map[string]string{
		"total.time.mean":                           "s",
		"total.time.mean * 2":                       "s",
		"2 * cost.mean":                             "USD",
		"total.time.mean + cpu.seconds.mean":        "s",
		"total.tokens.mean / total.time.mean":       "", // tokens per second: no declared unit
		"total.time.mean / 60":                      "s",
		"-delta.total.time.pct":                     "%",
		"total.time.mean + total.tokens.mean":       "",
		"cost.mean * total.tokens.mean":             "",
		`phase("Plan").time.mean / total.time.mean`: "",
		`metric("cost_ratio").mean`:                 "",
	}
	for src, want := range exprs {
		prog, err := Compile(src+" > 0", declared)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		_, unit, err := Left(prog, fullEnv())
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if unit != want {
			t.Errorf("unit of %s = %q, want %q", src, unit, want)
		}
	}
}

func stat(v float64) *Stat { return &Stat{N: 3, Mean: v, Min: v, Max: v, Median: v, P95: v} }

func change(pct float64) *Change {
	return &Change{Old: 1, New: 1 + pct/100, Pct: pct, P: 0.01, Significant: true}
}

// fullEnv has every value; tests take some away.
func fullEnv() Env {
	env := Env{Provider: "p", Model: "m", Matrix: map[string]string{"temperature": "0.2"}, Runs: 3}
	Fill(&env, func(string) *Stat { return stat(10) })
	env.PhaseOf = func(name string) *Phase[Stat] {
		if name == "Write" { // never entered
			return nil
		}
		p := &Phase[Stat]{}
		Fill(p, func(string) *Stat { return stat(5) })
		return p
	}
	env.ArtifactOf = func(string) *Artifact { return &Artifact{MB: stat(1), Files: stat(2)} }
	env.MetricOf = func(name string) *Stat {
		if name == "score" { // never reported
			return nil
		}
		return stat(8)
	}
	d := &Delta{}
	Fill(d, func(string) *Change { return change(5) })
	d.PhaseOf = func(string) *Phase[Change] {
		p := &Phase[Change]{}
		Fill(p, func(string) *Change { return change(5) })
		return p
	}
	env.Delta = d
	return env
}

// A rule that reads a missing value is N/A before it is evaluated, and
// names the value; || and && do not hide it. Values compared with nil, or
// read with ?., are not missing.
func TestMissingValues(t *testing.T) {
	t.Parallel()
	noCost := fullEnv()
	noCost.Cost = nil
	noTokens := fullEnv()
	noTokens.Total.Tokens = nil
	noBaseline := fullEnv()
	noBaseline.Delta = nil
	noPhaseCost := fullEnv()
	noPhaseCost.PhaseOf = func(string) *Phase[Stat] { return &Phase[Stat]{Time: stat(1)} }
	cases := []struct {
		name, src string
		env       Env
		missing   string
		holds     bool
	}{
		{"all there", "total.time.mean < 20 && cost.mean < 20", fullEnv(), "", true},
		{"no cost", "cost.mean < 1", noCost, "cost", false},
		{"no cost behind ||", `provider == "p" || cost.mean < 1`, noCost, "cost", false},
		{"no tokens", "total.tokens.p95 < 1000", noTokens, "total.tokens", false},
		{"phase never entered", `phase("Write").time.mean < 1`, fullEnv(), `phase("Write")`, false},
		{"phase without cost", `phase("Plan").cost.mean < 1`, noPhaseCost, `phase("Plan").cost`, false},
		{"unreported metric", `metric("score").mean > 1`, fullEnv(), `metric("score")`, false},
		{"metric compared with nil", `metric("score") == nil`, fullEnv(), "", true},
		{"metric read with ?.", `(metric("score")?.mean ?? 0) == 0`, fullEnv(), "", true},
		{"no baseline", "delta.total.time.pct < 10", noBaseline, "delta", false},
		{"no baseline phase", `delta.phase("Plan").time.pct < 10`, noBaseline, "delta", false},
		{"baseline", `delta.total.time.pct < 10 || !delta.total.time.significant`, fullEnv(), "", true},
		{"matrix key absent", `matrix.missing == "x"`, fullEnv(), "", false},
		{"artifact", `artifact("reports").mb.mean < 2`, fullEnv(), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			prog, err := Compile(c.src, declared)
			if err != nil {
				t.Fatal(err)
			}
			if got := Missing(prog, c.env); got != c.missing {
				t.Errorf("%s: missing %q, want %q", c.src, got, c.missing)
			}
			if c.missing != "" {
				return
			}
			ok, err := Eval(prog, c.env)
			if err != nil || ok != c.holds {
				t.Errorf("%s = %v, %v; want %v", c.src, ok, err, c.holds)
			}
		})
	}
}

// Fill reaches every metric the environment declares, and Paths lists them.
func TestFillAndPaths(t *testing.T) {
	t.Parallel()
	var asked []string
	env := Env{}
	Fill(&env, func(p string) *Stat { asked = append(asked, p); return stat(1) })
	want := Paths[Env, Stat]()
	if strings.Join(asked, ",") != strings.Join(want, ",") {
		t.Errorf("Fill asked %v, Paths lists %v", asked, want)
	}
	for _, p := range []string{"total.time", "total.cached_input_tokens", "cost", "memory.peak_mb", "cpu.percent", "cpu.seconds"} {
		if !strings.Contains(","+strings.Join(want, ",")+",", ","+p+",") {
			t.Errorf("Paths lacks %s: %v", p, want)
		}
	}
	if env.Total.Time == nil || env.Cost == nil || env.CPU.Seconds == nil {
		t.Errorf("Fill left fields nil: %+v", env)
	}
	if got := strings.Join(Paths[Phase[Change], Change](), ","); got != "time,tokens,input_tokens,output_tokens,cost,ttft" {
		t.Errorf("delta phase paths %s", got)
	}
}

// Every metric of the environment is documented in docs/rules.md, with a
// unit and a meaning declared next to it.
func TestEveryMetricIsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	ref := Reference()
	if len(ref) < 15 {
		t.Fatalf("reference of %d metrics: %+v", len(ref), ref)
	}
	for _, m := range ref {
		if m.Help == "" {
			t.Errorf("%s declares no help", m.Path)
		}
		name := "`" + m.Path + "`"
		if i := strings.LastIndex(m.Path, ")."); i >= 0 { // phase("NAME").tokens is listed as .tokens
			name = "`" + m.Path[i+1:] + "`"
		}
		if !strings.Contains(string(doc), name) && !strings.Contains(string(doc), "`"+m.Path+"`") {
			t.Errorf("docs/rules.md does not mention %s", m.Path)
		}
	}
	for _, m := range ref {
		if m.Path == `phase("NAME").ttft` && m.Unit == "s" {
			return
		}
	}
	t.Errorf(`no phase("NAME").ttft in seconds in %+v`, ref)
}

func TestHistoryPathsCompileWithTheirUnits(t *testing.T) {
	for path, unit := range map[string]string{
		"history.total.time.median":          "s",
		"history.change.total.time.pct":      "%",
		"history.change.cost.old":            "USD",
		`history.phase("A").tokens.mean`:     "tokens",
		`history.change.phase("A").time.pct`: "%",
		"history.benchmarks":                 "",
	} {
		if _, err := Compile(path+" >= 0", Names{Phases: []string{"A"}}); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if got := UnitOf(path); got != unit {
			t.Errorf("UnitOf(%s) = %q, want %q", path, got, unit)
		}
	}
	if _, err := Compile(`history.phase("B").time.mean < 1`, Names{Phases: []string{"A"}}); err == nil {
		t.Error("history.phase of an undeclared phase compiled")
	}
}
