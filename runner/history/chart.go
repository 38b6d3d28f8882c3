package history

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// palette is Tableau 10, as the report's charts use.
var palette = []color.Color{
	color.RGBA{0x4E, 0x79, 0xA7, 0xff}, color.RGBA{0xF2, 0x8E, 0x2B, 0xff}, color.RGBA{0xE1, 0x57, 0x59, 0xff},
	color.RGBA{0x76, 0xB7, 0xB2, 0xff}, color.RGBA{0x59, 0xA1, 0x4F, 0xff}, color.RGBA{0xED, 0xC9, 0x48, 0xff},
	color.RGBA{0xB0, 0x7A, 0xA1, 0xff}, color.RGBA{0xFF, 0x9D, 0xA7, 0xff}, color.RGBA{0x9C, 0x75, 0x5F, 0xff},
}

// Chart draws the trend as a PNG at path: per cell the medians by benchmark
// (1 = oldest shown) with their 95% intervals, and a dashed line at each
// change point.
func Chart(t *Trend, path string) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s%s", t.Spec, t.Metric, t.priceNote())
	p.X.Label.Text = "benchmark (oldest first)"
	p.Y.Label.Text = t.Unit
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	for i, sr := range t.Series {
		col := palette[i%len(palette)]
		xys := make(plotter.XYs, len(sr.Points))
		errs := make(plotter.YErrors, len(sr.Points))
		for j, pt := range sr.Points {
			xys[j] = plotter.XY{X: float64(j + 1), Y: pt.Median}
			if pt.Lo != nil { // no interval: no error bar
				errs[j].Low, errs[j].High = pt.Median-*pt.Lo, *pt.Hi-pt.Median
			}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		line.Color, points.Color = col, col
		points.Shape = draw.CircleGlyph{}
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{xys, errs})
		if err != nil {
			return err
		}
		bars.Color = col
		p.Add(line, points, bars)
		p.Legend.Add(sr.Cell, line, points)
		for _, sh := range sr.Changes {
			for j, pt := range sr.Points {
				if pt.Benchmark != sh.Benchmark {
					continue
				}
				x := float64(j+1) - 0.5
				mark, err := plotter.NewLine(plotter.XYs{{X: x, Y: sh.Before}, {X: x, Y: sh.After}})
				if err != nil {
					return err
				}
				mark.Color, mark.Dashes = col, []vg.Length{vg.Points(4), vg.Points(3)}
				mark.Width = vg.Points(1.5)
				p.Add(mark)
			}
		}
	}
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(9*vg.Inch, 4.5*vg.Inch), vgimg.UseDPI(96))}
	p.Draw(draw.New(c))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
