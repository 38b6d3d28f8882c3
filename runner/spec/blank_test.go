package spec

import (
	"strings"
	"testing"
)

// A command the spec requires cannot be written blank: `command: ""` ran
// `sh -c ""` as the workflow (every run "ok", measuring nothing) and
// `judge: { command: "" }` judged every run to no score. Each is refused at
// its file:line:field, like a missing one.
func TestBlankRequiredCommands(t *testing.T) {
	for src, want := range map[string]string{
		"command: \"\"\n":                            `b.yaml:2:10: command: required`,
		"command: \"   \"\n":                         `b.yaml:2:10: command: required`,
		"command: x\njudge: { command: \"\" }\n":     `b.yaml:3:19: judge.command: required`,
		"command: x\njudge: { command: \" \\n\" }\n": `b.yaml:3:19: judge.command: required`,
		"command: x\njudge: { timeout: 1m }\n":       `judge.command: required`,
	} {
		_, err := Parse("b.yaml", []byte("name: d\n"+src), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

// A mistyped run count is refused at its line before anything is planned:
// runs: 99999999999 planned every run in memory and the runner was killed
// (exit 137) without a word.
func TestRunCountsBounded(t *testing.T) {
	for src, want := range map[string]string{
		"runs: 99999999999\n":   "b.yaml:3:7: runs: at most 100000",
		"runs: 100001\n":        "b.yaml:3:7: runs: at most 100000",
		"warmup: 99999999999\n": "b.yaml:3:9: warmup: at most 100000",
	} {
		_, err := Parse("b.yaml", []byte("name: d\ncommand: x\n"+src), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
	if _, err := Parse("b.yaml", []byte("name: d\ncommand: x\nruns: 100000\n"), nil); err != nil {
		t.Errorf("runs: 100000 refused: %v", err)
	}
}
