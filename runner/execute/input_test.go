package execute

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// A run that names thousands of undeclared phases warns about the first
// ones and says how many more there were; its record keeps every phase.
func TestWarningFloodIsCapped(t *testing.T) {
	job := Job{
		Command: `i=0; while [ $i -lt 3000 ]; do echo '` + EventPrefix + `{"event":"phase_start","phase":"item '$i'"}'; i=$((i+1)); done`,
		Phases:  []string{"Declared"},
	}
	r, w, _ := run(t, job, record.StatusOK)
	msgs := strings.Split(w.all(), "\n")
	if len(msgs) != maxRunWarnings+1 || !strings.Contains(msgs[maxRunWarnings], "2980 more warnings in this run were not shown") {
		t.Errorf("%d warnings, the last %q", len(msgs), msgs[len(msgs)-1])
	}
	if len(r.Warnings) != maxRunWarnings+1 || r.Warnings[0] != msgs[0] {
		t.Errorf("record warnings %d: %q", len(r.Warnings), r.Warnings[:min(3, len(r.Warnings))])
	}
	if len(r.Phases) < 3000 {
		t.Errorf("record has %d phases", len(r.Phases))
	}
}

// An artifact that reaches far (here: a folder larger than the bound) is
// measured up to the bound, marked partial, and the record says why.
func TestArtifactWalkIsBounded(t *testing.T) {
	saved := artifactLimit
	t.Cleanup(func() { artifactLimit = saved })
	artifactLimit.entries = 100

	dir := t.TempDir()
	job := Job{
		Command: `mkdir -p big/sub && for i in $(seq 1 150); do echo x > big/f$i; echo x > big/sub/g$i; done`,
		Dir:     dir,
		Artifacts: []Artifact{
			{"everything", "big"},
			{"glob", "big/*"},
			{"small", "big/f1"},
		},
	}
	r, _, _ := run(t, job, record.StatusOK)
	for _, name := range []string{"everything", "glob"} {
		a := r.Artifacts[name]
		if !a.Partial || a.Files == 0 || a.Files > 100 {
			t.Errorf("artifact %s = %+v, want partial with at most 100 files", name, a)
		}
	}
	if a := r.Artifacts["small"]; a.Partial || a.Files != 1 {
		t.Errorf("artifact small = %+v", a)
	}
	warned := 0
	for _, w := range r.Warnings {
		if strings.Contains(w, "stopped after 100 files and folders: its size is a lower bound") {
			warned++
		}
	}
	if warned != 2 {
		t.Errorf("record warnings %q", r.Warnings)
	}
}

// A workload's phase named like the runner's own sums ("(other)") would be
// added up with the time outside every phase: the event is refused as
// malformed, and an extract.phase match of it starts no phase.
func TestReservedPhaseNamesRefused(t *testing.T) {
	for _, name := range []string{record.OtherPhase, record.OtherPhases} {
		for _, kind := range []string{"phase_start", "phase_end"} {
			if _, err := parseEvent([]byte(`{"event":"` + kind + `","phase":"` + name + `"}`)); err == nil || !strings.Contains(err.Error(), "runner's own") {
				t.Errorf("%s %q: err %v, want refused", kind, name, err)
			}
		}
	}
	if _, err := parseEvent([]byte(`{"event":"phase_start","phase":"Other"}`)); err != nil {
		t.Errorf("an ordinary name was refused: %v", err)
	}
}

// The RUNNER_EVENTS file stays in the output folder beside the run's log:
// the secrets its lines hold are scrubbed after the run, as the log's are,
// and its events still count.
func TestEventsFileScrubbed(t *testing.T) {
	const key = "sk-proj-eventsfilesecret0123456789"
	t.Setenv("OPENAI_API_KEY", key)
	events := filepath.Join(t.TempDir(), "events.jsonl")
	script := `echo '{"event":"metric","name":"q","value":2,"reason":"used ` + key + `"}' >> "$RUNNER_EVENTS"
echo 'debug: Authorization: Bearer ` + key + `' >> "$RUNNER_EVENTS"
echo '::runner::{"event":"usage","input_tokens":3,"output_tokens":4}' >> "$RUNNER_EVENTS"`
	r, _, _ := run(t, Job{Command: script, EventsPath: events}, record.StatusOK)
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "eventsfilesecret") {
		t.Errorf("events file holds the key:\n%s", b)
	}
	if !strings.Contains(string(b), `"reason":"used REDACTED"`) || !strings.Contains(string(b), `::runner::{"event":"usage"`) {
		t.Errorf("events file lost its lines:\n%s", b)
	}
	if r.Metrics["q"] != 2 || len(r.Usage) != 1 {
		t.Errorf("metrics %v usage %+v, want the file's events counted", r.Metrics, r.Usage)
	}
}

// An event whose "ts" lies outside the run — in milliseconds, or from
// another day — is malformed, not clamped into a phase of 0 s.
func TestTimestampOutsideTheRunRefused(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	script := `ms=$(($(date +%s) * 1000))
echo "::runner::{\"event\":\"phase_start\",\"phase\":\"A\",\"ts\":$ms}"
echo "::runner::{\"event\":\"phase_start\",\"phase\":\"B\",\"ts\":100}"
echo "::runner::{\"event\":\"phase_start\",\"phase\":\"C\",\"ts\":$(date +%s)}"
echo "{\"event\":\"phase_end\",\"phase\":\"C\",\"ts\":$ms}" >> "$RUNNER_EVENTS"`
	r, w, _ := run(t, Job{Command: script, EventsPath: events}, record.StatusOK)
	if r.BadEvents != 3 {
		t.Errorf("bad events %d, want 3; warnings %q", r.BadEvents, w.all())
	}
	if got := strings.Join(phaseNames(r), ","); strings.Contains(got, "A") || strings.Contains(got, "B") || !strings.Contains(got, "C") {
		t.Errorf("phases %s, want C only", got)
	}
	if !strings.Contains(w.all(), "milliseconds?") || !strings.Contains(w.all(), "before the run began") {
		t.Errorf("warnings %q, want both named", w.all())
	}
}
