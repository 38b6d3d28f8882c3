package output

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
// not touched. It returns the paths written. A file that cannot be written
// does not stop the others; the errors are returned in the order they
// happened, the first one first.
func WriteAll(dir string, s *spec.Spec, sum *results.Summary) ([]string, error) {
	var written []string
	var errs []error
	write := func(name string, render func(*bytes.Buffer) error) {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			return
		}
		path := filepath.Join(dir, name)
		if err := WriteFileAtomic(path, buf.Bytes()); err != nil {
			errs = append(errs, err)
			return
		}
		written = append(written, path)
	}
	var artifacts []string
	for _, a := range s.Artifacts {
		artifacts = append(artifacts, a.Name)
	}
	write(CSVFile, func(b *bytes.Buffer) error { return CSV(b, sum, artifacts) })
	write(SummaryFile, func(b *bytes.Buffer) error { return JSON(b, sum) })
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
		errs = append(errs, fmt.Errorf("charts: %w", chartErr))
		charts = nil
	}
	if bookErr != nil {
		errs = append(errs, fmt.Errorf("%s: %w", WorkbookFile, bookErr))
	} else if sum.HasTokens {
		written = append(written, filepath.Join(dir, WorkbookFile))
	}
	for i := range charts {
		written = append(written, filepath.Join(dir, charts[i].Path))
		charts[i].Path = filepath.ToSlash(filepath.Join(ChartsDir, charts[i].Path))
	}
	t, err := ParseReport(s.Report.TemplatePath)
	if err != nil {
		errs = append(errs, err)
		return written, errors.Join(errs...)
	}
	data := ReportData{Summary: sum, Charts: charts, Generated: time.Now()}
	write(s.Report.File, func(b *bytes.Buffer) error { return Report(b, t, data) })
	return written, errors.Join(errs...)
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder, synced and then renamed over path: a crash or a full disk leaves
// the old file or none, never an empty or half-written one.
func WriteFileAtomic(path string, data []byte) error {
	return CreateAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// CreateAtomic is WriteFileAtomic for a file made by a writer function.
func CreateAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644) // CreateTemp makes it 0600
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
