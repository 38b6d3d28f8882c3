package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/plan"
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
	s, _, _, err := f.load(pos[0])
	if err != nil {
		return err
	}
	cells, err := plan.Expand(s, nil)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if err := trialRender(s, cells); err != nil {
		return withCode(ExitUsage, err)
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", pos[0])
	printPlan(e.stdout, s, cells, plan.Runs(cells, s.Runs, s.Order, plan.Shard{K: 1, N: 1}), false)
	return nil
}

// trialRender executes every template once per cell with placeholder run
// values, so a misspelt variable is reported before anything runs.
func trialRender(s *spec.Spec, cells []plan.Cell) error {
	var errs []string
	seen := map[string]bool{}
	for _, c := range cells {
		data := map[string]any{
			"spec":     map[string]any{"name": s.Name, "title": s.Title, "description": s.Description},
			"vars":     nonNil(s.Vars),
			"provider": map[string]any{"name": c.Provider.Name, "label": c.Provider.Label, "api": c.Provider.API, "base_url": c.Provider.BaseURL},
			"model":    c.Model,
			"matrix":   nonNil(c.MatrixMap()),
			"run":      map[string]any{"index": 1, "dir": "RUN_DIR", "warmup": false},
			"tmp":      "TMP", "started": nowForTrial, "env": map[string]string{}, "dir": "OUT",
		}
		var ts []*spec.Template
		ts = append(ts, &s.Command, &s.Output)
		for i := range s.Setup {
			ts = append(ts, &s.Setup[i])
		}
		for i := range s.Prepare {
			ts = append(ts, &s.Prepare[i])
		}
		for i := range s.Cleanup {
			ts = append(ts, &s.Cleanup[i])
		}
		for k := range s.Env {
			t := s.Env[k]
			ts = append(ts, &t)
		}
		for k := range c.Provider.Env {
			t := c.Provider.Env[k]
			ts = append(ts, &t)
		}
		for i := range s.Artifacts {
			ts = append(ts, &s.Artifacts[i].Path)
		}
		for _, t := range ts {
			if _, err := t.Render(data); err != nil {
				msg := err.Error()
				if !seen[msg] {
					seen[msg] = true
					errs = append(errs, msg)
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
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
	s, filters, shard, err := f.load(pos[0])
	if err != nil {
		return err
	}
	cells, err := f.cells(ctx, s, filters)
	if err != nil {
		return err
	}
	pairs := plan.Runs(cells, s.Runs, s.Order, shard)
	printPlan(e.stdout, s, cells, pairs, true)
	if f.dryRun {
		for _, w := range unsimulated(s, cells) {
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
		t.row(c.ID, c.Provider.Name, c.Provider.API, c.Model, runs, status)
	}
	t.flush()
	fmt.Fprintf(w, "%d measured runs, %d thresholds, %d recommendations\n", len(pairs), len(s.Thresholds), len(s.Recommendations))
}

func reportCmd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", "DIR", "Re-render CSV, JSON, Markdown, charts and XLSX of the benchmark in DIR from DIR/runs.jsonl and DIR/spec.yaml, without running anything.")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("report takes one output folder")
	}
	dir := pos[0]
	if err := isOutputFolder(dir); err != nil {
		return err
	}
	s, err := spec.Load(filepath.Join(dir, output.SpecFile), nil)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	bm, err := readBenchmark(dir)
	if err != nil {
		bm.Spec = s.Name // older or hand-made folders: derive what we can from records
	}
	sum, err := render(dir, s, bm, e.stderr)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	printSummary(e.stdout, sum, dir, s)
	return nil
}

// isOutputFolder tells a benchmark's output folder from anything else.
func isOutputFolder(dir string) error {
	for _, f := range []string{output.SpecFile, output.RunsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return usageErrorf("%s is not a benchmark output folder: it has no %s", dir, f)
		}
	}
	return nil
}
