package output

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// File names in a benchmark's output folder.
const (
	RunsFile      = "runs.jsonl"
	BenchmarkFile = "benchmark.json"
	SpecFile      = "spec.yaml"
	CSVFile       = "benchmark_results.csv"
	SummaryFile   = "summary.json"
	ChartsDir     = "charts"
	WorkbookFile  = "cost_calculator.xlsx"
)

// WriteAll writes every derived file of a benchmark into dir from its
// summary; runs.jsonl, benchmark.json and spec.yaml are the inputs and are
// not touched. It returns the paths written.
func WriteAll(dir string, s *spec.Spec, sum *results.Summary) ([]string, error) {
	var written []string
	write := func(name string, render func(*bytes.Buffer) error) error {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	var artifacts []string
	for _, a := range s.Artifacts {
		artifacts = append(artifacts, a.Name)
	}
	if err := write(CSVFile, func(b *bytes.Buffer) error { return CSV(b, sum, artifacts) }); err != nil {
		return written, err
	}
	if err := write(SummaryFile, func(b *bytes.Buffer) error { return JSON(b, sum) }); err != nil {
		return written, err
	}
	charts, err := Charts(filepath.Join(dir, ChartsDir), sum)
	if err != nil {
		return written, fmt.Errorf("charts: %w", err)
	}
	for i := range charts {
		written = append(written, filepath.Join(dir, charts[i].Path))
		charts[i].Path = filepath.ToSlash(filepath.Join(ChartsDir, charts[i].Path))
	}
	if err := Workbook(filepath.Join(dir, WorkbookFile), s, sum); err != nil {
		return written, fmt.Errorf("%s: %w", WorkbookFile, err)
	}
	written = append(written, filepath.Join(dir, WorkbookFile))
	t, err := ParseReport(s.Report.Template)
	if err != nil {
		return written, err
	}
	data := ReportData{Summary: sum, Charts: charts, Generated: time.Now()}
	if err := write(s.Report.File, func(b *bytes.Buffer) error { return Report(b, t, data) }); err != nil {
		return written, err
	}
	return written, nil
}
