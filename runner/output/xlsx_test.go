package output

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// writeBook writes the workbook of sum into a temp dir and opens it.
func writeBook(t *testing.T, s *spec.Spec, sum *results.Summary) (string, *excelize.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), WorkbookFile)
	if err := Workbook(path, s, sum); err != nil {
		t.Fatal(err)
	}
	return path, openBook(t, path)
}

func openBook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// raw is a cell's stored value (a formula's cached value), unformatted.
func raw(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func number(t *testing.T, f *excelize.File, sheet, cell string) float64 {
	t.Helper()
	v := raw(t, f, sheet, cell)
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s!%s = %q, want a number", sheet, cell, v)
	}
	return x
}

func formula(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellFormula(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if v == "" {
		t.Errorf("%s!%s has no formula", sheet, cell)
	}
	return v
}

// listed are the cells the workbook lists: those with successful runs.
func listed(sum *results.Summary) []*results.Cell {
	var out []*results.Cell
	for _, c := range sum.Cells {
		if c.Runs > 0 {
			out = append(out, c)
		}
	}
	return out
}

// near: per-workflow figures agree to a tenth of their shown precision
// ($0.0000), monthly ones to the cent.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// same: a cached value equals the runner's figure; excelize reads numbers
// back at Excel's 15 significant digits.
func same(got, want float64) bool { return math.Abs(got-want) <= 1e-13*math.Max(1, math.Abs(want)) }

const (
	perWorkflowTol = 0.00005
	perMonthTol    = 0.005
)

func TestWorkbookSheets(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	want := []string{SheetCalculator, SheetPricing, SheetMeasured, SheetProjections, SheetRuns}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet %d, want the Calculator", f.GetActiveSheetIndex())
	}
	for _, sh := range want {
		if v := raw(t, f, sh, "A1"); strings.Contains(v, "SIMULATED") {
			t.Errorf("%s!A1 = %q: a real benchmark must not say SIMULATED", sh, v)
		}
	}
	if v := raw(t, f, SheetCalculator, "A4"); v != "How to use" {
		t.Errorf("Calculator!A4 = %q, want the how-to note", v)
	}
	for _, sh := range []string{SheetPricing, SheetMeasured, SheetProjections, SheetRuns} {
		panes, err := f.GetPanes(sh)
		want := headRow
		if sh == SheetProjections {
			want = firstRow // the workflows per month stay in view
		}
		if err != nil || !panes.Freeze || panes.YSplit != want {
			t.Errorf("%s: panes %+v (%v), want the header rows frozen", sh, panes, err)
		}
	}
}

func TestWorkbookSimulatedOnEverySheet(t *testing.T) {
	s, sum := fixture(t, true)
	_, f := writeBook(t, s, sum)
	for _, sh := range f.GetSheetList() {
		if v := raw(t, f, sh, "A1"); !strings.HasPrefix(v, "SIMULATED") {
			t.Errorf("%s!A1 = %q, want it to start with SIMULATED", sh, v)
		}
	}
}

func TestWorkbookMeasuredFormulasCarryRunnerFigures(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	for i, c := range listed(sum) {
		r := firstRow + i
		if got := raw(t, f, SheetMeasured, ref(mCell, r)); got != c.Name() {
			t.Fatalf("Measured row %d is %q, want %q", r, got, c.Name())
		}
		// Cost = input cost + output cost; reused input is within input.
		for _, x := range []struct {
			col   int
			parts []string
		}{
			{mCost, []string{ref(mInCost, r), ref(mOutCost, r)}},
			{mInCost, []string{ref(mIn, r), ref(mCached, r), ref(mPriceIn, r), ref(mPriceCached, r), "/1000000"}},
			{mCachedCost, []string{ref(mCached, r), ref(mPriceCached, r), "/1000000"}},
			{mOutCost, []string{ref(mOut, r), ref(mPriceOut, r), "/1000000"}},
		} {
			fc := formula(t, f, SheetMeasured, ref(x.col, r))
			for _, part := range x.parts {
				if !strings.Contains(fc, part) {
					t.Errorf("%s: formula %q of %s does not use %s", c.ID, fc, raw(t, f, SheetMeasured, ref(x.col, headRow)), part)
				}
			}
		}
		if c.Cost.N > 0 {
			for _, x := range []struct {
				col  int
				want float64
			}{{mInCost, c.InputCost.Mean}, {mCachedCost, c.CachedInputCost.Mean}, {mOutCost, c.OutputCost.Mean}} {
				if got := number(t, f, SheetMeasured, ref(x.col, r)); !same(got, x.want) {
					t.Errorf("%s: cached %s %v, want the runner's %v", c.ID, raw(t, f, SheetMeasured, ref(x.col, headRow)), got, x.want)
				}
				calc, err := f.CalcCellValue(SheetMeasured, ref(x.col, r), excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				if v, _ := strconv.ParseFloat(calc, 64); !near(v, x.want, 1e-12) {
					t.Errorf("%s: %s evaluates to %s, runner says %v", c.ID, raw(t, f, SheetMeasured, ref(x.col, headRow)), calc, x.want)
				}
			}
			if c.Model == "claude-3-5-sonnet-20241022" && c.CachedInputCost.Mean <= 0 {
				t.Errorf("fixture: claude has no reused input to show")
			}
		}
		if fp := formula(t, f, SheetMeasured, ref(mPriceIn, r)); !strings.Contains(fp, "Pricing!") || !strings.Contains(fp, "MATCH(") {
			t.Errorf("%s: input price formula %q does not look the model up on Pricing", c.ID, fp)
		}
		if c.Cost.N == 0 {
			if v := raw(t, f, SheetMeasured, ref(mCost, r)); v != noPrice {
				t.Errorf("%s: unpriced cost cached as %q, want %q", c.ID, v, noPrice)
			}
			continue
		}
		if got := number(t, f, SheetMeasured, ref(mCost, r)); !same(got, c.Cost.Mean) {
			t.Errorf("%s: cached cost %v, want the runner's %v", c.ID, got, c.Cost.Mean)
		}
		if got := number(t, f, SheetMeasured, ref(mTime, r)); !same(got, c.Time.Mean) {
			t.Errorf("%s: time %v, want %v", c.ID, got, c.Time.Mean)
		}
		// The formula, evaluated by excelize, agrees with the runner too.
		calc, err := f.CalcCellValue(SheetMeasured, ref(mCost, r), excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if x, _ := strconv.ParseFloat(calc, 64); !same(x, c.Cost.Mean) {
			t.Errorf("%s: formula evaluates to %s, runner says %v", c.ID, calc, c.Cost.Mean)
		}
	}
}

func TestWorkbookProjectionsAndCalculator(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	cells := listed(sum)
	// Projections: a row per cell, a column per frequency, then the
	// Calculator's volume.
	last := 3 + len(sum.Projections)
	for j, p := range sum.Projections {
		if got := raw(t, f, SheetProjections, ref(3+j, headRow)); got != p.Label {
			t.Errorf("Projections column %d is %q, want %q", 3+j, got, p.Label)
		}
		if got := number(t, f, SheetProjections, ref(3+j, firstRow)); got != p.PerMonth {
			t.Errorf("%s per month %v, want %v", p.Label, got, p.PerMonth)
		}
	}
	if fm := formula(t, f, SheetProjections, ref(last, firstRow)); fm != "Calculator!$B$11" {
		t.Errorf("the last column's volume is %q, want the Calculator's one input", fm)
	}
	for i, c := range cells {
		r := firstRow + 1 + i
		if got := raw(t, f, SheetProjections, ref(1, r)); got != c.Name() {
			t.Errorf("Projections row %d is %q, want %q", r, got, c.Name())
		}
		for j, p := range sum.Projections {
			if fm := formula(t, f, SheetProjections, ref(3+j, r)); !strings.Contains(fm, fmt.Sprintf("%s$%d", col(3+j), firstRow)) || !strings.Contains(fm, fmt.Sprintf("$B%d", r)) {
				t.Errorf("%s %s: formula %q does not use the frequency and the cost", c.ID, p.Label, fm)
			}
			if c.Cost.N == 0 {
				continue
			}
			if got := number(t, f, SheetProjections, ref(3+j, r)); !same(got, c.Monthly[j].USD) {
				t.Errorf("%s %s: cached %v, want the runner's %v", c.ID, p.Label, got, c.Monthly[j].USD)
			}
		}
		formula(t, f, SheetProjections, ref(last, r))
	}
	// One input for the volume: the Calculator's; none on Projections.
	for _, cell := range []string{ref(2, firstRow), ref(last, firstRow)} {
		if fill := styleFill(t, f, SheetProjections, cell); fill == "FFF2CC" {
			t.Errorf("Projections!%s is a second volume input", cell)
		}
	}

	// The Calculator opens on the costliest cell at a daily volume.
	c0 := costliest(cells)
	if got := raw(t, f, SheetCalculator, ref(2, cChoice)); got != c0.Name() {
		t.Errorf("Calculator choice %q, want %q", got, c0.Name())
	}
	for _, cell := range []string{ref(2, cChoice), ref(2, cVolume)} {
		if fill := styleFill(t, f, SheetCalculator, cell); fill != "FFF2CC" {
			t.Errorf("input %s fill %q, want the input colour", cell, fill)
		}
	}
	if fm := formula(t, f, SheetCalculator, ref(2, cCost)); !strings.Contains(fm, "INDEX(Measured!") || !strings.Contains(fm, "MATCH($B$10") {
		t.Errorf("cost per workflow formula %q, want INDEX/MATCH over Measured", fm)
	}
	if got := number(t, f, SheetCalculator, ref(2, cCost)); !same(got, c0.Cost.Mean) {
		t.Errorf("Calculator cost %v, want %v", got, c0.Cost.Mean)
	}
	// Input and output cost, reused input within input.
	for _, x := range []struct {
		row  int
		want float64
	}{{cInCost, c0.InputCost.Mean}, {cCachedCost, c0.CachedInputCost.Mean}, {cOutCost, c0.OutputCost.Mean}} {
		formula(t, f, SheetCalculator, ref(2, x.row))
		if got := number(t, f, SheetCalculator, ref(2, x.row)); !same(got, x.want) {
			t.Errorf("Calculator %s: %v, want the runner's %v", raw(t, f, SheetCalculator, ref(1, x.row)), got, x.want)
		}
	}
	vol := number(t, f, SheetCalculator, ref(2, cVolume))
	if vol != 30 {
		t.Errorf("default volume %v, want the spec's 1/day (30)", vol)
	}
	formula(t, f, SheetCalculator, ref(2, cMonth))
	if got := number(t, f, SheetCalculator, ref(2, cMonth)); !same(got, c0.Monthly[1].USD) {
		t.Errorf("Calculator per month %v, want the runner's 1/day %v", got, c0.Monthly[1].USD)
	}
}

// A choice that is not on the list (pasted past the drop-down) says what to
// do, on its own row and in every figure; the drop-down's own error says it
// too.
func TestWorkbookInvalidChoice(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	if v, err := f.CalcCellValue(SheetCalculator, ref(2, cCheck)); err != nil || v != "" {
		t.Errorf("a valid choice gets the message %q (%v)", v, err)
	}
	must(t, f.SetCellValue(SheetCalculator, ref(2, cChoice), "OpenAI gpt-4o"))
	msg, err := f.CalcCellValue(SheetCalculator, ref(2, cCheck))
	if err != nil || !strings.Contains(msg, "choose one from the list") {
		t.Errorf("message for an invalid choice: %q (%v)", msg, err)
	}
	for _, row := range []int{cCost, cMonth, cInCost} {
		if v, err := f.CalcCellValue(SheetCalculator, ref(2, row)); err != nil || v != notOnList {
			t.Errorf("row %d shows %q (%v), want %q", row, v, err, notOnList)
		}
	}
	dvs, err := f.GetDataValidations(SheetCalculator)
	if err != nil {
		t.Fatal(err)
	}
	for _, dv := range dvs {
		if dv.Sqref == ref(2, cChoice) && (dv.Error == nil || !strings.Contains(*dv.Error, "choose one from the list")) {
			t.Errorf("drop-down error %v", dv.Error)
		}
	}
}

// Words a product manager reads: no runner jargon on the Calculator, in
// any sheet's header row or notes.
func TestWorkbookPlainWords(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	jargon := []string{"cell", "spec", "runner", "metered", "warmup", "rss", "pick a"}
	check := func(where, v string) {
		low := strings.ToLower(v)
		for _, w := range jargon {
			if strings.Contains(low, w) {
				t.Errorf("%s says %q: %q", where, w, v)
			}
		}
	}
	rows, err := f.GetRows(SheetCalculator)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 0 && i+1 < cTableHead+1 && i+1 != cChoice && i+1 != cModel {
			check(fmt.Sprintf("Calculator row %d", i+1), strings.Join(r, " | "))
		}
	}
	for _, sh := range []string{SheetPricing, SheetMeasured, SheetProjections, SheetRuns} {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < headRow; i++ {
			if i < len(rows) {
				check(fmt.Sprintf("%s row %d", sh, i+1), strings.Join(rows[i], " | "))
			}
		}
	}
}

// Printed, each sheet is landscape and one page wide; the tables' header
// rows repeat on every page; notes wrap within the columns.
func TestWorkbookPrintLayout(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	for _, sh := range f.GetSheetList() {
		pl, err := f.GetPageLayout(sh)
		if err != nil || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
			t.Errorf("%s: page layout %+v (%v)", sh, pl, err)
		}
	}
	titles := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" {
			titles[dn.Scope] = dn.RefersTo
		}
	}
	for sh, want := range map[string]string{SheetMeasured: "Measured!$3:$3", SheetRuns: "Runs!$3:$3", SheetPricing: "Pricing!$3:$3", SheetProjections: "Projections!$3:$4"} {
		if titles[sh] != want {
			t.Errorf("%s repeats %q on each printed page, want %q", sh, titles[sh], want)
		}
	}
	for _, sh := range []string{SheetMeasured, SheetRuns, SheetCalculator} {
		cells, err := f.GetMergeCells(sh)
		if err != nil {
			t.Fatal(err)
		}
		wrapped := false
		for _, m := range cells {
			if m.GetStartAxis() == "A2" {
				wrapped = true
			}
		}
		if !wrapped {
			t.Errorf("%s: the note of row 2 is not kept within the printed columns", sh)
		}
	}
}

// A price for cache writes gets a plain sentence on the Pricing sheet.
func TestWorkbookCacheWriteSentence(t *testing.T) {
	s := parseSpec(t, strings.Replace(fixtureSpec, `cached_input: 0.30 }`, `cached_input: 0.30, cache_write: 3.75 }`, 1))
	sum := results.Compute(s, record.Benchmark{Spec: s.Name}, fixtureRecords(2))
	_, f := writeBook(t, s, sum)
	rows, err := f.GetRows(SheetPricing)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[headRow:] {
		if r[0] == "claude-3-5-sonnet-20241022" {
			if note := r[pNote-1]; !strings.Contains(note, "$3.75 per million tokens the first time it stores text for reuse") {
				t.Errorf("cache-write note %q", note)
			}
			return
		}
	}
	t.Error("no Pricing row for claude")
}

// Quality scores, when the summary has them, are on Measured (with how they
// were scored), on the Calculator and in its table; without any, no column.
func TestWorkbookQuality(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	if v := raw(t, f, SheetMeasured, ref(mQuality, headRow)); strings.Contains(v, "Quality") {
		t.Errorf("a quality column without scores: %q", v)
	}
	cells := listed(sum)
	q1, q2 := 8.25, 6.0
	sd := 1.25
	cells[0].Quality, cells[0].QualityStddev, cells[0].QualitySource = &q1, &sd, results.QualityJudged
	cells[0].Judge = &results.JudgeStats{Judged: 3, Cost: results.Stats{N: 3, Mean: 0.0021}}
	cells[1].Quality, cells[1].QualitySource = &q2, results.QualityTyped
	score := 9.0
	for _, r := range sum.Runs {
		if r.Cell == cells[0].ID && !r.Warmup {
			r.Judge = &record.Judge{Status: record.JudgeOK, Score: &score, Reason: "all three reports are complete"}
		}
	}
	_, f = writeBook(t, s, sum)
	if v := raw(t, f, SheetMeasured, ref(mQuality, headRow)); v != "Quality score (1 to 10)" {
		t.Errorf("Measured quality header %q", v)
	}
	if got := number(t, f, SheetMeasured, ref(mQuality, firstRow)); got != q1 {
		t.Errorf("quality %v, want %v", got, q1)
	}
	if v := raw(t, f, SheetMeasured, ref(mQualityHow, firstRow)); !strings.Contains(v, "judge: average of 3 runs, give or take 1.2") {
		t.Errorf("judged score explained as %q", v)
	}
	if got := number(t, f, SheetMeasured, ref(mJudgeCost, firstRow)); got != 0.0021 {
		t.Errorf("the judge's cost per run %v, want 0.0021, apart from the cost", got)
	}
	rows, err := f.GetRows(SheetRuns)
	if err != nil {
		t.Fatal(err)
	}
	sc := indexOf(rows[headRow-1], "Quality score (1 to 10)")
	if sc < 0 || rows[headRow+1][sc] != "9.0" && rows[headRow+1][sc] != "9" || rows[headRow+1][sc+1] != "all three reports are complete" {
		t.Errorf("Runs: the judge's score and reason are not shown: %q", rows[headRow+1])
	}
	if v := raw(t, f, SheetMeasured, ref(mQualityHow, firstRow+1)); !strings.Contains(v, "not measured") {
		t.Errorf("typed score explained as %q", v)
	}
	if v := raw(t, f, SheetMeasured, ref(mQuality, firstRow+2)); v != "" {
		t.Errorf("a cell without a score shows %q", v)
	}
	if v := raw(t, f, SheetMeasured, ref(mJudgeCost+1, headRow)); v != "Data Preparation: time (s)" {
		t.Errorf("phases do not follow the quality columns: %q", v)
	}
	formula(t, f, SheetCalculator, ref(2, cQuality))
	must(t, f.SetCellValue(SheetCalculator, ref(2, cChoice), cells[0].Name()))
	if v, err := f.CalcCellValue(SheetCalculator, ref(2, cQuality)); err != nil || v != "8.25" && v != "8.3" {
		t.Errorf("Calculator quality %q (%v)", v, err)
	}
	if v := raw(t, f, SheetCalculator, ref(4, cTableHead)); v != "Quality score (1 to 10)" {
		t.Errorf("Calculator table quality header %q", v)
	}
}

func styleFill(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fill.Color) == 0 {
		return ""
	}
	return st.Fill.Color[0]
}

func TestWorkbookDropdown(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	dvs, err := f.GetDataValidations(SheetCalculator)
	if err != nil {
		t.Fatal(err)
	}
	var list *excelize.DataValidation
	for _, dv := range dvs {
		if dv.Sqref == ref(2, cChoice) {
			list = dv
		}
	}
	if list == nil || list.Type != "list" || list.Formula1 != cellListName {
		t.Fatalf("validation of %s: %+v, want a list over %s", ref(2, cChoice), list, cellListName)
	}
	n := len(listed(sum))
	want := fmt.Sprintf("Measured!$A$%d:$A$%d", firstRow, firstRow+n-1)
	found := false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == cellListName {
			found = true
			if dn.RefersTo != want {
				t.Errorf("%s refers to %q, want %q", cellListName, dn.RefersTo, want)
			}
		}
	}
	if !found {
		t.Errorf("no defined name %s", cellListName)
	}
}

func TestWorkbookRunsTable(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	tables, err := f.GetTables(SheetRuns)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 {
		t.Fatalf("%d tables on Runs, want 1", len(tables))
	}
	rows, err := f.GetRows(SheetRuns)
	if err != nil {
		t.Fatal(err)
	}
	head := rows[headRow-1]
	want := fmt.Sprintf("A%d:%s%d", headRow, col(len(head)), headRow+len(sum.Runs))
	if tables[0].Range != want {
		t.Errorf("table range %s, want %s", tables[0].Range, want)
	}
	if len(rows) != headRow+len(sum.Runs) {
		t.Errorf("%d rows, want %d", len(rows), headRow+len(sum.Runs))
	}
	if head[0] != "Provider / model" || head[len(head)-1] != "Error" || !contains(head, "Data Preparation (s)") {
		t.Errorf("header %q", head)
	}
	warm, failed := 0, 0
	for _, r := range rows[headRow:] {
		if r[4] == "yes" {
			warm++
		}
		if r[5] == "failed" {
			failed++
		}
	}
	if warm != 1 || failed != 3 {
		t.Errorf("%d warmup and %d failed rows, want 1 and 3", warm, failed)
	}
	// Runs carry the runner's own cost per run.
	costCol := indexOf(head, "Cost (USD, benchmark prices)") + 1
	inCol, outCol := indexOf(head, "Input cost (USD)")+1, indexOf(head, "Output cost (USD)")+1
	for i, r := range sum.Runs {
		v := raw(t, f, SheetRuns, ref(costCol, firstRow+i))
		if r.Cost == nil {
			if v != "" {
				t.Errorf("run %d: cost %q, want blank", i, v)
			}
			continue
		}
		if x, _ := strconv.ParseFloat(v, 64); !same(x, *r.Cost) {
			t.Errorf("run %d: cost %q, want %v", i, v, *r.Cost)
		}
		in, out := number(t, f, SheetRuns, ref(inCol, firstRow+i)), number(t, f, SheetRuns, ref(outCol, firstRow+i))
		if !same(in, r.InputCost) || !same(out, r.OutputCost) {
			t.Errorf("run %d: input/output cost %v/%v, want %v/%v", i, in, out, r.InputCost, r.OutputCost)
		}
	}
}

func contains(xs []string, x string) bool { return indexOf(xs, x) >= 0 }

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

func TestWorkbookAbsentAndUnpriced(t *testing.T) {
	s, sum := fixture(t, false)
	_, f := writeBook(t, s, sum)
	rows, err := f.GetRows(SheetMeasured)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows)-headRow, len(listed(sum)); got != want {
		t.Errorf("%d Measured rows, want %d (cells with successful runs)", got, want)
	}
	for _, r := range rows[headRow:] {
		if strings.HasPrefix(r[0], "Broken") {
			t.Errorf("a cell without successful runs is listed: %q", r)
		}
	}
	if !strings.Contains(raw(t, f, SheetMeasured, "A2"), "Broken") {
		t.Errorf("Measured note %q does not name the absent cell", raw(t, f, SheetMeasured, "A2"))
	}
	prices, err := f.GetRows(SheetPricing)
	if err != nil {
		t.Fatal(err)
	}
	var gemini []string
	for _, r := range prices[headRow:] {
		if r[0] == "gemini-2.0-flash" {
			gemini = r
		}
	}
	if len(gemini) < pNote || gemini[pIn-1] != "" || !strings.Contains(gemini[pNote-1], "type its prices") {
		t.Errorf("unpriced model row %q, want blank prices and a note", gemini)
	}
	if len(prices)-headRow != 5 {
		t.Errorf("%d Pricing rows, want one per measured model (5)", len(prices)-headRow)
	}
	// The glob a model matched is named.
	for _, r := range prices[headRow:] {
		if r[0] == "gpt-4o-mini" && r[1] != "gpt-4o*" {
			t.Errorf("gpt-4o-mini matched %q, want gpt-4o*", r[1])
		}
	}
}

func TestWorkbookChart(t *testing.T) {
	s, sum := fixture(t, false)
	path, _ := writeBook(t, s, sum)
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var chart string
	for _, zf := range z.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			chart = string(b)
		}
	}
	n := len(listed(sum))
	for _, want := range []string{"<barChart>", fmt.Sprintf("Measured!$E$%d:$E$%d", firstRow, firstRow+n-1),
		fmt.Sprintf("Measured!$A$%d:$A$%d", firstRow, firstRow+n-1)} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart does not contain %q", want)
		}
	}
}

// --- LibreOffice: its recalculation must agree with the runner. ---

// soffice finds LibreOffice, or skips (fails under RUNNER_REQUIRE_LIBREOFFICE=1).
func soffice(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "LibreOffice (soffice) is not on PATH; install Debian package libreoffice-calc-nogui to check the workbook's recalculation"
	if os.Getenv("RUNNER_REQUIRE_LIBREOFFICE") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// recalc has LibreOffice load the files at paths (their names distinct),
// recalculate every formula and save them as xlsx again, in one start of
// LibreOffice (its start-up is most of the time); it returns the paths of
// the recalculated copies.
func recalc(t *testing.T, paths ...string) []string {
	t.Helper()
	bin := soffice(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	// A private profile that always recalculates on load (the default asks
	// or never recalculates files from other applications).
	if err := os.MkdirAll(filepath.Join(profile, "user"), 0o755); err != nil {
		t.Fatal(err)
	}
	xcu := `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`
	if err := os.WriteFile(filepath.Join(profile, "user", "registrymodifications.xcu"), []byte(xcu), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, append([]string{"-env:UserInstallation=file://" + profile, "--headless", "--norestore",
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out}, paths...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	var got []string
	for _, p := range paths {
		g := filepath.Join(out, filepath.Base(p))
		if _, err := os.Stat(g); err != nil {
			t.Fatalf("LibreOffice wrote nothing for %s: %v", p, err)
		}
		got = append(got, g)
	}
	return got
}

// checkRecalculated asserts that a LibreOffice-recalculated workbook shows
// the runner's cost figures of sum; chosen says the Calculator's choice is
// on the list (else it must say what to do instead of showing figures).
func checkRecalculated(t *testing.T, f *excelize.File, sum *results.Summary, chosen bool) {
	t.Helper()
	for i, c := range listed(sum) {
		r := firstRow + i
		if c.Cost.N == 0 {
			if v := raw(t, f, SheetMeasured, ref(mCost, r)); v != noPrice {
				t.Errorf("%s: LibreOffice shows %q, want %q", c.ID, v, noPrice)
			}
			continue
		}
		if got := number(t, f, SheetMeasured, ref(mCost, r)); !near(got, c.Cost.Mean, perWorkflowTol) {
			t.Errorf("%s: LibreOffice cost per workflow %v, runner %v", c.ID, got, c.Cost.Mean)
		}
		for _, x := range []struct {
			col  int
			want float64
		}{{mInCost, c.InputCost.Mean}, {mCachedCost, c.CachedInputCost.Mean}, {mOutCost, c.OutputCost.Mean}} {
			if got := number(t, f, SheetMeasured, ref(x.col, r)); !near(got, x.want, perWorkflowTol) {
				t.Errorf("%s: LibreOffice %s %v, runner %v", c.ID, raw(t, f, SheetMeasured, ref(x.col, headRow)), got, x.want)
			}
		}
		for j, m := range c.Monthly {
			cell := ref(3+j, firstRow+1+i)
			if got := number(t, f, SheetProjections, cell); !near(got, m.USD, perMonthTol) {
				t.Errorf("%s %s: LibreOffice %v per month, runner %v", c.ID, m.Label, got, m.USD)
			}
		}
		vol := number(t, f, SheetCalculator, ref(2, cVolume))
		if got := number(t, f, SheetProjections, ref(3+len(sum.Projections), firstRow+1+i)); !near(got, c.Cost.Mean*vol, perMonthTol) {
			t.Errorf("%s: LibreOffice %v per month at the Calculator's volume %v, runner %v", c.ID, got, vol, c.Cost.Mean*vol)
		}
		if got, vol := number(t, f, SheetCalculator, ref(3, cTableFirst+i)), number(t, f, SheetCalculator, ref(2, cVolume)); !near(got, c.Cost.Mean*vol, perMonthTol) {
			t.Errorf("%s: Calculator table %v per month, runner %v", c.ID, got, c.Cost.Mean*vol)
		}
	}
	if !chosen {
		if v := raw(t, f, SheetCalculator, ref(2, cCheck)); !strings.Contains(v, "choose one from the list") {
			t.Errorf("LibreOffice shows %q for a choice not on the list", v)
		}
		for _, row := range []int{cCost, cMonth, cInCost} {
			if v := raw(t, f, SheetCalculator, ref(2, row)); v != notOnList {
				t.Errorf("LibreOffice row %d: %q for a choice not on the list, want %q", row, v, notOnList)
			}
		}
		return
	}
	c0 := costliest(listed(sum))
	if got := number(t, f, SheetCalculator, ref(2, cCost)); !near(got, c0.Cost.Mean, perWorkflowTol) {
		t.Errorf("Calculator cost per workflow %v, runner %v", got, c0.Cost.Mean)
	}
	if got, vol := number(t, f, SheetCalculator, ref(2, cMonth)), number(t, f, SheetCalculator, ref(2, cVolume)); !near(got, c0.Cost.Mean*vol, perMonthTol) {
		t.Errorf("Calculator cost per month %v, runner %v", got, c0.Cost.Mean*vol)
	}
	for _, x := range []struct {
		row  int
		want float64
	}{{cInCost, c0.InputCost.Mean}, {cCachedCost, c0.CachedInputCost.Mean}, {cOutCost, c0.OutputCost.Mean}} {
		if got := number(t, f, SheetCalculator, ref(2, x.row)); !near(got, x.want, perWorkflowTol) {
			t.Errorf("Calculator %s: LibreOffice %v, runner %v", raw(t, f, SheetCalculator, ref(1, x.row)), got, x.want)
		}
	}
	if v := raw(t, f, SheetCalculator, ref(2, cCheck)); v != "" {
		t.Errorf("a valid choice gets the message %q", v)
	}
}

func TestWorkbookLibreOfficeRecalculation(t *testing.T) {
	soffice(t)
	s, sum := fixture(t, false)
	path, f := writeBook(t, s, sum)

	// Edit a price in the file (gpt-4o-mini: input 0.15 -> 0.40, output
	// 0.60 -> 1.25) and price the unpriced model; LibreOffice must agree
	// with the runner given the same prices.
	rows, err := f.GetRows(SheetPricing)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows[headRow:] {
		row := firstRow + i
		switch r[0] {
		case "gpt-4o-mini":
			must(t, f.SetCellValue(SheetPricing, ref(pIn, row), 0.40))
			must(t, f.SetCellValue(SheetPricing, ref(pOut, row), 1.25))
		case "gemini-2.0-flash":
			must(t, f.SetCellValue(SheetPricing, ref(pIn, row), 0.10))
			must(t, f.SetCellValue(SheetPricing, ref(pOut, row), 0.40))
		}
	}
	// One volume drives the Calculator and the Projections' last column
	// (checked at 1000 a month); a choice not on the list says what to do
	// instead of showing figures.
	must(t, f.SetCellValue(SheetCalculator, ref(2, cVolume), 1000))
	must(t, f.SetCellValue(SheetCalculator, ref(2, cChoice), "Claude"))
	edited := filepath.Join(t.TempDir(), "edited.xlsx")
	must(t, f.SaveAs(edited))
	books := recalc(t, path, edited)
	checkRecalculated(t, openBook(t, books[0]), sum, true)

	s2 := parseSpec(t, strings.Replace(fixtureSpec, `"gpt-4o*": { input: 0.15, output: 0.60 }`,
		`"gpt-4o*": { input: 0.40, output: 1.25 }
  gemini-2.0-flash: { input: 0.10, output: 0.40 }`, 1))
	sum2 := results.Compute(s2, sum.Benchmark, fixtureRecords(3))
	if a, b := cellByID(t, sum, "openai_gpt-4o-mini").Cost.Mean, cellByID(t, sum2, "openai_gpt-4o-mini").Cost.Mean; a == b {
		t.Fatalf("the edit does not change the runner's cost (%v)", a)
	}
	g := openBook(t, books[1])
	if v := number(t, g, SheetProjections, ref(3+len(sum2.Projections), firstRow)); v != 1000 {
		t.Errorf("Projections' last column at %v workflows a month, want the Calculator's 1000", v)
	}
	checkRecalculated(t, g, sum2, false)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// costliest is the cell the Calculator opens on.
func costliest(cells []*results.Cell) *results.Cell {
	best := cells[0]
	for _, c := range cells {
		if c.Cost.N > 0 && c.Cost.Mean > best.Cost.Mean {
			best = c
		}
	}
	return best
}
