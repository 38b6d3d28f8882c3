package output

import (
	"testing"

	"github.com/runner-bench/runner/runner/record"
)

// The Runs sheet has, per phase, the metric table's time, tokens and time
// to first token, as the CSV has them; a phase without a streamed call
// leaves its TTFT empty rather than 0.
func TestWorkbookRunsPhaseColumns(t *testing.T) {
	s, sum := fixture(t, false)
	var ttft record.Sum
	ttft.Add(0.25)
	ttft.Add(0.35)
	streamed := -1
	for i, r := range sum.Runs {
		if p := r.Phases["Performance Analysis"]; p != nil && streamed < 0 {
			p.TTFT, streamed = ttft, i
		}
	}
	_, f := writeBook(t, s, sum)
	rows, err := f.GetRows(SheetRuns)
	if err != nil {
		t.Fatal(err)
	}
	head := rows[headRow-1]
	for _, p := range sum.Phases {
		for _, h := range []string{p + " (s)", p + " tokens", p + " time to first token (s)"} {
			if !contains(head, h) {
				t.Errorf("no column %q in %q", h, head)
			}
		}
	}
	col := indexOf(head, "Performance Analysis time to first token (s)") + 1
	if got := number(t, f, SheetRuns, ref(col, firstRow+streamed)); !same(got, 0.3) {
		t.Errorf("run %d: TTFT %v, want 0.3", streamed, got)
	}
	for i := range sum.Runs {
		if v := raw(t, f, SheetRuns, ref(col, firstRow+i)); i != streamed && v != "" {
			t.Errorf("run %d: TTFT %q without a streamed call, want blank", i, v)
		}
	}
	time := indexOf(head, "Performance Analysis (s)") + 1
	if got, want := number(t, f, SheetRuns, ref(time, firstRow+streamed)), sum.Runs[streamed].Phases["Performance Analysis"].Seconds; !same(got, want) {
		t.Errorf("run %d: phase time %v, want %v", streamed, got, want)
	}
}
