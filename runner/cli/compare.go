package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/runner-bench/runner/runner/compare"
	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// compareCmd compares two result folders cell by cell and metric by metric.
func compareCmd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "compare", "OLD_DIR NEW_DIR [--format text|markdown|json]",
		"Compare two benchmark output folders per cell and metric: old and new medians, the change in %,\n"+
			"and \"~\" when it is not significant (Mann-Whitney U test, alpha 0.05) or smaller than --min-change,\n"+
			"as benchstat does. With too few runs for any significance, one footnote says how many it takes.\n"+
			"The workload's own metrics (metric(\"NAME\")) are compared too; one that only one side measured\n"+
			"is shown as \"only in old\" or \"only in new\".")
	minChange := fs.Float64("min-change", 5, "flag no change smaller than `PCT` percent, however significant")
	format := fs.String("format", "text", "output `format`: "+strings.Join(compare.Formats, ", "))
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return usageErrorf("compare takes two output folders, got %d arguments", len(pos))
	}
	if !slices.Contains(compare.Formats, *format) {
		return usageErrorf("--format %q: expected one of %s", *format, strings.Join(compare.Formats, ", "))
	}
	old, err := output.LoadSummary(pos[0], e.stderr)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	new, err := output.LoadSummary(pos[1], e.stderr)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if old.Name != new.Name {
		fmt.Fprintf(e.stderr, "runner: warning: comparing different specs (%s and %s); cells are matched by ID\n", old.Name, new.Name)
	}
	cmp := results.Compare(old, new)
	cmp.MinChange(*minChange)
	cmp.Old.Dir, cmp.New.Dir = pos[0], pos[1]
	return compare.Write(e.stdout, cmp, *format)
}

// baseline reads the spec's baseline folder for results.WithBaseline; an
// unreadable baseline becomes a warning and N/A delta rules, not a failure
// of the report (checkBaseline refuses it before a run starts).
func baseline(s *spec.Spec) []results.Option {
	if s.Baseline == "" {
		return nil
	}
	return []results.Option{results.WithBaseline(output.ReadBaseline(s.Baseline, os.Stderr))}
}

// checkBaseline makes sure the spec's baseline can be read before anything runs.
func checkBaseline(s *spec.Spec) error {
	if s.Baseline == "" {
		return nil
	}
	if _, err := output.LoadSummary(s.Baseline, io.Discard); err != nil {
		return withCode(ExitUsage, fmt.Errorf("baseline %s: %w", s.Baseline, err))
	}
	return nil
}
