package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/runner-bench/runner/runner/bench"
	"github.com/runner-bench/runner/runner/history"
	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/sim"
	"github.com/runner-bench/runner/runner/spec"
)

func validateCmd(ctx context.Context, e *env, args []string) error {
	var f runFlags
	fs := newFlagSet(e, "validate", "SPEC [--set k=v]", "Load SPEC, compile every rule and template, and print the plan. Exit 2 on any error.")
	fs.Var(&f.sets, "set", "override a spec var: `key=value` (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("validate takes one spec file")
	}
	s, _, _, err := f.load(pos[0], e.stderr)
	if err != nil {
		return err
	}
	cells, err := plan.Expand(s, nil)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if err := trialRender(s, cells); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", pos[0])
	for _, w := range results.PricingWarnings(s, cells) {
		fmt.Fprintln(e.stdout, "warning:", w)
	}
	printPlan(e.stdout, s, cells, plan.Runs(cells, s.Runs, s.Order, plan.Shard{K: 1, N: 1}), false)
	return nil
}

// trialRender renders every template of the spec (commands, judge, report)
// with stand-in data, so that a template error stops the benchmark before
// anything runs rather than at the run or the report that first uses it.
func trialRender(s *spec.Spec, cells []plan.Cell) error {
	if err := bench.TrialRender(s, cells); err != nil {
		return withCode(ExitUsage, err)
	}
	if err := output.TrialReport(s, cells); err != nil {
		return withCode(ExitUsage, err)
	}
	return nil
}

func planCmd(ctx context.Context, e *env, args []string) error {
	var f runFlags
	fs := newFlagSet(e, "plan", "SPEC [flags]", "Show the cells, the skips with their reasons, the run count and the estimated cost.")
	f.register(fs, false)
	from := fs.String("from", "", "estimate calls, tokens and cost from `DIR`, a previous output folder of this spec")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("plan takes one spec file")
	}
	s, filters, shard, err := f.load(pos[0], e.stderr)
	if err != nil {
		return err
	}
	cells, err := f.cells(ctx, s, filters)
	if err != nil {
		return err
	}
	if err := trialRender(s, cells); err != nil {
		return err
	}
	pairs := plan.Runs(cells, s.Runs, s.Order, shard)
	printPlan(e.stdout, s, cells, pairs, true)
	for _, w := range results.PricingWarnings(s, cells) {
		fmt.Fprintln(e.stdout, "warning:", w)
	}
	if f.dryRun {
		for _, w := range sim.Unsimulated(s, cells) {
			fmt.Fprintln(e.stdout, "warning:", w)
		}
	}
	return estimate(e.stdout, s, cells, pairs, *from, f.dryRun)
}

func printPlan(w io.Writer, s *spec.Spec, cells []plan.Cell, pairs []plan.Pair, skips bool) {
	fmt.Fprintf(w, "%s — %s\n", s.Name, s.Title)
	fmt.Fprintf(w, "phases: %s\n", strings.Join(s.Phases, ", "))
	t := newTable(w)
	t.row("CELL", "PROVIDER", "API", "MODEL", "RUNS", "STATUS")
	for _, c := range cells {
		status := "ready"
		if !skips {
			status = "requirements not checked (runner plan checks them)"
		}
		if c.Skip != "" {
			status = "skip: " + c.Skip
		}
		runs := fmt.Sprintf("%d+%dw", s.Runs, s.Warmup)
		if c.Skip != "" {
			runs = "0"
		}
		t.row(c.ID, c.Provider.Name, string(c.Provider.API), c.Model, runs, status)
	}
	t.flush()
	fmt.Fprintf(w, "%d measured runs, %d thresholds, %d recommendations\n", len(pairs), len(s.Thresholds), len(s.Recommendations))
	if j := s.Judge; j != nil {
		fmt.Fprintf(w, "judge: after each successful measured run, %s (timeout %v); its calls are metered apart from the run's\n",
			strings.Join(strings.Fields(j.Command.Source), " "), j.Timeout.D())
	}
}

func reportCmd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", "DIR", "Re-render CSV, JSON, Markdown, charts and XLSX of the benchmark in DIR from DIR/runs.jsonl and DIR/spec.yaml, without running anything.\nThe report's History section reads the history store; nothing is written to it.")
	var h historyFlags
	h.register(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("report takes one output folder")
	}
	dir := pos[0]
	if err := output.IsFolder(dir); err != nil {
		return withCode(ExitUsage, err)
	}
	s, err := spec.Load(filepath.Join(dir, output.SpecFile), nil)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	bm, err := output.ReadBenchmark(dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(e.stderr, "runner: warning: %s: %v; reporting from the records alone\n", filepath.Join(dir, output.BenchmarkFile), err)
		}
		bm = record.Benchmark{Spec: s.Name} // older or hand-made folders: derive what we can from records
	}
	var opts []results.Option
	if target, explicit := h.resolve(s); target != "" && (explicit || history.IsURL(target) || fileExists(target)) {
		hist := openBenchHistory(ctx, h, s, bm)
		defer hist.close()
		opts = hist.option()
	}
	sum, err := summarize(dir, s, bm, e.stderr, opts...)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if err := writeOutputs(dir, s, sum); err != nil {
		return err
	}
	printSummary(e.stdout, sum, dir, s)
	return nil
}
