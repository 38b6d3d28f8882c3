package spec

import (
	"strings"
	"testing"
)

func TestRedactSource(t *testing.T) {
	src := `name: s
vars:
  csv: data.csv
  api_token: "tok-1234567890"
  DB_PASSWORD: hunter2hunter2
command: echo {{ .vars.csv }}
env:
  SERVICE_SECRET: literal-secret-value
  OPENAI_API_KEY: "{{ .env.OPENAI_API_KEY }}"
  MODE: fast
providers:
  - name: p
    env: { OTHER_KEY: 'other-literal-key' }
`
	s, err := Parse("s.yaml", []byte(src), []string{"api_token=set-on-the-command-line"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := RedactSource(s.File, s.Source)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, secret := range []string{"set-on-the-command-line", "hunter2hunter2", "literal-secret-value", "other-literal-key"} {
		if strings.Contains(text, secret) {
			t.Errorf("redacted spec still holds %q:\n%s", secret, text)
		}
	}
	for _, kept := range []string{"csv: data.csv", "{{ .env.OPENAI_API_KEY }}", "MODE: fast"} {
		if !strings.Contains(text, kept) {
			t.Errorf("redacted spec lost %q:\n%s", kept, text)
		}
	}
	if _, err := Parse("out.yaml", out, nil); err != nil {
		t.Errorf("the redacted spec does not load: %v", err)
	}
	plain := []byte("name: s\ncommand: x\nvars: { word: hi }\n")
	if out, _ := RedactSource("p.yaml", plain); string(out) != string(plain) {
		t.Errorf("a spec without secrets changed: %q", out)
	}
}

// A key written anywhere else in the spec — into a command, a setup line,
// the title, a block scalar — is masked in the copy too, and the copy loads.
func TestRedactSourceKeysAnywhere(t *testing.T) {
	for name, src := range map[string]string{
		"inline": `name: s
title: "Bench sk-literaltitlesecret0123456789"
setup: [ "echo --token=sk-literalsetupsecret0123456789" ]
command: "curl -H 'Authorization: Bearer literalbearer0123456789' --api-key sk-literalcmdsecret0123456789 \"x\""
`,
		"block": `name: s
title: t
command: |
  curl -H 'Authorization: Bearer literalbearer0123456789'
  run --api-key sk-literalcmdsecret0123456789
`,
	} {
		out, err := RedactSource("s.yaml", []byte(src))
		if err != nil {
			t.Fatal(name, err)
		}
		for _, secret := range []string{"literaltitlesecret", "literalsetupsecret", "literalbearer", "literalcmdsecret"} {
			if strings.Contains(string(out), secret) {
				t.Errorf("%s: the copy holds %q:\n%s", name, secret, out)
			}
		}
		s, err := Parse("out.yaml", out, nil)
		if err != nil {
			t.Errorf("%s: the copy does not load: %v\n%s", name, err, out)
			continue
		}
		if !strings.Contains(s.Command.Source, "REDACTED") || !strings.Contains(s.Command.Source, "curl -H") {
			t.Errorf("%s: command %q, want it kept with the key masked", name, s.Command.Source)
		}
	}
}
