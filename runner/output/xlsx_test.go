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
		if err != nil || !panes.Freeze || panes.YSplit != headRow {
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
		fc := formula(t, f, SheetMeasured, ref(mCost, r))
		for _, part := range []string{ref(mIn, r), ref(mOut, r), ref(mCached, r), ref(mPriceIn, r), "/1000000"} {
			if !strings.Contains(fc, part) {
				t.Errorf("%s: cost formula %q does not use %s", c.ID, fc, part)
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
	for i, c := range cells {
		cc := 3 + i
		if got := raw(t, f, SheetProjections, ref(cc, headRow)); got != c.Name() {
			t.Errorf("Projections column %d is %q, want %q", cc, got, c.Name())
		}
		for j, p := range sum.Projections {
			r := firstRow + 1 + j
			if got := number(t, f, SheetProjections, ref(2, r)); got != p.PerMonth {
				t.Errorf("%s per month %v, want %v", p.Label, got, p.PerMonth)
			}
			if fm := formula(t, f, SheetProjections, ref(cc, r)); !strings.Contains(fm, fmt.Sprintf("$B%d", r)) {
				t.Errorf("%s %s: formula %q does not use the frequency cell", c.ID, p.Label, fm)
			}
			if c.Cost.N == 0 {
				continue
			}
			if got := number(t, f, SheetProjections, ref(cc, r)); !same(got, c.Monthly[j].USD) {
				t.Errorf("%s %s: cached %v, want the runner's %v", c.ID, p.Label, got, c.Monthly[j].USD)
			}
		}
		custom := firstRow + 1 + len(sum.Projections)
		formula(t, f, SheetProjections, ref(cc, custom))
	}
	custom := ref(2, firstRow+1+len(sum.Projections))
	if fill := styleFill(t, f, SheetProjections, custom); fill != "FFF2CC" {
		t.Errorf("custom frequency %s fill %q, want the input colour", custom, fill)
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
	vol := number(t, f, SheetCalculator, ref(2, cVolume))
	if vol != 30 {
		t.Errorf("default volume %v, want the spec's 1/day (30)", vol)
	}
	formula(t, f, SheetCalculator, ref(2, cMonth))
	if got := number(t, f, SheetCalculator, ref(2, cMonth)); !same(got, c0.Monthly[1].USD) {
		t.Errorf("Calculator per month %v, want the runner's 1/day %v", got, c0.Monthly[1].USD)
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
	if head[0] != "Cell" || head[len(head)-1] != "Error" || !contains(head, "Data Preparation (s)") {
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
	costCol := indexOf(head, "Cost (USD, spec prices)") + 1
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

// recalc has LibreOffice load path, recalculate every formula and save it
// as xlsx again; it returns the path of the recalculated copy.
func recalc(t *testing.T, path string) string {
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
	cmd := exec.Command(bin, "-env:UserInstallation=file://"+profile, "--headless", "--norestore",
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out, path)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	got := filepath.Join(out, filepath.Base(path))
	if _, err := os.Stat(got); err != nil {
		t.Fatalf("LibreOffice wrote nothing: %v", err)
	}
	return got
}

// checkRecalculated asserts that a LibreOffice-recalculated workbook shows
// the runner's cost figures of sum.
func checkRecalculated(t *testing.T, f *excelize.File, sum *results.Summary) {
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
		for j, m := range c.Monthly {
			cell := ref(3+i, firstRow+1+j)
			if got := number(t, f, SheetProjections, cell); !near(got, m.USD, perMonthTol) {
				t.Errorf("%s %s: LibreOffice %v per month, runner %v", c.ID, m.Label, got, m.USD)
			}
		}
		if got := number(t, f, SheetCalculator, ref(3, cTableFirst+i)); !near(got, c.Cost.Mean*30, perMonthTol) {
			t.Errorf("%s: Calculator table %v per month, runner %v", c.ID, got, c.Cost.Mean*30)
		}
	}
	c0 := costliest(listed(sum))
	if got := number(t, f, SheetCalculator, ref(2, cCost)); !near(got, c0.Cost.Mean, perWorkflowTol) {
		t.Errorf("Calculator cost per workflow %v, runner %v", got, c0.Cost.Mean)
	}
	if got := number(t, f, SheetCalculator, ref(2, cMonth)); !near(got, c0.Monthly[1].USD, perMonthTol) {
		t.Errorf("Calculator cost per month %v, runner %v", got, c0.Monthly[1].USD)
	}
}

func TestWorkbookLibreOfficeRecalculation(t *testing.T) {
	soffice(t)
	s, sum := fixture(t, false)
	path, f := writeBook(t, s, sum)
	checkRecalculated(t, openBook(t, recalc(t, path)), sum)

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
	edited := filepath.Join(t.TempDir(), WorkbookFile)
	must(t, f.SaveAs(edited))

	s2 := parseSpec(t, strings.Replace(fixtureSpec, `"gpt-4o*": { input: 0.15, output: 0.60 }`,
		`"gpt-4o*": { input: 0.40, output: 1.25 }
  gemini-2.0-flash: { input: 0.10, output: 0.40 }`, 1))
	sum2 := results.Compute(s2, sum.Benchmark, fixtureRecords(3))
	if a, b := cellByID(t, sum, "openai_gpt-4o-mini").Cost.Mean, cellByID(t, sum2, "openai_gpt-4o-mini").Cost.Mean; a == b {
		t.Fatalf("the edit does not change the runner's cost (%v)", a)
	}
	checkRecalculated(t, openBook(t, recalc(t, edited)), sum2)
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
