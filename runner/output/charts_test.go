package output

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
)

// chartsDir is where the charts go: a temp dir, or RUNNER_CHARTS_DIR to look
// at them.
func chartsDir(t *testing.T, name string) string {
	t.Helper()
	if d := os.Getenv("RUNNER_CHARTS_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	return t.TempDir()
}

func TestChartsFiles(t *testing.T) {
	_, sum := fixture(t, false)
	dir := chartsDir(t, "real")
	charts, err := Charts(dir, sum)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ChartPhaseTime, ChartTokens, ChartCost, ChartCostTime}
	if len(charts) != len(want) {
		t.Fatalf("charts %+v, want %v", charts, want)
	}
	for i, c := range charts {
		if c.Path != want[i] {
			t.Errorf("chart %d path %q, want %q (relative to the charts dir)", i, c.Path, want[i])
		}
		if strings.Contains(c.Title, "SIMULATED") {
			t.Errorf("%s: title %q says SIMULATED", c.Path, c.Title)
		}
		f, err := os.Open(filepath.Join(dir, c.Path))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.Path, err)
		}
		if cfg.Width != chartWidth || cfg.Height < 300 {
			t.Errorf("%s: %dx%d, want %d px wide", c.Path, cfg.Width, cfg.Height, chartWidth)
		}
	}
}

func TestChartsSimulatedTitles(t *testing.T) {
	_, sum := fixture(t, true)
	charts, err := Charts(chartsDir(t, "simulated"), sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if !strings.HasPrefix(c.Title, "SIMULATED") {
			t.Errorf("%s: title %q, want SIMULATED first", c.Path, c.Title)
		}
	}
}

func TestChartsSkipWhatWouldBeEmpty(t *testing.T) {
	s := parseSpec(t, fixtureSpec)
	// Only the unpriced cell and the broken one ran: no cost charts.
	var recs []record.Run
	for _, r := range fixtureRecords(2) {
		if r.Provider == "gemini" || r.Provider == "broken" {
			recs = append(recs, r)
		}
	}
	sum := results.Compute(s, record.Benchmark{}, recs)
	charts, err := Charts(t.TempDir(), sum)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range charts {
		got = append(got, c.Path)
	}
	if strings.Join(got, ",") != ChartPhaseTime+","+ChartTokens {
		t.Errorf("charts %v, want only time and tokens", got)
	}

	// One cell without phases: a lone bar compares nothing; no charts.
	lone := results.Compute(parseSpec(t, "name: one\nruns: 2\ncommand: 'true'\n"), record.Benchmark{},
		[]record.Run{{Cell: "default", Index: 1, Status: record.StatusOK, WallSeconds: 1}, {Cell: "default", Index: 2, Status: record.StatusOK, WallSeconds: 2}})
	if charts, err := Charts(t.TempDir(), lone); err != nil || len(charts) != 0 {
		t.Errorf("one cell, no phases: charts %v (%v), want none", charts, err)
	}

	// Nothing succeeded: no charts at all, and no folder.
	var broken []record.Run
	for _, r := range recs {
		if r.Provider == "broken" {
			broken = append(broken, r)
		}
	}
	dir := filepath.Join(t.TempDir(), "charts")
	charts, err = Charts(dir, results.Compute(s, record.Benchmark{}, broken))
	if err != nil || len(charts) != 0 {
		t.Errorf("charts %v (%v), want none", charts, err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("an empty charts folder was created")
	}
}

func TestParetoFront(t *testing.T) {
	cell := func(cost, secs float64) *results.Cell {
		return &results.Cell{Cost: results.Stats{N: 1, Mean: cost}, Time: results.Stats{N: 1, Mean: secs}}
	}
	cells := []*results.Cell{
		cell(0.10, 50), // front: cheapest
		cell(0.30, 10), // front: fastest
		cell(0.20, 30), // front: between
		cell(0.30, 40), // beaten by 0.20/30
		cell(0.10, 60), // beaten by 0.10/50 (same cost, slower)
	}
	want := []bool{true, true, true, false, false}
	got := paretoFront(cells)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d on front = %v, want %v", i, got[i], want[i])
		}
	}
}

// placeLabels lays out the names of points (time, cost) on the cost-vs-time
// plot's axes, as costTime does, and returns the labels after drawing.
func placeLabels(t *testing.T, pts [][2]float64, names []string) *pointLabels {
	t.Helper()
	p := newPlot("test")
	l := &pointLabels{radius: px(7), style: p.X.Tick.Label}
	l.style.Font.Size = font.Length(px(13))
	maxX, maxY := 0.0, 0.0
	for _, pt := range pts {
		l.xys = append(l.xys, plotter.XY{X: pt[0], Y: pt[1]})
		maxX, maxY = max(maxX, pt[0]), max(maxY, pt[1])
	}
	l.names = names
	p.X.Min, p.Y.Min, p.X.Max, p.Y.Max = 0, 0, maxX*1.12, maxY*1.15
	p.Add(l)
	drawWithLegend(p, nil, scatterHeight)
	return l
}

// Every name sits within the axes and covers no point and no other name;
// crowded points fall back to numbers, which fit too.
func TestPointLabelsPlacement(t *testing.T) {
	check := func(t *testing.T, l *pointLabels) {
		t.Helper()
		for i, b := range l.placed {
			if b.min.X < l.area.min.X || b.max.X > l.area.max.X || b.min.Y < l.area.min.Y || b.max.Y > l.area.max.Y {
				t.Errorf("label %d %v is off the axes %v", i, b, l.area)
			}
			for j, pt := range l.points {
				if b.overlaps(pt) {
					t.Errorf("label %d covers point %d", i, j)
				}
			}
			for j, o := range l.placed {
				if i != j && b.overlaps(o) {
					t.Errorf("labels %d and %d overlap", i, j)
				}
			}
		}
	}
	t.Run("few points: names", func(t *testing.T) {
		l := placeLabels(t, [][2]float64{{4.2, 0}, {3.4, 0.058}, {3.7, 0.128}, {2.7, 0.02}},
			[]string{"Ollama (local) · llama3.2:3b", "Anthropic Claude · claude-3-5-sonnet-20241022", "OpenAI · gpt-4-turbo", "Google Gemini · gemini-1.5-pro"})
		if !l.fits {
			t.Fatal("four spread points should have room for their names")
		}
		check(t, l)
	})
	t.Run("14 crowded points: numbers", func(t *testing.T) {
		var pts [][2]float64
		var names []string
		for i := 0; i < 14; i++ {
			pts = append(pts, [2]float64{3 + 0.05*float64(i%7), 0.02 + 0.001*float64(i/7)})
			names = append(names, fmt.Sprintf("Provider %d · a-rather-long-model-name · temperature=0.%d", i, i%2*5+2))
		}
		l := placeLabels(t, pts, names)
		if l.fits {
			t.Fatal("14 long names cannot all fit around a tight cluster; want the numbered fallback")
		}
		l.numbered = true
		drawWithLegend(newPlotWith(l), nil, scatterHeight)
		if !l.fits {
			t.Error("numbers should fit around the cluster")
		}
		check(t, l)
	})
}

// newPlotWith is a plot holding only l, on l's axes.
func newPlotWith(l *pointLabels) *plot.Plot {
	p := newPlot("test")
	maxX, maxY := 0.0, 0.0
	for _, xy := range l.xys {
		maxX, maxY = max(maxX, xy.X), max(maxY, xy.Y)
	}
	p.X.Min, p.Y.Min, p.X.Max, p.Y.Max = 0, 0, maxX*1.12, maxY*1.15
	p.Add(l)
	return p
}
