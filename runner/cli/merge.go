package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/rules"
	"github.com/runner-bench/runner/runner/spec"
)

// mergeCmd joins the output folders of shards (--shard K/N) into one folder
// whose results equal an unsharded run's on the same records.
func mergeCmd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "merge", "OUT DIR... [--fail-on LEVEL]",
		"Merge the output folders of shards of one benchmark (--shard K/N) into OUT: runs.jsonl in the order an\n"+
			"unsharded run writes, spec.yaml, benchmark.json, logs and run folders, then every report file.\n"+
			"Refuses folders of different specs. Exits like a run: 1 when thresholds fail.")
	partial := fs.Bool("partial", false, "merge even when shards are missing (the report names them); without it an incomplete set is refused")
	failOn := fs.String("fail-on", "fail", "exit 1 when a cell's rating is at or below `LEVEL`: "+rules.FailOnWords())
	var h historyFlags
	h.register(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		fs.Usage()
		return usageErrorf("merge takes an output folder and at least one shard folder")
	}
	failLevel, err := rules.ParseFailOn(*failOn)
	if err != nil {
		return usageErrorf("--fail-on %v", err)
	}
	out, dirs := pos[0], pos[1:]
	m, err := output.ReadShards(dirs, e.stderr)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if len(m.Missing) > 0 && !*partial {
		return usageErrorf("shard %s missing from the merge: its cells would be reported as not measured. Give every shard's folder, or --partial to merge what is there", strings.Join(m.Missing, ", "))
	}
	// The merged files describe the merge, not the first shard's run.
	m.Benchmark.Command = "runner " + strings.Join(append([]string{"merge"}, args...), " ")
	for _, w := range m.Warnings {
		fmt.Fprintln(e.stderr, "runner: warning:", w)
	}
	if _, err := os.Stat(filepath.Join(out, output.RunsFile)); err == nil {
		return usageErrorf("%s already holds a benchmark; merge into a new folder", out)
	}
	if err := m.Write(out); err != nil {
		return withCode(ExitOutputs, err)
	}
	s, err := spec.Load(filepath.Join(out, output.SpecFile), nil)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	hist := openBenchHistory(ctx, h, s, m.Benchmark)
	defer hist.close()
	sum, err := summarize(out, s, m.Benchmark, e.stderr, hist.option()...)
	if err != nil {
		return err
	}
	// The shards were not recorded alone: the merged benchmark is, once.
	recorded := hist.startRecord(ctx, out, s, m.Benchmark, sum)
	if err := writeOutputs(out, s, sum); err != nil {
		return errors.Join(err, recorded(e.stderr, false))
	}
	printSummary(e.stdout, sum, out, s)
	histErr := recorded(e.stderr, false)
	if v := verdictError(sum, failLevel); v != nil {
		return errors.Join(v, histErr)
	}
	return histErr
}
