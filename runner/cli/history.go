package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/runner-bench/runner/runner/history"
	"github.com/runner-bench/runner/runner/output"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/results"
	"github.com/runner-bench/runner/runner/spec"
)

// historyFlags name the history store of a command.
type historyFlags struct {
	target string
	off    bool
}

func (h *historyFlags) register(fs *flag.FlagSet, write bool) {
	fs.StringVar(&h.target, "history", "", "the history store: a SQLite `PATH` or a postgres:// URL (default: the spec's history:, else $"+history.EnvVar+", else "+history.DefaultPath+")")
	if write {
		fs.BoolVar(&h.off, "no-history", false, "keep this benchmark out of the history store (and rules reading history.* are N/A)")
	}
}

// resolve picks the store (history.Target) for the spec s, nil for the
// history commands.
func (h *historyFlags) resolve(s *spec.Spec) (target string, explicit bool) {
	specHistory := ""
	if s != nil {
		specHistory = s.History
	}
	return history.Target(h.off, h.target, specHistory)
}

// historyTimeout bounds every talk with the store of a benchmark: an
// unreachable server must not hold the results back for long.
const historyTimeout = 30 * time.Second

// benchHistory is the store as one benchmark uses it: read before its
// results are computed (history.* rules, the report's trend), written
// beside its files.
type benchHistory struct {
	target   string
	explicit bool
	read     chan struct{}    // closed once store and prior are set
	store    *history.Store   // nil: not open, or handed to startRecord
	prior    *results.History // the spec's earlier benchmarks
}

// openBenchHistory opens the store and reads the earlier benchmarks of
// bm's spec in the background: a run starts its commands meanwhile, so
// the store's round trips and the comparison's sorting (History.Prepare)
// cost it nothing. It never fails: a store that cannot be read is shown
// in the report, and written to again when recording.
func openBenchHistory(ctx context.Context, h historyFlags, s *spec.Spec, bm record.Benchmark) *benchHistory {
	bh := &benchHistory{read: make(chan struct{})}
	bh.target, bh.explicit = h.resolve(s)
	if bh.target == "" {
		close(bh.read)
		return bh
	}
	go func() {
		defer close(bh.read)
		ctx, cancel := context.WithTimeout(storeContext(ctx), historyTimeout)
		defer cancel()
		store, err := history.Open(ctx, bh.target)
		if err != nil {
			bh.prior = &results.History{Store: history.Describe(bh.target), Err: errText(err, bh.target)}
			return
		}
		bh.store = store
		if bh.prior, err = store.Prior(ctx, bm, history.DefaultWindow); err != nil {
			bh.prior = &results.History{Store: store.Target(), Err: errText(err, bh.target)}
		}
		bh.prior.Prepare()
	}()
	// On one core, reading beside the first runs would slow them.
	if runtime.NumCPU() < 2 {
		<-bh.read
	}
	return bh
}

// storeContext is ctx for talking with the store: a first Ctrl-C ends
// the runs, not the report of the finished ones, which still compares
// them with history and records them. historyTimeout bounds each talk.
func storeContext(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

// option is the spec's earlier benchmarks for results.Compute, once read.
func (bh *benchHistory) option() []results.Option {
	<-bh.read
	if bh.prior == nil {
		return nil
	}
	return []results.Option{results.WithHistory(bh.prior)}
}

// close closes the store unless startRecord took it. A read still going
// (a slow server, a command that failed before any run) is not waited for:
// the runner is on its way out.
func (bh *benchHistory) close() {
	select {
	case <-bh.read:
		if bh.store != nil {
			bh.store.Close()
			bh.store = nil
		}
	default:
	}
}

// errText is an error without the store's name (messages add it).
func errText(err error, target string) string {
	return strings.TrimPrefix(err.Error(), "history "+history.Describe(target)+": ")
}

// startRecord writes the finished benchmark in dir to the store while
// the caller writes its files; the folder is complete whatever the store
// does. The returned wait reports the outcome on warn. Its error carries
// exit code 5 when the store was named (the spec, a flag or
// $RUNNER_HISTORY); a failure of the default store is only a warning.
func (bh *benchHistory) startRecord(ctx context.Context, dir string, s *spec.Spec, bm record.Benchmark, sum *results.Summary) (wait func(warn io.Writer, quiet bool) error) {
	if bh.target == "" || sum == nil {
		return func(io.Writer, bool) error { return nil }
	}
	if plan.IsPart(bm.Shard) {
		return func(warn io.Writer, quiet bool) error {
			if !quiet {
				fmt.Fprintf(warn, "history: shard %s is not recorded alone; runner merge records the whole benchmark\n", bm.Shard)
			}
			return nil
		}
	}
	<-bh.read
	store := bh.store
	bh.store = nil
	var where string
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(storeContext(ctx), historyTimeout)
		defer cancel()
		// The commands run since it was opened may have deleted its file
		// (`git clean -fdx` where the default .runner/history.db is).
		if store == nil || store.Moved() {
			if store != nil {
				store.Close()
			}
			if store, err = history.Open(ctx, bh.target); err != nil {
				return
			}
		}
		defer store.Close()
		where = store.Target()
		_, err = store.Record(ctx, entryOf(dir, s, bm, sum))
	}()
	return func(warn io.Writer, quiet bool) error {
		<-done
		if err == nil {
			if !quiet {
				fmt.Fprintf(warn, "history: recorded in %s\n", where)
			}
			return nil
		}
		msg := fmt.Errorf("history: the benchmark could not be recorded (%v); its output folder is complete, and `runner history import %s` records it later", err, dir)
		if !bh.explicit {
			fmt.Fprintln(warn, "runner: warning:", msg)
			return nil
		}
		return withCode(ExitOutputs, msg)
	}
}

func entryOf(dir string, s *spec.Spec, bm record.Benchmark, sum *results.Summary) history.Entry {
	src, _ := os.ReadFile(filepath.Join(dir, output.SpecFile))
	return history.Entry{Spec: s, Bench: bm, Summary: sum, Dir: abs(dir), SpecSource: src}
}

// subcommands are the commands under a command, each with its own flags
// (docs/cli.md lists them).
var subcommands = map[string][]string{"history": {"trend", "import", "prices"}}

func historyCmd(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "import":
			return historyImportCmd(ctx, e, args[1:])
		case "trend":
			return historyTrendCmd(ctx, e, args[1:])
		case "prices":
			return historyPricesCmd(ctx, e, args[1:])
		}
	}
	var h historyFlags
	fs := newFlagSet(e, "history", "[SPEC_NAME] [--history PATH|URL]",
		"List the benchmarks in the history store, newest first (all specs, or SPEC_NAME's).\n"+
			"Subcommands:\n"+
			"  runner history trend SPEC_NAME [flags]   each cell's trend of a metric, with change points\n"+
			"  runner history import DIR...             record existing output folders (idempotent)\n"+
			"  runner history prices SPEC_NAME          the price cards used, with the date each was first seen")
	h.register(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		fs.Usage()
		return usageErrorf("history takes at most one spec name, got %d arguments", len(pos))
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	st, err := openForRead(ctx, h)
	if err != nil || st == nil {
		return err
	}
	defer st.Close()
	list, err := st.List(ctx, name)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "no benchmarks%s in %s\n", ofSpec(name), st.Target())
		return nil
	}
	tw := newTable(e.stdout)
	tw.row("STARTED", "SPEC", "KIND", "COMMIT", "CELLS", "RUNS", "FAILED", "ID", "FOLDER")
	for _, b := range list {
		tw.row(b.Started.Local().Format("2006-01-02 15:04:05"), b.Spec, b.Kind, orDash(b.Commit), fmt.Sprint(b.Cells), fmt.Sprint(b.Runs), fmt.Sprint(b.Failures), b.ID, b.Dir)
	}
	tw.flush()
	return nil
}

func ofSpec(name string) string {
	if name == "" {
		return ""
	}
	return " of " + name
}

// openForRead opens the store of a history command. A default SQLite file
// that does not exist yet is an empty history, not created by reading it.
func openForRead(ctx context.Context, h historyFlags) (*history.Store, error) {
	target, _ := h.resolve(nil)
	if target == "" {
		return nil, usageErrorf("history is off (%s=%s); name a store with --history", history.EnvVar, history.Off)
	}
	if !history.IsURL(target) {
		if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
			return nil, usageErrorf("no history store at %s yet: benchmarks are recorded there when they finish, or `runner history import DIR` records existing ones (--history names another store)", target)
		}
	}
	st, err := history.Open(ctx, target)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return st, nil
}

func historyTrendCmd(ctx context.Context, e *env, args []string) error {
	var h historyFlags
	var q history.Query
	fs := newFlagSet(e, "history trend", "SPEC_NAME [--cell GLOB] [--metric M] [--last N] [--format F] [--chart FILE]",
		"Show each cell's trend of a metric over the spec's benchmarks in the history store: per benchmark the\n"+
			"median and its 95% interval, a sparkline, and the change points found (E-divisive means; docs/history.md).\n"+
			"Dry-run and replayed benchmarks are left out unless --include-dry.")
	h.register(fs, false)
	fs.StringVar(&q.Cell, "cell", "", "only cells whose ID matches `GLOB` (e.g. 'anthropic_*')")
	fs.StringVar(&q.Metric, "metric", "total.time", "the `METRIC`, as rules name it: total.time, total.tokens, cost, memory.peak_mb, cpu.seconds, phase(\"X\").time, ...")
	fs.IntVar(&q.Last, "last", 30, "the last `N` benchmarks (0: all)")
	fs.BoolVar(&q.IncludeDry, "include-dry", false, "include dry-run and replayed benchmarks")
	fs.BoolVar(&q.Reprice, "reprice", false, "with --metric cost: every benchmark's tokens at today's prices (the newest benchmark's), instead of the prices then in force")
	format := fs.String("format", "text", "output `FORMAT`: text, markdown, json or csv")
	chart := fs.String("chart", "", "also draw the trend as a PNG at `FILE`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("history trend takes one spec name, got %d arguments", len(pos))
	}
	if !slices.Contains(history.Formats, *format) {
		return usageErrorf("--format %q: expected one of %s", *format, strings.Join(history.Formats, ", "))
	}
	if q.Last < 0 {
		return usageErrorf("--last must not be negative, got %d", q.Last)
	}
	if q.Reprice && q.Metric != "cost" {
		return usageErrorf("--reprice re-prices cost: give --metric cost")
	}
	q.Spec = pos[0]
	st, err := openForRead(ctx, h)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.Trend(ctx, q)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if len(t.Series) == 0 {
		return usageErrorf("no benchmarks of %s%s with metric %s in %s%s", q.Spec, cellNote(q.Cell), q.Metric, st.Target(), dryNote(q.IncludeDry))
	}
	if err := history.Render(e.stdout, t, *format); err != nil {
		return err
	}
	if *chart != "" {
		if err := history.Chart(t, *chart); err != nil {
			return withCode(ExitOutputs, fmt.Errorf("--chart %s: %w", *chart, err))
		}
		if *format == "text" {
			fmt.Fprintf(e.stdout, "\nchart: %s\n", *chart)
		}
	}
	return nil
}

func cellNote(glob string) string {
	if glob == "" {
		return ""
	}
	return " (cells " + glob + ")"
}

func dryNote(included bool) string {
	if included {
		return ""
	}
	return " (dry-run and replayed benchmarks are left out: --include-dry)"
}

func historyPricesCmd(ctx context.Context, e *env, args []string) error {
	var h historyFlags
	fs := newFlagSet(e, "history prices", "SPEC_NAME [--history PATH|URL]",
		"List the price cards the spec's benchmarks used (USD per 1M tokens), each with the date it was first seen.")
	h.register(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("history prices takes one spec name")
	}
	st, err := openForRead(ctx, h)
	if err != nil {
		return err
	}
	defer st.Close()
	cards, err := st.Prices(ctx, pos[0])
	if err != nil {
		return withCode(ExitUsage, err)
	}
	tw := newTable(e.stdout)
	tw.row("MODEL", "INPUT", "OUTPUT", "CACHED INPUT", "FIRST SEEN", "SOURCE")
	for _, c := range cards {
		cached := "—"
		if c.CachedInput != nil {
			cached = fmt.Sprintf("%g", *c.CachedInput)
		}
		tw.row(c.Pattern, fmt.Sprintf("%g", c.Input), fmt.Sprintf("%g", c.Output), cached, c.FirstSeen.Local().Format("2006-01-02 15:04"), c.Source)
	}
	tw.flush()
	return nil
}

func historyImportCmd(ctx context.Context, e *env, args []string) error {
	var h historyFlags
	fs := newFlagSet(e, "history import", "DIR... [--history PATH|URL]",
		"Record existing benchmark output folders in the history store, from their runs.jsonl, spec.yaml and\n"+
			"benchmark.json. A DIR that is not an output folder is searched for them. Importing a folder twice,\n"+
			"or one already recorded live, leaves the store as once. Shard folders are skipped: import the merged one.")
	h.register(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return usageErrorf("history import takes at least one folder")
	}
	target, _ := h.resolve(nil)
	if target == "" {
		return usageErrorf("history is off (%s=%s); name a store with --history", history.EnvVar, history.Off)
	}
	var dirs []string
	for _, p := range pos {
		found, err := output.FindFolders(p)
		if err != nil {
			return withCode(ExitUsage, err)
		}
		if len(found) == 0 {
			return usageErrorf("%s: no benchmark output folder (one with %s) in it", p, output.RunsFile)
		}
		dirs = append(dirs, found...)
	}
	st, err := history.Open(ctx, target)
	if err != nil {
		return withCode(ExitOutputs, err)
	}
	defer st.Close()
	var errs []error
	n := 0
	for _, dir := range dirs {
		f, err := output.ReadFolder(dir, os.Stderr)
		if err == nil && f.Benchmark.Started.IsZero() {
			err = fmt.Errorf("%s has no start time: the folder cannot be told from others", output.BenchmarkFile)
		}
		if err != nil {
			errs = append(errs, withCode(ExitUsage, fmt.Errorf("%s: %w", dir, err)))
			continue
		}
		s, bm := f.Spec, f.Benchmark
		if plan.IsPart(bm.Shard) {
			fmt.Fprintf(e.stderr, "skip %s: shard %s (import the merged folder)\n", dir, bm.Shard)
			continue
		}
		sum := results.Compute(s, bm, record.Latest(f.Runs))
		id, err := st.Record(ctx, entryOf(dir, s, bm, sum))
		if err != nil {
			errs = append(errs, withCode(ExitOutputs, fmt.Errorf("%s: %w", dir, err)))
			continue
		}
		n++
		fmt.Fprintf(e.stdout, "%s  %s  %s  %s\n", id, bm.Spec, bm.Started.Local().Format("2006-01-02 15:04:05"), dir)
	}
	fmt.Fprintf(e.stderr, "history: %d of %d folders recorded in %s\n", n, len(dirs), st.Target())
	return errors.Join(errs...)
}
