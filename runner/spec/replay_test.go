package spec

import (
	"strings"
	"testing"
)

// replay: takes a folder alone or a mapping; its values are checked with
// their positions.
func TestReplayForms(t *testing.T) {
	s, err := Parse("r.yaml", []byte("name: d\ncommand: x\nreplay: outputs/rec\n"), nil)
	if err != nil || s.Replay == nil || s.Replay.Dir != "outputs/rec" || s.Replay.Match != "" || s.Replay.Speed != nil {
		t.Fatalf("short form: %+v, %v", s.Replay, err)
	}
	s, err = Parse("r.yaml", []byte("name: d\ncommand: x\nreplay: { dir: rec, match: sequence, speed: 0, missing: refuse }\n"), nil)
	if err != nil || s.Replay.Dir != "rec" || s.Replay.Match != "sequence" || s.Replay.Speed == nil || *s.Replay.Speed != 0 || s.Replay.Missing != "refuse" {
		t.Fatalf("long form: %+v, %v", s.Replay, err)
	}
	for src, want := range map[string]string{
		"replay: { dir: rec, match: bodies }\n": `r.yaml:3:28: replay.match: expected one of body, sequence, got "bodies"`,
		"replay: { dir: rec, missing: skip }\n": `replay.missing: expected one of reuse, simulate, refuse, got "skip"`,
		"replay: { dir: rec, speed: -1 }\n":     "replay.speed: must not be negative",
		"replay: { match: body }\n":             "replay.dir: names the recording",
		"replay: { dir: rec, mach: body }\n":    `replay.mach: unknown field "mach"; did you mean "match"?`,
		"record: true\nreplay: rec\n":           "record: a benchmark either records",
	} {
		_, err := Parse("r.yaml", []byte("name: d\ncommand: x\n"+src), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}
