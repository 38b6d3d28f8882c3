package cassette

import (
	"slices"
	"testing"

	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/spec"
)

// Under replay.missing: refuse, the runs checked are those of the schedule
// the benchmark runs: a shard whose first run of a cell is run2 warms up
// before run2, so a recording without warmup1 is refused there too.
func TestFitChecksTheSchedule(t *testing.T) {
	t.Parallel()
	lib := &Library{Dir: "rec", cells: map[string][]string{"a": {"run1", "run2"}}}
	p := &spec.Provider{Name: "p", API: "openai"}
	cells := []plan.Cell{{ID: "a", Provider: p}, {ID: "b", Provider: p}}
	shard2 := []plan.Pair{{Cell: &cells[0], Index: 2}}
	got := lib.Fit(cells, plan.WithWarmups(shard2, 1), spec.MissingRefuse, "rec")
	if want := []string{"b", "a/warmup1"}; !slices.Equal(got, want) {
		t.Errorf("refuse: lacks %q, want %q", got, want)
	}
	if got := lib.Fit(cells, plan.WithWarmups(shard2, 1), spec.MissingReuse, "rec"); len(got) != 0 || cells[1].Skip == "" {
		t.Errorf("reuse: lacks %q, cell b skip %q", got, cells[1].Skip)
	}
}
