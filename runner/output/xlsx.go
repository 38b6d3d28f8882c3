package output

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// Sheets of the cost calculator, in order.
const (
	SheetCalculator  = "Calculator"
	SheetPricing     = "Pricing"
	SheetMeasured    = "Measured"
	SheetProjections = "Projections"
	SheetRuns        = "Runs"
)

// Every sheet but the Calculator has a title (row 1), a note (row 2), a
// header (row 3) and data from row 4 on.
const (
	headRow  = 3
	firstRow = 4
)

// Columns of the Measured sheet (1-based); when some cell has a quality
// score, two quality columns follow mPriceCached; then three columns per
// phase (time, input, output), then the note.
const (
	mCell = iota + 1
	mProvider
	mModel
	mRuns
	mCost
	mInCost
	mCachedCost
	mOutCost
	mTime
	mIn
	mOut
	mCached
	mPriceIn
	mPriceOut
	mPriceCached
	mQuality    // only with quality scores
	mQualityHow // only with quality scores
	mJudgeCost  // only with quality scores
)

// Columns of the Pricing sheet.
const (
	pModel = iota + 1
	pKey
	pIn
	pOut
	pCached
	pNote
)

// Rows of the Calculator sheet. The figures of the chosen provider/model
// run from cModel to cMonth, then its quality score when there are scores;
// the table of every provider/model starts at cTableHead either way.
const (
	cChoice      = 10
	cVolume      = 11
	cCheck       = 12 // says what to do when the choice is not on the list
	cModel       = 13
	cRuns        = 14
	cTime        = 15
	cIn          = 16
	cOut         = 17
	cPriceIn     = 18
	cPriceOut    = 19
	cInCost      = 20
	cCachedCost  = 21
	cOutCost     = 22
	cCost        = 23
	cMonth       = 24
	cQuality     = 25
	cTableHead   = 27
	cTableFirst  = 28
	noPrice      = "no price"
	cellListName = "MeasuredCells"
	// notOnList is what a figure shows when the choice in B10 is not one of
	// the measured providers/models; the row under the choice says more.
	notOnList = "choose from the list in B10"
)

// volumeRef is the one "workflows per month" input; the Calculator's table
// and the Projections sheet's last column both use it.
var volumeRef = fmt.Sprintf("%s!$B$%d", SheetCalculator, cVolume)

// Workbook writes the cost calculator to path.
func Workbook(path string, s *spec.Spec, sum *results.Summary) error {
	return CreateDerived(path, func(w io.Writer) error { return WriteWorkbook(w, sum) })
}

// WriteWorkbook writes the cost calculator: a Calculator sheet for someone
// who never saw the runner, editable Pricing, the Measured means per cell,
// Projections per usage frequency and every Run as a filterable table.
// Derived numbers are formulas over Pricing and Measured whose cached values
// are the runner's own figures; the Runs sheet is streamed, so large
// benchmarks stay within memory.
func WriteWorkbook(w io.Writer, sum *results.Summary) error {
	f := excelize.NewFile()
	defer f.Close()
	b, err := newBook(f, sum)
	if err != nil {
		return err
	}
	// The zip goes straight to w: excelize would build it whole in a
	// growing buffer (tens of MB for a large benchmark) and copy it over.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		return &spliceZip{Writer: fastZip(w), rows: b.runRows}
	})
	for _, step := range []func() error{b.calculator, b.pricing, b.measured, b.projections, b.runs} {
		if err := step(); err != nil {
			return err
		}
	}
	full := true
	if err := f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: &full}); err != nil {
		return err
	}
	title := "Cost calculator: " + b.title()
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "runner", Description: b.simNote()}); err != nil {
		return err
	}
	return f.Write(writtenAround{})
}

// writtenAround is where excelize copies the zip it buffered, which is
// empty: the zip writer wrote to the file itself.
type writtenAround struct{}

func (writtenAround) Write(p []byte) (int, error) {
	return 0, errors.New("excelize wrote the workbook around its zip writer")
}

// fastZip deflates at flate.BestSpeed: compressing the Runs sheet of a large
// benchmark at the default level was a fifth of `runner report`'s time, for a
// file a few tenths smaller.
func fastZip(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return zw
}

// book holds what every sheet needs to agree on: which cells are listed,
// where each one's row is, which models are priced on which row.
type book struct {
	f      *excelize.File
	sum    *results.Summary
	st     styles
	cells  []*results.Cell // cells with successful runs, in summary order
	names  []string        // their unique display names
	models []priceRow      // one Pricing row per model measured
	volume float64         // default workflows per month on the Calculator
	// quality: some listed cell has a quality score (judged or typed).
	quality bool
	// runRows writes the Runs sheet's rows as it is zipped (spliceZip).
	runRows func(io.Writer) error
}

type priceRow struct {
	key   string // the model as the Measured sheet names it
	entry *spec.PriceEntry
}

func newBook(f *excelize.File, sum *results.Summary) (*book, error) {
	b := &book{f: f, sum: sum, volume: 30}
	var err error
	if b.st, err = newStyles(f); err != nil {
		return nil, err
	}
	seenName := map[string]bool{}
	seenModel := map[string]bool{}
	for _, c := range sum.Cells {
		if !workbookCell(c) {
			continue // absent, not zero
		}
		name := c.Name()
		if seenName[name] {
			name += " [" + c.ID + "]"
		}
		seenName[name] = true
		b.cells = append(b.cells, c)
		b.names = append(b.names, name)
		b.quality = b.quality || c.Quality != nil || c.Judge != nil
		if k := modelKey(c.Model); !seenModel[k] {
			seenModel[k] = true
			b.models = append(b.models, priceRow{key: k, entry: c.Price})
		}
	}
	// A daily workflow is the natural default; take the spec's closest frequency.
	for i, p := range sum.Projections {
		if i == 0 || math.Abs(p.PerMonth-30) < math.Abs(b.volume-30) {
			b.volume = p.PerMonth
		}
	}
	if err := f.SetSheetName("Sheet1", SheetCalculator); err != nil {
		return nil, err
	}
	for _, name := range []string{SheetPricing, SheetMeasured, SheetProjections, SheetRuns} {
		if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
	}
	// Before any sheet is streamed: afterwards this would read them all back.
	f.SetActiveSheet(0)
	// Printed (or exported to PDF), every sheet is landscape and one page
	// wide, as many pages long as it needs; a table's header row is printed
	// again at the top of every page.
	landscape, wide, tall, fit := "landscape", 1, 0, true
	for _, name := range []string{SheetCalculator, SheetPricing, SheetMeasured, SheetProjections, SheetRuns} {
		if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
			return nil, err
		}
		if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return nil, err
		}
		if name == SheetCalculator {
			continue
		}
		repeat := headRow
		if name == SheetProjections {
			repeat = firstRow // its workflows per month
		}
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$%d:$%d", name, headRow, repeat), Scope: name,
		}); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func modelKey(m string) string {
	if m == "" {
		return "(no model)"
	}
	return m
}

func (b *book) title() string {
	if b.sum.Title != "" {
		return b.sum.Title
	}
	return b.sum.Name
}

// word is the marking of a simulated or replayed benchmark ("" for a measured one).
func (b *book) word() string { return markWord(b.sum) }

func markWord(sum *results.Summary) string {
	switch {
	case sum.Replayed != nil:
		return "REPLAYED"
	case sum.Simulated:
		return "SIMULATED"
	}
	return ""
}

func (b *book) simNote() string {
	if b.sum.Replayed != nil {
		return b.sum.Notice()
	}
	if !b.sum.Simulated {
		return ""
	}
	return "SIMULATED: a dry run against the runner's built-in simulator. Token counts, times and costs are NOT measurements of a real provider."
}

// measuredRow is the Measured row of the i-th listed cell.
func measuredRow(i int) int { return firstRow + i }

func (b *book) lastMeasured() int { return firstRow + len(b.cells) - 1 }
func (b *book) lastPricing() int  { return firstRow + len(b.models) - 1 }

func col(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}

func ref(c, r int) string { return col(c) + fmt.Sprint(r) }

// absRange is "$C$4:$C$9".
func absRange(c, from, to int) string {
	return fmt.Sprintf("$%s$%d:$%s$%d", col(c), from, col(c), to)
}

// titleRows writes a data sheet's title and note, marking dry runs.
func (b *book) titleRows(g *grid, title, note string) {
	if b.sum.Replayed != nil {
		g.set(1, 1, text("REPLAYED (a recording's figures, not measured anew): "+title, stBanner))
	} else if b.sum.Simulated {
		g.set(1, 1, text("SIMULATED (dry run, not real provider figures): "+title, stBanner))
	} else {
		g.set(1, 1, text(title, stTitle))
	}
	g.set(2, 1, text(note, stNote))
}

// calculator is the first sheet: choose a provider/model, type a volume,
// read the cost. Its words are a reader's, not the runner's.
func (b *book) calculator() error {
	g := &grid{}
	f := b.f
	if w := b.word(); w != "" {
		g.set(1, 1, text(w+": cost calculator for "+b.title(), stBanner))
		g.set(2, 1, text(b.simNote(), stBanner))
	} else {
		g.set(1, 1, text("Cost calculator: "+b.title(), stTitle))
		g.set(2, 1, text(b.describe(), stNote))
	}
	g.set(4, 1, text("How to use", stLabel))
	g.set(5, 1, text(fmt.Sprintf("1. Choose a provider and model in the yellow box %s: click it, then the arrow beside it, and pick from the list.", ref(2, cChoice)), stNote))
	g.set(6, 1, text(fmt.Sprintf("2. Type how many times a month the workflow will run in the yellow box %s. The monthly costs below and the last column of the Projections sheet use this number.", ref(2, cVolume)), stNote))
	g.set(7, 1, text("3. Read the cost of one workflow and of a month below. Prices are in US dollars per million tokens (a token is about three quarters of a word) on the Pricing sheet: change one there and every figure follows.", stNote))
	g.set(8, 1, text("Other sheets: Measured has the averages the benchmark measured for each provider and model; Projections, the monthly cost at several volumes; Runs, every test run.", stNote))
	g.set(cChoice, 1, text("Provider / model", stLabel))
	g.set(cVolume, 1, text("Workflows per month", stLabel))
	g.set(cVolume, 2, xcell{v: b.volume, st: stIntIn})
	if len(b.cells) == 0 {
		g.set(cChoice, 2, text("(nothing measured: no provider/model finished a successful run)", stChoiceIn))
		return b.stream(SheetCalculator, g, nil)
	}

	first, last := firstRow, b.lastMeasured()
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name: cellListName, RefersTo: fmt.Sprintf("%s!$A$%d:$A$%d", SheetMeasured, first, last),
	}); err != nil {
		return err
	}
	dv := excelize.NewDataValidation(false)
	dv.Sqref = ref(2, cChoice)
	dv.SetSqrefDropList(cellListName)
	dv.SetInput("Provider / model", "Click the arrow and choose one from the list.")
	dv.SetError(excelize.DataValidationErrorStyleStop, "Not on the list",
		"Only the providers and models the benchmark measured can be costed. Click Cancel, then click the arrow beside the box and choose one from the list.")
	if err := f.AddDataValidation(SheetCalculator, dv); err != nil {
		return err
	}
	dvn := excelize.NewDataValidation(false)
	dvn.Sqref = ref(2, cVolume)
	if err := dvn.SetRange(0, 1e12, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
		return err
	}
	dvn.SetError(excelize.DataValidationErrorStyleStop, "Workflows per month", "Type a number: how many times a month the workflow runs (0 or more).")
	if err := f.AddDataValidation(SheetCalculator, dvn); err != nil {
		return err
	}

	// Open on the costliest cell: a calculator showing $0 (a local model)
	// tells a first-time reader nothing.
	pick0 := 0
	for i, c := range b.cells {
		if c.Cost.N > 0 && c.Cost.Mean > b.cells[pick0].Cost.Mean {
			pick0 = i
		}
	}
	c0 := b.cells[pick0]
	g.set(cChoice, 2, text(b.names[pick0], stChoiceIn))
	match := fmt.Sprintf("MATCH($B$%d,%s!%s,0)", cChoice, SheetMeasured, absRange(mCell, first, last))
	// A pasted value gets past the list; this row then says what to do.
	g.set(cCheck, 2, xcell{
		f: fmt.Sprintf(`IF(ISNA(%s),"%s is not one of the measured providers/models: click it, then the arrow beside it, and choose one from the list.","")`,
			match, ref(2, cChoice)),
		v: "", st: stWarn,
	})
	pick := func(mcol int) string {
		return fmt.Sprintf(`IFERROR(INDEX(%s!%s,%s),"%s")`, SheetMeasured, absRange(mcol, first, last), match, notOnList)
	}
	rows := []struct {
		row   int
		label string
		mcol  int
		v     any
		st    style
	}{
		{cModel, "Model", mModel, modelKey(c0.Model), stText},
		{cRuns, "Successful test runs measured", mRuns, c0.Runs, stTokens},
		{cTime, "Average time per workflow (seconds)", mTime, c0.Time.Mean, stSeconds},
		{cIn, "Average input tokens per workflow (text sent to the model)", mIn, c0.InputTokens.Mean, stTokens},
		{cOut, "Average output tokens per workflow (text the model wrote)", mOut, c0.OutputTokens.Mean, stTokens},
		{cPriceIn, "Input price (US dollars per million tokens)", mPriceIn, priceValue(c0.Price, pIn), stPrice},
		{cPriceOut, "Output price (US dollars per million tokens)", mPriceOut, priceValue(c0.Price, pOut), stPrice},
		{cInCost, "Input cost per workflow", mInCost, b.splitValue(c0, mInCost), stMoney4},
		{cCachedCost, "   of which reused input (billed at a lower price)", mCachedCost, b.splitValue(c0, mCachedCost), stMoney4},
		{cOutCost, "Output cost per workflow", mOutCost, b.splitValue(c0, mOutCost), stMoney4},
		{cCost, "Cost per workflow", mCost, b.costValue(c0), stResult4},
	}
	if b.quality {
		rows = append(rows, struct {
			row   int
			label string
			mcol  int
			v     any
			st    style
		}{cQuality, "Quality score (1 to 10)", mQuality, qualityValue(c0), stScore})
	}
	for _, r := range rows {
		st := stLabel
		if r.st != stResult4 {
			st = stText
		}
		g.set(r.row, 1, text(r.label, st))
		g.set(r.row, 2, xcell{f: pick(r.mcol), v: r.v, st: r.st})
	}
	g.set(cMonth, 1, text("Cost per month", stLabel))
	g.set(cMonth, 2, xcell{f: perMonth(ref(2, cCost), "$B$"+fmt.Sprint(cVolume)), v: b.monthValue(c0, b.volume), st: stResult2})

	g.set(cTableHead, 1, text("Every measured provider / model", stHeader))
	g.set(cTableHead, 2, text("Cost per workflow", stHeader))
	g.set(cTableHead, 3, text("Cost per month at your volume", stHeader))
	if b.quality {
		g.set(cTableHead, 4, text("Quality score (1 to 10)", stHeader))
	}
	for i, c := range b.cells {
		r, mr := cTableFirst+i, measuredRow(i)
		g.set(r, 1, xcell{f: fmt.Sprintf("%s!%s", SheetMeasured, ref(mCell, mr)), v: b.names[i], st: stText})
		g.set(r, 2, xcell{f: fmt.Sprintf("%s!%s", SheetMeasured, ref(mCost, mr)), v: b.costValue(c), st: stMoney4})
		g.set(r, 3, xcell{f: perMonth(ref(2, r), fmt.Sprintf("$B$%d", cVolume)), v: b.monthValue(c, b.volume), st: stMoney2})
		if b.quality {
			g.set(r, 4, xcell{f: fmt.Sprintf(`IF(%s!%s="","",%s!%s)`, SheetMeasured, ref(mQuality, mr), SheetMeasured, ref(mQuality, mr)), v: qualityValue(c), st: stScore})
		}
	}
	// The chart stays within the table's columns, so it prints on the page.
	w := g.widths()
	px := 0.0
	for c := 1; c <= 4; c++ {
		px += w[c] * 7
	}
	chartAt := ref(1, cTableFirst+len(b.cells)+2)
	if err := b.costChart(chartAt, uint(min(760, max(px, 480)))); err != nil {
		return err
	}
	return b.stream(SheetCalculator, g, nil)
}

// perMonth is cost x volume; a text in the cost (no price, not on the
// list) passes through, a volume that is not a number says so.
func perMonth(cost, volume string) string {
	return fmt.Sprintf(`IF(ISNUMBER(%s),IF(ISNUMBER(%s),%s*%s,"type a number of workflows in %s"),%s)`,
		cost, volume, cost, volume, strings.ReplaceAll(strings.TrimPrefix(volume, SheetCalculator+"!"), "$", ""), cost)
}

// qualityValue is a cell's quality score, or "" without one.
func qualityValue(c *results.Cell) any {
	if c.Quality == nil {
		return ""
	}
	return *c.Quality
}

// qualityHow says in a reader's words where a score comes from.
func qualityHow(c *results.Cell) string {
	switch {
	case c.Quality == nil:
		return ""
	case c.QualitySource == results.QualityJudged && c.Judge != nil && c.Judge.Simulated:
		return "SIMULATED: a stand-in judge scored the dry run; it says nothing of real quality"
	case c.QualitySource == results.QualityJudged && c.Judge != nil:
		return fmt.Sprintf("scored by the benchmark's judge: average of %d runs%s", c.Judge.Judged, spread(c))
	case c.QualitySource == results.QualityMetric:
		return "reported by the workflow itself: average of its runs" + spread(c)
	default:
		return "typed into the benchmark's settings, not measured"
	}
}

func spread(c *results.Cell) string {
	if c.QualityStddev == nil || *c.QualityStddev == 0 {
		return ""
	}
	return fmt.Sprintf(", give or take %.1f", *c.QualityStddev)
}

// judgeCostValue is what the judge's calls cost per scored run, or "".
func judgeCostValue(c *results.Cell) any {
	if c.Judge == nil || c.Judge.Cost.N == 0 {
		return ""
	}
	return c.Judge.Cost.Mean
}

func (b *book) describe() string {
	runs := 0
	for _, c := range b.cells {
		runs += c.Runs
	}
	when := ""
	if !b.sum.Benchmark.Started.IsZero() {
		when = ", " + b.sum.Benchmark.Started.UTC().Format("2006-01-02")
	}
	return fmt.Sprintf("From benchmark %q%s: %d successful test runs of %d providers/models.", b.sum.Name, when, runs, len(b.cells))
}

// costChart is a native bar chart of cost per workflow by cell, width
// pixels wide.
func (b *book) costChart(at string, width uint) error {
	first, last := firstRow, b.lastMeasured()
	height := uint(120 + 28*len(b.cells))
	if height < 260 {
		height = 260
	}
	title := "Cost per workflow (USD)"
	if w := b.word(); w != "" {
		title = w + " - " + title
	}
	vary := false
	return b.f.AddChart(SheetCalculator, at, &excelize.Chart{
		Type:       excelize.Bar,
		VaryColors: &vary,
		Series: []excelize.ChartSeries{{
			Name:       fmt.Sprintf("%s!$%s$%d", SheetMeasured, col(mCost), headRow),
			Categories: fmt.Sprintf("%s!%s", SheetMeasured, absRange(mCell, first, last)),
			Values:     fmt.Sprintf("%s!%s", SheetMeasured, absRange(mCost, first, last)),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"4472C4"}},
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: "262626", Size: 10}},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "$0.0000"}, Font: excelize.Font{Color: "262626", Size: 10}},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "$0.0000"}},
		Dimension: excelize.ChartDimension{Width: width, Height: height},
	})
}

// pricing lists one editable price row per measured model.
func (b *book) pricing() error {
	g := &grid{}
	b.titleRows(g, "Pricing: US dollars per million tokens",
		"Yellow boxes can be changed: change a price and Measured, Projections and the Calculator follow. Reused input (\"cached\") is text the provider has already seen in an earlier call, such as a long set of instructions; most providers bill it at a lower price.")
	g.set(headRow, pModel, text("Model", stHeader))
	g.set(headRow, pKey, text("Price list entry used", stHeader))
	g.set(headRow, pIn, text("Input (USD per 1M tokens)", stHeader))
	g.set(headRow, pOut, text("Output (USD per 1M tokens)", stHeader))
	g.set(headRow, pCached, text("Reused input (USD per 1M tokens)", stHeader))
	g.set(headRow, pNote, text("Note", stHeader))
	for i, m := range b.models {
		r := firstRow + i
		g.set(r, pModel, text(m.key, stText))
		if m.entry == nil {
			g.set(r, pKey, text("(none)", stText))
			g.set(r, pIn, xcell{st: stPriceIn})
			g.set(r, pOut, xcell{st: stPriceIn})
			g.set(r, pCached, xcell{st: stPriceIn})
			g.set(r, pNote, text("The benchmark has no price for this model: type its prices to cost it.", stText))
			continue
		}
		e := m.entry
		key := e.Pattern
		if !e.FromSpec() {
			key += " (from " + e.Source + ")"
		}
		g.set(r, pKey, text(key, stText))
		g.set(r, pIn, xcell{v: e.Input, st: stPriceIn})
		g.set(r, pOut, xcell{v: e.Output, st: stPriceIn})
		note := ""
		if e.CachedInput != nil {
			g.set(r, pCached, xcell{v: *e.CachedInput, st: stPriceIn})
		} else {
			g.set(r, pCached, xcell{f: fmt.Sprintf("%s%d", col(pIn), r), v: e.Input, st: stPriceIn})
			note = "No separate price for reused input: it is billed at the input price."
		}
		if e.CacheWrite != nil {
			note = strings.TrimSpace(note + fmt.Sprintf(" The provider charges %s per million tokens the first time it stores text for reuse; this workbook bills that text at the input price, so its costs can differ slightly from the report's.", USD(*e.CacheWrite)))
		}
		g.set(r, pNote, text(note, stText))
	}
	return b.stream(SheetPricing, g, &excelize.Panes{Freeze: true, YSplit: headRow, TopLeftCell: ref(1, firstRow), ActivePane: "bottomLeft"})
}

// priceValue is the price a Pricing column holds for entry, or "" when none.
func priceValue(e *spec.PriceEntry, pcol int) any {
	if e == nil {
		return ""
	}
	switch pcol {
	case pIn:
		return e.Input
	case pOut:
		return e.Output
	}
	if e.CachedInput != nil {
		return *e.CachedInput
	}
	return e.Input
}

// costValue is the cached value of a cell's cost per workflow: the runner's
// figure, or what the formula shows when the runner has none.
func (b *book) costValue(c *results.Cell) any {
	if c.Cost.N > 0 {
		return c.Cost.Mean
	}
	if v, ok := formulaCost(c); ok {
		return v
	}
	return noPrice
}

// splitValue is the cached value of an input, reused-input or output cost
// column: the runner's figure, or the formula's when the runner has none.
func (b *book) splitValue(c *results.Cell, mcol int) any {
	if c.Cost.N > 0 {
		switch mcol {
		case mInCost:
			return c.InputCost.Mean
		case mCachedCost:
			return c.CachedInputCost.Mean
		}
		return c.OutputCost.Mean
	}
	in, cached, out, ok := formulaSplit(c)
	if !ok {
		return noPrice
	}
	switch mcol {
	case mInCost:
		return in
	case mCachedCost:
		return cached
	}
	return out
}

func (b *book) monthValue(c *results.Cell, perMonth float64) any {
	v := b.costValue(c)
	if f, ok := v.(float64); ok {
		return f * perMonth
	}
	return noPrice
}

// formulaCost is what the Measured sheet's cost formula yields for c at the
// spec's prices; it prices the cell's mean tokens at its own model's price.
func formulaCost(c *results.Cell) (float64, bool) {
	in, _, out, ok := formulaSplit(c)
	return in + out, ok
}

// formulaSplit is what the Measured sheet's input, reused-input and output
// cost formulas yield for c at the spec's prices.
func formulaSplit(c *results.Cell) (in, cached, out float64, ok bool) {
	if c.Price == nil {
		return 0, 0, 0, false
	}
	p := c.Price.Price
	rate := p.Input
	if p.CachedInput != nil {
		rate = *p.CachedInput
	}
	plain := math.Max(0, c.InputTokens.Mean-c.CachedTokens.Mean)
	cached = c.CachedTokens.Mean * rate / 1e6
	return plain*p.Input/1e6 + cached, cached, c.OutputTokens.Mean * p.Output / 1e6, true
}

// phaseCol is the Measured sheet's first phase column.
func (b *book) phaseCol() int {
	if b.quality {
		return mJudgeCost + 1
	}
	return mQuality
}

// measured lists the mean figures of every cell with successful runs.
func (b *book) measured() error {
	g := &grid{}
	phases := b.phases()
	note := "Averages over each provider/model's successful test runs. Cost per workflow = input cost + output cost; input cost = (new input tokens x input price + reused input tokens x reused-input price) / 1,000,000, output cost = output tokens x output price / 1,000,000, with the prices of the Pricing sheet."
	if skipped := b.absent(); skipped != "" {
		note += " Not listed (no successful run, or its token use was not recorded): " + skipped + "."
	}
	b.titleRows(g, "Measured: average per workflow", note)
	heads := map[int]string{mCell: "Provider / model", mProvider: "Provider", mModel: "Model", mRuns: "Successful runs",
		mCost: "Cost per workflow (USD)", mInCost: "Input cost (USD)", mCachedCost: "of which reused input (USD)", mOutCost: "Output cost (USD)",
		mTime: "Time per workflow (s)", mIn: "Input tokens", mOut: "Output tokens",
		mCached: "of which reused input tokens", mPriceIn: "Input price (USD per 1M)", mPriceOut: "Output price (USD per 1M)",
		mPriceCached: "Reused input price (USD per 1M)", mQuality: "Quality score (1 to 10)", mQualityHow: "How quality was scored",
		mJudgeCost: "Cost of scoring quality, per run (USD, not in the cost)"}
	base0 := b.phaseCol()
	for c := mCell; c < base0; c++ {
		g.set(headRow, c, text(heads[c], stHeader))
	}
	for j, p := range phases {
		base := base0 + 3*j
		g.set(headRow, base, text(p+": time (s)", stHeader))
		g.set(headRow, base+1, text(p+": input tokens", stHeader))
		g.set(headRow, base+2, text(p+": output tokens", stHeader))
	}
	noteCol := base0 + 3*len(phases)
	g.set(headRow, noteCol, text("Note", stHeader))

	lastP := b.lastPricing()
	for i, c := range b.cells {
		r := measuredRow(i)
		g.set(r, mCell, text(b.names[i], stText))
		g.set(r, mProvider, text(c.Label, stText))
		g.set(r, mModel, text(modelKey(c.Model), stText))
		g.set(r, mRuns, xcell{v: c.Runs, st: stTokens})
		g.set(r, mTime, xcell{v: c.Time.Mean, st: stSeconds})
		g.set(r, mIn, xcell{v: c.InputTokens.Mean, st: stTokens})
		g.set(r, mOut, xcell{v: c.OutputTokens.Mean, st: stTokens})
		g.set(r, mCached, xcell{v: c.CachedTokens.Mean, st: stTokens})
		// Prices looked up on Pricing by model; "" when none is typed there.
		// A blank cached-input price means the input price.
		for _, pc := range []struct{ m, p int }{{mPriceIn, pIn}, {mPriceOut, pOut}, {mPriceCached, pCached}} {
			look := fmt.Sprintf("INDEX(%s!%s,MATCH($%s%d,%s!%s,0))",
				SheetPricing, absRange(pc.p, firstRow, lastP), col(mModel), r, SheetPricing, absRange(pModel, firstRow, lastP))
			blank := `""`
			if pc.m == mPriceCached {
				blank = ref(mPriceIn, r)
			}
			g.set(r, pc.m, xcell{f: fmt.Sprintf(`IFERROR(IF(%s="",%s,%s),"")`, look, blank, look), v: priceValue(c.Price, pc.p), st: stPrice})
		}
		in, out, cached := ref(mIn, r), ref(mOut, r), ref(mCached, r)
		pin, pout, pcached := ref(mPriceIn, r), ref(mPriceOut, r), ref(mPriceCached, r)
		unpriced := fmt.Sprintf(`OR(%s="",%s="")`, pin, pout)
		g.set(r, mInCost, xcell{
			f:  fmt.Sprintf(`IF(%s,"%s",(MAX(0,%s-%s)*%s+%s*%s)/1000000)`, unpriced, noPrice, in, cached, pin, cached, pcached),
			v:  b.splitValue(c, mInCost),
			st: stMoney4,
		})
		g.set(r, mCachedCost, xcell{
			f:  fmt.Sprintf(`IF(%s,"%s",%s*%s/1000000)`, unpriced, noPrice, cached, pcached),
			v:  b.splitValue(c, mCachedCost),
			st: stMoney4,
		})
		g.set(r, mOutCost, xcell{
			f:  fmt.Sprintf(`IF(%s,"%s",%s*%s/1000000)`, unpriced, noPrice, out, pout),
			v:  b.splitValue(c, mOutCost),
			st: stMoney4,
		})
		g.set(r, mCost, xcell{
			f:  fmt.Sprintf(`IF(%s,"%s",%s+%s)`, unpriced, noPrice, ref(mInCost, r), ref(mOutCost, r)),
			v:  b.costValue(c),
			st: stMoney4,
		})
		if b.quality {
			g.set(r, mQuality, xcell{v: qualityValue(c), st: stScore})
			g.set(r, mQualityHow, text(qualityHow(c), stText))
			g.set(r, mJudgeCost, xcell{v: judgeCostValue(c), st: stMoney4})
		}
		for j, name := range phases {
			base := base0 + 3*j
			if ps := phaseOf(c, name); ps != nil {
				g.set(r, base, xcell{v: ps.Time.Mean, st: stSeconds})
				g.set(r, base+1, xcell{v: ps.InputTokens.Mean, st: stTokens})
				g.set(r, base+2, xcell{v: ps.OutputTokens.Mean, st: stTokens})
			}
		}
		if n := costNote(c); n != "" {
			g.set(r, noteCol, text(n, stText))
		}
	}
	return b.stream(SheetMeasured, g, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: headRow, TopLeftCell: ref(2, firstRow), ActivePane: "bottomRight"})
}

// costNote explains a runner figure the sheet's formula cannot reproduce.
func costNote(c *results.Cell) string {
	v, ok := formulaCost(c)
	switch {
	case c.Cost.N == 0 && c.Price == nil:
		return "The benchmark has no price for this model: type one on the Pricing sheet."
	case c.Cost.N == 0:
		return "Some calls went to models without a price, so the benchmark could not cost this one."
	case ok && math.Abs(v-c.Cost.Mean) > 1e-9*math.Max(1, c.Cost.Mean):
		return fmt.Sprintf("The report's figure is %s: it prices calls to other models, and text stored for reuse, at their own prices; this sheet bills every token at this model's prices.", USD(c.Cost.Mean))
	}
	return ""
}

// phases are the summary's phases that some listed cell has.
func (b *book) phases() []string {
	var out []string
	for _, p := range b.sum.Phases {
		for _, c := range b.cells {
			if phaseOf(c, p) != nil {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func phaseOf(c *results.Cell, name string) *results.PhaseStats {
	for _, p := range c.Phases {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// absent names the cells that ran without success and the skipped ones.
func (b *book) absent() string {
	var out []string
	for _, c := range b.sum.Cells {
		switch {
		case c.Runs == 0:
			out = append(out, c.Name())
		case !workbookCell(c):
			out = append(out, c.Name()+" (token use not recorded)")
		}
	}
	for _, s := range b.sum.Skipped {
		out = append(out, s.Cell+" (skipped)")
	}
	return strings.Join(out, ", ")
}

// workbookCell says whether a cell is listed: it has successful runs, and
// their tokens are known (a cell whose calls the proxy never saw would price
// at $0).
func workbookCell(c *results.Cell) bool {
	return c.Runs > 0 && !(c.Tokens.N == 0 && len(c.Unmetered) > 0)
}

// projections prices every cell (a row each, so 14 cells still print on a
// page) at each usage frequency of the spec and at the Calculator's volume.
func (b *book) projections() error {
	g := &grid{}
	b.titleRows(g, "Projections: cost per month",
		"Cost per month = cost per workflow (Measured sheet) x workflows per month. The last column follows the volume typed on the Calculator sheet.")
	g.set(headRow, 1, text("Provider / model", stHeader))
	g.set(headRow, 2, text("Cost per workflow", stHeader))
	g.set(firstRow, 1, text("Workflows per month", stLabel))
	freqs := b.sum.Projections
	last := 3 + len(freqs) // the Calculator's volume
	for j, p := range freqs {
		g.set(headRow, 3+j, text(p.Label, stHeader))
		st := stTokens
		if p.PerMonth != math.Trunc(p.PerMonth) {
			st = stNum2
		}
		g.set(firstRow, 3+j, xcell{v: p.PerMonth, st: st})
	}
	g.set(headRow, last, text("Your volume (Calculator)", stHeader))
	g.set(firstRow, last, xcell{f: volumeRef, v: b.volume, st: stTokens})
	for i, c := range b.cells {
		r := firstRow + 1 + i
		g.set(r, 1, xcell{f: fmt.Sprintf("%s!%s", SheetMeasured, ref(mCell, measuredRow(i))), v: b.names[i], st: stText})
		g.set(r, 2, xcell{f: fmt.Sprintf("%s!%s", SheetMeasured, ref(mCost, measuredRow(i))), v: b.costValue(c), st: stMoney4})
		for j := range len(freqs) + 1 {
			cc := 3 + j
			var v any
			if j < len(freqs) {
				v = b.monthValue(c, freqs[j].PerMonth)
				if c.Cost.N > 0 && j < len(c.Monthly) {
					v = c.Monthly[j].USD // the runner's own projection
				}
			} else {
				v = b.monthValue(c, b.volume)
			}
			g.set(r, cc, xcell{f: perMonth(fmt.Sprintf("$B%d", r), fmt.Sprintf("%s$%d", col(cc), firstRow)), v: v, st: stMoney2})
		}
	}
	return b.stream(SheetProjections, g, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: firstRow, TopLeftCell: ref(2, firstRow+1), ActivePane: "bottomRight"})
}
