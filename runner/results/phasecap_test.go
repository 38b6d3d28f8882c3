package results

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// A workload that names a phase per item: the summary shows the declared
// phases and the undeclared ones that took the most time, sums the rest into
// one phase, and says so once. No time or token is lost.
func TestManyPhasesAreCappedAndSummed(t *testing.T) {
	t.Parallel()
	s := load(t, "name: p\ncommand: x\nphases: [ Load, Save ]\n")
	const extra = 5000
	var recs []record.Run
	var want float64
	for i := 1; i <= 3; i++ {
		r := record.Run{Cell: "c", Provider: "c", Index: i, Status: record.StatusOK, WallSeconds: 100}
		r.Phases = append(r.Phases, record.Phase{Name: "Load", Seconds: 1}, record.Phase{Name: "Save", Seconds: 0.5})
		for j := range extra {
			secs := 0.001
			if j%1000 == 7 { // five big ones
				secs = 2 + float64(j)/1000
			}
			r.Phases = append(r.Phases, record.Phase{Name: fmt.Sprintf("item %05d", j), Seconds: secs})
			r.Usage = append(r.Usage, record.Usage{Phase: fmt.Sprintf("item %05d", j), Source: record.SourceEvents, Tokens: record.Tokens{Input: 10, Output: 1}})
		}
		for _, p := range r.Phases {
			want += p.Seconds
		}
		recs = append(recs, r)
	}
	sum := Compute(s, record.Benchmark{}, recs)

	if len(sum.Phases) != MaxPhases+1 {
		t.Fatalf("summary has %d phases, want %d: %v", len(sum.Phases), MaxPhases+1, sum.Phases[:min(len(sum.Phases), 30)])
	}
	if sum.Phases[0] != "Load" || sum.Phases[1] != "Save" || sum.Phases[MaxPhases] != OtherPhases {
		t.Errorf("declared first, the sum last: %v", sum.Phases)
	}
	big := 0
	for _, p := range sum.Phases {
		if p == "item 00007" || p == "item 04007" {
			big++
		}
	}
	if big != 2 {
		t.Errorf("the phases that took the most time are not all shown: %v", sum.Phases)
	}
	var warns []string
	for _, w := range sum.Warnings {
		if strings.Contains(w, "phases are not declared") {
			warns = append(warns, w)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "5000 phases are not declared in the spec; the report shows the 18 that took the most time and sums the other 4982") {
		t.Errorf("want one warning with the counts, got %q", warns)
	}
	c := sum.Cells[0]
	var got, tokens float64
	for _, p := range c.Phases {
		got += p.Time.Mean * 3
		tokens += p.Tokens.Mean * 3
	}
	if math.Abs(got-want) > 1e-6 || tokens != 3*extra*11 {
		t.Errorf("phase time %.6f s (want %.6f), tokens %.0f (want %d)", got, want, tokens, 3*extra*11)
	}
	if len(sum.Runs[0].Phases) != MaxPhases+1 {
		t.Errorf("a run's derived phases (CSV columns): %d", len(sum.Runs[0].Phases))
	}
	if len(recs[0].Phases) != 2+extra {
		t.Errorf("the record lost phases: %d", len(recs[0].Phases))
	}
}

// A few undeclared phases are shown as they are.
func TestFewUndeclaredPhasesUncapped(t *testing.T) {
	t.Parallel()
	s := load(t, "name: p\ncommand: x\nphases: [ A ]\n")
	r := record.Run{Cell: "c", Provider: "c", Index: 1, Status: record.StatusOK, WallSeconds: 3,
		Phases: []record.Phase{{Name: "A", Seconds: 1}, {Name: "x", Seconds: 1}, {Name: "y", Seconds: 1}}}
	sum := Compute(s, record.Benchmark{}, []record.Run{r})
	if strings.Join(sum.Phases, ",") != "A,x,y" || len(sum.Warnings) != 0 {
		t.Errorf("phases %v, warnings %v", sum.Phases, sum.Warnings)
	}
}

// A run whose artifact walk stopped at its bound makes the artifact's sizes
// lower bounds, and the summary counts those runs.
func TestPartialArtifactCounted(t *testing.T) {
	t.Parallel()
	s := load(t, "name: p\ncommand: x\nartifacts: { all: / }\n")
	var recs []record.Run
	for i, partial := range []bool{true, false, true} {
		recs = append(recs, record.Run{Cell: "c", Provider: "c", Index: i + 1, Status: record.StatusOK, WallSeconds: 1,
			Artifacts: map[string]record.Artifact{"all": {MB: 100, Files: 100000, Partial: partial}}})
	}
	sum := Compute(s, record.Benchmark{}, recs)
	if a := sum.Cells[0].Artifacts[0]; a.Partial != 2 {
		t.Errorf("partial runs = %d, want 2", a.Partial)
	}
}
