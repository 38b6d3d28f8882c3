package bench

import (
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/spec"
)

// A misspelt name is reported before anything runs, at its file:line:col
// with a "did you mean", whichever template it is in and whether or not a
// cell takes the branch it sits in today (a --set or a new cell would).
func TestTrialRenderFindsMisspeltNamesEverywhere(t *testing.T) {
	t.Parallel()
	const head = "name: c\nvars: { debug: \"\", csv: a.csv }\nproviders: [ { name: p, api: openai, models: [ m1, m2 ] } ]\nmatrix: { lang: [ py, js ] }\n"
	cases := []struct {
		name, src, want string
	}{
		{"command, taken branch", "command: echo {{ .modle }}\n", `c.yaml:5:18: command: {{ .modle }}: no value "modle"; did you mean .model?`},
		{"command, branch no cell takes", "command: echo {{ if eq .model \"m9\" }}{{ .provider.nmae }}{{ end }}\n", `c.yaml:5:41: command: {{ .provider.nmae }}: .provider has no "nmae"; did you mean .provider.name?`},
		{"command, else of an axis", "command: '{{ if eq .matrix.lang \"py\" }}python3 x.py{{ else if eq .matrix.lang \"go\" }}{{ .matrix.lnag }}{{ end }}'\n", `command: {{ .matrix.lnag }}: .matrix has no "lnag"; did you mean .matrix.lang?`},
		{"command, behind a var set later", "command: 'x {{ if .vars.debug }}--log {{ .vars.cvs }}{{ end }}'\n", `command: {{ .vars.cvs }}: .vars has no "cvs"; did you mean .vars.csv?`},
		{"command, $ inside range", "command: '{{ range .vars }}{{ $.run.idx }}{{ end }}'\n", `command: {{ .run.idx }}: .run has no "idx"; did you mean .run.index?`},
		{"command, else of with", "command: '{{ with .vars.debug }}{{ . }}{{ else }}{{ .spec.nmae }}{{ end }}'\n", `command: {{ .spec.nmae }}: .spec has no "nmae"; did you mean .spec.name?`},
		{"setup", "command: x\nsetup: [ 'make {{ if .vars.debug }}{{ .vars.dbug }}{{ end }}' ]\n", `setup[0]: {{ .vars.dbug }}: .vars has no "dbug"; did you mean .vars.debug?`},
		{"setup sees no cell", "command: x\nsetup: [ 'make {{ .model }}' ]\n", `setup[0]: {{ .model }}: no value "model"`},
		{"cleanup", "command: x\ncleanup: [ 'rm {{ if .vars.debug }}{{ .tpm }}{{ end }}' ]\n", `cleanup[0]: {{ .tpm }}: no value "tpm"; did you mean .tmp?`},
		{"prepare", "command: x\nprepare: [ 'mkdir {{ if false }}{{ .run.dri }}{{ end }}' ]\n", `prepare[0]: {{ .run.dri }}: .run has no "dri"; did you mean .run.dir?`},
		{"spec env", "command: x\nenv: { A: '{{ if .vars.debug }}{{ .modl }}{{ end }}' }\n", `env.A: {{ .modl }}: no value "modl"; did you mean .model?`},
		{"artifact", "command: x\nartifacts: { r: '{{ if .run.warmup }}{{ .run.dri }}{{ end }}/*.html' }\n", `artifacts.r: {{ .run.dri }}: .run has no "dri"; did you mean .run.dir?`},
		{"output", "command: x\noutput: 'out/{{ if .vars.debug }}{{ .spec.nmae }}{{ end }}'\n", `output: {{ .spec.nmae }}: .spec has no "nmae"; did you mean .spec.name?`},
		{"judge", "command: x\njudge: { command: 'score {{ if .vars.debug }}{{ .run.lgo }}{{ end }}' }\n", `judge.command: {{ .run.lgo }}: .run has no "lgo"; did you mean .run.log?`},
		// An unset .env variable: per cell, requires.env is the way out; in a
		// benchmark-wide template it does not apply, and the message says so.
		{"env in command", "command: 'x {{ .env.RUNNER_TEST_NEVER_SET_Y }}'\n", `command: {{ .env.RUNNER_TEST_NEVER_SET_Y }}: environment variable RUNNER_TEST_NEVER_SET_Y is not set; set it, or list it in the provider's requires.env`},
		{"env in setup", "command: x\nsetup: [ 'login {{ .env.RUNNER_TEST_NEVER_SET_Y }}' ]\n", `setup[0]: {{ .env.RUNNER_TEST_NEVER_SET_Y }}: environment variable RUNNER_TEST_NEVER_SET_Y is not set; this template runs once for the whole benchmark`},
		{"env in cleanup", "command: x\ncleanup: [ 'rm {{ .env.RUNNER_TEST_NEVER_SET_Y }}' ]\n", `{{ env "RUNNER_TEST_NEVER_SET_Y" }} (empty when unset)`},
		{"env in output, which sees none", "command: x\noutput: 'out/{{ .env.HOME }}'\n", `output: {{ .env }}: no value "env" (there are: .spec, .started, .vars)`},
		{"judge env", "command: x\njudge: { command: s, env: { A: '{{ if false }}{{ .artifacts.reprots }}{{ end }}' } }\n", `judge.env.A: {{ .artifacts.reprots }}: .artifacts has no "reprots"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse("c.yaml", []byte(head+tc.src), nil)
			if err != nil {
				t.Fatal(err)
			}
			cells, err := plan.Expand(s, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = TrialRender(s, cells)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
	// What is spelt right passes, in every branch; .env is left to the render.
	// .provider.api is a plain string, as sprig's functions take it.
	ok := head + "command: '{{ .provider.api | upper }} {{ if .vars.debug }}{{ .vars.csv }} {{ .started.Format \"2006\" }}{{ end }}{{ range $k, $v := .matrix }}{{ $k }}{{ end }}{{ with .vars.csv }}{{ . }}{{ end }}{{ if false }}{{ .env.RUNNER_TEST_NEVER_SET_X }}{{ end }}'\n"
	s, err := spec.Parse("c.yaml", []byte(ok), nil)
	if err != nil {
		t.Fatal(err)
	}
	cells, _ := plan.Expand(s, nil)
	if err := TrialRender(s, cells); err != nil {
		t.Errorf("a correct template is refused: %v", err)
	}
}
