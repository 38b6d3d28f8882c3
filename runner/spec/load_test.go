package spec

import (
	"errors"
	"strings"
	"testing"
)

const good = `name: demo
runs: 2
cooldown: 1s
timeout: 10m
setup: "echo setup"
command: echo {{ .vars.word }}
vars: { word: hello }
providers:
  - name: anthropic
    models: [ claude-3-5-sonnet-20241022 ]
  - name: local
    api: none
matrix:
  temperature: [0.2, 0.7]
exclude: [ { provider: local, temperature: "0.7" } ]
phases: [ Build, Test ]
extract:
  phase: '^\[(?P<phase>[^\]]+)\] started'
artifacts:
  reports: "{{ .run.dir }}/*.html"
pricing:
  claude-3-5-sonnet-20241022: { input: 3.00, output: 15.00, cached_input: 0.30 }
  "llama*": { input: 0, output: 0 }
thresholds:
  - name: Total Time
    target: total.time.mean < 300
    acceptable: total.time.mean < 420
  - name: Build
    when: provider == "anthropic"
    target: phase("Build").time.mean < 60 && artifact("reports").mb.mean < 5
projections: [ { label: 1/week, per_month: 4 } ]
`

func TestLoadGood(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Runs != 2 || s.Cooldown.D().Seconds() != 1 || s.Concurrency != 1 || s.Tokens != "auto" {
		t.Errorf("runs/cooldown/concurrency/tokens = %d/%v/%d/%s", s.Runs, s.Cooldown.D(), s.Concurrency, s.Tokens)
	}
	if len(s.Setup) != 1 || s.Setup[0].Source != "echo setup" {
		t.Errorf("a scalar setup should be a list of one, got %+v", s.Setup)
	}
	if s.Providers[0].API != "anthropic" || s.Providers[0].Label != "anthropic" {
		t.Errorf("provider api/label defaults: %+v", s.Providers[0])
	}
	if len(s.Matrix) != 1 || s.Matrix[0].Name != "temperature" || s.Matrix[0].Values[1] != "0.7" {
		t.Errorf("matrix = %+v", s.Matrix)
	}
	if len(s.Pricing) != 2 || s.Pricing[0].Pattern != "claude-3-5-sonnet-20241022" || *s.Pricing[0].CachedInput != 0.30 {
		t.Errorf("pricing = %+v", s.Pricing)
	}
	if s.Thresholds[1].Target.Program == nil || s.Thresholds[1].When.Program == nil {
		t.Error("rules were not compiled")
	}
	if s.Report.File != DefaultReportFile {
		t.Errorf("report file default = %q", s.Report.File)
	}
	out, err := s.Command.Render(map[string]any{"vars": s.Vars})
	if err != nil || out != "echo hello" {
		t.Errorf("command renders %q, %v", out, err)
	}
}

func TestSetOverridesVars(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good), []string{"word=bye"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Vars["word"] != "bye" {
		t.Errorf("vars = %v", s.Vars)
	}
	if _, err := Parse("good.yaml", []byte(good), []string{"wrod=bye"}); err == nil || !strings.Contains(err.Error(), `did you mean "word"?`) {
		t.Errorf("a --set of an undeclared var must be an error, got %v", err)
	}
	if !strings.Contains(string(s.Source), "word: bye") {
		t.Errorf("spec source does not carry --set:\n%s", s.Source)
	}
}

// The acceptance case: four different mistakes, four errors, each at its line.
func TestLoadReportsEveryErrorWithItsPosition(t *testing.T) {
	src := `name: demo
command: echo hi
cooldwn: 5s
timeout: 10x
phases: [ Build ]
thresholds:
  - name: Typo
    target: total.tme.mean < 300
  - name: Phase
    target: phase("No Such Phase").time.mean < 60
`
	_, err := Parse("bad.yaml", []byte(src), nil)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want Errors, got %v", err)
	}
	want := []string{
		`bad.yaml:3:1: cooldwn: unknown field "cooldwn"; did you mean "cooldown"?`,
		`bad.yaml:4:10: timeout: expected a duration`,
		`bad.yaml:8:13: thresholds[0].target: ` + "`total.tme.mean < 300`" + `: unknown name "tme" in total`,
		`bad.yaml:10:13: thresholds[1].target: ` + "`" + `phase("No Such Phase").time.mean < 60` + "`" + `: phase("No Such Phase"): no such phase; declared: "Build"`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d:\n got %s\nwant %s...", i, errs[i], w)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"missing name", "command: x\n", "bad.yaml:1:1: name: required"},
		{"bad name", "name: Demo X\ncommand: x\n", `bad.yaml:1:7: name: "Demo X" must match`},
		{"missing command", "name: d\n", "command: required"},
		{"runs not a number", "name: d\ncommand: x\nruns: three\n", `bad.yaml:3:7: runs: expected a whole number, got "three"`},
		{"negative runs", "name: d\ncommand: x\nruns: -1\n", "bad.yaml:3:7: runs: must be at least 1"},
		{"unknown provider key", "name: d\ncommand: x\nproviders:\n  - name: a\n    modles: [x]\n", `bad.yaml:5:5: providers[0].modles: unknown field "modles"; did you mean "models"?`},
		{"bad api", "name: d\ncommand: x\nproviders: [ { name: a, api: cohere } ]\n", `providers[0].api: "cohere" is not one of: openai, anthropic, gemini, ollama, none`},
		{"duplicate provider", "name: d\ncommand: x\nproviders: [ { name: a }, { name: a } ]\n", `providers[1].name: "a" is declared twice`},
		{"exclude unknown axis", "name: d\ncommand: x\nexclude: [ { temp: 1 } ]\n", `exclude[0].temp: unknown axis "temp"`},
		{"regex without group", "name: d\ncommand: x\nextract: { phase: 'started (.*)' }\n", "extract.phase: needs a named group (?P<phase>...)"},
		{"bad regex", "name: d\ncommand: x\nextract: { usage: '(' }\n", "bad.yaml:3:19: extract.usage: bad regular expression"},
		{"bad template", "name: d\ncommand: echo {{ .vars.x \n", "bad.yaml:2:10: command: bad template"},
		// {{ }} where nothing renders it, whatever the field: a template that
		// would be taken as written.
		{"template in requires.url", "name: d\ncommand: x\nproviders: [ { name: a, requires: { url: 'http://{{ .vars.host }}/' } } ]\n", `bad.yaml:3:42: providers[0].requires.url: is not a template`},
		{"template in a recommendation", "name: d\ncommand: x\nrecommendations: [ { when: cost.mean > 1, text: 'use {{ .model }}' } ]\n", `bad.yaml:3:49: recommendations[0].text: is not a template`},
		{"template in a var", "name: d\ncommand: x\nvars: { out: '{{ .tmp }}/x' }\n", `bad.yaml:3:14: vars.out: is not a template`},
		{"template in a base_url", "name: d\ncommand: x\nproviders: [ { name: a, api: openai, base_url: 'http://{{ .vars.h }}' } ]\n", `providers[0].base_url: is not a template`},
		{"template in a phase", "name: d\ncommand: x\nphases: [ '{{ .model }}' ]\n", `bad.yaml:3:11: phases[0]: is not a template`},
		{"requires.url without scheme", "name: d\ncommand: x\nproviders: [ { name: a, requires: { url: 'localhost:11434' } } ]\n", `providers[0].requires.url: "localhost:11434" must start with http:// or https://`},
		{"requires.url without host", "name: d\ncommand: x\nproviders: [ { name: a, requires: { url: 'http:///x' } } ]\n", `providers[0].requires.url: "http:///x" has no host`},
		{"rule not boolean", "name: d\ncommand: x\nthresholds: [ { name: t, target: total.time.mean } ]\n", "must be a true/false condition"},
		{"rule without target", "name: d\ncommand: x\nthresholds: [ { name: t } ]\n", "thresholds[0].target: required"},
		{"artifact unknown", "name: d\ncommand: x\nthresholds: [ { name: t, target: 'artifact(\"x\").mb.mean < 1' } ]\n", `artifact("x"): the spec declares no artifacts`},
		{"quality out of range", "name: d\ncommand: x\nquality: { default: 11 }\n", `quality.default: scores are 0 to 10, got 11`},
		{"judge without command", "name: d\ncommand: x\njudge: { timeout: 1m }\n", `judge.command: required`},
		{"projection without frequency", "name: d\ncommand: x\nprojections: [ { label: x } ]\n", "projections[0].per_month: must be more than 0"},
		{"yaml syntax", "name: d\ncommand: [x\n", "bad.yaml:"},
		{"tokens", "name: d\ncommand: x\ntokens: all\n", `tokens: "all" is not one of: proxy, events, auto`},
		{"reference unknown provider", "name: d\ncommand: x\nproviders: [ { name: anthropic } ]\nreport: { reference: antropic }\n", `bad.yaml:4:22: report.reference: "antropic" names no provider (a provider name, or provider/model); did you mean "anthropic"?`},
		{"reference unknown model", "name: d\ncommand: x\nproviders: [ { name: a, models: [m1, m2] } ]\nreport: { reference: a/m3 }\n", `report.reference: "a/m3": provider a has no model "m3"`},
		{"artifact unit", "name: d\ncommand: x\nartifacts: { r: { path: '*.html', unit: GB } }\n", `bad.yaml:3:41: artifacts.r.unit: expected one of KB, MB, got "GB"`},
		{"artifact key", "name: d\ncommand: x\nartifacts: { r: { path: '*.html', units: KB } }\n", `artifacts.r.units: unknown field "units"; did you mean "unit"?`},
		{"artifact without path", "name: d\ncommand: x\nartifacts: { r: { unit: KB } }\n", `artifacts.r: needs a path`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.src), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

func TestReferenceAndArtifactUnit(t *testing.T) {
	src := "name: d\ncommand: x\nproviders: [ { name: a, models: [m1, big-2] }, { name: b } ]\n" +
		"report: { reference: a/big-* }\nartifacts: { r: { path: '*.html', unit: KB }, s: sessions }\n"
	s, err := Parse("good.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		provider, model string
		want            bool
	}{{"a", "big-2", true}, {"a", "m1", false}, {"b", "", false}} {
		if got := s.IsReference(c.provider, c.model); got != c.want {
			t.Errorf("IsReference(%s, %s) = %v, want %v", c.provider, c.model, got, c.want)
		}
	}
	if len(s.Artifacts) != 2 || s.Artifacts[0].Unit != "KB" || s.Artifacts[0].Path.Source != "*.html" || s.Artifacts[1].Unit != "" {
		t.Errorf("artifacts = %+v", s.Artifacts)
	}
}

func TestRenderErrorNamesField(t *testing.T) {
	s, err := Parse("t.yaml", []byte("name: d\ncommand: echo {{ .vars.missing }}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Command.Render(map[string]any{"vars": map[string]string{}})
	if err == nil || !strings.Contains(err.Error(), "t.yaml:2:18: command:") || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("render error = %v", err)
	}
}

// A spec without timeouts still bounds every run and every cleanup command:
// an upstream that never answers must not hang the benchmark forever.
func TestDefaultTimeouts(t *testing.T) {
	s, err := Parse("t.yaml", []byte("name: t\ncommand: sleep 1\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timeout.D() != DefaultTimeout || DefaultTimeout <= 0 {
		t.Errorf("timeout = %v, want the default %v", s.Timeout.D(), DefaultTimeout)
	}
	if s.CleanupTimeout.D() != DefaultCleanupTimeout || DefaultCleanupTimeout <= 0 {
		t.Errorf("cleanup_timeout = %v, want the default %v", s.CleanupTimeout.D(), DefaultCleanupTimeout)
	}
	s, err = Parse("t.yaml", []byte("name: t\ncommand: sleep 1\ntimeout: 5s\ncleanup_timeout: 3s\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timeout.D().Seconds() != 5 || s.CleanupTimeout.D().Seconds() != 3 {
		t.Errorf("timeout/cleanup_timeout = %v/%v, want 5s/3s", s.Timeout.D(), s.CleanupTimeout.D())
	}
}

// The whole message for a wrong report.reference reads as one sentence with
// the suggestion and the names in brackets (it once ended "?; its models:").
func TestReferenceMessage(t *testing.T) {
	for _, c := range []struct{ name, providers, ref, want string }{
		{"provider typo", "[ { name: anthropic }, { name: openai } ]", "antropic",
			`bad.yaml:4:22: report.reference: "antropic" names no provider (a provider name, or provider/model); did you mean "anthropic"? (providers: anthropic, openai)`},
		{"provider far off", "[ { name: anthropic } ]", "zzz",
			`bad.yaml:4:22: report.reference: "zzz" names no provider (a provider name, or provider/model); providers: anthropic`},
		{"model typo", "[ { name: a, models: [big-1, small-1] } ]", "a/big-2",
			`bad.yaml:4:22: report.reference: "a/big-2": provider a has no model "big-2"; did you mean "a/big-1"? (its models: big-1, small-1)`},
		{"model far off", "[ { name: a, models: [big-1, small-1] } ]", "a/zzzzzz",
			`bad.yaml:4:22: report.reference: "a/zzzzzz": provider a has no model "zzzzzz"; its models: big-1, small-1`},
		{"provider without models", "[ { name: a } ]", "a/m",
			`bad.yaml:4:22: report.reference: "a/m": provider a has no model "m" (it lists no models; name the provider alone)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "name: d\ncommand: x\nproviders: " + c.providers + "\nreport: { reference: " + c.ref + " }\n"
			_, err := Parse("bad.yaml", []byte(src), nil)
			if err == nil || strings.TrimSpace(err.Error()) != c.want {
				t.Errorf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

// A timeout of 0 written in the spec is refused, naming the field and the
// default, rather than quietly meaning the default (users read 0 as "none").
func TestZeroTimeoutRefused(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"judge 0s", "name: d\ncommand: x\njudge:\n  command: j\n  timeout: 0s\n",
			`bad.yaml:5:12: judge.timeout: must be more than 0, got 0s (there is no unlimited timeout; leave it out for the default 5m)`},
		{"judge 0", "name: d\ncommand: x\njudge: { command: j, timeout: 0 }\n", `judge.timeout: must be more than 0, got 0`},
		{"run", "name: d\ncommand: x\ntimeout: 0m\n", `bad.yaml:3:10: timeout: must be more than 0, got 0m (there is no unlimited timeout; leave it out for the default 30m)`},
		{"cleanup", "name: d\ncommand: x\ncleanup_timeout: 0h\n", `cleanup_timeout: must be more than 0, got 0h (there is no unlimited timeout; leave it out for the default 1m)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.src), nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got  %v\nwant it to contain %s", err, c.want)
			}
		})
	}
	s, err := Parse("good.yaml", []byte("name: d\ncommand: x\njudge: { command: j }\n"), nil)
	if err != nil || s.Judge.Timeout.D() != DefaultJudgeTimeout {
		t.Errorf("judge without timeout: %v, timeout %v, want the default %v", err, s.Judge.Timeout.D(), DefaultJudgeTimeout)
	}
}

// Keys naming models (pricing, simulate.models) are checked against every
// model of the matrix: a key that matches none is a warning at its line with
// a "did you mean"; a glob that cannot match anything is an error.
func TestModelKeysMatchTheMatrix(t *testing.T) {
	t.Parallel()
	const head = "name: d\ncommand: x\nproviders:\n  - { name: a, api: openai, models: [ gpt-4o-mini, gpt-4o ] }\n  - { name: b, api: anthropic, models: [ claude-3-5-haiku ] }\n"
	cases := []struct {
		name, src, warn, err string
	}{
		{"price typo", "pricing: { gpt-4o-mni: { input: 1, output: 2 } }\n", `d.yaml:6:24: pricing.gpt-4o-mni matches no model of the matrix; did you mean "gpt-4o-mini"?`, ""},
		{"price glob that matches nothing", "pricing:\n  gpt-4o: { input: 1, output: 2 }\n  \"gemini-*\": { input: 1, output: 2 }\n", `d.yaml:8:15: pricing.gemini-* matches no model of the matrix`, ""},
		{"price glob typo", "pricing: { \"claude-3-5-haiku*x\": { input: 1, output: 2 } }\n", `pricing.claude-3-5-haiku*x matches no model of the matrix`, ""},
		{"price in the wrong case", "pricing: { GPT-4o: { input: 1, output: 2 } }\n", `pricing.GPT-4o matches no model of the matrix; did you mean "gpt-4o"?`, ""},
		{"price glob that cannot match", "pricing: { \"gpt-4o[\": { input: 1, output: 2 } }\n", "", `pricing.gpt-4o[: "gpt-4o[" is not a valid glob`},
		{"simulate typo", "simulate: { models: { gpt-4o-mni: { ttft: 1s } } }\n", `simulate.models.gpt-4o-mni matches no model of the matrix; did you mean "gpt-4o-mini"?`, ""},
		{"simulate glob that matches nothing", "simulate: { models: { \"claude-3-opus*\": { ttft: 1s } } }\n", `simulate.models.claude-3-opus* matches no model of the matrix`, ""},
		{"simulate glob that cannot match", "simulate: { models: { \"[claude\": { ttft: 1s } } }\n", "", `simulate.models.[claude: "[claude" is not a valid glob`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("d.yaml", []byte(head+tc.src), nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("got %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ws []string
			for _, w := range s.Warnings {
				ws = append(ws, w.Error())
			}
			if !strings.Contains(strings.Join(ws, "\n"), tc.warn) {
				t.Errorf("warnings %q lack %q", ws, tc.warn)
			}
		})
	}
	// Keys that match, exactly or by glob, are not warned about.
	s, err := Parse("d.yaml", []byte(head+"pricing: { \"gpt-4o*\": { input: 1, output: 2 }, claude-3-5-haiku: { input: 1, output: 2 } }\nsimulate: { models: { \"*\": { ttft: 1s } } }\n"), nil)
	if err != nil || len(s.Warnings) != 0 {
		t.Errorf("matching keys: err %v, warnings %v", err, s.Warnings)
	}
}
