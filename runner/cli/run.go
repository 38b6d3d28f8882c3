package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/runner-bench/runner/runner/bench"
	"github.com/runner-bench/runner/runner/cassette"
	"github.com/runner-bench/runner/runner/host"
	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/rules"
	"github.com/runner-bench/runner/runner/sim"
	"github.com/runner-bench/runner/runner/spec"
)

// runFlags are the flags of run and plan.
type runFlags struct {
	sets, only         multi
	runs               int
	dryRun, intercept  bool
	shard, resume, out string
	failOn             string
	quiet, noProgress  bool
	resumeAnyway       bool
	record             bool
	replay             string
	replayMatch        string
	replaySpeed        string
	hist               historyFlags
}

func (f *runFlags) register(fs *flag.FlagSet, forRun bool) {
	fs.Var(&f.sets, "set", "override a spec var: `key=value` (repeatable)")
	fs.Var(&f.only, "only", "run only cells matching `axis=value[,axis=value]` (repeatable; e.g. provider=ollama)")
	fs.IntVar(&f.runs, "runs", 0, "measured runs per cell, overriding the spec's `runs`")
	fs.BoolVar(&f.dryRun, "dry-run", false, "route every provider to the built-in simulator: offline, free, marked SIMULATED")
	fs.StringVar(&f.shard, "shard", "", "run only shard `K/N` of the (cell, run) pairs")
	if !forRun {
		return
	}
	fs.BoolVar(&f.intercept, "intercept", false, "interception mode: also meter clients that ignore the base-URL variables (HTTPS_PROXY and a per-benchmark CA; see docs/clients.md)")
	fs.StringVar(&f.resume, "resume", "", "continue the benchmark in `DIR`, running only what is missing")
	f.registerTapeFlags(fs)
	fs.BoolVar(&f.resumeAnyway, "resume-anyway", false, "with --resume, continue even though the spec's measured fields changed since the folder was started")
	fs.StringVar(&f.out, "output", "", "write results to `DIR` instead of the spec's output folder")
	fs.StringVar(&f.failOn, "fail-on", "fail", "exit 1 when a cell's rating is at or below `LEVEL`: "+rules.FailOnWords())
	fs.BoolVar(&f.quiet, "quiet", false, "print only errors and the final summary")
	fs.BoolVar(&f.noProgress, "no-progress", false, "one plain line per run instead of live bars")
	f.hist.register(fs, true)
}

// load loads the spec, prints its warnings to warn and applies flag overrides.
func (f *runFlags) load(path string, warn io.Writer) (*spec.Spec, []plan.Filter, plan.Shard, error) {
	for _, kv := range f.sets {
		k, v, _ := strings.Cut(kv, "=")
		redact.AddValue(k, v) // a secret given on the command line is scrubbed from all output
	}
	s, err := spec.Load(path, f.sets)
	if err != nil {
		return nil, nil, plan.Shard{}, withCode(ExitUsage, err)
	}
	for k, v := range s.Vars {
		redact.AddValue(k, v)
	}
	for _, w := range s.Warnings {
		fmt.Fprintln(warn, "runner: warning:", w)
	}
	if f.runs < 0 {
		return nil, nil, plan.Shard{}, usageErrorf("--runs must be at least 1, got %d", f.runs)
	}
	if f.runs > spec.MaxRuns {
		return nil, nil, plan.Shard{}, usageErrorf("--runs: at most %d, got %d", spec.MaxRuns, f.runs)
	}
	if f.runs > 0 {
		s.Runs = f.runs
	}
	if err := f.applyTapeFlags(s); err != nil {
		return nil, nil, plan.Shard{}, err
	}
	var filters []plan.Filter
	for _, o := range f.only {
		flt, err := plan.ParseFilter(o)
		if err != nil {
			return nil, nil, plan.Shard{}, withCode(ExitUsage, err)
		}
		filters = append(filters, flt)
	}
	shard := plan.Shard{K: 1, N: 1}
	if f.shard != "" {
		if shard, err = plan.ParseShard(f.shard); err != nil {
			return nil, nil, plan.Shard{}, withCode(ExitUsage, err)
		}
	}
	return s, filters, shard, nil
}

// options are the flags that shape the benchmark, as --resume restores them.
func (f *runFlags) options() record.Options {
	o := record.Options{DryRun: f.dryRun, Intercept: f.intercept, Runs: f.runs, Only: f.only, Shard: f.shard,
		Record: f.record, Replay: f.replay, ReplayMatch: f.replayMatch}
	if f.replaySpeed != "" {
		if v, err := strconv.ParseFloat(f.replaySpeed, 64); err == nil {
			o.ReplaySpeed = &v
		}
	}
	for _, kv := range f.sets {
		if k, _, _ := strings.Cut(kv, "="); redact.SecretName(k) {
			o.Withheld = append(o.Withheld, k) // never written to disk
		} else {
			o.Set = append(o.Set, kv)
		}
	}
	return o
}

// secretSets masks the values of secret-looking --set vars in a command
// line (--set k=v and --set=k=v), for benchmark.json and the report.
func secretSets(args []string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		kv, inline := "", false
		if strings.HasPrefix(a, "-") {
			kv, inline = strings.CutPrefix(strings.TrimLeft(a, "-"), "set=")
		}
		if !inline {
			if i == 0 || strings.TrimLeft(out[i-1], "-") != "set" {
				continue
			}
			kv = a
		}
		if k, _, ok := strings.Cut(kv, "="); ok && redact.SecretName(k) {
			masked := k + "=" + redact.Mask
			if inline {
				masked = a[:len(a)-len(kv)] + masked
			}
			out[i] = masked
		}
	}
	return out
}

// restore takes the options of the benchmark being resumed for every flag
// not given again, so `runner SPEC --resume DIR` continues it as it began.
func (f *runFlags) restore(given map[string]bool) error {
	bm, err := output.ReadBenchmark(f.resume)
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--resume %s: not a benchmark output folder (%v)", f.resume, err))
	}
	o := bm.Options
	if !given["dry-run"] {
		f.dryRun = o.DryRun
	}
	if !given["intercept"] {
		f.intercept = o.Intercept
	}
	if !given["runs"] {
		f.runs = o.Runs
	}
	if !given["record"] {
		f.record = o.Record
	}
	if !given["replay"] {
		f.replay = o.Replay
	}
	if !given["replay-match"] {
		f.replayMatch = o.ReplayMatch
	}
	if !given["replay-speed"] && o.ReplaySpeed != nil {
		f.replaySpeed = strconv.FormatFloat(*o.ReplaySpeed, 'g', -1, 64)
	}
	if !given["only"] {
		f.only = o.Only
	}
	if given["set"] { // the sets given again win; the stored others are kept
		again := map[string]bool{}
		for _, kv := range f.sets {
			k, _, _ := strings.Cut(kv, "=")
			again[k] = true
		}
		for _, kv := range o.Set {
			if k, _, _ := strings.Cut(kv, "="); !again[k] {
				f.sets = append(f.sets, kv)
			}
		}
	} else {
		f.sets = o.Set
	}
	var missing []string
	for _, k := range o.Withheld {
		found := false
		for _, kv := range f.sets {
			found = found || strings.HasPrefix(kv, k+"=")
		}
		if !found {
			missing = append(missing, "--set "+k+"=...")
		}
	}
	if len(missing) > 0 {
		return usageErrorf("--resume %s: the benchmark was started with %s, whose value was not stored (the name looks secret); give it again: --resume %s %s",
			f.resume, strings.Join(missing, " "), f.resume, strings.Join(missing, " "))
	}
	if !given["shard"] {
		f.shard = o.Shard
	}
	return nil
}

// optionFlags spells the options as flags, for the user to see.
func (f *runFlags) optionFlags() string {
	var b strings.Builder
	if f.dryRun {
		b.WriteString(" --dry-run")
	}
	if f.record {
		b.WriteString(" --record")
	}
	if f.replay != "" {
		fmt.Fprintf(&b, " --replay %s", f.replay)
	}
	if f.replayMatch != "" {
		fmt.Fprintf(&b, " --replay-match %s", f.replayMatch)
	}
	if f.replaySpeed != "" {
		fmt.Fprintf(&b, " --replay-speed %s", f.replaySpeed)
	}
	if f.runs > 0 {
		fmt.Fprintf(&b, " --runs %d", f.runs)
	}
	for _, o := range f.only {
		fmt.Fprintf(&b, " --only %s", o)
	}
	for _, kv := range f.sets {
		if k, _, _ := strings.Cut(kv, "="); redact.SecretName(k) {
			kv = k + "=" + redact.Mask
		}
		fmt.Fprintf(&b, " --set %s", kv)
	}
	if f.shard != "" {
		fmt.Fprintf(&b, " --shard %s", f.shard)
	}
	if b.Len() == 0 {
		return " the spec's defaults"
	}
	return b.String()
}

// cells expands the matrix and, unless this is a dry run, checks each
// cell's requirements.
func (f *runFlags) cells(ctx context.Context, s *spec.Spec, filters []plan.Filter) ([]plan.Cell, error) {
	cells, err := plan.Expand(s, filters)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	if !f.dryRun && s.Replay == nil { // a rehearsal or a replay calls no provider
		plan.CheckRequirements(ctx, cells)
	}
	return cells, nil
}

func runCmd(ctx context.Context, e *env, args []string) error {
	var f runFlags
	fs := newFlagSet(e, "run", "SPEC [flags]", "Run every cell of the benchmark SPEC and write its results.")
	f.register(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("run takes one spec file, got %d arguments", len(pos))
	}
	failOn, err := rules.ParseFailOn(f.failOn)
	if err != nil {
		return usageErrorf("--fail-on %v", err)
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if given["runs"] && f.runs < 1 {
		return usageErrorf("--runs must be at least 1, got %d", f.runs)
	}
	if f.runs > spec.MaxRuns {
		return usageErrorf("--runs: at most %d, got %d", spec.MaxRuns, f.runs)
	}
	if f.resume != "" {
		if err := f.restore(given); err != nil {
			return err
		}
		if !f.quiet {
			fmt.Fprintf(e.stderr, "resuming %s with:%s\n", f.resume, f.optionFlags())
		}
	}
	s, filters, shard, err := f.load(pos[0], e.stderr)
	if err != nil {
		return err
	}
	if err := checkBaseline(s); err != nil {
		return err
	}
	cells, err := f.cells(ctx, s, filters)
	if err != nil {
		return err
	}
	var tp *tapes
	if s.Replay != nil {
		if tp, err = openReplay(s, cells, plan.Runs(cells, s.Runs, s.Order, shard)); err != nil {
			return err
		}
	}
	if err := trialRender(s, cells); err != nil {
		return err
	}
	for _, w := range results.PricingWarnings(s, cells) {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if f.dryRun {
		for _, w := range sim.Unsimulated(s, cells) {
			fmt.Fprintln(e.stderr, "warning:", w)
		}
	}
	if tp != nil && tp.lib != nil && s.Cooldown > 0 {
		fmt.Fprintf(e.stderr, "replay: cooldown %v skipped (a recording needs no rest)\n", s.Cooldown.D())
	}
	if f.dryRun && s.Cooldown > 0 {
		// A cool-down lets a real provider's rate limits and caches settle;
		// the simulator has neither, so a rehearsal does not wait.
		fmt.Fprintf(e.stderr, "dry run: cooldown %v skipped (the simulator needs no rest)\n", s.Cooldown.D())
	}

	started := time.Now()
	commit := host.StartGitCommit()
	dir, done, lock, err := outputDir(s, &f, started, e.stderr)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if f.resume != "" {
		if err := sameMeasurement(dir, s, f.resumeAnyway, e.stderr); err != nil {
			return err
		}
	}
	pairs := plan.Runs(cells, s.Runs, s.Order, shard)
	if len(done) > 0 {
		pairs = plan.Remaining(pairs, done)
		if len(pairs) == 0 {
			fmt.Fprintf(e.stderr, "runner: nothing left to run in %s; re-rendering its outputs\n", dir)
		}
	}

	tmp, err := makeTemp("runner-" + s.Name + "-")
	if err != nil {
		return err
	}
	defer removeTemp(tmp)

	simulated := f.dryRun || tp.replaysSimulation()
	bm := benchmarkInfo(s, pos[0], started, simulated, shard)
	bm.Command = "runner " + strings.Join(append([]string{"run"}, secretSets(args)...), " ")
	bm.Options = f.options()
	bm.Replayed = tp.replayed(s)
	if s.Record {
		if tp, err = startRecording(dir, s, bm); err != nil {
			return err
		}
		bm.Recorded = cassette.Folder
	}
	for _, c := range cells {
		if c.Skip == "" {
			bm.Cells = append(bm.Cells, c.ID)
		}
	}
	if len(done) > 0 {
		if prev, err := output.ReadBenchmark(dir); err == nil {
			bm.Started = prev.Started
		}
	}
	if err := output.WriteInputs(dir, s, bm); err != nil {
		return withCode(ExitOutputs, err)
	}
	hist := openBenchHistory(ctx, f.hist, s, bm)
	defer hist.close()

	prog := newProgress(e.stderr, f.quiet, f.noProgress)
	prog.planned = map[string]int{}
	var order []string
	for _, p := range pairs {
		if prog.planned[p.Cell.ID] == 0 {
			order = append(order, p.Cell.ID)
		}
		prog.planned[p.Cell.ID]++
	}
	prog.plan(order)
	o := bench.Options{
		Spec: s, Cells: cells, Pairs: pairs, Dir: dir, Tmp: tmp,
		Started: started, Shard: shard.String(), Simulated: simulated, Progress: prog, Resuming: f.resume != "",
		NoCooldown: f.dryRun || tp != nil && tp.lib != nil,
	}
	llm, err := startLLM(ctx, s, f.dryRun || tp.simulateMissing(), f.intercept || s.Intercept, tmp)
	if err != nil {
		return err
	}
	defer llm.Close()
	llm.tapes = tp
	o.NewProxy = llm.NewProxy
	o.BudgetExceeded = budgetCheck(s)

	if !f.quiet {
		announceTapes(e.stderr, tp, bm)
		announce(e.stderr, s, cells, pairs, dir, f.dryRun)
	}
	outcome, runErr := bench.Run(ctx, o)
	prog.Finish()

	bm.Finished = time.Now()
	bm.GitCommit = commit()
	bm.StopReason = outcome.StopReason
	// Every error is reported, the first one first: a record that could not
	// be written must not be hidden by the report failing after it.
	var errs []error
	if runErr != nil {
		code := ExitRunsFailed
		if errors.Is(runErr, record.ErrWrite) {
			code = ExitOutputs
		}
		errs = append(errs, withCode(code, runErr))
	}
	if err := output.WriteBenchmark(dir, bm); err != nil {
		errs = append(errs, withCode(ExitOutputs, fmt.Errorf("outputs could not be written: %w", err)))
	}
	if !beginReport(ctx) { // interrupted twice: the user wants out now
		return withCode(ExitInterrupted, fmt.Errorf("interrupted twice; finished and interrupted runs are recorded, the report was not written (runner report %s writes it). Continue with the same options: runner %s --resume %s", dir, pos[0], dir))
	}
	sum, err := summarize(dir, s, bm, e.stderr, hist.option()...)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	recorded := hist.startRecord(ctx, dir, s, bm, sum)
	if err := writeOutputs(dir, s, sum); err != nil {
		errs = append(errs, err)
	}
	printSummary(e.stdout, sum, dir, s)
	histErr := recorded(e.stderr, f.quiet)
	if len(errs) > 0 {
		return errors.Join(append(errs, histErr)...)
	}
	if histErr != nil {
		// The verdict's exit code wins; a store the user named that could
		// not be written is exit 5 when the verdict is clean.
		if v := verdictError(sum, failOn); v != nil && outcome.StopReason == "" && !outcome.Budget {
			return errors.Join(v, histErr)
		}
		if outcome.StopReason == "" && !outcome.Budget {
			return histErr
		}
	}
	if outcome.StopReason == bench.StopInterrupted {
		return withCode(ExitInterrupted, fmt.Errorf("interrupted; finished runs are kept. Continue with the same options: runner %s --resume %s", pos[0], dir))
	}
	if outcome.Budget {
		return withCode(ExitBudget, fmt.Errorf("stopped early: %s. %d of the %d planned runs were not started and are not measured; the report covers the rest. To finish, raise budget.max_cost and continue: runner %s --resume %s",
			outcome.StopReason, len(pairs)-outcome.Runs, len(pairs), pos[0], dir))
	}
	return verdictError(sum, failOn)
}

// verdictError maps a summary to the exit code contract.
func verdictError(sum *results.Summary, failOn rules.Level) error {
	if len(sum.Cells) == 0 {
		return withCode(ExitNothingRan, errors.New("nothing was measured: every cell was skipped (see the reasons above; --dry-run rehearses the benchmark against the simulator)"))
	}
	measured := false
	for _, c := range sum.Cells {
		if c.Runs > 0 {
			measured = true
		}
	}
	switch {
	case sum.Rating == rules.Fail:
		return withCode(ExitThresholds, errors.New("thresholds failed"))
	case sum.Rating.Fails(failOn):
		return withCode(ExitThresholds, errors.New("thresholds only acceptable (--fail-on acceptable)"))
	case !measured || sum.Rating == rules.NotRated && anyFailed(sum):
		return withCode(ExitRunsFailed, errors.New("runs failed and no threshold verdict could be reached"))
	case len(sum.Broken) > 0:
		return withCode(ExitRunsFailed, fmt.Errorf("every run failed in %s: no verdict for %s", strings.Join(sum.Broken, ", "), plural(len(sum.Broken), "that cell", "those cells")))
	}
	return nil
}

func anyFailed(sum *results.Summary) bool {
	for _, c := range sum.Cells {
		if c.Failures > 0 {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// outputDir picks the output folder, locks it for this runner and, when
// resuming, returns the keys of the runs already finished there (an
// interrupted run is not finished).
func outputDir(s *spec.Spec, f *runFlags, started time.Time, warn io.Writer) (string, map[string]bool, *record.FolderLock, error) {
	if f.resume != "" {
		if f.out != "" {
			return "", nil, nil, usageErrorf("--resume and --output both name the output folder; give one")
		}
		lock, err := lockOutput(f.resume)
		if err != nil {
			return "", nil, nil, err
		}
		done, err := resumable(f.resume, warn)
		if err != nil {
			lock.Unlock()
			return "", nil, nil, err
		}
		return abs(f.resume), done, lock, nil
	}
	dir := f.out
	if dir == "" {
		var err error
		dir, err = bench.OutputDir(s, started)
		if err != nil {
			return "", nil, nil, withCode(ExitUsage, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, nil, withCode(ExitUsage, err) // the output folder named cannot be made
	}
	lock, err := lockOutput(dir)
	if err != nil {
		return "", nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, output.RunsFile)); err == nil {
		lock.Unlock()
		return "", nil, nil, usageErrorf("%s already holds a benchmark; use --resume %s to continue it, or another --output", dir, dir)
	}
	return abs(dir), nil, lock, nil
}

// sameMeasurement refuses to resume dir with a spec whose measured fields
// differ from those its runs were made with: the results would mix two
// different benchmarks. anyway overrides, with a warning.
func sameMeasurement(dir string, s *spec.Spec, anyway bool, warn io.Writer) error {
	old, err := os.ReadFile(filepath.Join(dir, output.SpecFile))
	if err != nil {
		return withCode(ExitUsage, fmt.Errorf("--resume %s: %w", dir, err))
	}
	cur := s.Source
	if red, err := spec.RedactSource(s.File, cur); err == nil {
		cur = red // spec.yaml holds secret values as REDACTED: compare alike
	}
	diff := spec.MeasuredDiff(old, cur)
	if len(diff) == 0 {
		return nil
	}
	what := "spec differs"
	if diff[0] != "" {
		what = "spec's measured fields differ: " + strings.Join(diff, ", ")
	}
	if anyway {
		fmt.Fprintf(warn, "runner: warning: --resume-anyway: %s's %s from %s; its runs will mix both\n", dir, output.SpecFile, what)
		return nil
	}
	return usageErrorf("--resume %s: the %s from those of its runs (%s); resume with the spec it was started with, or give --resume-anyway to mix them", dir, what, filepath.Join(dir, output.SpecFile))
}

// lockOutput takes the output folder for this runner for the whole
// benchmark: a second runner on it would mix its runs and logs in.
func lockOutput(dir string) (*record.FolderLock, error) {
	lock, err := record.LockFolder(dir)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return lock, nil
}

// resumable repairs the runs.jsonl of a folder being resumed and returns the
// keys of its finished runs (output.Resume), saying what it repaired.
func resumable(dir string, warn io.Writer) (map[string]bool, error) {
	done, side, err := output.Resume(dir)
	if side != "" {
		fmt.Fprintf(warn, "runner: warning: %s ended in a torn record (the runner stopped while writing it); moved it to %s\n", filepath.Join(dir, output.RunsFile), side)
	}
	if err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("--resume: %w", err))
	}
	return done, nil
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// summarize computes the results of dir from its records.
func summarize(dir string, s *spec.Spec, bm record.Benchmark, warn io.Writer, opts ...results.Option) (*results.Summary, error) {
	recs, err := output.ReadRuns(dir, warn)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return results.Compute(s, bm, record.Latest(recs), append(baseline(s), opts...)...), nil
}

// writeOutputs writes every file derived from sum into dir.
func writeOutputs(dir string, s *spec.Spec, sum *results.Summary) error {
	if _, err := output.WriteAll(dir, s, sum); err != nil {
		return withCode(ExitOutputs, fmt.Errorf("outputs could not be written: %w", err))
	}
	return nil
}

func announce(w io.Writer, s *spec.Spec, cells []plan.Cell, pairs []plan.Pair, dir string, dry bool) {
	if dry {
		fmt.Fprintln(w, "SIMULATED: dry run against the built-in simulator; no real provider is called.")
	}
	runnable := 0
	for _, c := range cells {
		if c.Skip == "" {
			runnable++
		} else {
			fmt.Fprintf(w, "skip %s: %s\n", c.ID, c.Skip)
		}
	}
	fmt.Fprintf(w, "%s: %d cells, %d measured runs to do (%d per cell, %d warmup), output %s\n",
		s.Name, runnable, len(pairs), s.Runs, s.Warmup, dir)
}

// printSummary prints the per-cell result table on stdout.
func printSummary(w io.Writer, sum *results.Summary, dir string, s *spec.Spec) {
	if sum.Replayed != nil {
		fmt.Fprintln(w, sum.Replayed.Notice())
	}
	if sum.Simulated {
		fmt.Fprintln(w, "SIMULATED results (dry run)")
	}
	tw := newTable(w)
	row := func(cols ...string) { // token and cost columns only when tokens were seen
		if !sum.HasTokens {
			cols = append(cols[:3], cols[5:]...)
		}
		tw.row(cols...)
	}
	row("CELL", "RUNS", "TIME (mean ± sd)", "TOKENS", "COST/RUN", "RATING")
	for _, c := range sum.Cells {
		runs := fmt.Sprintf("%d", c.Runs)
		if c.Failures > 0 {
			runs += fmt.Sprintf(" (%d failed)", c.Failures)
		}
		t, tok, cost := "—", "—", "—"
		if c.Time.N > 0 {
			t = output.Seconds(c.Time.Mean)
			if c.Time.Spread() { // one run has no spread
				t += " ± " + output.Seconds(c.Time.Stddev)
			}
		}
		if c.Tokens.N > 0 { // unmetered runs: unknown, not 0
			tok = output.Thousands(c.Tokens.Mean)
		}
		if c.Cost.N > 0 {
			cost = output.USD(c.Cost.Mean)
		}
		rating := c.Rating.Rating()
		switch {
		case c.Runs == 0 && c.Failures > 0:
			rating = "every run failed"
		case c.Runs == 0:
			rating = "not measured (interrupted)"
		}
		row(c.ID, runs, t, tok, cost, rating)
	}
	for _, sk := range sum.Skipped {
		row(sk.Cell, "skipped", sk.Reason, "", "", "")
	}
	for _, id := range sum.NotRun { // stopped before it (Ctrl-C in setup, a budget): said, not a bare header
		row(id, "0", "not reached: the benchmark stopped first", "", "", "")
	}
	tw.flush()
	for _, c := range sum.Cells {
		for _, v := range c.Verdicts {
			if v.Level == rules.Fail {
				shown := v.Actual
				if v.Value != nil {
					shown = output.Quantity(*v.Value, v.Unit)
				}
				fmt.Fprintf(w, "  FAIL %s: %s: %s (actual %s)\n", c.ID, v.Rule, v.Target, shown)
			}
		}
	}
	for _, c := range sum.Cells {
		if c.Runs > 0 && c.Failures > 0 {
			fmt.Fprintf(w, "warning: %s: %d of %d runs failed; judged on the rest\n", c.ID, c.Failures, c.Runs+c.Failures)
		}
	}
	for _, warn := range sum.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
	fmt.Fprintf(w, "report: %s\n", filepath.Join(dir, s.Report.File))
}

// table is an aligned text table: text/tabwriter's columns two spaces
// apart, each line without trailing blanks (empty last cells leave none).
type table struct {
	w   io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTable(w io.Writer) *table {
	t := &table{w: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *table) row(cols ...string) { fmt.Fprintln(t.tw, strings.Join(cols, "\t")) }

func (t *table) flush() {
	t.tw.Flush()
	for line := range strings.Lines(t.buf.String()) {
		fmt.Fprintln(t.w, strings.TrimRight(line, " \n"))
	}
}
