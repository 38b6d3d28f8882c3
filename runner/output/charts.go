package output

import (
	"bufio"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	plottext "gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

// Chart files under charts/.
const (
	ChartPhaseTime = "phase_time.png"
	ChartTokens    = "tokens_by_phase.png"
	ChartCost      = "cost_per_workflow.png"
	ChartCostTime  = "cost_vs_time.png"
)

// Charts are drawn 900 px wide at 96 dpi: GitHub shows them at their size.
const (
	chartDPI   = 96
	chartWidth = 900
)

// palette is Tableau 10: distinct, and readable on white and on GitHub's dark theme.
var palette = []color.Color{
	rgb(0x4E79A7), rgb(0xF28E2B), rgb(0xE15759), rgb(0x76B7B2), rgb(0x59A14F),
	rgb(0xEDC948), rgb(0xB07AA1), rgb(0xFF9DA7), rgb(0x9C755F),
}

var (
	grey = rgb(0xBAB0AC)
	ink  = rgb(0x262626)
)

func rgb(v uint32) color.Color {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// px converts pixels at chartDPI to plot lengths.
func px(n float64) vg.Length { return vg.Length(n * 72 / chartDPI) }

// Charts draws the report's charts into dir and returns them with paths
// relative to dir: time per phase and tokens per phase by cell (stacked
// bars), cost per workflow by cell, and cost against time with the Pareto
// front. Cells without successful runs are absent; a chart with nothing to
// show is not drawn.
func Charts(dir string, sum *results.Summary) ([]Chart, error) {
	var cells []*results.Cell
	var priced []*results.Cell
	for _, c := range sum.Cells {
		if c.Runs == 0 {
			continue
		}
		cells = append(cells, c)
		if c.Cost.N > 0 && sum.HasTokens { // without tokens a cost is a zero, not a finding
			priced = append(priced, c)
		}
	}
	// A chart is there to compare: a lone bar or point (one cell, one
	// phase) says nothing the report's tables do not, and drawing it was
	// most of a short benchmark's own time.
	phases := chartPhases(sum.Phases, cells)
	if len(cells) < 2 && len(phases) < 2 {
		return nil, nil
	}
	if len(priced) < 2 {
		priced = nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	title := func(s string) string {
		if w := markWord(sum); w != "" {
			return w + " - " + s
		}
		return s
	}
	var out []Chart
	add := func(name, t string, draw func(string, string) (bool, error)) error {
		drawn, err := draw(filepath.Join(dir, name), title(t))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if drawn {
			out = append(out, Chart{Title: title(t), Path: name})
		}
		return nil
	}
	steps := []struct {
		name, title string
		draw        func(string, string) (bool, error)
	}{
		{ChartPhaseTime, "Mean time per phase (seconds)", func(p, t string) (bool, error) {
			return stackedBars(p, t, "seconds per workflow", cells, phases, func(ps *results.PhaseStats) float64 { return ps.Time.Mean }, "%.1f s")
		}},
		{ChartTokens, "Mean tokens per phase (input + output)", func(p, t string) (bool, error) {
			return stackedBars(p, t, "tokens per workflow", cells, phases, func(ps *results.PhaseStats) float64 { return ps.Tokens.Mean }, "%.0f")
		}},
		{ChartCost, "Cost per workflow (USD)", func(p, t string) (bool, error) { return costBars(p, t, priced) }},
		{ChartCostTime, "Cost against time per workflow", func(p, t string) (bool, error) { return costTime(p, t, priced) }},
	}
	for _, s := range steps {
		if err := add(s.name, s.title, s.draw); err != nil {
			return out, err
		}
	}
	return out, nil
}

// chartPhases are the phases some cell spent time or tokens in.
func chartPhases(all []string, cells []*results.Cell) []string {
	var out []string
	for _, p := range all {
		for _, c := range cells {
			if ps := phaseOf(c, p); ps != nil && (ps.Time.Mean > 0 || ps.Tokens.Mean > 0) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// newPlot is a plot styled for the report.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = font.Length(px(18))
	p.Title.TextStyle.Color = ink
	p.Title.Padding = px(12)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = font.Length(px(14))
		a.Label.TextStyle.Color = ink
		a.Tick.Label.Font.Size = font.Length(px(13))
		a.Tick.Label.Color = ink
		a.Color = ink
		a.Tick.Color = ink
	}
	p.BackgroundColor = nil // the canvas is white already: painting it again cost a chart a third of its time
	return p
}

// cellLabels names cells top to bottom: bar i sits at y = n-1-i.
func cellLabels(cells []*results.Cell) []string {
	n := len(cells)
	names := make([]string, n)
	for i, c := range cells {
		names[n-1-i] = c.Name()
	}
	return names
}

// barHeight is the image height for n horizontal bars (plus a legend of k
// rows drawn below the plot).
func barHeight(n, legendRows int) float64 {
	return math.Max(300, 110+56*float64(n)) + 26*float64(legendRows)
}

// stackedBars draws one horizontal bar per cell, a segment per phase, with
// the legend in rows beneath the plot so it never covers a bar.
func stackedBars(path, title, xlabel string, cells []*results.Cell, phases []string, value func(*results.PhaseStats) float64, totalFmt string) (bool, error) {
	n := len(cells)
	var any bool
	p := newPlot(title)
	p.X.Label.Text = xlabel
	p.X.Min = 0
	p.Y.Tick.Label.Font.Size = font.Length(px(13))
	p.NominalY(cellLabels(cells)...)
	p.Add(verticalGrid())
	var prev *plotter.BarChart
	var legend []legendEntry
	totals := make([]float64, n)
	for j, ph := range phases {
		vals := make(plotter.Values, n)
		for i, c := range cells {
			if ps := phaseOf(c, ph); ps != nil {
				v := value(ps)
				vals[n-1-i] = v
				totals[n-1-i] += v
				any = any || v > 0
			}
		}
		bc, err := plotter.NewBarChart(vals, px(34))
		if err != nil {
			return false, err
		}
		bc.Horizontal = true
		bc.LineStyle.Width = 0
		bc.Color = phaseColor(j, ph)
		if prev != nil {
			bc.StackOn(prev)
		}
		prev = bc
		p.Add(bc)
		if nonZero(vals) { // a phase with nothing to show has no place in the legend
			legend = append(legend, legendEntry{name: ph, color: bc.Color})
		}
	}
	if !any {
		return false, nil
	}
	// Totals at the end of each bar; room for them on the right.
	xs := make(plotter.XYs, n)
	labels := make([]string, n)
	maxTotal := 0.0
	for i, t := range totals {
		xs[i] = plotter.XY{X: t, Y: float64(i)}
		labels[i] = fmt.Sprintf(totalFmt, t)
		if totalFmt == "%.0f" {
			labels[i] = Thousands(t)
		}
		maxTotal = math.Max(maxTotal, t)
	}
	if err := addLabels(p, xs, labels, px(6), px(-6)); err != nil {
		return false, err
	}
	p.X.Max = maxTotal * 1.15
	if totalFmt == "%.0f" {
		p.X.Tick.Marker = thousandsTicks{}
	}
	return true, saveWithLegend(p, legend, path, barHeight(n, legendRows(phases)))
}

// phaseColor keeps one colour per phase across charts; "(other)" and
// "(other phases)" are grey.
func phaseColor(j int, name string) color.Color {
	if name == record.OtherPhase || name == results.OtherPhases {
		return grey
	}
	return palette[j%len(palette)]
}

const legendPerRow = 4

func legendRows(entries []string) int { return (len(entries) + legendPerRow - 1) / legendPerRow }

// verticalGrid is a grid of vertical lines only (the bars are horizontal).
func verticalGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Horizontal.Width = 0
	g.Vertical.Color = rgb(0xE0E0E0)
	return g
}

// legendEntry is one key of a legend drawn beneath a plot.
type legendEntry struct {
	name   string
	color  color.Color
	circle bool   // a point rather than a bar
	key    string // a number keying a point of the chart, drawn instead of a swatch
}

// saveWithLegend draws p above its legend, laid out in rows of
// legendPerRow (or two per row when entries are long).
func saveWithLegend(p *plot.Plot, entries []legendEntry, path string, heightPx float64) error {
	return savePNG(drawWithLegend(p, entries, heightPx), path)
}

// legendHeight is the height in pixels of a legend of these entries.
func legendHeight(entries []legendEntry) float64 {
	rows := (len(entries) + legendColumns(entries) - 1) / legendColumns(entries)
	if rows == 0 {
		return 0
	}
	return 26*float64(rows) + 10
}

func legendColumns(entries []legendEntry) int {
	for _, e := range entries {
		if len(e.name) > 24 {
			return 2
		}
	}
	return legendPerRow
}

// drawWithLegend draws p above its legend on a canvas heightPx tall.
func drawWithLegend(p *plot.Plot, entries []legendEntry, heightPx float64) *vgimg.Canvas {
	w, h := px(chartWidth), px(heightPx)
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(chartDPI))
	dc := draw.New(img)
	perRow := legendColumns(entries)
	legendH := px(legendHeight(entries))
	p.Draw(draw.Crop(dc, px(4), -px(16), legendH, -px(8)))
	colW := (w - px(60)) / vg.Length(perRow)
	sty := p.X.Tick.Label
	sty.Font.Size = font.Length(px(13))
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	for i, e := range entries {
		r, c := i/perRow, i%perRow
		x := px(30) + colW*vg.Length(c)
		y := legendH - px(26*float64(r+1))
		dc.SetColor(e.color)
		if e.key != "" { // a numbered point's key: its number where the swatch goes
			ks := sty
			ks.Font.Size = font.Length(px(12))
			ks.XAlign = draw.XCenter
			dc.FillText(ks, vg.Point{X: x + px(9), Y: y + px(11)}, e.key)
		} else if e.circle {
			var path vg.Path
			path.Move(vg.Point{X: x + px(16), Y: y + px(11)})
			path.Arc(vg.Point{X: x + px(9), Y: y + px(11)}, px(7), 0, 2*math.Pi)
			path.Close()
			dc.Fill(path)
		} else {
			dc.Fill(vg.Rectangle{Min: vg.Point{X: x, Y: y + px(4)}, Max: vg.Point{X: x + px(18), Y: y + px(18)}}.Path())
		}
		dc.FillText(sty, vg.Point{X: x + px(26), Y: y + px(11)}, e.name)
	}
	return img
}

// savePNG writes img with the fastest compression: on these flat-coloured
// charts the default level costs a small benchmark's report several
// milliseconds per chart and saves nothing (a 1-run benchmark's chart:
// 13.3 KB at the default level, 12.1 KB at this one).
func savePNG(img *vgimg.Canvas, path string) error {
	return CreateDerived(path, func(w io.Writer) error {
		b := bufio.NewWriter(w)
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(b, img.Image()); err != nil {
			return err
		}
		return b.Flush()
	})
}

// costBars draws cost per workflow per priced cell, labelled with its value.
func costBars(path, title string, cells []*results.Cell) (bool, error) {
	if len(cells) == 0 {
		return false, nil
	}
	n := len(cells)
	p := newPlot(title)
	p.X.Label.Text = "USD per workflow"
	p.X.Min = 0
	p.NominalY(cellLabels(cells)...)
	p.Add(verticalGrid())
	vals := make(plotter.Values, n)
	xs := make(plotter.XYs, n)
	labels := make([]string, n)
	maxCost := 0.0
	for i, c := range cells {
		vals[n-1-i] = c.Cost.Mean
		xs[n-1-i] = plotter.XY{X: c.Cost.Mean, Y: float64(n - 1 - i)}
		labels[n-1-i] = USD(c.Cost.Mean)
		maxCost = math.Max(maxCost, c.Cost.Mean)
	}
	bc, err := plotter.NewBarChart(vals, px(34))
	if err != nil {
		return false, err
	}
	bc.Horizontal = true
	bc.LineStyle.Width = 0
	bc.Color = palette[0]
	p.Add(bc)
	if err := addLabels(p, xs, labels, px(6), px(-6)); err != nil {
		return false, err
	}
	if maxCost == 0 {
		p.X.Max = 1
	} else {
		p.X.Max = maxCost * 1.18
	}
	p.X.Tick.Marker = usdTicks{}
	return true, saveWithLegend(p, nil, path, barHeight(n, 0))
}

// costTime plots cost against time per cell and marks the Pareto front:
// the cells no other cell beats on both cost and time.
func costTime(path, title string, cells []*results.Cell) (bool, error) {
	if len(cells) < 2 {
		return false, nil // one point says nothing a table does not
	}
	p := newPlot(title)
	p.X.Label.Text = "mean time per workflow (seconds)"
	p.Y.Label.Text = "cost per workflow (USD)"
	p.Y.Tick.Marker = usdTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = rgb(0xE0E0E0), rgb(0xE0E0E0)
	p.Add(grid)

	front := paretoFront(cells)
	var onFront, behind plotter.XYs
	maxX, maxY := 0.0, 0.0
	for i, c := range cells {
		pt := plotter.XY{X: c.Time.Mean, Y: c.Cost.Mean}
		maxX, maxY = math.Max(maxX, pt.X), math.Max(maxY, pt.Y)
		if front[i] {
			onFront = append(onFront, pt)
		} else {
			behind = append(behind, pt)
		}
	}
	sort.Slice(onFront, func(i, j int) bool { return onFront[i].X < onFront[j].X })
	var legend []legendEntry
	if len(onFront) > 1 {
		line, err := plotter.NewLine(onFront)
		if err != nil {
			return false, err
		}
		line.Color = palette[2]
		line.Width = px(2)
		line.Dashes = []vg.Length{px(6), px(4)}
		p.Add(line)
	}
	if len(behind) > 0 {
		sc, err := plotter.NewScatter(behind)
		if err != nil {
			return false, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: grey, Radius: px(6), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		legend = append(legend, legendEntry{name: "beaten: another cell is cheaper and faster", color: grey, circle: true})
	}
	sc, err := plotter.NewScatter(onFront)
	if err != nil {
		return false, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: palette[2], Radius: px(7), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	legend = append([]legendEntry{{name: "Pareto front: no cell is both cheaper and faster", color: palette[2], circle: true}}, legend...)

	p.X.Min, p.Y.Min = 0, 0
	p.X.Max, p.Y.Max = maxX*1.12+1e-9, maxY*1.15+1e-9
	labels := &pointLabels{radius: px(7)}
	if len(onFront) > 1 {
		labels.line = onFront
	}
	for _, c := range cells {
		labels.xys = append(labels.xys, plotter.XY{X: c.Time.Mean, Y: c.Cost.Mean})
		labels.names = append(labels.names, c.Name())
	}
	labels.style = p.X.Tick.Label
	labels.style.Font.Size = font.Length(px(13))
	labels.style.XAlign, labels.style.YAlign = draw.XLeft, draw.YBottom
	p.Add(labels)
	// Names beside their points when every one finds room; else numbers
	// beside the points, keyed in the legend.
	img := drawWithLegend(p, legend, scatterHeight)
	if !labels.fits {
		labels.numbered = true
		for i, c := range cells {
			legend = append(legend, legendEntry{name: c.Name(), color: ink, key: strconv.Itoa(i + 1)})
		}
		img = drawWithLegend(p, legend, scatterHeight-legendHeight(legend[:2])+legendHeight(legend))
	}
	return true, savePNG(img, path)
}

// paretoFront marks the cells that no other cell dominates (no more costly
// and no slower, and better in one).
func paretoFront(cells []*results.Cell) []bool {
	out := make([]bool, len(cells))
	for i, a := range cells {
		out[i] = true
		for j, b := range cells {
			if i == j {
				continue
			}
			if b.Cost.Mean <= a.Cost.Mean && b.Time.Mean <= a.Time.Mean &&
				(b.Cost.Mean < a.Cost.Mean || b.Time.Mean < a.Time.Mean) {
				out[i] = false
				break
			}
		}
	}
	return out
}

// addLabels writes labels at points, offset by dx, dy.
func addLabels(p *plot.Plot, xs plotter.XYs, labels []string, dx, dy vg.Length) error {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xs, Labels: labels})
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = font.Length(px(13))
		l.TextStyle[i].Color = ink
	}
	l.Offset = vg.Point{X: dx, Y: dy}
	p.Add(l)
	return nil
}

const scatterHeight = 600

// pointLabels names the points of a scatter plot. It lays the names out
// when drawn, in the data area's own coordinates: a name goes right of its
// point, or left, above or below it, or a line or two away with a leader
// line, wherever it covers no point, no other name and stays within the
// axes. fits says whether every name found such a place; numbered draws
// the points' numbers (1-based) instead of their names.
type pointLabels struct {
	xys      plotter.XYs
	names    []string
	style    plottext.Style
	radius   vg.Length   // of the point glyphs
	line     plotter.XYs // a line drawn through points (the Pareto front): names keep off it too
	numbered bool
	fits     bool // set by Plot
	// points, placed and area are where Plot put things, for tests:
	// the points' glyph boxes, each name's box (by point) and the axes.
	points, placed []box
	area           box
}

type box struct{ min, max vg.Point }

func (b box) overlaps(o box) bool {
	return b.min.X < o.max.X && o.min.X < b.max.X && b.min.Y < o.max.Y && o.min.Y < b.max.Y
}

// Plot implements plot.Plotter. It adds no data range and no glyph boxes,
// so the names never change the axes.
func (l *pointLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	pts := make([]vg.Point, len(l.xys))
	var taken []box
	pad := l.radius + px(2)
	for i, xy := range l.xys {
		pts[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		taken = append(taken, box{vg.Point{X: pts[i].X - pad, Y: pts[i].Y - pad}, vg.Point{X: pts[i].X + pad, Y: pts[i].Y + pad}})
	}
	var onLine []box
	for i := 1; i < len(l.line); i++ { // the line as a chain of small boxes
		a := vg.Point{X: trX(l.line[i-1].X), Y: trY(l.line[i-1].Y)}
		b := vg.Point{X: trX(l.line[i].X), Y: trY(l.line[i].Y)}
		steps := int(math.Hypot(float64(b.X-a.X), float64(b.Y-a.Y))/float64(px(4))) + 1
		for k := 0; k <= steps; k++ {
			f := vg.Length(float64(k) / float64(steps))
			q := vg.Point{X: a.X + (b.X-a.X)*f, Y: a.Y + (b.Y-a.Y)*f}
			onLine = append(onLine, box{vg.Point{X: q.X - px(2), Y: q.Y - px(2)}, vg.Point{X: q.X + px(2), Y: q.Y + px(2)}})
		}
	}
	area := box{c.Min, c.Max}
	l.area, l.points, l.placed = area, append([]box(nil), taken...), make([]box, len(pts))
	inside := func(b box) bool {
		return b.min.X >= area.min.X && b.max.X <= area.max.X && b.min.Y >= area.min.Y && b.max.Y <= area.max.Y
	}
	free := func(b box, line bool) bool {
		for _, o := range taken {
			if b.overlaps(o) {
				return false
			}
		}
		for _, o := range onLine {
			if line && b.overlaps(o) {
				return false
			}
		}
		return true
	}
	// Crowded points first: they have the fewest places left.
	order := make([]int, len(pts))
	crowd := make([]int, len(pts))
	for i := range pts {
		order[i] = i
		for j := range pts {
			if i != j && math.Abs(float64(pts[i].X-pts[j].X)) < float64(px(120)) && math.Abs(float64(pts[i].Y-pts[j].Y)) < float64(px(40)) {
				crowd[i]++
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return crowd[order[a]] > crowd[order[b]] })
	l.fits = true
	for _, i := range order {
		name := l.names[i]
		if l.numbered {
			name = strconv.Itoa(i + 1)
		}
		w, h := l.style.Width(name), l.style.Height(name)
		pt, gap := pts[i], l.radius+px(4)
		right, left, centre := pt.X+gap, pt.X-gap-w, pt.X-w/2
		mid := pt.Y - h/2
		type spot struct {
			at     vg.Point // lower left of the name
			leader bool
		}
		spots := []spot{
			{vg.Point{X: right, Y: mid}, false}, {vg.Point{X: left, Y: mid}, false},
			{vg.Point{X: right, Y: pt.Y + gap/2}, false}, {vg.Point{X: right, Y: pt.Y - gap/2 - h}, false},
			{vg.Point{X: left, Y: pt.Y + gap/2}, false}, {vg.Point{X: left, Y: pt.Y - gap/2 - h}, false},
			{vg.Point{X: centre, Y: pt.Y + gap}, false}, {vg.Point{X: centre, Y: pt.Y - gap - h}, false},
		}
		for k := 1; k <= 3; k++ {
			dy := vg.Length(k) * (h + px(3))
			for _, x := range []vg.Length{right + px(8), left - px(8)} {
				spots = append(spots, spot{vg.Point{X: x, Y: mid + dy}, true}, spot{vg.Point{X: x, Y: mid - dy}, true})
			}
		}
		// Off the line if possible; across it (still readable) if not.
		chosen := -1
		for _, line := range []bool{true, false} {
			for k, sp := range spots {
				b := box{sp.at, vg.Point{X: sp.at.X + w, Y: sp.at.Y + h}}
				if chosen < 0 && inside(b) && free(b, line) {
					chosen = k
				}
			}
		}
		if chosen < 0 {
			l.fits = false
			if !l.numbered {
				continue // the chart is drawn again, numbered
			}
			for k, sp := range spots { // numbered and still no room: any place within the axes
				if inside(box{sp.at, vg.Point{X: sp.at.X + w, Y: sp.at.Y + h}}) {
					chosen = k
					break
				}
			}
			if chosen < 0 {
				chosen = 0
			}
		}
		sp := spots[chosen]
		b := box{sp.at, vg.Point{X: sp.at.X + w, Y: sp.at.Y + h}}
		taken = append(taken, b)
		l.placed[i] = b
		if sp.leader {
			end := vg.Point{X: b.min.X - px(2), Y: b.min.Y + h/2}
			if b.max.X < pt.X {
				end.X = b.max.X + px(2)
			}
			c.StrokeLine2(draw.LineStyle{Color: grey, Width: px(1)}, pt.X, pt.Y, end.X, end.Y)
		}
		c.FillText(l.style, sp.at, name)
	}
}

// usdTicks label an axis in dollars.
type usdTicks struct{}

func (usdTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = USD(ticks[i].Value)
			if hi-lo >= 0.05 && math.Abs(ticks[i].Value) < 1 {
				ticks[i].Label = fmt.Sprintf("$%.2f", ticks[i].Value)
			}
		}
	}
	return ticks
}

// thousandsTicks label an axis with thousands separators.
type thousandsTicks struct{}

func (thousandsTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = Thousands(ticks[i].Value)
		}
	}
	return ticks
}

func nonZero(vals plotter.Values) bool {
	for _, v := range vals {
		if v != 0 {
			return true
		}
	}
	return false
}
