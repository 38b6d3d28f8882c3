package output

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

// The CSV has a column per phase for every per-phase metric of the metric
// table, TTFT included (a rule can read phase("plan").ttft, so the CSV a
// user checks it against has it too); a phase without streamed calls, or a
// run that never entered it, leaves it empty rather than 0.
func TestCSVPhaseColumnsFollowTheMetricTable(t *testing.T) {
	var ttft record.Sum
	ttft.Add(0.25)
	ttft.Add(0.35)
	cost := 0.5
	run := func(i int, phases map[string]*results.PhaseRun) *results.Run {
		return &results.Run{Run: &record.Run{Cell: "c", Index: i, Status: record.StatusOK}, Cost: &cost, Phases: phases}
	}
	sum := &results.Summary{Phases: []string{"plan", "write"}, Runs: []*results.Run{
		run(1, map[string]*results.PhaseRun{
			"plan":  {Seconds: 1.5, Tokens: record.Tokens{Input: 10, Output: 5}, Cost: 0.25, TTFT: ttft},
			"write": {Seconds: 2},
		}),
		run(2, map[string]*results.PhaseRun{"write": {Seconds: 2}}),
	}}
	var b bytes.Buffer
	if err := CSV(&b, sum, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, p := range []string{"plan", "write"} {
		for _, m := range results.PhaseColumns() {
			if _, ok := col[p+" "+phaseColumnName(m)]; !ok {
				t.Errorf("no column for phase(%q).%s in %q", p, m.Name, rows[0])
			}
		}
	}
	for _, c := range []struct {
		row        int
		head, want string
	}{
		{1, "plan ttft_s", "0.300"},
		{1, "plan s", "1.500"},
		{1, "plan tokens", "15"},
		{1, "plan input_tokens", "10"},
		{1, "plan cost_usd", "0.250000"},
		{1, "write ttft_s", ""}, // no streamed call
		{2, "plan ttft_s", ""},  // never in the phase
		{2, "plan s", ""},
	} {
		i, ok := col[c.head]
		if !ok {
			t.Errorf("no column %q in %q", c.head, rows[0])
			continue
		}
		if got := rows[c.row][i]; got != c.want {
			t.Errorf("run %d, %q = %q, want %q", c.row, c.head, got, c.want)
		}
	}
}
