package output

import (
	"strconv"
	"strings"
	"testing"

	"github.com/runner-bench/runner/runner/results"
)

// A cell whose tokens no run metered is not priced at $0 in the workbook:
// it is left out, and the Measured note says why.
func TestWorkbookLeavesOutUnmeteredCells(t *testing.T) {
	s, sum := fixture(t, false)
	cells := listed(sum)
	gone := cells[0]
	gone.Tokens, gone.Unmetered = results.Stats{}, []string{"no LLM call reached the metering proxy in 3 of 3 runs"}
	_, f := writeBook(t, s, sum)
	rows, err := f.GetRows(SheetMeasured)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows)-headRow, len(cells)-1; got != want {
		t.Errorf("%d Measured rows, want %d", got, want)
	}
	for _, r := range rows[headRow:] {
		if r[0] == gone.Name() {
			t.Errorf("the unmetered cell is listed: %q", r)
		}
	}
	if note := raw(t, f, SheetMeasured, "A2"); !strings.Contains(note, gone.Name()+" (token use not recorded)") {
		t.Errorf("Measured note %q does not name the unmetered cell", note)
	}
}

// On the Runs sheet a run whose tokens no one counted has empty token
// cells, not 0.
func TestWorkbookRunsUnknownTokensEmpty(t *testing.T) {
	s, sum := fixture(t, false)
	r := sum.Runs[0]
	r.Unmetered, r.Cost = results.UnmeteredNoCall, nil
	_, f := writeBook(t, s, sum)
	rows, err := f.GetRows(SheetRuns)
	if err != nil {
		t.Fatal(err)
	}
	head := rows[headRow-1]
	for _, row := range rows[headRow:] {
		if len(row) < 4 || row[0] != r.Cell || row[3] != strconv.Itoa(r.Index) {
			continue
		}
		for i, h := range head {
			if strings.Contains(h, "tokens") && i < len(row) && row[i] != "" {
				t.Errorf("%s: %q, want empty (unknown)", h, row[i])
			}
		}
		return
	}
	t.Fatalf("run %s #%d not on the Runs sheet", r.Cell, r.Index)
}
