package execute

import (
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
