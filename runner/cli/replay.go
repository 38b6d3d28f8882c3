package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/runner-bench/runner/runner/bench"
	"github.com/runner-bench/runner/runner/cassette"
	"github.com/runner-bench/runner/runner/llmapi"
	"github.com/runner-bench/runner/runner/plan"
	"github.com/runner-bench/runner/runner/record"
	"github.com/runner-bench/runner/runner/spec"
)

// tape is a cassette recorder's or player's side of one cell's proxy.
type tape interface {
	Tap(api llmapi.API, upstream *url.URL, next http.RoundTripper) http.RoundTripper
	Start(cell, run string)
	End() (*record.Replay, bool, []string)
	Close() error
}

// tapedProxy is a cell's metering proxy with its tape: bench names each run
// to it (bench.Taped).
type tapedProxy struct {
	bench.Proxy
	tape tape
}

func (t *tapedProxy) StartTape(cell, run string) { t.tape.Start(cell, run) }
func (t *tapedProxy) EndTape() (*record.Replay, bool, []string) {
	return t.tape.End()
}
func (t *tapedProxy) Close() error {
	err := t.Proxy.Close()
	if terr := t.tape.Close(); err == nil {
		err = terr
	}
	return err
}

// tapes is how a benchmark records or replays its provider traffic.
type tapes struct {
	rec  *cassette.Recorder
	lib  *cassette.Library
	opts cassette.Options
}

func (t *tapes) newTape() tape {
	switch {
	case t == nil:
		return nil
	case t.rec != nil:
		return t.rec.Tape()
	case t.lib != nil:
		return t.lib.Tape(t.opts)
	}
	return nil
}

// simulateMissing says the simulator must serve the runs a recording lacks.
func (t *tapes) simulateMissing() bool {
	return t != nil && t.lib != nil && t.opts.Missing == spec.MissingSimulate
}

// replaysSimulation says the recording replayed is of a dry run.
func (t *tapes) replaysSimulation() bool {
	return t != nil && t.lib != nil && t.lib.Manifest.Simulated
}

// replayed describes the recording for benchmark.json and every output.
func (t *tapes) replayed(s *spec.Spec) *record.Replayed {
	if t == nil || t.lib == nil {
		return nil
	}
	return &record.Replayed{Dir: s.Replay.Dir, Recorded: t.lib.Manifest.Recorded, Spec: t.lib.Manifest.Spec,
		Match: string(t.opts.Match), Speed: t.opts.Speed, Missing: string(t.opts.Missing)}
}

// registerTapeFlags adds --record, --replay, --replay-match, --replay-speed.
func (f *runFlags) registerTapeFlags(fs interface {
	BoolVar(*bool, string, bool, string)
	StringVar(*string, string, string, string)
}) {
	fs.BoolVar(&f.record, "record", false, "record every provider call (answers and timings, no secrets) into the output folder's cassettes/ (docs/replay.md)")
	fs.StringVar(&f.replay, "replay", "", "answer every provider from the recording in `DIR` (an output folder made with --record): offline, free, marked REPLAYED")
	fs.StringVar(&f.replayMatch, "replay-match", "", "with --replay, how requests find their answers: `body` (default) or sequence (prompts that change between runs)")
	fs.StringVar(&f.replaySpeed, "replay-speed", "", "with --replay, wait `N` times faster than recorded; 0 answers at once")
}

// applyTapeFlags puts the record and replay flags into the spec, over its
// own record: and replay:.
func (f *runFlags) applyTapeFlags(s *spec.Spec) error {
	if f.record {
		s.Record = true
	}
	if f.replay != "" {
		if s.Replay == nil {
			s.Replay = &spec.Replay{}
		}
		s.Replay.Dir = f.replay
	}
	if (f.replayMatch != "" || f.replaySpeed != "") && s.Replay == nil {
		return usageErrorf("--replay-match and --replay-speed shape a replay: give --replay DIR (or replay: in the spec)")
	}
	if f.replayMatch != "" {
		m := spec.MatchMode(f.replayMatch)
		if !slices.Contains(spec.MatchModes, m) {
			return usageErrorf("--replay-match %q: expected %s", f.replayMatch, strings.Join(spec.Words(spec.MatchModes), " or "))
		}
		s.Replay.Match = m
	}
	if f.replaySpeed != "" {
		v, err := strconv.ParseFloat(f.replaySpeed, 64)
		// NaN and ±Inf parse as numbers but are no speed (the spec refuses
		// .nan and .inf too).
		if err != nil || !(v >= 0) || math.IsInf(v, 0) {
			return usageErrorf("--replay-speed %q: expected a number, at least 0 (1 as recorded, 0 at once)", f.replaySpeed)
		}
		s.Replay.Speed = &v
	}
	if s.Replay != nil && s.Record {
		return usageErrorf("a benchmark either records (--record, record: true) or replays (--replay, replay:), not both")
	}
	if s.Replay != nil && f.dryRun {
		return usageErrorf("--dry-run and --replay both replace the providers; give one")
	}
	return nil
}

// openReplay opens the spec's recording and applies replay.missing to the
// planned cells and runs (cassette.Fit).
func openReplay(s *spec.Spec, cells []plan.Cell, pairs []plan.Pair) (*tapes, error) {
	r := s.Replay
	lib, err := cassette.Open(r.Dir)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	t := &tapes{lib: lib, opts: cassette.ReplayOptions(r)}
	if missing := lib.Fit(cells, plan.WithWarmups(pairs, s.Warmup), t.opts.Missing, r.Dir); len(missing) > 0 {
		return nil, usageErrorf("replay %s: the recording lacks %s (replay.missing: refuse; reuse replays the recorded runs round-robin, simulate lets the simulator answer; runner cassettes %s --spec SPEC shows the fit)",
			r.Dir, strings.Join(missing, ", "), r.Dir)
	}
	return t, nil
}

// startRecording opens the cassettes folder of dir.
func startRecording(dir string, s *spec.Spec, bm record.Benchmark) (*tapes, error) {
	rec, err := cassette.NewRecorder(filepath.Join(dir, cassette.Folder),
		cassette.Manifest{Recorded: bm.Started, Spec: s.Name, RunnerVersion: bm.RunnerVersion, Simulated: bm.Simulated})
	if err != nil {
		return nil, withCode(ExitOutputs, err)
	}
	return &tapes{rec: rec}, nil
}

// announceTapes says, before anything runs, that the benchmark records or
// replays.
func announceTapes(w io.Writer, t *tapes, bm record.Benchmark) {
	switch {
	case t == nil:
	case t.rec != nil:
		fmt.Fprintf(w, "RECORDING every provider call into %s (no keys, auth headers or cookies)\n", t.rec.Dir())
	case t.lib != nil:
		speed := "as recorded"
		if t.opts.Speed == 0 {
			speed = "at once (--replay-speed 0)"
		} else if t.opts.Speed != 1 {
			speed = fmt.Sprintf("%g× as fast as recorded", t.opts.Speed)
		}
		fmt.Fprintf(w, "%s; no provider is called; timing %s, matching by %s\n", bm.Replayed.Notice(), speed, t.opts.Match)
	}
}

func cassettesCmd(ctx context.Context, e *env, args []string) error {
	var f runFlags
	fs := newFlagSet(e, "cassettes", "DIR [--spec SPEC [flags]]",
		"Show what the recording in DIR holds (cells, runs, calls, bytes, date, APIs, models) and, with --spec,\n"+
			"how the spec's planned cells and runs would be answered by it.")
	specFile := fs.String("spec", "", "compare the recording with the cells and runs `SPEC` plans")
	fs.Var(&f.sets, "set", "override a spec var: `key=value` (repeatable)")
	fs.Var(&f.only, "only", "plan only cells matching `axis=value[,axis=value]` (repeatable)")
	fs.IntVar(&f.runs, "runs", 0, "measured runs per cell, overriding the spec's `runs`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usageErrorf("cassettes takes one folder, got %d arguments", len(pos))
	}
	lib, err := cassette.Open(pos[0])
	if err != nil {
		return withCode(ExitUsage, err)
	}
	inv, err := lib.Inventory()
	if err != nil {
		return withCode(ExitUsage, err)
	}
	w := e.stdout
	fmt.Fprintf(w, "recording %s: spec %s, recorded %s\n", lib.Dir, orDash(lib.Manifest.Spec), lib.Manifest.Recorded.UTC().Format("2006-01-02 15:04 UTC"))
	t := newTable(w)
	t.row("CELL", "RUNS", "CALLS", "BYTES", "APIS", "MODELS", "ERRORS")
	var runs, calls int
	var size int64
	for _, c := range inv {
		t.row(c.Cell, strings.Join(c.Runs, " "), strconv.Itoa(c.Calls), strconv.FormatInt(c.Bytes, 10),
			orDash(strings.Join(spec.Words(c.APIs), " ")), orDash(strings.Join(c.Models, " ")), strconv.Itoa(c.Errors))
		runs += len(c.Runs)
		calls += c.Calls
		size += c.Bytes
	}
	t.flush()
	fmt.Fprintf(w, "%d cells, %d runs, %d calls, %d bytes of answers\n", len(inv), runs, calls, size)
	for _, c := range inv {
		for _, warning := range c.Warnings {
			fmt.Fprintf(e.stderr, "runner: warning: %s\n", warning)
		}
	}
	if *specFile == "" {
		return nil
	}
	s, filters, shard, err := f.load(*specFile, e.stderr)
	if err != nil {
		return err
	}
	cells, err := plan.Expand(s, filters)
	if err != nil {
		return withCode(ExitUsage, err)
	}
	missingRule := spec.MissingReuse
	if s.Replay != nil && s.Replay.Missing != "" {
		missingRule = s.Replay.Missing
	}
	byCell := map[string]cassette.CellInventory{}
	for _, c := range inv {
		byCell[c.Cell] = c
	}
	pairs := plan.Runs(cells, s.Runs, s.Order, shard)
	fmt.Fprintf(w, "\nspec %s against it (replay.missing: %s):\n", s.Name, missingRule)
	t = newTable(w)
	t.row("CELL", "PLANNED", "ANSWERED BY", "MODEL")
	exact, total := 0, 0
	for _, c := range cells {
		if c.Skip != "" || c.Provider.API == spec.APINone {
			continue
		}
		var answers []string
		for _, p := range plan.WithWarmups(pairs, s.Warmup) {
			if p.Cell.ID != c.ID {
				continue
			}
			name := p.Name()
			total++
			src, ok := lib.Source(c.ID, name)
			switch {
			case ok:
				exact++
				answers = append(answers, name)
			case src != "":
				answers = append(answers, name+"←"+src)
			case missingRule == spec.MissingSimulate:
				answers = append(answers, name+"←simulator")
			default:
				answers = append(answers, name+"←none")
			}
		}
		model := "—"
		if ci, ok := byCell[c.ID]; ok {
			model = "recorded"
			if c.Model != "" && !slices.Contains(ci.Models, c.Model) {
				model = fmt.Sprintf("%s not recorded (has %s)", c.Model, orDash(strings.Join(ci.Models, " ")))
			}
		} else {
			switch missingRule {
			case spec.MissingReuse:
				answers = []string{"none: the cell is skipped"}
			case spec.MissingRefuse:
				answers = []string{"none: the replay refuses to start"}
			}
		}
		t.row(c.ID, strconv.Itoa(s.Runs), strings.Join(answers, " "), model)
	}
	t.flush()
	fmt.Fprintf(w, "%d of %d planned runs have their own recording; requests within a run match by body (replay.match: body) or by order (sequence) when replayed\n", exact, total)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
