package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// A benchmark's output folder: its inputs (spec.yaml, benchmark.json,
// runs.jsonl, the report template's copy) are written as the benchmark
// runs and are all the reports need; reading them back is here, next to
// their names.

// IsFolder tells a benchmark's output folder from anything else.
func IsFolder(dir string) error {
	for _, f := range []string{SpecFile, RunsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("%s is not a benchmark output folder: it has no %s", dir, f)
		}
	}
	return nil
}

// FindFolders is dir itself when it is a benchmark output folder, else the
// output folders under it, sorted.
func FindFolders(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, RunsFile)); err == nil {
		return []string{dir}, nil
	}
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if _, err := os.Stat(filepath.Join(p, RunsFile)); err == nil {
				out = append(out, p)
				return filepath.SkipDir // its runs/ holds workload output, not benchmarks
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// ReadRuns reads DIR/runs.jsonl; a torn last line is reported on warn and
// the records before it are used.
func ReadRuns(dir string, warn io.Writer) ([]record.Run, error) {
	recs, err := record.ReadFile(filepath.Join(dir, RunsFile))
	var trunc *record.TruncatedError
	if errors.As(err, &trunc) {
		fmt.Fprintf(warn, "runner: warning: %v\n", err)
		return recs, nil
	}
	return recs, err
}

// ReadBenchmark reads DIR/benchmark.json.
func ReadBenchmark(dir string) (record.Benchmark, error) {
	var bm record.Benchmark
	b, err := os.ReadFile(filepath.Join(dir, BenchmarkFile))
	if err != nil {
		return bm, err
	}
	return bm, json.Unmarshal(b, &bm)
}

// WriteBenchmark writes DIR/benchmark.json.
func WriteBenchmark(dir string, bm record.Benchmark) error {
	return writeJSON(filepath.Join(dir, BenchmarkFile), bm)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// WriteInputs writes the spec (secret values redacted) and benchmark.json
// of a benchmark that starts in dir.
func WriteInputs(dir string, s *spec.Spec, bm record.Benchmark) error {
	src := s.Source
	if s.Report.Template != "" {
		// The output folder keeps its own copy of the report template, and
		// its spec.yaml names that copy: `runner report DIR` works from
		// anywhere, even after the original template changed.
		if err := CopyTree(s.Report.TemplatePath, filepath.Join(dir, spec.ReportTemplateFile)); err != nil {
			return fmt.Errorf("copying report.template: %w", err)
		}
		var err error
		if src, err = s.SourceWithReportTemplate(spec.ReportTemplateFile); err != nil {
			return err
		}
	}
	src, err := spec.RedactSource(s.File, src) // secret vars and env values stay out of the folder
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, SpecFile), src); err != nil {
		return err
	}
	return WriteBenchmark(dir, bm)
}

// Folder is what an output folder holds for its reports.
type Folder struct {
	Spec      *spec.Spec
	Benchmark record.Benchmark
	Runs      []record.Run // as written: results.Compute takes record.Latest of them
}

// ReadFolder reads the inputs of a benchmark output folder. A folder
// without a readable benchmark.json (older or hand-made) gets one naming
// its spec; a torn last record is reported on warn.
func ReadFolder(dir string, warn io.Writer) (*Folder, error) {
	if err := IsFolder(dir); err != nil {
		return nil, err
	}
	s, err := spec.Load(filepath.Join(dir, SpecFile), nil)
	if err != nil {
		return nil, err
	}
	bm, err := ReadBenchmark(dir)
	if err != nil {
		bm = record.Benchmark{Spec: s.Name}
	}
	recs, err := ReadRuns(dir, warn)
	if err != nil {
		return nil, err
	}
	return &Folder{Spec: s, Benchmark: bm, Runs: recs}, nil
}

// LoadSummary computes the summary of a benchmark output folder from its
// inputs, without a baseline: what compare, --from and a baseline read.
func LoadSummary(dir string, warn io.Writer) (*results.Summary, error) {
	f, err := ReadFolder(dir, warn)
	if err != nil {
		return nil, err
	}
	return results.Compute(f.Spec, f.Benchmark, record.Latest(f.Runs)), nil
}

// ReadBaseline reads the spec's baseline folder for results.WithBaseline;
// an unreadable baseline is kept as its error, which the report shows as a
// warning and N/A delta rules.
func ReadBaseline(dir string, warn io.Writer) *results.Baseline {
	b := &results.Baseline{Dir: dir}
	if sum, err := LoadSummary(dir, warn); err != nil {
		b.Err = err.Error()
	} else {
		b.Summary = sum
	}
	return b
}

// Resume repairs the runs.jsonl of a folder being resumed and returns the
// keys of its finished runs (an interrupted run is not finished) and where
// a torn last record was moved aside, if there was one.
func Resume(dir string) (done map[string]bool, aside string, err error) {
	// A torn last record (the runner killed or the disk full while
	// writing it) is moved aside before anything is appended after it.
	aside, err = record.Repair(filepath.Join(dir, RunsFile))
	if err != nil {
		return nil, "", err
	}
	recs, err := ReadRuns(dir, io.Discard)
	if err != nil {
		return nil, aside, err
	}
	done = map[string]bool{}
	for _, r := range recs {
		switch r.Status {
		case record.StatusOK, record.StatusFailed, record.StatusTimeout:
			done[r.Key()] = true
		}
	}
	return done, aside, nil
}

// CopyTree copies a file or folder; a source that does not exist is fine
// (logs of runs that never started).
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == src {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(o, in); err != nil {
			o.Close()
			return err
		}
		return o.Close()
	})
}
