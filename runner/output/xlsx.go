package output

import (
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

// Columns of the Measured sheet (1-based); phase columns follow mPhases,
// three per phase (time, input, output), then the note.
const (
	mCell = iota + 1
	mProvider
	mModel
	mRuns
	mCost
	mTime
	mIn
	mOut
	mCached
	mPriceIn
	mPriceOut
	mPriceCached
	mPhases
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

// Rows of the Calculator sheet.
const (
	cChoice      = 10
	cVolume      = 11
	cModel       = 13
	cRuns        = 14
	cTime        = 15
	cIn          = 16
	cOut         = 17
	cPriceIn     = 18
	cPriceOut    = 19
	cCost        = 20
	cMonth       = 21
	cTableHead   = 23
	cTableFirst  = 24
	noPrice      = "no price"
	cellListName = "MeasuredCells"
)

// Workbook writes the cost calculator to path.
func Workbook(path string, s *spec.Spec, sum *results.Summary) error {
	return CreateAtomic(path, func(w io.Writer) error { return WriteWorkbook(w, sum) })
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
	return f.Write(w)
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
	custom float64         // default custom frequency on Projections
}

type priceRow struct {
	key   string // the model as the Measured sheet names it
	entry *spec.PriceEntry
}

func newBook(f *excelize.File, sum *results.Summary) (*book, error) {
	b := &book{f: f, sum: sum, volume: 30, custom: 100}
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
	// Printed (or exported to PDF), every sheet is landscape and one page wide.
	landscape, wide, tall, fit := "landscape", 1, 0, true
	for _, name := range []string{SheetCalculator, SheetPricing, SheetMeasured, SheetProjections, SheetRuns} {
		if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
			return nil, err
		}
		if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
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

func (b *book) simNote() string {
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
	if b.sum.Simulated {
		g.set(1, 1, text("SIMULATED (dry run, not real provider figures): "+title, stBanner))
	} else {
		g.set(1, 1, text(title, stTitle))
	}
	g.set(2, 1, text(note, stNote))
}

// calculator is the first sheet: pick a cell, type a volume, read the cost.
func (b *book) calculator() error {
	g := &grid{}
	f := b.f
	if b.sum.Simulated {
		g.set(1, 1, text("SIMULATED: cost calculator for "+b.title(), stBanner))
		g.set(2, 1, text(b.simNote(), stBanner))
	} else {
		g.set(1, 1, text("Cost calculator: "+b.title(), stTitle))
		g.set(2, 1, text(b.describe(), stNote))
	}
	g.set(4, 1, text("How to use", stLabel))
	g.set(5, 1, text(fmt.Sprintf("1. Pick a provider and model in the yellow cell %s (click it, then the arrow, for the list).", ref(2, cChoice)), stNote))
	g.set(6, 1, text(fmt.Sprintf("2. Type how many workflows you expect to run per month in the yellow cell %s.", ref(2, cVolume)), stNote))
	g.set(7, 1, text("3. Read the cost per workflow and per month below. Prices (USD per 1M tokens) are on the Pricing sheet: edit them and every figure recalculates.", stNote))
	g.set(8, 1, text("Measured: the benchmark's mean tokens and time per workflow for each provider/model. Projections: monthly cost at usual frequencies. Runs: every run.", stNote))
	g.set(cChoice, 1, text("Provider / model", stLabel))
	g.set(cVolume, 1, text("Workflows per month", stLabel))
	g.set(cVolume, 2, xcell{v: b.volume, st: stIntIn})
	if len(b.cells) == 0 {
		g.set(cChoice, 2, text("(nothing measured: every cell was skipped or failed)", stChoiceIn))
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
	dv.SetInput("Provider / model", "Pick one of the measured cells.")
	dv.SetError(excelize.DataValidationErrorStyleStop, "Not measured", "Pick a provider and model from the list.")
	if err := f.AddDataValidation(SheetCalculator, dv); err != nil {
		return err
	}
	dvn := excelize.NewDataValidation(false)
	dvn.Sqref = ref(2, cVolume)
	if err := dvn.SetRange(0, 1e12, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween); err != nil {
		return err
	}
	dvn.SetError(excelize.DataValidationErrorStyleStop, "Workflows per month", "Type a number of workflows (0 or more).")
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
	pick := func(mcol int) string {
		return fmt.Sprintf("IFERROR(INDEX(%s!%s,%s),\"pick a cell\")", SheetMeasured, absRange(mcol, first, last), match)
	}
	rows := []struct {
		row   int
		label string
		mcol  int
		v     any
		st    style
	}{
		{cModel, "Model", mModel, modelKey(c0.Model), stText},
		{cRuns, "Successful runs measured", mRuns, c0.Runs, stTokens},
		{cTime, "Mean time per workflow (s)", mTime, c0.Time.Mean, stSeconds},
		{cIn, "Mean input tokens per workflow", mIn, c0.InputTokens.Mean, stTokens},
		{cOut, "Mean output tokens per workflow", mOut, c0.OutputTokens.Mean, stTokens},
		{cPriceIn, "Input price (USD per 1M tokens)", mPriceIn, priceValue(c0.Price, pIn), stPrice},
		{cPriceOut, "Output price (USD per 1M tokens)", mPriceOut, priceValue(c0.Price, pOut), stPrice},
		{cCost, "Cost per workflow", mCost, b.costValue(c0), stResult4},
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
	g.set(cMonth, 2, xcell{
		f:  fmt.Sprintf("IF(ISNUMBER(B%d),B%d*B%d,\"%s\")", cCost, cCost, cVolume, noPrice),
		v:  b.monthValue(c0, b.volume),
		st: stResult2,
	})

	g.set(cTableHead, 1, text("Every measured provider / model", stHeader))
	g.set(cTableHead, 2, text("Cost per workflow", stHeader))
	g.set(cTableHead, 3, text("Cost per month at this volume", stHeader))
	for i, c := range b.cells {
		r, mr := cTableFirst+i, measuredRow(i)
		g.set(r, 1, xcell{f: fmt.Sprintf("%s!%s", SheetMeasured, ref(mCell, mr)), v: b.names[i], st: stText})
		g.set(r, 2, xcell{f: fmt.Sprintf("%s!%s", SheetMeasured, ref(mCost, mr)), v: b.costValue(c), st: stMoney4})
		g.set(r, 3, xcell{
			f:  fmt.Sprintf("IF(ISNUMBER(B%d),B%d*$B$%d,\"%s\")", r, r, cVolume, noPrice),
			v:  b.monthValue(c, b.volume),
			st: stMoney2,
		})
	}
	chartAt := ref(1, cTableFirst+len(b.cells)+2)
	if err := b.costChart(chartAt); err != nil {
		return err
	}
	return b.stream(SheetCalculator, g, nil)
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
	return fmt.Sprintf("From benchmark %q%s: %d successful runs over %d provider/model cells.", b.sum.Name, when, runs, len(b.cells))
}

// costChart is a native bar chart of cost per workflow by cell.
func (b *book) costChart(at string) error {
	first, last := firstRow, b.lastMeasured()
	height := uint(120 + 28*len(b.cells))
	if height < 260 {
		height = 260
	}
	title := "Cost per workflow (USD)"
	if b.sum.Simulated {
		title = "SIMULATED - " + title
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
		Dimension: excelize.ChartDimension{Width: 760, Height: height},
	})
}

// pricing lists one editable price row per measured model.
func (b *book) pricing() error {
	g := &grid{}
	b.titleRows(g, "Pricing: USD per 1 million tokens",
		"Yellow cells are editable: change a price and Measured, Projections and the Calculator recalculate.")
	g.set(headRow, pModel, text("Model", stHeader))
	g.set(headRow, pKey, text("Pricing key matched in the spec", stHeader))
	g.set(headRow, pIn, text("Input (USD / 1M)", stHeader))
	g.set(headRow, pOut, text("Output (USD / 1M)", stHeader))
	g.set(headRow, pCached, text("Cached input (USD / 1M)", stHeader))
	g.set(headRow, pNote, text("Note", stHeader))
	for i, m := range b.models {
		r := firstRow + i
		g.set(r, pModel, text(m.key, stText))
		if m.entry == nil {
			g.set(r, pKey, text("(none)", stText))
			g.set(r, pIn, xcell{st: stPriceIn})
			g.set(r, pOut, xcell{st: stPriceIn})
			g.set(r, pCached, xcell{st: stPriceIn})
			g.set(r, pNote, text("Not in the spec's pricing: type its prices to cost this model.", stText))
			continue
		}
		e := m.entry
		key := e.Pattern
		if e.Source != "" && e.Source != "spec" {
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
			note = "The spec sets no cached-input price: cached input is billed at the input price."
		}
		if e.CacheWrite != nil {
			note = strings.TrimSpace(note + fmt.Sprintf(" Cache writes cost %s per 1M in the runner's figures; this sheet bills them as input.", USD(*e.CacheWrite)))
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
	if c.Price == nil {
		return 0, false
	}
	p := c.Price.Price
	cached := p.Input
	if p.CachedInput != nil {
		cached = *p.CachedInput
	}
	plain := math.Max(0, c.InputTokens.Mean-c.CachedTokens.Mean)
	return (plain*p.Input + c.CachedTokens.Mean*cached + c.OutputTokens.Mean*p.Output) / 1e6, true
}

// measured lists the mean figures of every cell with successful runs.
func (b *book) measured() error {
	g := &grid{}
	phases := b.phases()
	note := "Means over each cell's successful measured runs. Cost per workflow = (uncached input x input price + cached input x cached price + output x output price) / 1,000,000, with prices from the Pricing sheet."
	if skipped := b.absent(); skipped != "" {
		note += " Not listed (no successful runs, or no metered tokens): " + skipped + "."
	}
	b.titleRows(g, "Measured: mean per workflow", note)
	heads := []string{mCell: "Provider / model", mProvider: "Provider", mModel: "Model", mRuns: "Successful runs",
		mCost: "Cost per workflow (USD)", mTime: "Total time (s)", mIn: "Input tokens", mOut: "Output tokens",
		mCached: "Cached input tokens", mPriceIn: "Input price (USD / 1M)", mPriceOut: "Output price (USD / 1M)",
		mPriceCached: "Cached input price (USD / 1M)"}
	for c := mCell; c < mPhases; c++ {
		g.set(headRow, c, text(heads[c], stHeader))
	}
	for j, p := range phases {
		base := mPhases + 3*j
		g.set(headRow, base, text(p+": time (s)", stHeader))
		g.set(headRow, base+1, text(p+": input tokens", stHeader))
		g.set(headRow, base+2, text(p+": output tokens", stHeader))
	}
	noteCol := mPhases + 3*len(phases)
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
		g.set(r, mCost, xcell{
			f: fmt.Sprintf(`IF(OR(%s="",%s=""),"%s",(MAX(0,%s-%s)*%s+%s*%s+%s*%s)/1000000)`,
				pin, pout, noPrice, in, cached, pin, cached, pcached, out, pout),
			v:  b.costValue(c),
			st: stMoney4,
		})
		for j, name := range phases {
			base := mPhases + 3*j
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
		return "No price for this model in the spec: type one on the Pricing sheet."
	case c.Cost.N == 0:
		return "Some tokens were billed to models without a price: the runner could not cost this cell."
	case ok && math.Abs(v-c.Cost.Mean) > 1e-9*math.Max(1, c.Cost.Mean):
		return fmt.Sprintf("The runner's figure, %s, also prices calls to other models or cache writes at their own rates; the formula bills every token at this model's price.", USD(c.Cost.Mean))
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
			out = append(out, c.Name()+" (tokens not metered)")
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

// projections prices every cell at every usage frequency and a custom one.
func (b *book) projections() error {
	g := &grid{}
	b.titleRows(g, "Projections: cost per month",
		"Cost per month = cost per workflow (Measured sheet) x workflows per month. Yellow cells are editable; the last row is yours.")
	g.set(headRow, 1, text("Usage", stHeader))
	g.set(headRow, 2, text("Workflows per month", stHeader))
	g.set(firstRow, 1, text("Cost per workflow", stLabel))
	for i, c := range b.cells {
		cc := 3 + i
		g.set(headRow, cc, text(b.names[i], stHeader))
		g.set(firstRow, cc, xcell{f: fmt.Sprintf("%s!%s", SheetMeasured, ref(mCost, measuredRow(i))), v: b.costValue(c), st: stMoney4})
	}
	row := firstRow + 1
	line := func(label string, perMonth float64, labelStyle style, value func(*results.Cell) any) {
		g.set(row, 1, text(label, labelStyle))
		st := stIntIn
		if perMonth != math.Trunc(perMonth) {
			st = stNumIn
		}
		g.set(row, 2, xcell{v: perMonth, st: st})
		for i, c := range b.cells {
			cc := col(3 + i)
			g.set(row, 3+i, xcell{
				f:  fmt.Sprintf(`IF(ISNUMBER(%s$%d),%s$%d*$B%d,"%s")`, cc, firstRow, cc, firstRow, row, noPrice),
				v:  value(c),
				st: stMoney2,
			})
		}
		row++
	}
	for j, p := range b.sum.Projections {
		line(p.Label, p.PerMonth, stText, func(c *results.Cell) any {
			if c.Cost.N > 0 && j < len(c.Monthly) {
				return c.Monthly[j].USD // the runner's own projection
			}
			return b.monthValue(c, p.PerMonth)
		})
	}
	line("Custom: type workflows per month in the yellow cell", b.custom, stLabel, func(c *results.Cell) any {
		return b.monthValue(c, b.custom)
	})
	return b.stream(SheetProjections, g, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: headRow, TopLeftCell: ref(3, firstRow), ActivePane: "bottomRight"})
}
