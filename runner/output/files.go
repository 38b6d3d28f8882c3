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
	// The charts and the workbook are the slow part; they do not depend on
	// each other, so they are made side by side.
	var charts []Chart
	var chartErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		charts, chartErr = Charts(filepath.Join(dir, ChartsDir), sum)
	}()
	// A benchmark that saw no tokens has no cost to calculate: no workbook.
	var bookErr error
	if sum.HasTokens {
		bookErr = Workbook(filepath.Join(dir, WorkbookFile), s, sum)
	}
	<-done
	if chartErr != nil {
		return written, fmt.Errorf("charts: %w", chartErr)
	}
	if bookErr != nil {
		return written, fmt.Errorf("%s: %w", WorkbookFile, bookErr)
	}
	for i := range charts {
		written = append(written, filepath.Join(dir, charts[i].Path))
		charts[i].Path = filepath.ToSlash(filepath.Join(ChartsDir, charts[i].Path))
	}
	if sum.HasTokens {
		written = append(written, filepath.Join(dir, WorkbookFile))
	}
	t, err := ParseReport(s.Report.TemplatePath)
	if err != nil {
		return written, err
	}
	data := ReportData{Summary: sum, Charts: charts, Generated: time.Now()}
	if err := write(s.Report.File, func(b *bytes.Buffer) error { return Report(b, t, data) }); err != nil {
		return written, err
	}
	return written, nil
}
