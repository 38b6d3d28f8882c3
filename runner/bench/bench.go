// Package bench runs a planned benchmark: setup once, then every (cell, run)
// pair with its prepare commands, warmups, cooldown and timeout, through the
// metering proxy when the provider speaks an LLM API, appending one record
// per finished run to runs.jsonl as it goes; cleanup always runs at the end.
package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runner-bench/runner/runner/execute"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/redact"
	"github.com/runner-bench/runner/runner/spec"
)

// Proxy meters the LLM calls of one cell's runs (package meter implements
// it); runs of a cell are serial, so one proxy serves one cell at a time.
type Proxy interface {
	Env() []string
	BeginRun(start time.Time, phase func() string)
	EndRun() record.CallLog
	LateCalls() record.CallLog // calls that arrived after an earlier run's window closed
	Close() error
}

// Taped is a Proxy that records its calls into cassettes or answers them
// from a recording (runner/cassette): it is told which run it serves before
// the run starts, and says after it where the answers came from (nil when
// recording), with warnings for the run's record.
type Taped interface {
	StartTape(cell, run string)
	EndTape() (replay *record.Replay, simulated bool, warnings []string)
}

// Progress hears about the benchmark as it goes. Calls may come from
// several workers at once; implementations synchronise.
type Progress interface {
	Start(total int) // measured runs to do
	RunStarted(cell string, run int, warmup bool)
	// RunPhase says which phase the cell's running run has open ("" none),
	// from its ::runner:: events or phase pattern. It must not block.
	RunPhase(cell, phase string)
	RunDone(r *record.Run)
	Note(msg string) // setup, cleanup, warnings
}

// Options describe one benchmark execution.
type Options struct {
	Spec    *spec.Spec
	Cells   []plan.Cell // every cell, skipped ones with their reason
	Pairs   []plan.Pair // measured runs to do (after shard and resume)
	Dir     string      // output folder, absolute
	Tmp     string      // scratch folder for the whole benchmark (.tmp)
	Started time.Time
	Shard   string
	// Simulated marks every record (dry run).
	Simulated bool
	// NoCooldown skips the spec's cooldown between runs: a cool-down lets
	// a real provider's rate limits and caches settle, and a rehearsal
	// against the simulator or a replay calls none.
	NoCooldown bool
	// NewProxy, if set, starts the metering proxy of a cell (it may return
	// nil: none); nil runs without one.
	NewProxy func(ctx context.Context, p *spec.Provider) (Proxy, error)
	Progress Progress
	// Resuming says the output folder holds an earlier attempt, whose files
	// a re-run must not take for its own.
	Resuming bool
	// BudgetExceeded, if set, is asked after each run with the records so
	// far; a non-empty answer stops the benchmark cleanly with that reason.
	BudgetExceeded func(done []*record.Run) string
}

// SetupFailed starts the stop reason of a benchmark whose setup failed.
const SetupFailed = "setup failed: "

// Outcome says how the benchmark ended.
type Outcome struct {
	Runs       int    // records written (measured and warmup)
	StopReason string // "" when every planned run was done
	Budget     bool   // stopped by the budget: the runs not started are not measured
}

// StopInterrupted is the StopReason of a benchmark the user interrupted.
const StopInterrupted = "interrupted"

// Run executes the benchmark. Records go to Dir/runs.jsonl as each run ends,
// so an interrupted benchmark keeps every finished run; ctx cancellation
// (Ctrl-C) kills the running process groups, runs cleanup, and returns with
// StopReason StopInterrupted.
func Run(ctx context.Context, o Options) (Outcome, error) {
	s := o.Spec
	if err := os.MkdirAll(filepath.Join(o.Dir, "logs"), 0o755); err != nil {
		return Outcome{}, err
	}
	w, err := record.Create(filepath.Join(o.Dir, "runs.jsonl"))
	if err != nil {
		return Outcome{}, err
	}
	defer w.Close()
	defer execute.ReleaseIdle() // after cleanup (deferred below), the last commands
	b := &benchmark{Options: o, w: w, environ: os.Environ(), runDirs: usesRunDir(o.Spec)}
	b.envMap = environMap(b.environ)
	for k, v := range b.envMap {
		redact.AddValue(k, v) // every run gets it: scrubbed from what runs print
	}
	if b.Progress == nil {
		b.Progress = nopProgress{}
	}
	b.Progress = scrubbed{b.Progress}
	if w.Repaired != "" {
		b.Progress.Note(fmt.Sprintf("warning: runs.jsonl ended in a torn record; moved it to %s", w.Repaired))
	}

	// Cleanup runs whatever happens, even after Ctrl-C (each command bounded
	// by cleanup_timeout); only a second Ctrl-C (abort) skips or kills it.
	defer func() {
		if len(s.Cleanup) == 0 {
			return
		}
		if execute.Aborted(ctx) {
			b.Progress.Note("cleanup skipped: interrupted twice")
			return
		}
		if err := b.commands(context.WithoutCancel(ctx), "cleanup", s.Cleanup, b.data(nil, nil)); err != nil {
			b.Progress.Note(err.Error())
		}
	}()

	for i := range o.Cells {
		if c := &o.Cells[i]; c.Skip != "" {
			b.write(&record.Run{Cell: c.ID, Provider: c.Provider.Name, Model: c.Model, Matrix: c.MatrixMap(),
				Status: record.StatusSkipped, Error: c.Skip, Started: o.Started, Simulated: o.Simulated, Shard: o.Shard})
		}
	}
	if len(o.Pairs) == 0 {
		return Outcome{Runs: b.count}, nil
	}
	if err := b.commands(ctx, "setup", s.Setup, b.data(nil, nil)); err != nil {
		if ctx.Err() != nil {
			return Outcome{Runs: b.count, StopReason: StopInterrupted}, nil
		}
		// The report opens with it: nothing after setup ran.
		return Outcome{Runs: b.count, StopReason: SetupFailed + err.Error()}, err
	}

	b.Progress.Start(len(o.Pairs))
	queues := b.queues()
	var wg sync.WaitGroup
	next := make(chan []plan.Pair)
	for range min(s.Concurrency, len(queues)) {
		wg.Go(func() {
			for q := range next {
				b.cell(ctx, q)
			}
		})
	}
feed:
	for _, q := range queues {
		select {
		case next <- q:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()

	out := Outcome{Runs: b.count}
	if ctx.Err() != nil {
		out.StopReason = StopInterrupted
	} else if why := b.halted.Load(); why != nil {
		out.StopReason = *why
		out.Budget = b.budgetStop.Load()
	}
	return out, b.err
}

type benchmark struct {
	Options
	w      *record.Writer
	halted atomic.Pointer[string] // why no new run may start; runs in flight finish
	// budgetStop says the budget set halted.
	budgetStop atomic.Bool
	runDirs    bool              // each run gets runs/<cell>/<run>/ (the spec uses it)
	environ    []string          // the runner's environment, read once
	envMap     map[string]string // the same, for templates (.env)
	mu         sync.Mutex
	count      int
	done       []*record.Run
	err        error
}

// queues groups pairs into per-cell queues that workers take whole, keeping
// the runs of a cell serial. With one worker and interleaved order the pairs
// stay one queue so cells alternate run by run.
func (b *benchmark) queues() [][]plan.Pair {
	if b.Spec.Concurrency == 1 {
		return [][]plan.Pair{b.Pairs}
	}
	var order []string
	byCell := map[string][]plan.Pair{}
	for _, p := range b.Pairs {
		if _, ok := byCell[p.Cell.ID]; !ok {
			order = append(order, p.Cell.ID)
		}
		byCell[p.Cell.ID] = append(byCell[p.Cell.ID], p)
	}
	qs := make([][]plan.Pair, len(order))
	for i, id := range order {
		qs[i] = byCell[id]
	}
	return qs
}

// cell runs a queue of pairs: warmups before a cell's first run, cooldown
// between runs, one proxy per cell. While a run executes, the next run's
// folder and log file are made on the side: on a short command that file
// work would otherwise cost as much as the process itself.
func (b *benchmark) cell(ctx context.Context, q []plan.Pair) {
	proxies := map[string]Proxy{}
	defer func() {
		for _, p := range proxies {
			p.Close()
		}
	}()
	seq := plan.WithWarmups(q, b.Spec.Warmup)
	next := make(chan runFiles, 1)
	ahead := func(p plan.Pair) { // only a run folder is worth a goroutine
		if b.runDirs {
			go func() { next <- b.files(p) }()
		} else {
			next <- b.files(p)
		}
	}
	ahead(seq[0])
	pending := true
	defer func() { // files made for a run that will not happen
		if pending {
			(<-next).discard()
		}
	}()
	first := true
	yielded := time.Now()
	for i, p := range seq {
		fl := <-next
		pending = false
		if ctx.Err() != nil || b.halted.Load() != nil {
			fl.discard()
			return
		}
		if i+1 < len(seq) {
			pending = true
			ahead(seq[i+1])
		}
		c := p.Cell
		proxy, ok := proxies[c.ID]
		if !ok && b.NewProxy != nil {
			var err error
			if proxy, err = b.NewProxy(ctx, c.Provider); err != nil {
				fl.discard()
				b.fail(fmt.Errorf("starting the metering proxy for %s: %w", c.ID, err))
				return
			}
			if proxy != nil {
				proxies[c.ID] = proxy
			}
		}
		b.cooldown(ctx, &first)
		if ctx.Err() != nil {
			fl.discard()
			return
		}
		b.run(ctx, p, proxy, fl)
		// A loop of short runs never parks this goroutine (it waits in
		// poll(2), not in the scheduler), so every 10 ms Go's sysmon
		// preempts it, takes its P and then polls every 20 us for a
		// millisecond. Yielding every few milliseconds spares that: on 500
		// runs of true, 15% fewer context switches and half the sysmon
		// wake-ups (perf stat, strace -c).
		if time.Since(yielded) > 5*time.Millisecond {
			runtime.Gosched()
			yielded = time.Now()
		}
	}
}

// runFiles name a run's folder and log; the folder is made before the run
// starts (the log when the command first prints).
type runFiles struct {
	name   string // run<N> or warmup<N>
	dir    string // absolute
	logRel string // relative to the output folder
	err    error
}

func (b *benchmark) files(p plan.Pair) runFiles {
	name := p.Name()
	fl := runFiles{name: name, dir: filepath.Join(b.Dir, "runs", p.Cell.ID, name),
		logRel: filepath.Join("logs", p.Cell.ID+"_"+name+".log")}
	if b.runDirs {
		if b.Resuming {
			// What an interrupted attempt left there is not this run's.
			if fl.err = os.RemoveAll(fl.dir); fl.err != nil {
				return fl
			}
		}
		if fl.err = os.MkdirAll(fl.dir, 0o755); fl.err != nil {
			return fl
		}
	}
	return fl
}

// usesRunDir tells whether the spec gives runs their own folder: only then
// is one made for every run (on some file systems a folder costs as much as
// running a short command).
func usesRunDir(s *spec.Spec) bool {
	var srcs []string
	srcs = append(srcs, s.Command.Source)
	for _, t := range s.Prepare {
		srcs = append(srcs, t.Source)
	}
	for _, t := range s.Env {
		srcs = append(srcs, t.Source)
	}
	for _, p := range s.Providers {
		for _, t := range p.Env {
			srcs = append(srcs, t.Source)
		}
	}
	for _, a := range s.Artifacts {
		srcs = append(srcs, a.Path.Source)
	}
	if s.Judge != nil {
		srcs = append(srcs, s.Judge.Command.Source)
		for _, t := range s.Judge.Env {
			srcs = append(srcs, t.Source)
		}
	}
	for _, src := range srcs {
		if strings.Contains(src, ".run.dir") || strings.Contains(src, "RUNNER_RUN_DIR") {
			return true
		}
	}
	return false
}

// discard removes the folder made for a run that did not happen.
func (fl runFiles) discard() {
	os.Remove(fl.dir) // only if still empty
}

func (b *benchmark) cooldown(ctx context.Context, first *bool) {
	if *first || b.Spec.Cooldown == 0 || b.NoCooldown {
		*first = false
		return
	}
	t := time.NewTimer(b.Spec.Cooldown.D())
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// run executes one pair and writes its record.
func (b *benchmark) run(ctx context.Context, p plan.Pair, proxy Proxy, fl runFiles) {
	c := p.Cell
	name, runDir, logRel := fl.name, fl.dir, fl.logRel
	r := &record.Run{Cell: c.ID, Provider: c.Provider.Name, Model: c.Model, Matrix: c.MatrixMap(),
		Index: p.Index, Warmup: p.Warmup, Shard: b.Shard, Simulated: b.Simulated,
		Started: time.Now(), ExitCode: -1}
	if b.runDirs {
		r.Dir = filepath.Join("runs", c.ID, name)
	}
	b.Progress.RunStarted(c.ID, p.Index, p.Warmup)

	job, err := b.job(ctx, c, p, runDir, proxy)
	if fl.err != nil {
		err = fl.err
	}
	if err == nil {
		job.LogPath = filepath.Join(b.Dir, logRel)
		job.EventsPath = strings.TrimSuffix(filepath.Join(b.Dir, logRel), ".log") + ".events.jsonl"
		job.StaleEvents = b.Resuming
		job.AppendLog = b.Resuming
		job.Warn = func(msg string) { b.Progress.Note(fmt.Sprintf("%s %s: %s", c.ID, name, msg)) }
		job.OnPhase = func(phase string) { b.Progress.RunPhase(c.ID, phase) }
		taped, _ := proxy.(Taped)
		if taped != nil {
			taped.StartTape(c.ID, name)
		}
		if proxy != nil {
			job.Live = &execute.Live{}
			proxy.BeginRun(time.Now(), job.Live.Phase)
		}
		m := execute.Run(ctx, job)
		if proxy != nil {
			m.CallLog = proxy.EndRun()
			late := proxy.LateCalls()
			m.LateCalls, m.LateDropped = late.Calls, late.Count()-len(late.Calls)
			m.FailIfCallsFailed()
			for _, w := range undeclaredPhaseWarnings(m.Undeclared) {
				job.Warn(w)
				m.Warnings = append(m.Warnings, w)
			}
		}
		m.Cell, m.Provider, m.Model, m.Matrix = r.Cell, r.Provider, r.Model, r.Matrix
		m.Index, m.Warmup, m.Shard, m.Simulated, m.Dir = r.Index, r.Warmup, r.Shard, r.Simulated, r.Dir
		if taped != nil {
			rp, simulated, warns := taped.EndTape()
			m.Replay, m.Simulated = rp, m.Simulated || simulated
			for _, w := range warns {
				job.Warn(w)
				m.Warnings = append(m.Warnings, w)
			}
		}
		if m.Log != "" { // empty when the command printed nothing
			m.Log = logRel
		}
		r = m
	} else {
		r.Status, r.Error = record.StatusFailed, err.Error()
		if ctx.Err() != nil {
			r.Status = record.StatusInterrupted
		}
	}
	r.TokenSource = tokenSource(b.Spec.Tokens, r)
	if b.Spec.Judge != nil && !p.Warmup && r.OK() && ctx.Err() == nil {
		r.Judge = b.judge(ctx, p, proxy, fl, r)
	}
	b.write(r)
	b.Progress.RunDone(r)
	if b.BudgetExceeded != nil {
		b.mu.Lock()
		why := b.BudgetExceeded(b.done)
		b.mu.Unlock()
		if why != "" && b.halted.CompareAndSwap(nil, &why) {
			b.budgetStop.Store(true)
			b.Progress.Note("stopping: " + why + "; the runs in flight finish and no new run starts")
		}
	}
}

// job renders the run's command, environment and artifacts, and runs the
// spec's prepare commands.
func (b *benchmark) job(ctx context.Context, c *plan.Cell, p plan.Pair, runDir string, proxy Proxy) (execute.Job, error) {
	// The data is made only for a template that uses it: for a command of
	// plain text (`true`, `python agent.py`) it was a tenth of the runner's
	// own work per run.
	var data map[string]any
	render := func(t *spec.Template) (string, error) {
		if t.Static() {
			return t.Render(nil)
		}
		if data == nil {
			data = b.data(c, map[string]any{"index": p.Index, "dir": runDir, "warmup": p.Warmup})
		}
		return t.Render(data)
	}
	if len(b.Spec.Prepare) > 0 {
		data = b.data(c, map[string]any{"index": p.Index, "dir": runDir, "warmup": p.Warmup})
		if err := b.commands(ctx, "prepare", b.Spec.Prepare, data); err != nil {
			return execute.Job{}, err
		}
	}
	cmd, err := render(&b.Spec.Command)
	if err != nil {
		return execute.Job{}, err
	}
	env, err := b.env(c, render, runDir, p)
	if err != nil {
		return execute.Job{}, err
	}
	if proxy != nil {
		env = appendProxyEnv(env, proxy.Env())
	}
	job := execute.Job{
		Command: cmd, Env: env,
		Timeout: b.Spec.Timeout.D(), Phases: b.Spec.Phases,
	}
	if x := b.Spec.Extract; x.Phase != nil || x.Usage != nil || len(x.Metrics) > 0 {
		if x.Phase != nil {
			job.Extract.Phase = x.Phase.Regexp
		}
		if x.Usage != nil {
			job.Extract.Usage = x.Usage.Regexp
		}
		if len(x.Metrics) > 0 {
			job.Extract.Metrics = map[string]*regexp.Regexp{}
			for k, v := range x.Metrics {
				job.Extract.Metrics[k] = v.Regexp
			}
		}
	}
	for _, a := range b.Spec.Artifacts {
		path, err := render(&a.Path)
		if err != nil {
			return execute.Job{}, err
		}
		job.Artifacts = append(job.Artifacts, execute.Artifact{Name: a.Name, Path: path})
	}
	return job, nil
}

// env is the run's environment: ours, then the spec's, the provider's and
// the runner's own variables (later wins).
func (b *benchmark) env(c *plan.Cell, render func(*spec.Template) (string, error), runDir string, p plan.Pair) ([]string, error) {
	env := append([]string(nil), b.environ...)
	// Python block-buffers print() to a pipe: phase lines would arrive late.
	env = append(env, "PYTHONUNBUFFERED=1")
	add := func(vars map[string]spec.Template) error {
		keys := make([]string, 0, len(vars))
		for k := range vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t := vars[k]
			v, err := render(&t)
			if err != nil {
				return err
			}
			env = append(env, k+"="+v)
			redact.AddValue(k, v) // a key the spec passes is scrubbed like one of ours
		}
		return nil
	}
	if err := add(b.Spec.Env); err != nil {
		return nil, err
	}
	if err := add(c.Provider.Env); err != nil {
		return nil, err
	}
	env = append(env,
		"RUNNER_CELL="+c.ID, "RUNNER_PROVIDER="+c.Provider.Name, "RUNNER_MODEL="+c.Model,
		"RUNNER_RUN="+strconv.Itoa(p.Index), "RUNNER_WARMUP="+strconv.FormatBool(p.Warmup),
		"RUNNER_TMP="+b.Tmp)
	if b.runDirs {
		env = append(env, "RUNNER_RUN_DIR="+runDir)
	}
	return env, nil
}

// undeclaredPhaseWarnings says, once per name, which X-Runner-Phase headers
// named no declared phase (the proxy counted those calls in the open phase).
func undeclaredPhaseWarnings(headers []string) []string {
	var out []string
	for _, h := range headers {
		out = append(out, fmt.Sprintf("an X-Runner-Phase header names %q, which is not among the declared phases; its calls count in the phase open at the time", h))
	}
	return out
}

// data is the template data of a run (cell nil: benchmark-wide commands).
func (b *benchmark) data(c *plan.Cell, run map[string]any) map[string]any {
	return templateData(b.Spec, c, run, b.Tmp, b.Dir, b.Started, b.envMap)
}

// commands runs unmeasured commands (setup, prepare, cleanup), logging to
// logs/<what>.log, one after the other into the same log; the first failure
// stops them. The log is made before the first command, so a message that
// names it never points at a file that is not there. Cleanup commands have
// their own timeout (cleanup_timeout), the others the run's.
func (b *benchmark) commands(ctx context.Context, what string, cmds spec.Commands, data map[string]any) error {
	if len(cmds) == 0 {
		return nil
	}
	logRel := filepath.Join("logs", what+".log")
	logPath := filepath.Join(b.Dir, logRel)
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	timeout := b.Spec.Timeout.D()
	if what == "cleanup" {
		timeout = b.Spec.CleanupTimeout.D()
	}
	for i, t := range cmds {
		cmd, err := t.Render(data)
		if err != nil {
			return err
		}
		if what != "prepare" {
			b.Progress.Note(fmt.Sprintf("%s: %s", what, cmd))
		}
		r := execute.Run(ctx, execute.Job{Command: cmd, LogPath: logPath, AppendLog: true, Timeout: timeout})
		if !r.OK() {
			why := r.Error
			if why == "" {
				why = fmt.Sprintf("exit code %d", r.ExitCode)
			}
			verb := "failed: " + why
			if r.Status == record.StatusTimeout {
				verb = why // "timed out after ..."
			}
			return fmt.Errorf("%s command %d (%s) %s; see %s", what, i+1, firstLine(cmd), verb, logRel)
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func (b *benchmark) write(r *record.Run) {
	scrub(r)
	if err := b.w.Write(r); err != nil {
		b.fail(err)
		return
	}
	b.mu.Lock()
	b.count++
	b.done = append(b.done, r)
	b.mu.Unlock()
}

func (b *benchmark) fail(err error) {
	b.mu.Lock()
	if b.err == nil {
		b.err = err
	}
	b.mu.Unlock()
	b.halt(err.Error())
}

// halt lets the runs in flight finish and starts no new one.
func (b *benchmark) halt(why string) {
	b.halted.CompareAndSwap(nil, &why)
}

// tokenSource decides where a run's token totals come from: the proxy when
// asked or (auto) when it saw calls; otherwise the workload's own reports.
func tokenSource(want spec.TokenSource, r *record.Run) string {
	if want == spec.TokensProxy || want == spec.TokensAuto && r.CallLog.Count() > 0 {
		return record.SourceProxy
	}
	for _, u := range r.Usage {
		if u.Source == record.SourceEvents {
			return record.SourceEvents
		}
	}
	if len(r.Usage) > 0 {
		return record.SourceRegex
	}
	if want == spec.TokensAuto {
		return ""
	}
	return record.SourceEvents
}

type nopProgress struct{}

func (nopProgress) Start(int)                    {}
func (nopProgress) RunStarted(string, int, bool) {}
func (nopProgress) RunPhase(string, string)      {}
func (nopProgress) RunDone(*record.Run)          {}
func (nopProgress) Note(string)                  {}

// scrub removes secrets from the text a run record carries out of the run
// (its error quotes the workload's last output line; a failed setup or
// prepare quotes its command).
func scrub(r *record.Run) {
	r.Error = redact.String(r.Error)
	for i := range r.Calls {
		r.Calls[i].Error = redact.String(r.Calls[i].Error)
	}
	for i := range r.LateCalls {
		r.LateCalls[i].Error = redact.String(r.LateCalls[i].Error)
	}
	if j := r.Judge; j != nil {
		j.Error, j.Reason = redact.String(j.Error), redact.String(j.Reason)
		for i := range j.Calls {
			j.Calls[i].Error = redact.String(j.Calls[i].Error)
		}
	}
}

// scrubbed passes progress on with secrets removed from its notes (they
// quote commands and workload output).
type scrubbed struct{ Progress }

func (p scrubbed) Note(msg string) { p.Progress.Note(redact.String(msg)) }

// RunPhase: a phase name comes from the workload's output too.
func (p scrubbed) RunPhase(cell, phase string) { p.Progress.RunPhase(cell, redact.String(phase)) }

// appendProxyEnv adds the proxy's variables to a run's environment. A
// NODE_OPTIONS from the proxy (interception mode's preload) is added to the
// run's own, from the spec's env or the runner's, instead of replacing it.
func appendProxyEnv(env, extra []string) []string {
	for _, kv := range extra {
		if v, ok := strings.CutPrefix(kv, "NODE_OPTIONS="); ok {
			for i := len(env) - 1; i >= 0; i-- {
				if prev, ok := strings.CutPrefix(env[i], "NODE_OPTIONS="); ok {
					if prev != "" {
						kv = "NODE_OPTIONS=" + prev + " " + v
					}
					break
				}
			}
		}
		env = append(env, kv)
	}
	return env
}
