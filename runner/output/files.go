package output

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
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
// does not stop the others; the errors are returned in the order of the
// files: CSV, summary, charts, workbook, report.
func WriteAll(dir string, s *spec.Spec, sum *results.Summary) ([]string, error) {
	var artifacts []string
	for _, a := range s.Artifacts {
		artifacts = append(artifacts, a.Name)
	}
	// The files depend on the summary alone (the report also on the charts'
	// names), so they are made side by side: with 100,000 runs the CSV and
	// the workbook take seconds each.
	type file struct {
		path string
		err  error
	}
	stream := func(out *file, name string, render func(io.Writer) error) {
		out.path = filepath.Join(dir, name)
		out.err = CreateDerived(out.path, func(w io.Writer) error {
			bw := bufio.NewWriterSize(w, 1<<16)
			if err := render(bw); err != nil {
				return &renderError{name, err}
			}
			return bw.Flush()
		})
		var re *renderError
		if errors.As(out.err, &re) { // as before: "NAME: what went wrong"
			out.err = re
		}
	}
	var csvFile, jsonFile, book, report file
	var charts []Chart
	var chartErr error
	var wg sync.WaitGroup
	wg.Go(func() { stream(&csvFile, CSVFile, func(w io.Writer) error { return CSV(w, sum, artifacts) }) })
	wg.Go(func() { stream(&jsonFile, SummaryFile, func(w io.Writer) error { return JSON(w, sum) }) })
	// A benchmark that saw no tokens has no cost to calculate: no workbook.
	if sum.HasTokens {
		wg.Go(func() {
			book.path = filepath.Join(dir, WorkbookFile)
			book.err = Workbook(book.path, s, sum)
		})
	}
	wg.Go(func() {
		charts, chartErr = Charts(filepath.Join(dir, ChartsDir), sum)
		if chartErr != nil {
			chartErr = fmt.Errorf("charts: %w", chartErr)
			charts = nil
		}
		chartPaths := make([]Chart, len(charts))
		for i, c := range charts {
			chartPaths[i] = c
			chartPaths[i].Path = filepath.ToSlash(filepath.Join(ChartsDir, c.Path))
		}
		t, err := ParseReport(s.Report.TemplatePath)
		if err != nil {
			report.err = err
			return
		}
		data := ReportData{Summary: sum, Charts: chartPaths, Generated: time.Now()}
		stream(&report, s.Report.File, func(w io.Writer) error { return Report(w, t, data) })
	})
	wg.Wait()

	var written []string
	var errs []error
	add := func(f file) {
		switch {
		case f.err != nil:
			errs = append(errs, f.err)
		case f.path != "":
			written = append(written, f.path)
		}
	}
	add(csvFile)
	add(jsonFile)
	if chartErr != nil {
		errs = append(errs, chartErr)
	}
	if book.err != nil {
		book.err = fmt.Errorf("%s: %w", WorkbookFile, book.err)
	}
	add(book)
	for _, c := range charts {
		written = append(written, filepath.Join(dir, ChartsDir, c.Path))
	}
	add(report)
	return written, errors.Join(errs...)
}

// renderError is a file whose content could not be made, told apart from
// one that could not be written.
type renderError struct {
	name string
	err  error
}

func (e *renderError) Error() string { return e.name + ": " + e.err.Error() }
func (e *renderError) Unwrap() error { return e.err }

// WriteFileAtomic writes data to path through a temporary file in the same
// folder, synced and then renamed over path: a crash or a full disk leaves
// the old file or none, never an empty or half-written one. It is for a
// benchmark's inputs (spec.yaml, benchmark.json), which nothing can remake.
func WriteFileAtomic(path string, data []byte) error {
	return createAtomic(path, true, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// CreateDerived writes a derived file (the CSV, summary, report, charts,
// workbook) as WriteFileAtomic does, but without the sync: a failed write
// or a crash of the runner still leaves the old file or none, and after a
// crash of the machine itself `runner report DIR` makes them all again from
// runs.jsonl. The syncs were a large part of a short benchmark's time.
func CreateDerived(path string, write func(io.Writer) error) error {
	return createAtomic(path, false, write)
}

func createAtomic(path string, sync bool, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = write(f)
	if err == nil && sync {
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
