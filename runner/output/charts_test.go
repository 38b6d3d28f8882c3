package output

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
